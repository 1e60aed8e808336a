{#- A line's fate is `kept` or one of the cleaning rules declared in
    macros/cleaning/cleaning_rules.sql (the accepted values come from that declaration). -#}
{% test fate_is_declared(model, column_name) %}

select {{ column_name }}
from {{ model }}
where {{ column_name }} not in (
    {%- for fate in cleaning_fates() %}
        '{{ fate }}'{{ "," if not loop.last }}
    {%- endfor %}
)

{% endtest %}
