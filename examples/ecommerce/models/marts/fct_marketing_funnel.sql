-- Sessions -> product views -> carts -> purchases, by day and traffic source.
-- Read from fct_sessions (one row per session, kept up to date incrementally)
-- rather than from every event again: the same start day and source (the
-- smallest of a session's values) and funnel flags; events without a session
-- id are no session (grouping every event by session_id counted them as one). A
-- table: it is one small aggregate over the sessions, and any day can change
-- (an event landing late, a session spanning midnight).
with sessions as (
    select
        session_id,
        session_date,
        traffic_source,
        case when reached_product then 1 else 0 end                     as viewed_product,
        case when reached_cart then 1 else 0 end                        as added_to_cart,
        case when reached_purchase then 1 else 0 end                    as purchased
    from {{ ref('fct_sessions') }}
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
