{#- A campaign's control-group draw for one customer: the first 13 hex digits of
    md5('<campaign key>:<customer id>') as a number in [0, 1). A customer is in the control
    group when the draw is below the campaign's control share, so the answer depends only on
    the key and the customer: the same on every rebuild, whatever the order of rows or who
    else is in the segment, and independent between campaigns. The same draw in Python:
    retail_segments.campaigns.control_draw (tests compare the two). -#}
{% macro campaign_control_draw(campaign_key, customer_id) -%}
    (cast(('0x' || substr(md5({{ campaign_key }} || ':' || {{ customer_id }}), 1, 13)) as bigint)
    / 4503599627370496.0)
{%- endmacro %}

{#- z(0.975) + z(0.80): a two-sided test at 5% with 80% power. -#}
{% macro power_z() -%}
    (1.959963984540054 + 0.8416212335729143)
{%- endmacro %}

{#- The smallest true difference in means a two-group comparison detects with 80% power in a
    two-sided test at 5% (normal approximation) when both groups have the standard
    deviation `sd` per customer: power_z * sd * sqrt(1/n_treatment + 1/n_control). Null when
    a group is empty. -#}
{% macro minimum_detectable_difference(sd, n_treatment, n_control) -%}
    ({{ power_z() }} * ({{ sd }})
    * sqrt(1.0 / nullif({{ n_treatment }}, 0) + 1.0 / nullif({{ n_control }}, 0)))
{%- endmacro %}

{#- One step of the smallest detectable rise of a purchase rate `rate` (80% power, 5%
    two-sided, the Wald test the bootstrap interval approximates): the rise d solves
    d = power_z * sqrt((rate + d)(1 - rate - d) / n_treatment + rate (1 - rate) / n_control),
    since a raised rate has its own variance. Started from minimum_detectable_difference with
    the rate's variance in both groups, three steps agree to 1e-4 for groups of a few
    hundred. -#}
{% macro detectable_rate_rise_step(rate, rise, n_treatment, n_control) -%}
    ({{ power_z() }} * sqrt(
        least({{ rate }} + {{ rise }}, 1) * (1 - least({{ rate }} + {{ rise }}, 1))
        / nullif({{ n_treatment }}, 0)
        + {{ rate }} * (1 - {{ rate }}) / nullif({{ n_control }}, 0)
    ))
{%- endmacro %}

{#- The target_segment of a campaign's whole-campaign rows (level 'campaign') in
    campaign_plan and campaign_results. -#}
{% macro campaign_total_label() -%}
    'All targeted segments'
{%- endmacro %}

{#- The one segment of a campaign with target_type all: every customer who bought before
    the start. -#}
{% macro campaign_all_customers_label() -%}
    'All customers'
{%- endmacro %}
