-- The cut points behind the R, F and M scores, one row per measure and score, so that
-- any customer (a new one too) can be scored the same way:
-- a value v gets the score of the row where lower_bound < v <= upper_bound.
{%- set method = var('rfm_score_method') %}
{%- set measures = ['recency_days', 'frequency', 'monetary'] %}
{%- if method not in ['quantile', 'custom'] %}
    {{ exceptions.raise_compiler_error(
        "var rfm_score_method must be 'quantile' or 'custom', got '" ~ method ~ "'") }}
{%- endif %}
{%- if method == 'custom' %}
    {%- set custom = var('rfm_custom_cut_points') %}
    {%- for measure in measures %}
        {%- set cuts = custom.get(measure, []) %}
        {%- if cuts | length != 4 or cuts != cuts | sort %}
            {{ exceptions.raise_compiler_error(
                "var rfm_custom_cut_points." ~ measure
                ~ " must be four ascending numbers, got " ~ cuts) }}
        {%- endif %}
    {%- endfor %}
{%- endif %}
with

rfm as (

    select * from {{ ref('customer_rfm') }}

),

cut_points as (

    {%- for measure in measures %}
        select
            '{{ measure }}' as metric,
            {%- if method == 'quantile' %}
                cast(quantile_disc({{ measure }}, [0.2, 0.4, 0.6, 0.8]) as double[]) as cuts
            from rfm
            {%- else %}
                cast({{ var('rfm_custom_cut_points')[measure] }} as double[]) as cuts
            {%- endif %}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

value_bins as (

    select unnest(range(1, 6)) as value_bin

),

bins as (

    select
        cut_points.metric,
        value_bins.value_bin,
        cut_points.cuts[value_bins.value_bin - 1] as lower_bound,
        cut_points.cuts[value_bins.value_bin] as upper_bound
    from cut_points
    cross join value_bins

)

select
    metric,
    -- recency is better when lower: its smallest values get score 5
    case when metric = 'recency_days' then 6 - value_bin else value_bin end as score,
    value_bin,
    lower_bound,
    upper_bound,
    '{{ method }}' as method
from bins
order by metric, value_bin
