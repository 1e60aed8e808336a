-- The per-file counts (data_quality_files) add up to the audit: all files' lines are the
-- raw lines, and each rule removed as many lines over the files as the audit says.
with

by_rule as (

    select
        fate,
        sum(lines) as lines
    from {{ ref('data_quality_files') }}
    group by fate

),

audit as (

    select
        rule_name,
        rows_removed,
        rows_in
    from {{ ref('data_quality_audit') }}

)

select
    'rule ' || audit.rule_name as problem,
    audit.rows_removed as expected,
    coalesce(by_rule.lines, 0) as found
from audit
left join by_rule on audit.rule_name = by_rule.fate
where audit.rows_removed != coalesce(by_rule.lines, 0)
union all
select
    'raw lines' as problem,
    (select max(audit.rows_in) from audit) as expected,
    (select sum(files.lines) from {{ ref('data_quality_files') }} as files) as found
where
    (select max(audit.rows_in) from audit)
    is distinct from (select sum(files.lines) from {{ ref('data_quality_files') }} as files)
