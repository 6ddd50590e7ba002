{{
  config(
    materialized = 'incremental',
    unique_key = 'user_id',
    incremental_strategy = 'delete+insert',
    pre_hook = ["{{ ensure_watermarks() }}", "{{ reset_watermarks() }}"],
    post_hook = ["delete from {{ this }} where order_items = 0"]
                + changed_order_items_hooks()
  )
}}

-- One row per customer with an order item: the order figures int_customers
-- scores, and the number of items they sum over
-- (macros/customer_order_figures.sql). Items without a customer (user_id
-- null) are no customer's.
-- Kept as a table of its own so that a daily run aggregates only the
-- customers whose items changed: int_customers scores every customer again
-- each day (the quintiles rank them all), and aggregating all of fct_orders
-- for it, per order then per customer, was 0.5-1.1 s of each day at scale
-- 10 on its critical path.
-- Incremental (delete+insert by user_id): the customers of the items whose
-- fct_orders row may have changed since this table was last built
-- (macros/changed_order_items.sql) are aggregated again from all of their
-- items. Any other customer's items are items that did not change, which
-- were theirs at the last build too: their row is exact unless an item
-- moved away from them to another customer (a later record of the item
-- with another user_id). Such a customer's built row counts more items
-- than the customer has now, and no row counts fewer, so the check is one
-- sum: the built rows of the customers not aggregated again plus the new
-- rows must count every item of fct_orders with a customer. When they do
-- not, every customer is aggregated again, and the customers left with no
-- item get a row of zero items, which the post-hook deletes (delete+insert
-- replaces only keys that have a new row). The result equals a full
-- rebuild (t1135/t1136, whose day D+5 moves an item to another customer).

{% if is_incremental() %}
-- (null among them when an item has no customer: matches no user_id; and
-- filtering it out here made DuckDB hash all of fct_orders, 0.4 s at scale
-- 10, where this hashes the few changed items)
with changed as (
    select distinct user_id
    from {{ ref('fct_orders') }}
    where order_item_id in ({{ changed_order_items() }})
),

fresh as (
    {{ customer_order_figures('user_id in (select user_id from changed)') }}
),

-- every item with a customer is counted once: no built row kept below
-- counts an item that has moved to another customer (the built rows' sum
-- less the changed customers': a NOT IN over every built row took longer)
exact as (
    select
        (select coalesce(sum(order_items), 0) from {{ this }})
      - (select coalesce(sum(order_items), 0) from {{ this }}
         where user_id in (select user_id from changed))
      + (select coalesce(sum(order_items), 0) from fresh)
      = (select count(user_id) from {{ ref('fct_orders') }}) as ok
),

everyone as (
    {{ customer_order_figures('not (select ok from exact)') }}
)

select * from fresh where (select ok from exact)
union all
select * from everyone
union all
select
    t.user_id,
    t.first_order_at,
    t.last_order_at,
    t.order_count,
    0,
    t.lifetime_revenue,
    t.lifetime_profit
from {{ this }} t
where not (select ok from exact)
  and t.user_id not in (select user_id from everyone)
{% else %}
{{ customer_order_figures() }}
{% endif %}
