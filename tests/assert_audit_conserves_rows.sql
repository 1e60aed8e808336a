-- Every raw row is either kept or removed by exactly one cleaning rule.
with

audit as (

    select
        arg_min(rows_in, step) as raw_rows,
        sum(rows_removed) as removed_rows,
        arg_max(rows_out, step) as kept_rows
    from {{ ref('data_quality_audit') }}

)

select audit.*
from audit
where
    audit.raw_rows != (select count(*) from {{ ref('stg_online_retail__invoice_lines') }})
    or audit.kept_rows != (select count(*) from {{ ref('fct_sales_lines') }})
    or audit.raw_rows != audit.kept_rows + audit.removed_rows
