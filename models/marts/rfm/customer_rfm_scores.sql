-- R, F and M scores 1-5 (5 always best) against the persisted cut points, and the named
-- segment from the rule table.
with

rfm as (

    select * from {{ ref('customer_rfm') }}

),

cut_points as (

    {{ rfm_cut_points_cte() }}

),

scored as (

    select
        rfm.customer_id,
        rfm.country,
        rfm.recency_days,
        rfm.frequency,
        rfm.monetary,
        rfm.is_outlier,
        {{ rfm_score('rfm.recency_days', 'cut_points.recency_cut', lower_is_better=true) }}
            as r_score,
        {{ rfm_score('rfm.frequency', 'cut_points.frequency_cut') }} as f_score,
        {{ rfm_score('rfm.monetary', 'cut_points.monetary_cut') }} as m_score
    from rfm
    cross join cut_points

)

select
    scored.*,
    cast(scored.r_score as string)
    || cast(scored.f_score as string)
    || cast(scored.m_score as string) as rfm_cell,
    scored.r_score + scored.f_score + scored.m_score as rfm_score_total,
    rules.segment as rfm_segment,
    actions.recommended_action
from scored
inner join {{ ref('rfm_segment_rules') }} as rules
    on {{ rfm_segment_rule_matches('scored', 'rules') }}
inner join {{ ref('rfm_segment_actions') }} as actions
    on rules.segment = actions.segment
