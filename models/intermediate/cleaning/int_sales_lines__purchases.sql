-- The cleaning rules applied here (macros/cleaning/cleaning_rules.sql): cancellation_line. Once
-- matched to their purchases, cancellation lines are dropped; their effect lives on in the
-- purchases' quantity_canceled.
select lines.*
from {{ ref('int_invoice_lines__cancellations_matched') }} as lines
{{- cleaning_rule_lookups('int_sales_lines__purchases') }}
where {{ cleaning_rule_filter('int_sales_lines__purchases') }}
