{#- The order items whose fct_orders row may differ from the one the
    calling mart ({{ this }}) last built from: the items of every staging
    row loaded since the newest load time the mart has read of that input
    (macros/watermarks.sql; the staging tables keep each row's raw load
    time in _ingot_loaded_at, and replace a row only with a newer record,
    so a row that changed carries a later time). A fct_orders row is a
    function of its item's record and of its order's, product's,
    inventory item's and customer's records, nothing else: an item none of
    whose five records is newer has the row of the last build. An order,
    product, inventory item or customer that changes finds its items
    however old they are; a record that arrives before the rows it
    describes (an item before its order) is found when they arrive. The
    products are reloaded whole: any change to them computes every item
    again (reloaded_since()).
    One pass over stg_order_items: each input's changed keys are a small
    set its lines are looked up in (a union of three joins read every line
    three more times: 0.07-0.24 s of each of the three marts that call
    this, at scale 10).
    The mart saves these five inputs' times in its post-hooks
    (changed_order_items_hooks()). -#}
{% macro changed_order_items() -%}
    select order_item_id
    from {{ ref('stg_order_items') }}
    where _ingot_loaded_at > {{ watermark(ref('stg_order_items')) }}
    {%- for input, item_col, key in order_item_lookups() %}
       or {{ item_col }} in (
           select {{ key }} from {{ ref(input) }}
           where _ingot_loaded_at > {{ watermark(ref(input)) }})
    {%- endfor %}
       or {{ reloaded_since(ref('stg_products')) }}
{%- endmacro %}

{#- The inputs of a fct_orders row whose changed records find their items
    by key (the item's own record and the reloaded products are read
    otherwise): (staging model, the item's column, the model's key). The
    one list of them for changed_order_items() and its hooks. -#}
{% macro order_item_lookups() -%}
    {{ return([('stg_orders', 'order_id', 'order_id'),
               ('stg_inventory_items', 'inventory_item_id', 'inventory_item_id'),
               ('stg_users', 'user_id', 'user_id')]) }}
{%- endmacro %}

{#- Every `key` of `relation` when `input` has a row loaded since the
    calling mart's last build, none otherwise. For an input rebuilt whole
    from a raw table that is reloaded whole (stg_products: the products
    file is replaced, write_disposition truncate): a reload dates every
    row, and a record it no longer holds has no row to be found by, so the
    rows that read it are all computed again. -#}
{% macro all_if_reloaded(key, relation, input) -%}
    select {{ key }}
    from {{ relation }}
    where {{ reloaded_since(input) }}
{%- endmacro %}

{#- The condition: `input` has a row loaded since the calling mart's last
    build (one scalar comparison, the same for every row). -#}
{% macro reloaded_since(input) -%}
    (select max(_ingot_loaded_at) from {{ input }}) > {{ watermark(input) }}
{%- endmacro %}

{#- The hooks of a mart that reads changed_order_items(), for its config:
    post_hook = changed_order_items_hooks() (and the pre-hooks of watermarks.sql).
    Hook texts, rendered when the hooks run (as `this` is then the mart). -#}
{% macro changed_order_items_hooks() -%}
    {%- set hooks = [] -%}
    {%- for input in ['stg_order_items'] + order_item_lookups() | map('first') | list + ['stg_products'] -%}
        {%- do hooks.append("{{ save_watermark(ref('" ~ input ~ "')) }}") -%}
    {%- endfor -%}
    {{ return(hooks) }}
{%- endmacro %}
