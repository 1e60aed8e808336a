-- How well the categories follow baskets, over all kept sales lines: of all pairs of
-- different products on the same invoice, the share whose two products share a category,
-- divided by the share expected by chance (sum over categories of s_c squared, s_c being
-- the category's share of (invoice, product) occurrences). 1.0 = no relation.
with

entries as (

    select distinct
        items.invoice_no,
        items.stock_code,
        categories.category_id
    from {{ ref('int_product_basket_items') }} as items
    inner join {{ ref('int_product_categories') }} as categories
        on items.stock_code = categories.stock_code

),

per_invoice_category as (

    select
        invoice_no,
        category_id,
        count(*) as products
    from entries
    group by invoice_no, category_id

),

per_invoice as (

    select
        invoice_no,
        sum(products) as products,
        sum(products * (products - 1) / 2) as same_category_pairs
    from per_invoice_category
    group by invoice_no

),

category_shares as (

    select
        category_id,
        sum(products) / sum(sum(products)) over () as occurrence_share
    from per_invoice_category
    group by category_id

),

expected as (

    select sum(occurrence_share * occurrence_share) as expected_pair_share
    from category_shares

),

totals as (

    select
        count(*) as invoices,
        sum(products) as occurrences,
        sum(products * (products - 1) / 2) as product_pairs,
        sum(same_category_pairs) as same_category_pairs
    from per_invoice

)

select
    cast(totals.invoices as bigint) as invoices,
    cast(totals.occurrences as bigint) as occurrences,
    cast(totals.product_pairs as bigint) as product_pairs,
    cast(totals.same_category_pairs as bigint) as same_category_pairs,
    totals.same_category_pairs / nullif(totals.product_pairs, 0) as same_category_pair_share,
    expected.expected_pair_share,
    totals.same_category_pairs
    / nullif(totals.product_pairs, 0)
    / expected.expected_pair_share as basket_lift,
    (select count(*) from category_shares) as categories
from totals
cross join expected
