-- Lifetime value in margin (var clv_value_basis: margin) needs every kept invoice's
-- margin: an invoice without one would leave its purchase day out of the spend model's
-- fit and value its customer on the others alone. Returns the invoices without a margin
-- when margin is the basis (none otherwise).
{{ config(severity='error') }}

select
    invoice_no,
    customer_id,
    'invoice without a margin (a line has no UnitCost) while var clv_value_basis is margin'
        as problem
from {{ ref('fct_invoices') }}
where
    '{{ clv_value_column() }}' = 'margin'
    and margin is null
