-- Every invoice's distinct products (kept sales lines), with the customer and whether the
-- invoice lies before the prediction cut-off: what the category model learns from (only
-- rows before the cut-off) and what the basket lift is measured on. Custom items (no
-- stock code in the export) are left out, as from the catalogue.
select distinct
    invoice_no,
    customer_id,
    stock_code,
    cast(invoiced_at as date) < {{ prediction_cutoff_date() }} as is_before_cutoff
from {{ ref('fct_sales_lines') }}
where not has_derived_stock_code
