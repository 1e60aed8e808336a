{% macro rfm_as_of_date() -%}
    {%- set as_of = var('rfm_as_of') -%}
    {%- if as_of -%}
        cast('{{ as_of }}' as date)
    {%- else -%}
        (select {{ next_day('cast(max(invoiced_at) as date)') }} from {{ ref('fct_invoices') }})
    {%- endif -%}
{%- endmacro %}
