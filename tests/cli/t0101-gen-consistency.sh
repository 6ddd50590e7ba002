#!/usr/bin/env bash
# t0101-gen-consistency: the generated data holds thelook's rules, checked by
# loading every file with DuckDB's own read_csv and the declared types:
# no orphans, created <= shipped <= delivered <= returned with NULLs as the
# status says, items share their order's user/status/times, num_of_item is
# the item count, first orders follow sign-up, purchases match orders,
# sold inventory matches its item, prices and costs in range.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/cli/gen-lib.sh"

run "$INGOT" gen thelook --scale 0.01 --out lake --files 2
expect_rc 0

U=$(rc lake users) O=$(rc lake orders) I=$(rc lake order_items) P=$(rc lake products)
V=$(rc lake inventory_items) D=$(rc lake distribution_centers) E=$(rc lake events)

# ids are unique and dense
for x in "$U:id" "$O:order_id" "$I:id" "$P:id" "$V:id" "$D:id" "$E:id"; do
  src=${x%:*} col=${x##*:}
  expect_q "select count(*) = count(distinct $col) and min($col) = 1 and max($col) = count(*) from $src" "true"
done

# no orphans
expect_q "select count(*) from $O o where o.user_id not in (select id from $U)" 0
expect_q "select count(*) from $I i where i.order_id not in (select order_id from $O)" 0
expect_q "select count(*) from $I i where i.product_id not in (select id from $P)" 0
expect_q "select count(*) from $I i where i.inventory_item_id not in (select id from $V)" 0
expect_q "select count(*) from $V v where v.product_id not in (select id from $P)" 0
expect_q "select count(*) from $P p where p.distribution_center_id not in (select id from $D)" 0
expect_q "select count(*) from $E e where e.user_id is not null and e.user_id not in (select id from $U)" 0
expect_q "select count(distinct inventory_item_id) = count(*) from $I" true

# time order and NULLs by status
expect_q "select count(*) from $O where shipped_at < created_at or delivered_at < shipped_at or returned_at < delivered_at" 0
expect_q "select string_agg(distinct status, '|' order by status) from $O" "Cancelled|Complete|Processing|Returned|Shipped"
expect_q "select count(*) from $O where (status in ('Processing','Cancelled')) <> (shipped_at is null)" 0
expect_q "select count(*) from $O where (status in ('Complete','Returned')) <> (delivered_at is not null)" 0
expect_q "select count(*) from $O where (status = 'Returned') <> (returned_at is not null)" 0
expect_q "select bool_and(gender in ('M','F')) from $O" true

# items share their order's user, status and times; num_of_item = item count
expect_q "select count(*) from $I i join $O o using (order_id) where i.user_id <> o.user_id or i.status <> o.status
          or i.created_at <> o.created_at or i.shipped_at is distinct from o.shipped_at
          or i.delivered_at is distinct from o.delivered_at or i.returned_at is distinct from o.returned_at" 0
expect_q "select count(*) from $O o left join (select order_id, count(*) n from $I group by 1) c using (order_id)
          where c.n is distinct from o.num_of_item" 0
# an order's gender is its user's; a user's first order follows sign-up
expect_q "select count(*) from $O o join $U u on u.id = o.user_id where o.gender <> u.gender" 0
expect_q "select count(*) from (select user_id, min(created_at) f from $O group by 1) o join $U u on u.id = o.user_id
          where o.f <= u.created_at" 0
# items are sold at the product's retail price, in the buyer's department
expect_q "select count(*) from $I i join $P p on p.id = i.product_id where i.sale_price <> p.retail_price" 0
expect_q "select count(*) from $I i join $O o using (order_id) join $P p on p.id = i.product_id
          where p.department <> case o.gender when 'F' then 'Women' else 'Men' end" 0

# products: 29,120 of 26 categories, two departments, cost 40-60% of retail
expect_q "select count(*), count(distinct category), string_agg(distinct department, '|' order by department) from $P" "29120,26,Men|Women"
expect_q "select count(*) from $P where cost < 0.4 * retail_price - 0.005 or cost > 0.6 * retail_price + 0.005 or retail_price <= 0" 0
# a long tail: the dearest product costs many times the median
expect_q "select max(retail_price) > 8 * median(retail_price) from $P" true
# inventory: the sold unit matches its item; unsold units have no sold_at
expect_q "select count(*) from $I i join $V v on v.id = i.inventory_item_id
          where v.product_id <> i.product_id or v.sold_at <> i.created_at or v.created_at >= v.sold_at" 0
expect_q "select count(*) from $V where sold_at is null and id in (select inventory_item_id from $I)" 0
expect_q "select count(*) from $V v join $P p on p.id = v.product_id where v.cost <> p.cost or v.product_name <> p.name
          or v.product_sku <> p.sku or v.product_distribution_center_id <> p.distribution_center_id" 0

# events: sessions run home -> ... -> purchase|cancel in sequence and time;
# purchases match orders one to one (user and time)
expect_q "select string_agg(distinct event_type, '|' order by event_type) from $E" "cancel|cart|department|home|product|purchase"
expect_q "select count(*) from (select session_id, min(sequence_number) a, max(sequence_number) b, count(*) n,
          count(distinct user_id) nu from $E group by 1) where a <> 1 or b <> n or nu > 1" 0
expect_q "select count(*) from (select created_at, lag(created_at) over (partition by session_id order by sequence_number) p
          from $E) where created_at < p" 0
expect_q "select count(*) from $E where sequence_number = 1 and event_type <> 'home'" 0
expect_q "select count(*) from $E where event_type = 'purchase'" "$(q "select count(*) from $O")"
expect_q "select count(*) from $E e join $O o on o.user_id = e.user_id and o.created_at = e.created_at
          where e.event_type = 'purchase'" "$(q "select count(*) from $O")"
expect_q "select count(*) from $E where (event_type = 'purchase') and user_id is null
          or (event_type = 'cancel') and user_id is not null" 0
expect_q "select string_agg(distinct traffic_source, '|' order by traffic_source) from $E" "Adwords|Email|Facebook|Organic|YouTube"
expect_q "select string_agg(distinct browser, '|' order by browser) from $E" "Chrome|Firefox|IE|Other|Safari"

# users: thelook's countries lead the mix; ages 12-70; sources
expect_q "select country from $U group by 1 order by count(*) desc limit 1" "China"
expect_q "select min(age) >= 12 and max(age) <= 70 from $U" true
expect_q "select traffic_source from $U group by 1 order by count(*) desc limit 1" "Search"

# growth over the range and a weekly rhythm: later years sell more, and
# Saturdays more than Tuesdays over the whole range
expect_q "select count(*) filter (where year(created_at) = 2025) > 3 * count(*) filter (where year(created_at) = 2019) from $O" true
expect_q "select min(created_at) >= '2019-01-01' and max(created_at) < '2026-01-01' from $O" true
run "$INGOT" gen thelook --scale 0.2 --out big --tables orders
expect_rc 0
expect_q "select count(*) filter (where dayofweek(created_at) = 6) > count(*) filter (where dayofweek(created_at) = 2) from $(rc big orders)" true
