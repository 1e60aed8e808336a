-- What each campaign did, per targeted segment and for the whole campaign: the analyst-
-- facing, contracted face of the Python model int_campaign_results, with the windows and
-- the declaration beside it.
select
    results.campaign_key,
    results.level,
    coalesce(results.target_segment, {{ campaign_total_label() }}) as target_segment,
    results.metric,
    campaigns.start_date,
    campaigns.window_end,
    results.status,
    results.verdict,
    cast(results.days_left as integer) as days_left,
    results.treatment_customers,
    results.control_customers,
    results.treatment_value,
    results.control_value,
    results.uplift,
    results.uplift_low,
    results.uplift_high,
    results.relative_uplift,
    results.relative_uplift_low,
    results.relative_uplift_high,
    results.p_value
from {{ ref('int_campaign_results') }} as results
inner join {{ ref('stg_campaigns') }} as campaigns
    on results.campaign_key = campaigns.campaign_key
