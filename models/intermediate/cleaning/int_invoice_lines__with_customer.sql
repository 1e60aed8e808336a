-- Cleaning rule 1: a line without a customer cannot be attributed to anyone.
select *
from {{ ref('stg_online_retail__invoice_lines') }}
where customer_id is not null
