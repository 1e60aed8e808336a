-- Before the cleaning rule cancellation_line: every deduplicated line with the outcome of
-- cancellation matching, in the mode chosen by the var `cancellation_matching`
-- (allocate | reference).
{%- set mode = var('cancellation_matching') %}
{%- if mode not in ['allocate', 'reference'] %}
    {{ exceptions.raise_compiler_error(
        "var cancellation_matching must be 'allocate' or 'reference', got '" ~ mode ~ "'"
    ) }}
{%- endif %}
-- depends_on: {{ ref('int_cancellations__allocated') }}
-- depends_on: {{ ref('int_cancellations__reference') }}
with

lines as (

    select * from {{ ref('int_invoice_lines__deduplicated') }}

),

matching as (

    select *
    from {{ ref('int_cancellations__' ~ ('allocated' if mode == 'allocate' else 'reference')) }}

)

select
    lines.*,
    cast(coalesce(matching.quantity_canceled, 0) as bigint) as quantity_canceled,
    cast(coalesce(matching.quantity_matched, 0) as bigint) as quantity_cancel_matched,
    cast(coalesce(matching.quantity_unmatched, 0) as bigint) as quantity_cancel_unmatched
from lines
left join matching
    on lines.source_row_number = matching.source_row_number
