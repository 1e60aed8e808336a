-- Every staged line's fate, decided from the line itself: kept, or the first cleaning rule
-- (macros/cleaning/cleaning_rules.sql, in their declared order) whose condition removes it. Written
-- apart from the filter chain (only the duplicate rule reads the chain's deduplicated keys,
-- and assert_every_raw_row_has_one_fate checks each flagged duplicate against a kept twin),
-- so a chain step that loses or repeats rows disagrees with it and fails the build.
select
    lines.source_row_number,
    lines.source_file,
    case
        {%- for rule in cleaning_rules() %}
            when {{ rule.removes }} then '{{ rule.name }}'
        {%- endfor %}
        else 'kept'
    end as fate
from {{ ref('stg_online_retail__invoice_lines') }} as lines
{{- cleaning_rule_lookups() }}
