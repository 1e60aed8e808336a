-- Cleaning rule 4: postage, fees, discounts and manual lines are not product sales: drop
-- the codes listed in the seed non_product_stock_codes and any code that starts with a
-- letter (product codes start with digits).
with

non_product_codes as (

    select stock_code from {{ ref('non_product_stock_codes') }}

)

select purchases.*
from {{ ref('int_sales_lines__purchases') }} as purchases
where
    not regexp_matches(purchases.stock_code, '^[A-Za-z]')
    and purchases.stock_code not in (select non_product_codes.stock_code from non_product_codes)
