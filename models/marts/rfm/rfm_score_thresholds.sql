-- The cut points behind the R, F and M scores, one row per measure and score, so that
-- any customer (a new one too) can be scored the same way:
-- a value v gets the score of the row where lower_bound < v <= upper_bound.
{%- set method = var('rfm_score_method') %}
with

-- one row per measure: its four ascending cut points
cut_points as (

    {{ rfm_cut_point_rows(ref('customer_rfm')) }}

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
