-- allocate mode: allocated + unmatched quantity = total cancelled quantity, and what the
-- cancellations allocated is exactly what the purchases record as cancelled.
{{ config(enabled=var('cancellation_matching') == 'allocate') }}
with

cancelled as (

    select coalesce(sum(abs(quantity)), 0) as total_cancelled
    from {{ ref('int_invoice_lines__deduplicated') }}
    where is_cancellation

),

allocated as (

    select
        coalesce(sum(quantity_matched), 0) as matched,
        coalesce(sum(quantity_unmatched), 0) as unmatched,
        coalesce(sum(quantity_canceled), 0) as canceled_on_purchases
    from {{ ref('int_cancellations__allocated') }}

)

select
    cancelled.total_cancelled,
    allocated.matched,
    allocated.unmatched,
    allocated.canceled_on_purchases
from cancelled
cross join allocated
where
    allocated.matched + allocated.unmatched != cancelled.total_cancelled
    or allocated.canceled_on_purchases != allocated.matched
