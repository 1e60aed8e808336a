{#- Score a value 1..5 against four ascending cut points, the columns <cut_points>_1 ..
    <cut_points>_4 (see rfm_cut_points_cte): each cut point the value exceeds raises its bin
    by one, so equal values always share a score and the score never falls as the value
    rises. Recency is better when lower: its score is reversed. -#}
{% macro rfm_score(value, cut_points, lower_is_better=false) -%}
    {%- set bin -%}
        (1 + cast({{ value }} > {{ cut_points }}_1 as int)
        + cast({{ value }} > {{ cut_points }}_2 as int)
        + cast({{ value }} > {{ cut_points }}_3 as int)
        + cast({{ value }} > {{ cut_points }}_4 as int))
    {%- endset -%}
    {%- if lower_is_better -%} (6 - {{ bin }}) {%- else -%} {{ bin }} {%- endif -%}
{%- endmacro %}
