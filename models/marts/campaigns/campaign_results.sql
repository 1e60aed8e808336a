-- What each campaign did, per targeted segment and for the whole campaign: the analyst-
-- facing, contracted face of the Python model int_campaign_results (its text columns cast:
-- with no campaign declared the Python model's empty columns have no type).
select
    cast(results.campaign_key as varchar) as campaign_key,
    cast(results.level as varchar) as level,
    coalesce(cast(results.target_segment as varchar), {{ campaign_total_label() }})
        as target_segment,
    cast(results.metric as varchar) as metric,
    cast(results.start_date as date) as start_date,
    cast(results.window_end as date) as window_end,
    cast(results.status as varchar) as status,
    cast(results.verdict as varchar) as verdict,
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
