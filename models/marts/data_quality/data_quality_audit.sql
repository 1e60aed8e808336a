-- What each cleaning rule (macros/cleaning/cleaning_rules.sql) removed, in order: the fates of
-- int_invoice_lines__fates counted
-- (every raw line is kept or removed by exactly one rule, tested by
-- assert_every_raw_row_has_one_fate), with what cancellation matching did.
with

fate_counts as (

    select
        fate,
        count(*) as lines
    from {{ ref('int_invoice_lines__fates') }}
    group by fate

),

-- every raw line has exactly one fate (assert_every_raw_row_has_one_fate): their counts add up
raw_rows as (

    select sum(fate_counts.lines) as n from fate_counts

),

cancellations as (

    select
        count(*) filter (where is_cancellation and quantity_cancel_matched > 0)
            as matched_lines,
        cast(coalesce(sum(quantity_cancel_matched), 0) as bigint) as matched_quantity,
        {{ round_money('coalesce(sum(quantity_cancel_matched * unit_price), 0)') }}
            as matched_value,
        count(*) filter (where is_cancellation and quantity_cancel_unmatched > 0)
            as unmatched_lines,
        cast(coalesce(sum(quantity_cancel_unmatched), 0) as bigint) as unmatched_quantity,
        {{ round_money('coalesce(sum(quantity_cancel_unmatched * unit_price), 0)') }}
            as unmatched_value,
        cast(coalesce(sum(quantity_canceled) filter (where not is_cancellation), 0) as bigint)
            as quantity_canceled_on_purchases
    from {{ ref('int_invoice_lines__cancellations_matched') }}

),

rules as (

    -- the declared rules (macros/cleaning/cleaning_rules.sql), their step being their position
    select
        rule_list.step,
        rule_list.rule_name,
        rule_list.reason
    from (
        values
        {%- for rule in cleaning_rules() %}
            ({{ loop.index }}, '{{ rule.name }}', '{{ rule.reason | replace("'", "''") }}')
            {{- "," if not loop.last }}
        {%- endfor %}
    ) as rule_list (step, rule_name, reason)

),

negative_net as (

    select count(*) as lines
    from {{ ref('fct_sales_lines') }}
    where net_quantity < 0

),

steps as (

    select
        rules.step,
        rules.rule_name,
        rules.reason,
        cast(coalesce(fate_counts.lines, 0) as bigint) as rows_removed,
        cast(
            (select raw_rows.n from raw_rows)
            - sum(coalesce(fate_counts.lines, 0)) over (
                order by rules.step rows between unbounded preceding and current row
            ) as bigint
        ) as rows_out
    from rules
    left join fate_counts on rules.rule_name = fate_counts.fate

)

select
    steps.step,
    steps.rule_name,
    steps.rows_out + steps.rows_removed as rows_in,
    steps.rows_removed,
    steps.rows_out,
    steps.reason,
    case when steps.rule_name = 'cancellation_line' then cancellations.matched_lines end
        as cancellations_matched_lines,
    case when steps.rule_name = 'cancellation_line' then cancellations.matched_quantity end
        as cancellations_matched_quantity,
    case when steps.rule_name = 'cancellation_line' then cancellations.matched_value end
        as cancellations_matched_value,
    case when steps.rule_name = 'cancellation_line' then cancellations.unmatched_lines end
        as cancellations_unmatched_lines,
    case when steps.rule_name = 'cancellation_line' then cancellations.unmatched_quantity end
        as cancellations_unmatched_quantity,
    case when steps.rule_name = 'cancellation_line' then cancellations.unmatched_value end
        as cancellations_unmatched_value,
    case
        when steps.rule_name = 'cancellation_line'
            then cancellations.quantity_canceled_on_purchases
    end as quantity_canceled_on_purchases,
    case
        when steps.rule_name = 'cancellation_line' then negative_net.lines
    end as negative_net_quantity_lines
from steps
cross join cancellations
cross join negative_net
order by steps.step
