-- Improving a customer's recency (fewer days since the last purchase) never lowers the R
-- score, over every whole number of days from 0 to well past the largest recency; F and
-- M scores never fall as frequency or spend rise; and every score is between 1 and 5.
with

cut_points as (

    {{ rfm_cut_points_cte() }}

),

span as (

    select
        greatest(max(recency_days), max(frequency)) + 30 as last_value,
        max(monetary) + 100 as last_spend
    from {{ ref('customer_rfm') }}

),

values_to_score as (

    select {{ integer_series(0, 'cast(span.last_value as bigint)') }} as probe
    from span

),

scored as (

    select
        values_to_score.probe,
        {{ rfm_score('values_to_score.probe', 'cut_points.recency_cut', lower_is_better=true) }}
            as r_score,
        {{ rfm_score('values_to_score.probe', 'cut_points.frequency_cut') }} as f_score,
        {{ rfm_score('values_to_score.probe * span.last_spend / span.last_value',
                     'cut_points.monetary_cut') }} as m_score
    from values_to_score
    cross join cut_points
    cross join span

),

steps as (

    select
        probe,
        r_score,
        f_score,
        m_score,
        lag(r_score) over (order by probe) as r_score_one_day_fresher,
        lag(f_score) over (order by probe) as f_score_below,
        lag(m_score) over (order by probe) as m_score_below
    from scored

)

select steps.*
from steps
where
    steps.r_score > steps.r_score_one_day_fresher
    or steps.f_score < steps.f_score_below
    or steps.m_score < steps.m_score_below
    or steps.r_score not between 1 and 5
    or steps.f_score not between 1 and 5
    or steps.m_score not between 1 and 5
