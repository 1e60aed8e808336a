{% macro round_money(amount) -%}
    cast(round(cast({{ amount }} as decimal(38, 6)), 2) as double)
{%- endmacro %}
