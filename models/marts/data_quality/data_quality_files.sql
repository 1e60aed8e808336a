-- Each raw file and what became of its lines: one row per file and fate (kept, or the
-- cleaning rule of macros/cleaning/cleaning_rules.sql that removed the line), files in the order
-- they were read. A folder of monthly exports is counted file by file; the fates of all
-- files add up to the audit (assert_file_fates_add_up_to_the_audit).
with

per_file_and_fate as (

    select
        source_file,
        fate,
        count(*) as lines,
        min(source_row_number) as first_row
    from {{ ref('int_invoice_lines__fates') }}
    group by source_file, fate

),

files as (

    select
        source_file,
        sum(lines) as file_lines,
        min(first_row) as first_row
    from per_file_and_fate
    group by source_file

),

steps as (

    select
        rule_list.step,
        rule_list.rule_name
    from (
        values
        {%- for rule in cleaning_rules() %}
            ({{ loop.index }}, '{{ rule.name }}')
            {{- "," if not loop.last }}
        {%- endfor %}
    ) as rule_list (step, rule_name)

)

select
    cast(dense_rank() over (order by files.first_row) as integer) as file_order,
    per_file_and_fate.source_file,
    cast(files.file_lines as bigint) as file_lines,
    cast(steps.step as integer) as step,
    per_file_and_fate.fate,
    cast(per_file_and_fate.lines as bigint) as lines,
    per_file_and_fate.lines / files.file_lines as line_share
from per_file_and_fate
inner join files on per_file_and_fate.source_file = files.source_file
left join steps on per_file_and_fate.fate = steps.rule_name
order by file_order, coalesce(steps.step, 0)
