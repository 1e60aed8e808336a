{#- The RFM as-of date as a SQL date expression: the var rfm_as_of, or the day after the
    last invoice. -#}
{% macro rfm_as_of_date() -%}
    {%- set as_of = var('rfm_as_of') -%}
    {%- if as_of -%}
        cast('{{ as_of }}' as date)
    {%- else -%}
        (select {{ next_day('cast(max(invoiced_at) as date)') }} from {{ ref('fct_invoices') }})
    {%- endif -%}
{%- endmacro %}

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

{#- One row with the four cut points of each measure (recency_cut_1 .. recency_cut_4,
    frequency_cut_1 .., monetary_cut_1 ..), read back from the persisted thresholds mart. -#}
{% macro rfm_cut_points_cte() -%}
    select
        {%- for measure, prefix in [('recency_days', 'recency'), ('frequency', 'frequency'),
                                    ('monetary', 'monetary')] %}
            {%- for i in range(1, 5) %}
        max(case when metric = '{{ measure }}' and value_bin = {{ i }} then upper_bound end)
            as {{ prefix }}_cut_{{ i }}{{ ',' if not (loop.last and prefix == 'monetary') }}
            {%- endfor %}
        {%- endfor %}
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


{#- The fct_invoices column a customer's value is measured in for lifetime value: revenue,
    or margin (var clv_value_basis), which needs unit costs in the export. -#}
{% macro clv_value_column() -%}
    {%- set basis = var('clv_value_basis', 'revenue') -%}
    {%- if basis not in ('revenue', 'margin') -%}
        {{ exceptions.raise_compiler_error(
            "var clv_value_basis is '" ~ basis ~ "'; use revenue or margin") }}
    {%- endif -%}
    {{ basis }}
{%- endmacro %}


{#- The share of a group's customers with exactly one invoice (frequency 1): a double on
    every engine (Spark's average of decimals keeps only a few digits). -#}
{% macro one_order_share(frequency) -%}
    avg(cast(case when {{ frequency }} = 1 then 1 else 0 end as double))
{%- endmacro %}
