-- Cleaning rule 2: a line missing its invoice, date, stock code, quantity or price cannot
-- be a sale (the loader refuses such files; this keeps plain-dbt loads honest too).
select *
from {{ ref('int_invoice_lines__with_customer') }}
where
    invoice_no is not null
    and invoiced_at is not null
    and stock_code is not null
    and quantity is not null
    and unit_price is not null
