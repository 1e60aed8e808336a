-- The cleaning rules applied here (macros/cleaning_rules.sql): non_positive_price, and any
-- rule declared after it. The lines left get their revenue net of what was cancelled.
select
    lines.*,
    lines.quantity - lines.quantity_canceled as net_quantity,
    lines.unit_price * (lines.quantity - lines.quantity_canceled) as line_revenue,
    lines.unit_cost * (lines.quantity - lines.quantity_canceled) as line_cost
from {{ ref('int_sales_lines__products') }} as lines
{{- cleaning_rule_lookups('int_sales_lines__priced') }}
where {{ cleaning_rule_filter('int_sales_lines__priced') }}
