{% macro campaign_control_draw(campaign_key, customer_id) -%}
    (cast(('0x' || substr(md5({{ campaign_key }} || ':' || {{ customer_id }}), 1, 13)) as bigint)
    / 4503599627370496.0)
{%- endmacro %}

{% macro power_z() -%}
    (1.959963984540054 + 0.8416212335729143)
{%- endmacro %}

{% macro minimum_detectable_difference(sd, n_treatment, n_control) -%}
    ({{ power_z() }} * ({{ sd }})
    * sqrt(1.0 / nullif({{ n_treatment }}, 0) + 1.0 / nullif({{ n_control }}, 0)))
{%- endmacro %}

{% macro detectable_rate_rise_step(rate, rise, n_treatment, n_control) -%}
    ({{ power_z() }} * sqrt(
        least({{ rate }} + {{ rise }}, 1) * (1 - least({{ rate }} + {{ rise }}, 1))
        / nullif({{ n_treatment }}, 0)
        + {{ rate }} * (1 - {{ rate }}) / nullif({{ n_control }}, 0)
    ))
{%- endmacro %}

{% macro campaign_total_label() -%}
    'All targeted segments'
{%- endmacro %}

{% macro campaign_all_customers_label() -%}
    'All customers'
{%- endmacro %}
