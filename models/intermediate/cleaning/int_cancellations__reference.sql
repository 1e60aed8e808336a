-- Cancellation matching, `reference` mode: the rule of the widely used reference notebook,
-- kept so its published figures can be reproduced.
--   one earlier purchase of the same customer and stock code: it gets the cancelled quantity;
--   several: the most recent one that bought at least the cancelled quantity gets it;
--   none: the cancellation is unmatched.
-- A purchase assigned by several cancellations keeps the last one (in file order): the
-- notebook overwrites, it does not add.
-- stored only in the mode in use; the other mode stays an unqueried view (its unit tests run)
{{ config(materialized='table' if var('cancellation_matching') == 'reference' else 'view') }}

with

lines as (

    select * from {{ ref('int_invoice_lines__deduplicated') }}

),

cancellations as (

    select
        source_row_number,
        customer_id,
        stock_code,
        invoiced_at,
        -quantity as cancelled_quantity
    from lines
    where is_cancellation

),

purchases as (

    select
        source_row_number,
        customer_id,
        stock_code,
        invoiced_at,
        quantity
    from lines
    where not is_cancellation and quantity > 0

),

candidates as (

    select
        cancellations.source_row_number as cancellation_row_number,
        cancellations.cancelled_quantity,
        purchases.source_row_number as purchase_row_number,
        purchases.invoiced_at as purchased_at,
        purchases.quantity as purchased_quantity,
        count(*) over (partition by cancellations.source_row_number) as candidate_count
    from cancellations
    inner join purchases
        on
            cancellations.customer_id = purchases.customer_id
            and cancellations.stock_code = purchases.stock_code
            and cancellations.invoiced_at > purchases.invoiced_at

),

-- (ranked in a subquery, not with QUALIFY: Spark accepts QUALIFY only from 4.2 on)
assignments as (

    select
        ranked.cancellation_row_number,
        ranked.purchase_row_number,
        ranked.cancelled_quantity
    from (
        select
            cancellation_row_number,
            purchase_row_number,
            cancelled_quantity,
            row_number() over (
                partition by cancellation_row_number
                order by purchased_at desc, purchase_row_number desc
            ) as candidate_rank
        from candidates
        where candidate_count = 1 or purchased_quantity >= cancelled_quantity
    ) as ranked
    where ranked.candidate_rank = 1

),

effective_assignments as (

    select
        ranked.purchase_row_number,
        ranked.cancelled_quantity
    from (
        select
            purchase_row_number,
            cancelled_quantity,
            row_number() over (
                partition by purchase_row_number order by cancellation_row_number desc
            ) as assignment_rank
        from assignments
    ) as ranked
    where ranked.assignment_rank = 1

),

purchase_results as (

    select
        purchase_row_number as source_row_number,
        cancelled_quantity as quantity_canceled,
        0 as quantity_matched,
        0 as quantity_unmatched
    from effective_assignments

),

cancellation_results as (

    select
        cancellations.source_row_number,
        0 as quantity_canceled,
        case
            when assignments.cancellation_row_number is not null
                then cancellations.cancelled_quantity
            else 0
        end as quantity_matched,
        case
            when assignments.cancellation_row_number is null
                then cancellations.cancelled_quantity
            else 0
        end as quantity_unmatched
    from cancellations
    left join assignments
        on cancellations.source_row_number = assignments.cancellation_row_number

)

select * from purchase_results
union all
select * from cancellation_results
