-- What each cleaning rule removed, in order, so that every raw row is accounted for:
-- raw rows = rows kept + the sum of rows_removed (tested by assert_audit_conserves_rows).
with

counts as (

    select
        (select count(*) from {{ ref('stg_online_retail__invoice_lines') }}) as raw_rows,
        (select count(*) from {{ ref('int_invoice_lines__with_customer') }}) as with_customer,
        (select count(*) from {{ ref('int_invoice_lines__deduplicated') }}) as deduplicated,
        (select count(*) from {{ ref('int_sales_lines__purchases') }}) as purchases,
        (select count(*) from {{ ref('int_sales_lines__products') }}) as products,
        (select count(*) from {{ ref('fct_sales_lines') }}) as priced

),

cancellations as (

    select
        count(*) filter (where is_cancellation and quantity_cancel_matched > 0)
            as matched_lines,
        cast(coalesce(sum(quantity_cancel_matched), 0) as bigint) as matched_quantity,
        coalesce(sum(quantity_cancel_matched * unit_price), 0) as matched_value,
        count(*) filter (where is_cancellation and quantity_cancel_unmatched > 0)
            as unmatched_lines,
        cast(coalesce(sum(quantity_cancel_unmatched), 0) as bigint) as unmatched_quantity,
        coalesce(sum(quantity_cancel_unmatched * unit_price), 0) as unmatched_value,
        cast(coalesce(sum(quantity_canceled) filter (where not is_cancellation), 0) as bigint)
            as quantity_canceled_on_purchases
    from {{ ref('int_invoice_lines__cancellations_matched') }}

),

rules as (

    select
        rule_list.step,
        rule_list.rule_name,
        rule_list.counted_as,
        rule_list.reason
    from (
        values
        (
            1, 'missing_customer', 'with_customer',
            'line has no customer id, so it cannot be attributed to a customer'
        ),
        (
            2, 'exact_duplicate', 'deduplicated',
            'line repeats an earlier line exactly (every column equal); the first is kept'
        ),
        (
            3, 'cancellation_line', 'purchases',
            'line cancels goods (C invoice or negative quantity); after matching it to the '
            || 'purchases it cancels ({{ var("cancellation_matching") }} mode) its effect is '
            || 'kept in their quantity_canceled'
        ),
        (
            4, 'non_product_code', 'products',
            'stock code is not a product (seed non_product_stock_codes, or starts with a letter)'
        ),
        (
            5, 'non_positive_price', 'priced',
            'unit price is zero or negative, so the line is no sale'
        )
    ) as rule_list (step, rule_name, counted_as, reason)

),

rows_after as (

    unpivot counts
    on with_customer, deduplicated, purchases, products, priced
    into name counted_as value rows_out

),

steps as (

    select
        rules.step,
        rules.rule_name,
        rules.reason,
        rows_after.rows_out,
        coalesce(
            lag(rows_after.rows_out) over (order by rules.step),
            (select counts.raw_rows from counts)
        ) as rows_in
    from rules
    inner join rows_after on rules.counted_as = rows_after.counted_as

)

select
    steps.step,
    steps.rule_name,
    steps.rows_in,
    steps.rows_in - steps.rows_out as rows_removed,
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
    end as quantity_canceled_on_purchases
from steps
cross join cancellations
order by steps.step
