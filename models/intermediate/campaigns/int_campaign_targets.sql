-- Each declared campaign's targeted segments, one row a segment, named as the build names
-- them (the declared name is matched without regard to case). A name this build does not
-- know is kept with is_known_segment false: campaign_results reports it as 'unknown
-- segment' rather than stopping the build, since segment names follow the data and a past
-- campaign's segment may be gone after a rebuild. A campaign with a sent list targets the
-- segments its list gives (int_campaign_sent_lists), whatever this build calls them.
with

campaigns as (

    select * from {{ ref('stg_campaigns') }}

),

declared as (

    -- one row per segment: names repeated in other case are one segment
    select
        campaign_key,
        target_type,
        min(trim(declared_segment.target_segment)) as declared_segment
    from campaigns
    cross join
        unnest(string_split(campaigns.target_segments, ';')) as declared_segment (target_segment)
    where
        target_type != 'all'
        and sent_list is null
        and trim(declared_segment.target_segment) != ''
    group by campaign_key, target_type, lower(trim(declared_segment.target_segment))
    union all
    select
        campaign_key,
        target_type,
        {{ campaign_all_customers_label() }} as declared_segment
    from campaigns
    where target_type = 'all' and sent_list is null

),

known_segments as (

    select distinct
        'behavioural_segment' as target_type,
        segment_name as segment
    from {{ ref('int_cluster_profiles') }}
    union all
    select
        'rfm_segment' as target_type,
        segment
    from {{ ref('rfm_segment_actions') }}
    union all
    -- the bands the lifetime model gives now or on a campaign's dates
    select distinct
        'churn_band' as target_type,
        bands.segment
    from (
        select churn_risk_band as segment
        from {{ ref('int_customer_lifetime_value') }}
        union all
        select cast(churn_risk_band as varchar) as segment
        from {{ ref('int_campaign_churn_bands') }}
    ) as bands
    where bands.segment is not null
    union all
    select distinct
        'interest_segment' as target_type,
        interest_segment_name as segment
    from {{ ref('int_customer_interest_segments') }}
    union all
    select
        'all' as target_type,
        {{ campaign_all_customers_label() }} as segment

)

select
    declared.campaign_key,
    declared.target_type,
    coalesce(known_segments.segment, declared.declared_segment) as target_segment,
    known_segments.segment is not null as is_known_segment
from declared
left join known_segments
    on
        declared.target_type = known_segments.target_type
        and lower(declared.declared_segment) = lower(known_segments.segment)
union all
select distinct
    campaigns.campaign_key,
    campaigns.target_type,
    lists.target_segment,
    true as is_known_segment
from campaigns
inner join {{ ref('int_campaign_sent_lists') }} as lists
    on campaigns.campaign_key = lists.campaign_key
