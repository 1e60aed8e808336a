{% macro rfm_segment_rule_matches(scores, rules) -%}
    {{ scores }}.r_score between {{ rules }}.r_min and {{ rules }}.r_max
    and {{ scores }}.f_score between {{ rules }}.f_min and {{ rules }}.f_max
    and {{ scores }}.m_score between {{ rules }}.m_min and {{ rules }}.m_max
{%- endmacro %}
