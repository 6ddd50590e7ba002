# tests/cli/gen-lib.sh — helpers for the `ingot gen thelook` tests (t01xx),
# sourced after lib.sh.

# q, q1, expect_q: tests/cli/lib.sh.

# The declared thelook types (as src/gen/thelook.h lists them), as DuckDB
# read_csv column maps: INT64 → BIGINT, FLOAT64 → DOUBLE, STRING → VARCHAR.
cols_users="{'id':'BIGINT','first_name':'VARCHAR','last_name':'VARCHAR','email':'VARCHAR','age':'BIGINT','gender':'VARCHAR','state':'VARCHAR','street_address':'VARCHAR','postal_code':'VARCHAR','city':'VARCHAR','country':'VARCHAR','latitude':'DOUBLE','longitude':'DOUBLE','traffic_source':'VARCHAR','created_at':'TIMESTAMP','user_geom':'VARCHAR'}"
cols_orders="{'order_id':'BIGINT','user_id':'BIGINT','status':'VARCHAR','gender':'VARCHAR','created_at':'TIMESTAMP','returned_at':'TIMESTAMP','shipped_at':'TIMESTAMP','delivered_at':'TIMESTAMP','num_of_item':'BIGINT'}"
cols_order_items="{'id':'BIGINT','order_id':'BIGINT','user_id':'BIGINT','product_id':'BIGINT','inventory_item_id':'BIGINT','status':'VARCHAR','created_at':'TIMESTAMP','shipped_at':'TIMESTAMP','delivered_at':'TIMESTAMP','returned_at':'TIMESTAMP','sale_price':'DOUBLE'}"
cols_products="{'id':'BIGINT','cost':'DOUBLE','category':'VARCHAR','name':'VARCHAR','brand':'VARCHAR','retail_price':'DOUBLE','department':'VARCHAR','sku':'VARCHAR','distribution_center_id':'BIGINT'}"
cols_inventory_items="{'id':'BIGINT','product_id':'BIGINT','created_at':'TIMESTAMP','sold_at':'TIMESTAMP','cost':'DOUBLE','product_category':'VARCHAR','product_name':'VARCHAR','product_brand':'VARCHAR','product_retail_price':'DOUBLE','product_department':'VARCHAR','product_sku':'VARCHAR','product_distribution_center_id':'BIGINT'}"
cols_distribution_centers="{'id':'BIGINT','name':'VARCHAR','latitude':'DOUBLE','longitude':'DOUBLE','distribution_center_geom':'VARCHAR'}"
cols_events="{'id':'BIGINT','user_id':'BIGINT','sequence_number':'BIGINT','session_id':'VARCHAR','created_at':'TIMESTAMP','ip_address':'VARCHAR','city':'VARCHAR','state':'VARCHAR','postal_code':'VARCHAR','browser':'VARCHAR','traffic_source':'VARCHAR','uri':'VARCHAR','event_type':'VARCHAR'}"

# rc DIR TABLE [GLOB]: a strict typed read_csv over a table's files.
rc() {
  local cols; eval "cols=\$cols_$2"
  echo "read_csv('$1/$2/${3:-$2_*.csv*}', header=true, columns=$cols, auto_detect=false, delim=',', quote='\"', escape='\"', strict_mode=true)"
}
TABLES="users orders order_items products inventory_items distribution_centers events"
