{{
  config(
    materialized = 'incremental',
    unique_key = 'order_date',
    incremental_strategy = 'delete+insert',
    pre_hook = ["{{ ensure_watermarks() }}", "{{ reset_watermarks() }}"],
    post_hook = ["delete from {{ this }} where order_date not in (select order_date from {{ ref('fct_orders') }} where is_revenue)"]
                + changed_order_items_hooks()
  )
}}

-- Day x category x department: the numbers the sales dashboard shows.
-- Only items that count as revenue (not cancelled, not returned).
-- Money is exact: revenue and profit are DECIMAL(38,2) sums of cents, so they do
-- not depend on the order the engine adds rows in; the average order value is
-- rounded to the cent (DECIMAL(18,2)).
-- Incremental (delete+insert by order_date): each run aggregates again only
-- the days that may have changed, however old:
--   - the days of the items whose fct_orders row may have changed since this
--     table was last built (macros/changed_order_items.sql: from the staging
--     tables' load times, without reading the history; a late status change,
--     a new item, a renamed category);
--   - the days whose number of revenue items differs from the built one: a
--     day an item moved away from (its order's date changed) and that no
--     changed item moved to (that one is in the first set).
-- The rest of a day's numbers are sums over its items, so a day with no
-- changed item and the same items has the built rows. (This aggregated the
-- whole history and compared it with the built rows, each day.) A day whose
-- every item stopped counting as revenue has no row left to insert, so the
-- first post-hook deletes the built days that have no revenue item any more.
-- The result equals a full rebuild (t1135/t1136).

with
{% if is_incremental() %}
changed_days as (
    select order_date
    from {{ ref('fct_orders') }}
    where order_item_id in ({{ changed_order_items() }})
    union
    select coalesce(n.order_date, b.order_date)
    from (
        select order_date, count(*) as items
        from {{ ref('fct_orders') }}
        where is_revenue
        group by order_date
    ) n
    full join (
        select order_date, sum(items) as items
        from {{ this }}
        group by order_date
    ) b on b.order_date = n.order_date
    where {{ differs('n.items', 'b.items') }}
),
{% endif %}

sales as (
    select
        order_date,
        category,
        department,
        cast(sum(sale_price) as decimal(38,2))            as revenue,
        cast(sum(item_profit) as decimal(38,2))           as profit,
        count(distinct order_id)                          as orders,
        count(*)                                          as items,
        count(distinct user_id)                           as customers,
        cast(round(sum(sale_price) / nullif(count(distinct order_id), 0), 2) as decimal(18,2))
                                                          as average_order_value
    from {{ ref('fct_orders') }}
    where is_revenue
    {% if is_incremental() %}
      and order_date in (select order_date from changed_days)
    {% endif %}
    group by order_date, category, department
)

select * from sales
