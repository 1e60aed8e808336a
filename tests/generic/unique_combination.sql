{#- A model's grain: its rows are unique on a combination of columns, and none of those
    columns is null, except those listed in `nullable` (a key part that some rows do not
    have, such as the seed of a deterministic algorithm; nulls then count as one value).
    The project's primary-key test: dbt_project_evaluator counts it as one (var
    primary_key_test_macros). -#}
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
