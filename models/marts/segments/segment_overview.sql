-- One row per segment, behavioural and RFM: what the report's first screen says of it.
-- The verdict is the first rule of seeds/segment_verdict_rules.csv (by priority) whose
-- bounds the segment's numbers meet; the recommended action is the segment's playbook when
-- the playbook spends at the verdict's level, else the verdict's own action, so that the
-- headline and the action never contradict each other.
with

behavioural as (

    select
        'behavioural_segment' as segment_type,
        profiles.segment_name as segment,
        cast(profiles.cluster_id as integer) as display_order,
        cast(profiles.cluster_id as integer) as cluster_id,
        profiles.customers,
        profiles.customer_share,
        round(profiles.revenue, 2) as revenue,
        profiles.revenue_share,
        profiles.median_recency_days,
        profiles.mean_frequency,
        profiles.median_frequency,
        profiles.one_order_share,
        round(profiles.median_monetary, 2) as median_monetary,
        profiles.naming_reason,
        strategies.description,
        strategies.recommended_action as playbook_action,
        strategies.spend_level as playbook_spend_level
    from {{ ref('int_cluster_profiles') }} as profiles
    inner join {{ ref('cluster_segment_strategies') }} as strategies
        on profiles.base_name = strategies.segment_name

),

rfm as (

    select
        'rfm_segment' as segment_type,
        summary.rfm_segment as segment,
        cast(summary.segment_order as integer) as display_order,
        cast(null as integer) as cluster_id,
        summary.customers,
        summary.customer_share,
        summary.revenue,
        summary.revenue_share,
        summary.median_recency_days,
        summary.mean_frequency,
        summary.median_frequency,
        summary.one_order_share,
        summary.median_monetary,
        null as naming_reason,
        actions.description,
        actions.recommended_action as playbook_action,
        actions.spend_level as playbook_spend_level
    from {{ ref('rfm_segment_summary') }} as summary
    inner join {{ ref('rfm_segment_actions') }} as actions
        on summary.rfm_segment = actions.segment

),

segments as (

    select * from behavioural
    union all
    select * from rfm

),

-- the yardsticks: whether the lifetime model tells leaving from buying rarely (a
-- probability of being active it cannot identify decides nothing), and how recent the
-- median customer is
yardsticks as (

    select
        coalesce((
            select bool_and(parameters.dropout_identified)
            from {{ ref('clv_model_parameters') }} as parameters
            where parameters.fit_window = 'full'
        ), true) as dropout_identified,
        coalesce((
            select median(customers.recency_days)
            from {{ ref('int_customer_rfm_features') }} as customers
        ), 90) as population_median_recency_days

),

numbers as (

    select
        segments.*,
        clv.mean_clv_12m,
        clv.clv_share,
        clv.mean_probability_active,
        clv.median_probability_active,
        clv.mean_probability_purchase_90d,
        clv.mean_churn_risk_90d,
        clv.high_churn_risk_share,
        clv.median_days_between_purchases,
        yardsticks.dropout_identified,
        yardsticks.population_median_recency_days
    from segments
    cross join yardsticks
    left join {{ ref('clv_by_segment') }} as clv
        on
            segments.segment_type = clv.segment_type
            and segments.segment = clv.segment

),

judged as (

    select
        numbers.*,
        rules.verdict,
        rules.priority as verdict_rule,
        case
            when rules.verdict is null or rules.spend_level = numbers.playbook_spend_level
                then numbers.playbook_action
            else rules.action
        end as recommended_action,
        case
            when rules.verdict is null or rules.spend_level = numbers.playbook_spend_level
                then 'segment playbook'
            else 'verdict'
        end as action_source
    from numbers
    left join {{ ref('segment_verdict_rules') }} as rules
        on
            numbers.customers > 0
            and {{ bound_met('rules.probability_purchase_90d_below',
                'numbers.mean_probability_purchase_90d', '<') }}
            -- a probability of being active the lifetime model cannot identify decides nothing;
            -- the median customer's, so that a segment where most are active and the rest gone
            -- (all the returning customers of a shop where most buy once) is not read as gone
            and {{ bound_met('rules.probability_active_below',
                'case when numbers.dropout_identified then numbers.median_probability_active end',
                '<') }}
            and {{ bound_met('rules.revenue_vs_customer_share_at_least',
                'coalesce(numbers.revenue_share, 0)', '>=', times='numbers.customer_share') }}
            and {{ bound_met('rules.recency_vs_population_below', 'numbers.median_recency_days',
                '<', times='numbers.population_median_recency_days') }}
            and {{ bound_met('rules.recency_vs_population_at_least',
                'numbers.median_recency_days', '>=',
                times='numbers.population_median_recency_days') }}
            and {{ bound_met('rules.one_order_share_at_least', 'numbers.one_order_share', '>=') }}
            and {{ bound_met('rules.median_frequency_at_most', 'numbers.median_frequency',
                '<=') }}
    qualify
        row_number() over (
            partition by numbers.segment_type, numbers.segment order by rules.priority
        ) = 1

)

select
    segment_type,
    segment,
    display_order,
    cluster_id,
    customers,
    customer_share,
    revenue,
    revenue_share,
    median_recency_days,
    mean_frequency,
    median_frequency,
    median_monetary,
    one_order_share,
    -- customer_segments lists every customer of customer_rfm with both segments
    customers as export_customers,
    cast(mean_clv_12m as decimal(18, 2)) as mean_clv_12m,
    clv_share,
    mean_probability_active,
    dropout_identified,
    mean_probability_purchase_90d,
    mean_churn_risk_90d,
    high_churn_risk_share,
    median_days_between_purchases,
    population_median_recency_days,
    verdict,
    verdict_rule,
    case
        when verdict is null then 'No customers in this segment.'
        else
            {{ format_count('customers') }} || ' customers ('
            || {{ format_share('customer_share') }} || ') bring '
            || {{ format_share('revenue_share') }} || ' of revenue; '
            || case
                when mean_probability_purchase_90d is not null
                    then
                        {{ format_share('mean_probability_purchase_90d') }}
                        || ' chance to buy within 90 days'
                else
                    'last order ' || {{ format_count('median_recency_days') }}
                    || ' days ago (median)'
            end
            || ' — ' || verdict || '.'
    end as headline,
    description,
    playbook_action,
    recommended_action,
    action_source,
    naming_reason
from judged
order by segment_type, display_order
