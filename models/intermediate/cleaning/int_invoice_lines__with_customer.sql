-- The cleaning rules applied here (macros/cleaning/cleaning_rules.sql): missing_customer.
select lines.*
from {{ ref('int_invoice_lines__sold') }} as lines
{{- cleaning_rule_lookups('int_invoice_lines__with_customer') }}
where {{ cleaning_rule_filter('int_invoice_lines__with_customer') }}
