{% macro rfm_score(value, cut_points, lower_is_better=false) -%}
    {%- set bin -%}
        (1 + cast({{ value }} > {{ cut_points }}_1 as int)
        + cast({{ value }} > {{ cut_points }}_2 as int)
        + cast({{ value }} > {{ cut_points }}_3 as int)
        + cast({{ value }} > {{ cut_points }}_4 as int))
    {%- endset -%}
    {%- if lower_is_better -%} (6 - {{ bin }}) {%- else -%} {{ bin }} {%- endif -%}
{%- endmacro %}
