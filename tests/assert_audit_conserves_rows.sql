-- Every raw row is either kept or removed by exactly one cleaning rule.
with

audit as (

    select
        min(rows_in) filter (where step = 1) as raw_rows,
        sum(rows_removed) as removed_rows,
        min(rows_out) filter (where step = (select max(step) from {{ ref('data_quality_audit') }}))
            as kept_rows
    from {{ ref('data_quality_audit') }}

)

select audit.*
from audit
where
    raw_rows != (select count(*) from {{ ref('stg_online_retail__invoice_lines') }})
    or kept_rows != (select count(*) from {{ ref('fct_sales_lines') }})
    or raw_rows != kept_rows + removed_rows
