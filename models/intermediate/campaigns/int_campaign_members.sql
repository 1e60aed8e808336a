-- The customers of every campaign in each of its windows (int_campaign_windows): role
-- 'audience' is who was in a targeted segment on the start date, with the control-group
-- draw and what they bought in the window from the start; role 'baseline' is who was in
-- the same segments on the first day of the last whole window before the start, with what
-- they bought in it. Customers with no purchase before a window are not in it. A campaign
-- with a sent list (int_campaign_sent_lists) has the listed customers instead of a
-- segment's, with the segments the list gives.
with

segment_members as (

    select
        windows.campaign_key,
        windows.member_role,
        windows.window_start as as_of_date,
        windows.window_end,
        campaigns.control_share,
        targets.target_segment,
        segments.customer_id
    from {{ ref('int_campaign_windows') }} as windows
    inner join {{ ref('stg_campaigns') }} as campaigns
        on windows.campaign_key = campaigns.campaign_key
    inner join {{ ref('int_campaign_targets') }} as targets
        on windows.campaign_key = targets.campaign_key
    inner join {{ ref('int_campaign_as_of_targets') }} as segments
        on windows.window_start = segments.as_of_date
    where
        campaigns.sent_list is null
        and targets.target_segment = case targets.target_type
            when 'behavioural_segment' then segments.behavioural_segment
            when 'rfm_segment' then segments.rfm_segment
            when 'churn_band' then segments.churn_band
            when 'interest_segment' then segments.interest_segment
            else {{ campaign_all_customers_label() }}
        end

),

listed_members as (

    select
        windows.campaign_key,
        windows.member_role,
        windows.window_start as as_of_date,
        windows.window_end,
        campaigns.control_share,
        lists.target_segment,
        lists.customer_id
    from {{ ref('int_campaign_windows') }} as windows
    inner join {{ ref('stg_campaigns') }} as campaigns
        on windows.campaign_key = campaigns.campaign_key
    inner join {{ ref('int_campaign_sent_lists') }} as lists
        on windows.campaign_key = lists.campaign_key
    -- bought before the window: listed customers new since then are in neither group
    inner join {{ ref('int_campaign_as_of_targets') }} as segments
        on
            windows.window_start = segments.as_of_date
            and lists.customer_id = segments.customer_id

),

members as (

    select * from segment_members
    union all
    select * from listed_members

),

outcomes as (

    select
        members.campaign_key,
        members.member_role,
        members.customer_id,
        count(distinct invoices.invoice_no) as window_invoices,
        coalesce({{ round_money('sum(invoices.revenue)') }}, 0) as window_revenue
    from members
    inner join {{ ref('fct_invoices') }} as invoices
        on
            members.customer_id = invoices.customer_id
            and cast(invoices.invoiced_at as date)
            between members.as_of_date and members.window_end
    group by members.campaign_key, members.member_role, members.customer_id

)

select
    members.campaign_key,
    members.member_role,
    members.customer_id,
    members.target_segment,
    members.as_of_date as window_start,
    members.window_end,
    case
        when members.member_role = 'audience'
            then
                {{ campaign_control_draw('members.campaign_key', 'members.customer_id') }}
                < members.control_share
    end as control_group,
    coalesce(outcomes.window_invoices, 0) > 0 as purchased,
    coalesce(outcomes.window_invoices, 0) as window_invoices,
    coalesce(outcomes.window_revenue, 0) as window_revenue
from members
left join outcomes
    on
        members.campaign_key = outcomes.campaign_key
        and members.member_role = outcomes.member_role
        and members.customer_id = outcomes.customer_id
