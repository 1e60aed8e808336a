-- Cleaning rule 5: postage, fees, discounts, vouchers and manual lines are not product
-- sales: drop the codes listed in the seed non_product_stock_codes (each with its reason),
-- compared without regard to case. No pattern rule: "starts with a letter" also removes
-- real products (DCGS0003 BOXED GLASS ASHTRAY in the UCI file).
select purchases.*
from {{ ref('int_sales_lines__purchases') }} as purchases
where
    upper(purchases.stock_code) not in (
        select upper(codes.stock_code) from {{ ref('non_product_stock_codes') }} as codes
    )
