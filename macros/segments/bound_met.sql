{#- A bound of a rule table (seeds/cluster_segment_rules.csv, segment_verdict_rules.csv):
    an empty bound is no condition; a bound on an unknown value is not met. `comparison` is
    how the value must stand to the bound ('>=', '<=' or '<'), optionally against the bound
    times a yardstick (e.g. a population median). -#}
{% macro bound_met(bound, value, comparison, times=none) -%}
    ({{ bound }} is null or {{ value }} {{ comparison }} {{ bound }}
    {%- if times is not none %} * {{ times }}{% endif %})
{%- endmacro %}
