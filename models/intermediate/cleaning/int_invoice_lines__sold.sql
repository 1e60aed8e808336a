-- The cleaning rules applied here (macros/cleaning/cleaning_rules.sql): cancelled_order and
-- refunded_order. The lines of orders the shop system recorded as no sale (cancelled,
-- voided, refunded in full: int_orders__status) are removed first, whole orders at a time.
select lines.*
from {{ ref('stg_online_retail__invoice_lines') }} as lines
{{- cleaning_rule_lookups('int_invoice_lines__sold') }}
where {{ cleaning_rule_filter('int_invoice_lines__sold') }}
