{% macro bound_met(bound, value, comparison, times=none) -%}
    ({{ bound }} is null or {{ value }} {{ comparison }} {{ bound }}
    {%- if times is not none %} * {{ times }}{% endif %})
{%- endmacro %}
