-- Cleaning rule 2: exact duplicate lines (every raw column equal) are export artefacts;
-- keep the first occurrence, so a line keeps its first position in the file.
select *
from {{ ref('int_invoice_lines__with_customer') }}
qualify row_number() over (
    partition by
        invoice_no, stock_code, description, quantity,
        invoiced_at, unit_price, customer_id, country
    order by source_row_number
) = 1
