-- The cleaning rule implemented here (macros/cleaning_rules.sql): exact_duplicate. Exact
-- duplicate lines (every raw column equal) are export artefacts; keep the first
-- occurrence, so a line keeps its first position in the file.
-- A hash aggregate over the columns: no sort of the whole file. (is_cancellation follows
-- from invoice_no and quantity, so grouping by it too changes no group.)
select
    min(source_row_number) as source_row_number,
    invoice_no,
    stock_code,
    description,
    quantity,
    invoiced_at,
    unit_price,
    unit_cost,
    customer_id,
    country,
    is_cancellation
from {{ ref('int_invoice_lines__complete') }}
group by all
