-- Per campaign, for the whole campaign and each targeted segment: who is in each group and
-- the smallest uplift the campaign can detect (80% power, 5% two-sided), from the group
-- sizes and what the same segments bought in the last whole window before the start. All
-- of it is known before the campaign is sent, and none of it changes once it has started.
with

levels as (

    select
        campaign_key,
        'campaign' as level,
        {{ campaign_total_label() }} as target_segment
    from {{ ref('stg_campaigns') }}
    union all
    select
        campaign_key,
        'segment' as level,
        target_segment
    from {{ ref('int_campaign_targets') }}

),

member_levels as (

    select
        campaign_key,
        member_role,
        customer_id,
        control_group,
        purchased,
        window_revenue,
        'campaign' as level,
        {{ campaign_total_label() }} as target_segment
    from {{ ref('int_campaign_members') }}
    union all
    select
        campaign_key,
        member_role,
        customer_id,
        control_group,
        purchased,
        window_revenue,
        'segment' as level,
        target_segment
    from {{ ref('int_campaign_members') }}

),

groups as (

    select
        campaign_key,
        level,
        target_segment,
        count(*) filter (
            where member_role = 'audience' and not control_group
        ) as treatment_customers,
        count(*) filter (where member_role = 'audience' and control_group) as control_customers,
        count(*) filter (where member_role = 'baseline') as baseline_customers,
        avg(cast(purchased as double)) filter (
            where member_role = 'baseline'
        ) as baseline_purchase_rate,
        avg(window_revenue) filter (where member_role = 'baseline') as baseline_revenue,
        stddev_pop(window_revenue) filter (where member_role = 'baseline') as baseline_revenue_sd
    from member_levels
    group by campaign_key, level, target_segment

),

planned as (

    select
        levels.campaign_key,
        levels.level,
        levels.target_segment,
        coalesce(groups.treatment_customers, 0) as treatment_customers,
        coalesce(groups.control_customers, 0) as control_customers,
        coalesce(groups.baseline_customers, 0) as baseline_customers,
        groups.baseline_purchase_rate,
        groups.baseline_revenue,
        groups.baseline_revenue_sd
    from levels
    left join groups
        on
            levels.campaign_key = groups.campaign_key
            and levels.level = groups.level
            and levels.target_segment = groups.target_segment

),

-- the detectable rise of the purchase rate, three steps of detectable_rate_rise_step
rate_rise_0 as (

    select
        *,
        {{ minimum_detectable_difference(
            'sqrt(baseline_purchase_rate * (1 - baseline_purchase_rate))',
            'treatment_customers', 'control_customers') }} as rise_0
    from planned

),

rate_rise as (

    select
        *,
        {{ detectable_rate_rise_step('baseline_purchase_rate',
            detectable_rate_rise_step('baseline_purchase_rate',
                detectable_rate_rise_step('baseline_purchase_rate', 'rise_0',
                    'treatment_customers', 'control_customers'),
                'treatment_customers', 'control_customers'),
            'treatment_customers', 'control_customers') }} as detectable_rise
    from rate_rise_0

)

select
    planned.campaign_key,
    planned.level,
    planned.target_segment,
    campaigns.target_type,
    campaigns.start_date,
    campaigns.window_days,
    campaigns.window_end,
    campaigns.outcome,
    campaigns.sent_list,
    campaigns.control_share,
    planned.treatment_customers,
    planned.control_customers,
    planned.control_customers
    / nullif(planned.treatment_customers + planned.control_customers, 0)
        as realised_control_share,
    baseline.window_start as baseline_window_start,
    baseline.window_end as baseline_window_end,
    planned.baseline_customers,
    planned.baseline_purchase_rate,
    planned.baseline_revenue as baseline_revenue_per_customer,
    planned.detectable_rise as detectable_purchase_rate_uplift,
    planned.detectable_rise / nullif(planned.baseline_purchase_rate, 0)
        as detectable_purchase_rate_uplift_relative,
    {{ minimum_detectable_difference(
        'planned.baseline_revenue_sd',
        'planned.treatment_customers', 'planned.control_customers') }}
        as detectable_revenue_uplift,
    {{ minimum_detectable_difference(
        'planned.baseline_revenue_sd',
        'planned.treatment_customers', 'planned.control_customers') }}
    / nullif(planned.baseline_revenue, 0) as detectable_revenue_uplift_relative
from rate_rise as planned
inner join {{ ref('stg_campaigns') }} as campaigns
    on planned.campaign_key = campaigns.campaign_key
inner join {{ ref('int_campaign_windows') }} as baseline
    on
        planned.campaign_key = baseline.campaign_key
        and baseline.member_role = 'baseline'
