-- allocate mode: no purchase line gets more cancelled than it bought.
{{ config(enabled=var('cancellation_matching') == 'allocate') }}
select
    lines.source_row_number,
    lines.quantity,
    allocated.quantity_canceled
from {{ ref('int_cancellations__allocated') }} as allocated
inner join {{ ref('int_invoice_lines__deduplicated') }} as lines
    on allocated.source_row_number = lines.source_row_number
where
    allocated.quantity_canceled > greatest(lines.quantity, 0)
    or allocated.quantity_canceled < 0
