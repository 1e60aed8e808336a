{#- The RFM as-of date as a SQL date expression: the var rfm_as_of, or the day after the
    last invoice. -#}
{% macro rfm_as_of_date() -%}
    {%- set as_of = var('rfm_as_of') -%}
    {%- if as_of -%}
        cast('{{ as_of }}' as date)
    {%- else -%}
        (select cast(max(invoiced_at) as date) + 1 from {{ ref('fct_invoices') }})
    {%- endif -%}
{%- endmacro %}

{#- Score a value 1..5 against four ascending cut points (a list): each cut point the value
    exceeds raises its bin by one, so equal values always share a score and the score never
    falls as the value rises. Recency is better when lower: its score is reversed. -#}
{% macro rfm_score(value, cut_points, lower_is_better=false) -%}
    {%- set bin -%}
        (1 + cast({{ value }} > {{ cut_points }}[1] as int)
        + cast({{ value }} > {{ cut_points }}[2] as int)
        + cast({{ value }} > {{ cut_points }}[3] as int)
        + cast({{ value }} > {{ cut_points }}[4] as int))
    {%- endset -%}
    {%- if lower_is_better -%} (6 - {{ bin }}) {%- else -%} {{ bin }} {%- endif -%}
{%- endmacro %}

{#- One row with the cut points of each measure as lists (recency_cuts, frequency_cuts,
    monetary_cuts), read back from the persisted thresholds mart. -#}
{% macro rfm_cut_points_cte() -%}
    select
        list(upper_bound order by value_bin) filter (where metric = 'recency_days'
            and upper_bound is not null) as recency_cuts,
        list(upper_bound order by value_bin) filter (where metric = 'frequency'
            and upper_bound is not null) as frequency_cuts,
        list(upper_bound order by value_bin) filter (where metric = 'monetary'
            and upper_bound is not null) as monetary_cuts
    from {{ ref('rfm_score_thresholds') }}
{%- endmacro %}

{#- The new-customer prediction cut-off as a SQL date (int_prediction_cutoff: the var
    prediction_cutoff, or the date that makes the training and test sets as large as the
    data allows). Every model used for prediction is fitted before it. -#}
{% macro prediction_cutoff_date() -%}
    (select cutoff_date from {{ ref('int_prediction_cutoff') }})
{%- endmacro %}

{#- The join condition of scored customers to the rule table seeds/rfm_segment_rules.csv:
    the score cell lies within the rule's r/f/m ranges (the rules cover each cell once). -#}
{% macro rfm_segment_rule_matches(scores, rules) -%}
    {{ scores }}.r_score between {{ rules }}.r_min and {{ rules }}.r_max
    and {{ scores }}.f_score between {{ rules }}.f_min and {{ rules }}.f_max
    and {{ scores }}.m_score between {{ rules }}.m_min and {{ rules }}.m_max
{%- endmacro %}
