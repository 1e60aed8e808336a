-- The cleaning rules applied here (macros/cleaning/cleaning_rules.sql): missing_value (the loader
-- refuses such files; this keeps plain-dbt loads honest too).
select lines.*
from {{ ref('int_invoice_lines__with_customer') }} as lines
{{- cleaning_rule_lookups('int_invoice_lines__complete') }}
where {{ cleaning_rule_filter('int_invoice_lines__complete') }}
