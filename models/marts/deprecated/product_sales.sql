-- the old name of sales_by_product, kept for one release (CHANGELOG.md)
select * from {{ ref('sales_by_product') }}
