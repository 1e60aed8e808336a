-- Cancellation matching, `allocate` mode: each cancelled quantity is allocated to earlier
-- purchases of the same customer and stock code, most recent first, never more than was
-- bought; what cannot be allocated is an unmatched return.
--
-- Set-based, per (customer, stock code): purchases push units on a stack, cancellations
-- pop the most recent ones. The stack height is the running total of signed quantities
-- reflected at zero (a return with nothing to pop leaves the height at 0). A purchase's
-- units sit at the heights between the height before it and after it; a unit is popped
-- when the height later falls below it, so the quantity cancelled from a purchase is
-- what lies above the lowest height reached after it.
-- stored only in the mode in use; the other mode stays an unqueried view (its unit tests run)
{{ config(materialized='table' if var('cancellation_matching') == 'allocate' else 'view') }}

with

lines as (

    select * from {{ ref('int_invoice_lines__deduplicated') }}

),

products_with_cancellations as (

    select distinct
        customer_id,
        stock_code
    from lines
    where is_cancellation

),

events as (

    select
        lines.source_row_number,
        lines.customer_id,
        lines.stock_code,
        lines.invoiced_at,
        lines.is_cancellation,
        case
            when lines.is_cancellation then -abs(lines.quantity)
            else greatest(lines.quantity, 0)
        end as signed_quantity
    from lines
    -- products_with_cancellations is distinct: the join repeats no line
    inner join products_with_cancellations
        on
            lines.customer_id = products_with_cancellations.customer_id
            and lines.stock_code = products_with_cancellations.stock_code

),

running as (

    select
        *,
        sum(signed_quantity) over event_order as running_total
    from events
    window event_order as (
        partition by customer_id, stock_code
        -- strictly earlier: at equal times the cancellation comes first
        order by invoiced_at asc, is_cancellation desc, source_row_number asc
        rows unbounded preceding
    )

),

stack as (

    select
        *,
        running_total - least(0, min(running_total) over event_order) as stack_height
    from running
    window event_order as (
        partition by customer_id, stock_code
        order by invoiced_at asc, is_cancellation desc, source_row_number asc
        rows unbounded preceding
    )

),

with_neighbours as (

    select
        *,
        coalesce(lag(stack_height) over event_order, 0) as height_before,
        min(stack_height) over (
            partition by customer_id, stock_code
            order by invoiced_at asc, is_cancellation desc, source_row_number asc
            rows between 1 following and unbounded following
        ) as lowest_height_after
    from stack
    window event_order as (
        partition by customer_id, stock_code
        order by invoiced_at asc, is_cancellation desc, source_row_number asc
    )

)

select
    source_row_number,
    case
        when not is_cancellation
            then greatest(
                0,
                stack_height
                - greatest(height_before, coalesce(lowest_height_after, stack_height))
            )
        else 0
    end as quantity_canceled,
    case when is_cancellation then height_before - stack_height else 0 end as quantity_matched,
    case
        when is_cancellation then -signed_quantity - (height_before - stack_height)
        else 0
    end as quantity_unmatched
from with_neighbours
