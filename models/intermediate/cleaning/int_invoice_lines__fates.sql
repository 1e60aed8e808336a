-- Every staged line's fate, decided from the line itself: kept, or the first cleaning rule
-- that removes it. Written apart from the filter chain (only the duplicate rule reads the
-- chain's deduplicated keys, and assert_every_raw_row_has_one_fate checks each flagged
-- duplicate against a kept twin), so a chain step that loses or repeats rows disagrees
-- with it and fails the build.
with

staged as (

    select * from {{ ref('stg_online_retail__invoice_lines') }}

),

first_occurrences as (

    select source_row_number from {{ ref('int_invoice_lines__deduplicated') }}

),

non_product_codes as (

    select distinct upper(stock_code) as stock_code
    from {{ ref('non_product_stock_codes') }}

)

select
    staged.source_row_number,
    case
        when staged.customer_id is null then 'missing_customer'
        when
            staged.invoice_no is null
            or staged.invoiced_at is null
            or staged.stock_code is null
            or staged.quantity is null
            or staged.unit_price is null
            then 'missing_value'
        when first_occurrences.source_row_number is null then 'exact_duplicate'
        when staged.is_cancellation then 'cancellation_line'
        when non_product_codes.stock_code is not null then 'non_product_code'
        when staged.unit_price <= 0 then 'non_positive_price'
        else 'kept'
    end as fate
from staged
left join first_occurrences
    on staged.source_row_number = first_occurrences.source_row_number
left join non_product_codes
    on upper(staged.stock_code) = non_product_codes.stock_code
