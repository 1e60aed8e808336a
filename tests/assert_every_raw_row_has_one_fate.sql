-- Every raw row has exactly one fate, and the kept ones are exactly fct_sales_lines:
--   1. the raw rows, counted in the input as loaded, equal the classified rows;
--   2. no classified row is repeated (the unique test on int_invoice_lines__fates'
--      source_row_number: with 1, every raw row is classified once);
--   3. every row classified as kept is in fct_sales_lines and nothing else is;
--   4. every row classified as a duplicate has a kept identical twin earlier in the file.
-- Returns one row per broken promise.
with

raw_rows as (

    -- the input as loaded: the source, or the model var order_lines names (macro order_lines)
    select count(*) as n from ({{ order_lines(as_loaded=true) }}) as input_lines

),

fates as (

    select * from {{ ref('int_invoice_lines__fates') }}

),

kept_count as (

    select count(*) as n
    from fates
    where fate = 'kept'

),

sales as (

    select sales_line_id from {{ ref('fct_sales_lines') }}

),

staged as (

    select * from {{ ref('stg_online_retail__invoice_lines') }}

),

duplicates as (

    select staged.*
    from staged
    inner join fates on staged.source_row_number = fates.source_row_number
    where fates.fate = 'exact_duplicate'

),

twins as (

    select distinct duplicates.source_row_number
    from duplicates
    inner join {{ ref('int_invoice_lines__deduplicated') }} as kept
        on
            duplicates.invoice_no = kept.invoice_no
            and duplicates.stock_code = kept.stock_code
            and duplicates.description is not distinct from kept.description
            and duplicates.quantity = kept.quantity
            and duplicates.invoiced_at = kept.invoiced_at
            and duplicates.unit_price = kept.unit_price
            and duplicates.customer_id = kept.customer_id
            and duplicates.country is not distinct from kept.country
            and duplicates.source_row_number > kept.source_row_number

),

problems as (

    select
        'raw rows != classified rows' as problem,
        (select raw_rows.n from raw_rows) - count(*) as rows_affected
    from fates
    having count(*) != (select raw_rows.n from raw_rows)

    union all

    select
        'kept but not in fct_sales_lines' as problem,
        count(*) as rows_affected
    from fates
    where
        fates.fate = 'kept'
        and fates.source_row_number not in (select sales.sales_line_id from sales)
    having count(*) > 0

    union all

    select
        'in fct_sales_lines but not kept, or repeated' as problem,
        count(*) - (select kept_count.n from kept_count) as rows_affected
    from sales
    having count(*) != (select kept_count.n from kept_count)

    union all

    select
        'duplicate without a kept twin' as problem,
        count(*) as rows_affected
    from duplicates
    where duplicates.source_row_number not in (select twins.source_row_number from twins)
    having count(*) > 0

)

select * from problems
