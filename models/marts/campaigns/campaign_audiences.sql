-- The send list of every declared campaign: each customer in a targeted segment on the
-- start date, whether they are held out as control (do not contact), and the smallest
-- uplift of the purchase rate their segment's groups can detect (campaign_plan).
select
    members.campaign_key,
    members.customer_id,
    members.target_segment,
    members.control_group,
    campaigns.start_date,
    campaigns.window_end,
    rfm.country,
    plan.detectable_purchase_rate_uplift as segment_detectable_purchase_rate_uplift,
    plan.detectable_purchase_rate_uplift_relative
        as segment_detectable_purchase_rate_uplift_relative
from {{ ref('int_campaign_members') }} as members
inner join {{ ref('stg_campaigns') }} as campaigns
    on members.campaign_key = campaigns.campaign_key
inner join {{ ref('campaign_plan') }} as plan
    on
        members.campaign_key = plan.campaign_key
        and plan.level = 'segment'
        and members.target_segment = plan.target_segment
left join {{ ref('customer_rfm') }} as rfm
    on members.customer_id = rfm.customer_id
where members.member_role = 'audience'
