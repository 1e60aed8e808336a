-- Cleaning rule 4b: once matched to their purchases, cancellation lines are dropped; their
-- effect lives on in the purchases' quantity_canceled.
select *
from {{ ref('int_invoice_lines__cancellations_matched') }}
where not is_cancellation
