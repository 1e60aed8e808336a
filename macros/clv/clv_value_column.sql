{% macro clv_value_column() -%}
    {%- set basis = var('clv_value_basis', 'revenue') -%}
    {%- if basis not in ('revenue', 'margin') -%}
        {{ exceptions.raise_compiler_error(
            "var clv_value_basis is '" ~ basis ~ "'; use revenue or margin") }}
    {%- endif -%}
    {{ basis }}
{%- endmacro %}
