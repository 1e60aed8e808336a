-- Every stock code the non_product_code rule removed, with how many lines, and why (the
-- seed's reason): what the rule did, code by code.
with

removed as (

    select
        staged.stock_code,
        count(*) as lines,
        any_value(staged.description) as description_in_file
    from {{ ref('int_invoice_lines__fates') }} as fates
    inner join {{ ref('stg_online_retail__invoice_lines') }} as staged
        on fates.source_row_number = staged.source_row_number
    where fates.fate = 'non_product_code'
    group by staged.stock_code

)

select
    removed.stock_code,
    removed.description_in_file,
    codes.reason,
    removed.lines
from removed
inner join {{ ref('non_product_stock_codes') }} as codes
    on upper(removed.stock_code) = upper(codes.stock_code)
order by removed.lines desc, removed.stock_code asc
