{% macro no_sku_code(description) -%}
    '{{ no_sku_prefix() }}' || nullif(upper(trim({{ description }})), '')
{%- endmacro %}

{% macro no_sku_prefix() -%}
    NO-SKU:
{%- endmacro %}
