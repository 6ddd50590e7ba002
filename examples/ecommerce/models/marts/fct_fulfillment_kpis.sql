-- The operational KPIs per day: fulfilment, on-time and return rates.
-- Averages are taken over exact values (the rates' 1.0/0.0 are decimals, the
-- hours are cast to DECIMAL(18,6)), so they do not depend on the order the
-- engine adds rows in.
select
    order_date,
    count(*)                                                              as orders,
    avg(case when is_cancelled then null when is_shipped then 1.0 else 0.0 end)  as fulfillment_rate,
    avg(case when shipped_on_time is null then null when shipped_on_time then 1.0 else 0.0 end) as on_time_rate,
    avg(case when is_delivered or is_returned then (case when is_returned then 1.0 else 0.0 end) end) as return_rate,
    avg(cast(hours_to_ship as decimal(18,6)))                             as avg_hours_to_ship,
    avg(cast(hours_to_deliver as decimal(18,6)))                          as avg_hours_to_deliver
from {{ ref('fct_fulfillment') }}
group by order_date
