{#- The average rank of `value` within `partition_by` (a comma-separated column list): ties
    share the mean of the positions they hold, as Spearman's rank correlation needs
    (corr() of two average ranks is Spearman's rho). Used by clv_evaluation and
    clv_ranking_evaluation. -#}
{% macro average_rank(value, partition_by) -%}
    rank() over (partition by {{ partition_by }} order by {{ value }})
    + (count(*) over (partition by {{ partition_by }}, {{ value }}) - 1) / 2.0
{%- endmacro %}
