select
    order_id,
    sum(case when method = 'card' then amount_cents else 0 end) as card_cents,
    sum(case when method = 'voucher' then amount_cents else 0 end) as voucher_cents,
    sum(case when method = 'transfer' then amount_cents else 0 end) as transfer_cents
    
from "tinyshop"."main"."shop_payments"
group by order_id