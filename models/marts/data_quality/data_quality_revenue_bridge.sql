-- From what the file's sale lines were priced at to the net revenue every mart adds up, in
-- steps that add up: the sale lines (every raw line but cancellation lines) at quantity x
-- unit price; less what each cleaning rule removed of them; = the kept purchases; less what
-- was cancelled from them later, the discounts and the partial refunds netted
-- (int_sales_lines__priced); = net revenue, the sum of fct_sales_lines.line_revenue.
with

sale_lines as (

    select
        fates.fate,
        staged.unit_price * staged.quantity as line_value
    from {{ ref('stg_online_retail__invoice_lines') }} as staged
    inner join {{ ref('int_invoice_lines__fates') }} as fates
        on staged.source_row_number = fates.source_row_number
    where not coalesce(staged.is_cancellation, false)

),

by_fate as (

    select
        fate,
        count(*) as lines,
        coalesce(sum(line_value), 0) as amount
    from sale_lines
    group by fate

),

kept as (

    select
        count(*) as lines,
        coalesce(sum(unit_price * quantity), 0) as listed,
        coalesce(sum(unit_price * quantity_canceled), 0) as canceled,
        coalesce(sum(discount_amount), 0) as discounts,
        coalesce(sum(refund_amount), 0) as refunds,
        coalesce(sum(line_revenue), 0) as net_revenue,
        count(*) filter (where discount_amount > 0) as discounted_lines,
        count(*) filter (where refund_amount > 0) as refunded_lines,
        count(*) filter (where quantity_canceled > 0) as canceled_lines
    from {{ ref('fct_sales_lines') }}

),

-- the declared rules (macros/cleaning/cleaning_rules.sql) that remove sale lines, in their order:
-- not cancellation_line, whose lines are the returns themselves (what they took off the
-- purchases is the step "cancelled later")
{%- set removing = [] %}
{%- for rule in cleaning_rules() if rule.name != 'cancellation_line' %}
    {%- do removing.append(rule.name) %}
{%- endfor %}
rules as (

    select
        rule_list.step,
        rule_list.rule_name
    from (
        values
        {%- for name in removing %}
            ({{ loop.index }}, '{{ name }}'){{ "," if not loop.last }}
        {%- endfor %}
    ) as rule_list (step, rule_name)

),

netting as (

    select
        1 as after_rules,
        'kept purchases at their unit price' as item,
        kept.lines,
        kept.listed as amount
    from kept
    union all
    select
        2 as after_rules,
        'cancelled later (cancellation lines matched)' as item,
        kept.canceled_lines as lines,
        -kept.canceled as amount
    from kept
    union all
    select
        3 as after_rules,
        'discounts (line and order)' as item,
        kept.discounted_lines as lines,
        -kept.discounts as amount
    from kept
    union all
    select
        4 as after_rules,
        'partial refunds' as item,
        kept.refunded_lines as lines,
        -kept.refunds as amount
    from kept
    union all
    select
        5 as after_rules,
        'net revenue' as item,
        kept.lines,
        kept.net_revenue as amount
    from kept

),

steps as (

    select
        0 as step,
        'sale lines in the file' as item,
        sum(by_fate.lines) as lines,
        sum(by_fate.amount) as amount
    from by_fate
    union all
    select
        rules.step,
        'removed by ' || rules.rule_name as item,
        coalesce(by_fate.lines, 0) as lines,
        -coalesce(by_fate.amount, 0) as amount
    from rules
    left join by_fate on rules.rule_name = by_fate.fate
    union all
    select
        {{ removing | length }} + netting.after_rules as step,
        netting.item,
        netting.lines,
        netting.amount
    from netting

)

select
    step,
    item,
    cast(lines as bigint) as lines,
    {{ round_money('amount') }} as amount
from steps
