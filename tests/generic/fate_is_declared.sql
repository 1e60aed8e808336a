{% test fate_is_declared(model, column_name) %}

select {{ column_name }}
from {{ model }}
where {{ column_name }} not in (
    {%- for fate in cleaning_fates() %}
        '{{ fate }}'{{ "," if not loop.last }}
    {%- endfor %}
)

{% endtest %}
