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

{#- The smallest true difference in means a two-group comparison detects with 80% power in a
    two-sided test at 5% (normal approximation): (z(0.975) + z(0.80)) * sd *
    sqrt(1/n_treatment + 1/n_control). `sd`: the outcome's standard deviation per customer
    (sqrt(p(1-p)) for a purchase rate). Null when a group is empty. -#}
{% macro minimum_detectable_difference(sd, n_treatment, n_control) -%}
    ((1.959963984540054 + 0.8416212335729143) * ({{ sd }})
    * sqrt(1.0 / nullif({{ n_treatment }}, 0) + 1.0 / nullif({{ n_control }}, 0)))
{%- endmacro %}

{#- The target_segment of a campaign's whole-campaign rows (level 'campaign') in
    campaign_plan and campaign_results. -#}
{% macro campaign_total_label() -%}
    'All targeted segments'
{%- endmacro %}
