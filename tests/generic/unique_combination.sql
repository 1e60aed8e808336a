{% test unique_combination(model, columns, nullable=[]) %}

{%- set required = columns | reject('in', nullable) | list %}
select
    {{ columns | join(', ') }},
    count(*) as rows_with_this_key
from {{ model }}
group by {{ columns | join(', ') }}
having
    count(*) > 1
    {%- for column in required %}
        or {{ column }} is null
    {%- endfor %}

{% endtest %}
