-- Every raw file is counted whole: data_quality_files gives each file as many lines as the
-- input holds for it (counted in the input as loaded: the source, or the model var
-- order_lines names), and over the files each rule removed as many lines as the audit says.
with

input_files as (

    select
        source_file,
        count(*) as lines
    from ({{ order_lines(as_loaded=true) }}) as input_lines
    group by source_file

),

counted_files as (

    select
        source_file,
        any_value(file_lines) as file_lines,
        sum(lines) as lines
    from {{ ref('data_quality_files') }}
    group by source_file

),

by_rule as (

    select
        fate,
        sum(lines) as lines
    from {{ ref('data_quality_files') }}
    group by fate

)

select
    'file ' || coalesce(input_files.source_file, counted_files.source_file) as problem,
    input_files.lines as expected,
    counted_files.lines as found
from input_files
full outer join counted_files on input_files.source_file = counted_files.source_file
where
    input_files.lines is distinct from counted_files.lines
    or counted_files.file_lines is distinct from counted_files.lines
union all
select
    'rule ' || audit.rule_name as problem,
    audit.rows_removed as expected,
    coalesce(by_rule.lines, 0) as found
from {{ ref('data_quality_audit') }} as audit
left join by_rule on audit.rule_name = by_rule.fate
where audit.rows_removed != coalesce(by_rule.lines, 0)
