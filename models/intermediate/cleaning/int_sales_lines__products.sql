-- The cleaning rules applied here (macros/cleaning/cleaning_rules.sql): non_product_code. Postage,
-- fees, discounts, vouchers and manual lines are not product sales: the codes listed in the
-- seed non_product_stock_codes (each with its reason), compared without regard to case. No
-- pattern rule: "starts with a letter" also removes real products (DCGS0003 BOXED GLASS
-- ASHTRAY in the UCI file).
select lines.*
from {{ ref('int_sales_lines__purchases') }} as lines
{{- cleaning_rule_lookups('int_sales_lines__products') }}
where {{ cleaning_rule_filter('int_sales_lines__products') }}
