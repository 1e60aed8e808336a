-- Every customer's segment of each kind as of each campaign date, one row per date and
-- customer: RFM and behavioural (int_campaign_as_of_segments), churn band
-- (int_campaign_churn_bands) and interest segment (int_campaign_interest_segments, only on
-- the dates of interest campaigns). What a campaign's audience is drawn from.
select
    segments.as_of_date,
    segments.customer_id,
    segments.rfm_segment,
    segments.behavioural_segment,
    cast(churn.churn_risk_band as varchar) as churn_band,
    cast(interests.interest_segment_name as varchar) as interest_segment
from {{ ref('int_campaign_as_of_segments') }} as segments
left join {{ ref('int_campaign_churn_bands') }} as churn
    on
        segments.as_of_date = cast(churn.as_of_date as date)
        and segments.customer_id = cast(churn.customer_id as varchar)
left join {{ ref('int_campaign_interest_segments') }} as interests
    on
        segments.as_of_date = cast(interests.as_of_date as date)
        and segments.customer_id = cast(interests.customer_id as varchar)
