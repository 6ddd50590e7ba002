{{
  config(
    materialized = 'incremental',
    unique_key = 'order_item_id',
    incremental_strategy = 'delete+insert',
    on_schema_change = 'append_new_columns',
    pre_hook = ["{{ ensure_watermarks() }}", "{{ reset_watermarks() }}"],
    post_hook = changed_order_items_hooks()
  )
}}

-- One row per order item: what was sold, to whom, when, for how much, at what profit.
-- Money is exact in cents: sale_price, item_cost and item_profit are DECIMAL(18,2).
-- Incremental (delete+insert by order_item_id: the same effect as a merge, and
-- it runs on every engine, ClickHouse included): each run computes again only
-- the items whose row may have changed (macros/changed_order_items.sql): new
-- items, and items whose own record or whose order's, product's, inventory
-- item's or customer's record was loaded since this table was last built (a
-- late status change, a cancellation or return, a renamed product, a customer
-- whose name changed), however old the order is. The staging tables keep each row's
-- load time, so those are found without reading the history; a lookback of N
-- days would miss a change to an order older than N days. (This computed
-- every item and kept those that differ from the built rows: a join and a
-- comparison of the whole history, each day.) An item is never removed from
-- stg_order_items (a repeated id keeps one record), so replacing those rows
-- leaves exactly the rows of a full rebuild. The lookups read only the rows
-- of those items' orders, inventory items and customers: joined whole, each
-- day hashed every inventory item and customer for a few hundred items.

{% if is_incremental() %}
with changed as (
    {{ changed_order_items() }}
),

items as (
    select * from {{ ref('stg_order_items') }}
    where order_item_id in (select order_item_id from changed)
),
{% else %}
with items as (
    select * from {{ ref('stg_order_items') }}
),
{% endif %}

orders as (
    select order_id, order_status, order_created_at from {{ ref('stg_orders') }}
    {% if is_incremental() %}where order_id in (select order_id from items){% endif %}
),

products as (
    select product_id, product_name, brand, category, department, cost as product_cost
    from {{ ref('stg_products') }}
),

inventory as (
    select inventory_item_id, cost as inventory_cost from {{ ref('stg_inventory_items') }}
    {% if is_incremental() %}where inventory_item_id in (select inventory_item_id from items){% endif %}
),

customers as (
    select user_id, first_name, last_name from {{ ref('stg_users') }}
    {% if is_incremental() %}where user_id in (select user_id from items){% endif %}
),

computed as (
select
    i.order_item_id,
    i.order_id                                               as order_id,
    i.user_id                                               as user_id,
    c.first_name || ' ' || c.last_name                       as customer_name,
    i.product_id                                             as product_id,
    p.product_name,
    p.brand,
    p.category,
    p.department,
    coalesce(o.order_status, i.item_status)                  as order_status,
    coalesce(o.order_created_at, i.item_created_at)          as order_created_at,
    cast(coalesce(o.order_created_at, i.item_created_at) as date) as order_date,
    cast(i.sale_price as decimal(18,2))                      as sale_price,
    cast(coalesce(inv.inventory_cost, p.product_cost) as decimal(18,2)) as item_cost,
    cast(i.sale_price - coalesce(inv.inventory_cost, p.product_cost) as decimal(18,2)) as item_profit,
    {{ hours_between('i.item_created_at', 'i.shipped_at') }}  as hours_to_ship,
    {{ is_revenue_status('i.item_status') }}                 as is_revenue
from items i
left join orders o on o.order_id = i.order_id
left join products p on p.product_id = i.product_id
left join inventory inv on inv.inventory_item_id = i.inventory_item_id
left join customers c on c.user_id = i.user_id
)

select * from computed
