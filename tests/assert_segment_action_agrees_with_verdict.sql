-- The headline's verdict and the action shown next to it never pull opposite ways: the
-- action spends at the verdict's level (seeds/segment_verdict_rules.csv spend_level against
-- the playbook's, or the verdict's own action), and the export list (customer_segments)
-- tells each customer the action the report shows for their segment, and holds as many
-- customers of each behavioural segment as segment_overview.export_customers says.
with

overview as (

    select * from {{ ref('segment_overview') }}

),

-- the export list's customers per behavioural segment
listed as (

    select
        segment_name,
        count(*) as customers
    from {{ ref('customer_segments') }}
    group by segment_name

),

playbooks as (

    select
        segment_name as segment,
        recommended_action,
        spend_level
    from {{ ref('cluster_segment_strategies') }}
    union all
    select
        segment,
        recommended_action,
        spend_level
    from {{ ref('rfm_segment_actions') }}

),

action_levels as (

    -- the spend level of the action shown: a playbook's, or a verdict rule's
    select
        recommended_action,
        spend_level
    from playbooks
    union all
    select
        action,
        spend_level
    from {{ ref('segment_verdict_rules') }}

)

select
    overview.segment_type,
    overview.segment,
    overview.verdict,
    overview.recommended_action
from overview
left join {{ ref('segment_verdict_rules') }} as rules
    on overview.verdict_rule = rules.priority
where
    -- a segment with customers always has a verdict (the last rule has no bounds)
    (overview.customers > 0 and rules.priority is null)
    or overview.verdict != rules.verdict
    or (
        rules.priority is not null
        and not exists (
            select 1
            from action_levels
            where
                action_levels.recommended_action = overview.recommended_action
                and action_levels.spend_level = rules.spend_level
        )
    )
union all
select
    'behavioural_segment' as segment_type,
    customers.segment_name as segment,
    overview.verdict,
    customers.segment_action as recommended_action
from {{ ref('customer_segments') }} as customers
left join overview
    on
        overview.segment_type = 'behavioural_segment'
        and customers.segment_name = overview.segment
where customers.segment_action is distinct from overview.recommended_action
union all
select
    'behavioural_segment' as segment_type,
    overview.segment,
    overview.verdict,
    'export list of ' || coalesce(listed.customers, 0) || ' customers, not '
    || overview.export_customers as recommended_action
from overview
left join listed on overview.segment = listed.segment_name
where
    overview.segment_type = 'behavioural_segment'
    and coalesce(listed.customers, 0) != overview.export_customers
