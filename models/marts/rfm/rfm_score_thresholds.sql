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

-- one row per measure: its four ascending cut points
cut_points as (
    {%- if method == 'quantile' %}

        select
            measures.metric,
            percentile_disc(0.2) within group (order by measures.measure_value) as cut_1,
            percentile_disc(0.4) within group (order by measures.measure_value) as cut_2,
            percentile_disc(0.6) within group (order by measures.measure_value) as cut_3,
            percentile_disc(0.8) within group (order by measures.measure_value) as cut_4
        from (
            select
                'recency_days' as metric,
                cast(recency_days as double) as measure_value
            from rfm
            union all
            select
                'frequency' as metric,
                cast(frequency as double) as measure_value
            from rfm
            union all
            select
                'monetary' as metric,
                monetary as measure_value
            from rfm
        ) as measures
        group by measures.metric
    {%- else %}
        {%- set custom = var('rfm_custom_cut_points') %}

        select
            custom_cuts.metric,
            cast(custom_cuts.cut_1 as double) as cut_1,
            cast(custom_cuts.cut_2 as double) as cut_2,
            cast(custom_cuts.cut_3 as double) as cut_3,
            cast(custom_cuts.cut_4 as double) as cut_4
        from (
            values
            {%- for measure in measures %}
                ('{{ measure }}', {{ custom[measure] | join(', ') }})
                {{- ',' if not loop.last }}
            {%- endfor %}
        ) as custom_cuts (metric, cut_1, cut_2, cut_3, cut_4)
    {%- endif %}

),

value_bins as (

    select bin_list.value_bin
    from (values (1), (2), (3), (4), (5)) as bin_list (value_bin)

),

bins as (

    select
        cut_points.metric,
        value_bins.value_bin,
        case value_bins.value_bin
            when 2 then cut_points.cut_1
            when 3 then cut_points.cut_2
            when 4 then cut_points.cut_3
            when 5 then cut_points.cut_4
        end as lower_bound,
        case value_bins.value_bin
            when 1 then cut_points.cut_1
            when 2 then cut_points.cut_2
            when 3 then cut_points.cut_3
            when 4 then cut_points.cut_4
        end as upper_bound
    from cut_points
    cross join value_bins

)

select
    metric,
    -- recency is better when lower: its smallest values get score 5
    cast(case when metric = 'recency_days' then 6 - value_bin else value_bin end as bigint)
        as score,
    cast(value_bin as bigint) as value_bin,
    cast(lower_bound as double) as lower_bound,
    cast(upper_bound as double) as upper_bound,
    '{{ method }}' as method
from bins
order by metric, value_bin
