-- Sessions -> product views -> carts -> purchases, by day and traffic source.
with sessions as (
    select
        session_id,
        min(event_date)                                                   as session_date,
        min(traffic_source)                                               as traffic_source,
        max(case when event_type = 'product' then 1 else 0 end)           as viewed_product,
        max(case when event_type = 'cart' then 1 else 0 end)              as added_to_cart,
        max(case when event_type = 'purchase' then 1 else 0 end)          as purchased
    from {{ ref('stg_events') }}
    group by session_id
)

select
    session_date,
    traffic_source,
    count(*)                                                    as sessions,
    sum(viewed_product)                                         as product_view_sessions,
    sum(added_to_cart)                                          as cart_sessions,
    sum(purchased)                                              as purchase_sessions,
    sum(viewed_product) * 1.0 / count(*)                        as view_rate,
    sum(added_to_cart) * 1.0 / nullif(sum(viewed_product), 0)   as cart_rate,
    sum(purchased) * 1.0 / nullif(sum(added_to_cart), 0)        as checkout_rate,
    sum(purchased) * 1.0 / count(*)                             as conversion_rate
from sessions
group by session_date, traffic_source
