-- RFM, scores and rule segment of every customer at each month end, computed in one
-- set-based pass: a customer x month grid from the customer's first month on, with running
-- totals. A month's snapshot is taken as of its last day (the final month: as of the RFM
-- as-of date, so the last snapshot equals customer_rfm_scores). Scores use the current cut
-- points (rfm_score_thresholds), so movement between months is movement on one yardstick.
with

as_of as (

    select {{ rfm_as_of_date() }} as as_of_date

),

activity as (

    select monthly.*
    from {{ ref('int_customer_monthly_activity') }} as monthly
    cross join as_of
    where monthly.activity_month <= as_of.as_of_date

),

snapshots as (

    select
        months.snapshot_month,
        least(last_day(months.snapshot_month), as_of.as_of_date) as as_of_date
    from as_of
    cross join
        {{ month_series(
            '(select min(activity.activity_month) from activity)',
            "cast(date_trunc('month', (select as_of.as_of_date from as_of)) as date)",
            'snapshot_month') }} as months

),

first_months as (

    select
        customer_id,
        min(activity_month) as first_month
    from activity
    group by customer_id

),

grid as (

    select
        first_months.customer_id,
        snapshots.snapshot_month,
        snapshots.as_of_date
    from first_months
    inner join snapshots on first_months.first_month <= snapshots.snapshot_month

),

running as (

    select
        grid.customer_id,
        grid.snapshot_month,
        grid.as_of_date,
        cast(sum(coalesce(activity.invoices, 0)) over customer_months as bigint) as frequency,
        sum(coalesce(activity.revenue, 0)) over customer_months as monetary,
        max(activity.last_purchase_date) over customer_months as last_purchase_date
    from grid
    left join activity
        on
            grid.customer_id = activity.customer_id
            and grid.snapshot_month = activity.activity_month
    window customer_months as (
        partition by grid.customer_id
        order by grid.snapshot_month
        rows unbounded preceding
    )

),

cut_points as (

    {{ rfm_cut_points_cte() }}

),

scored as (

    select
        running.customer_id,
        running.snapshot_month,
        running.as_of_date,
        {{ days_between('running.last_purchase_date', 'running.as_of_date') }}
            as recency_days,
        running.frequency,
        {{ round_money('running.monetary') }} as monetary,
        {{ rfm_score(days_between('running.last_purchase_date', 'running.as_of_date'),
                     'cut_points.recency_cut', lower_is_better=true) }} as r_score,
        {{ rfm_score('running.frequency', 'cut_points.frequency_cut') }} as f_score,
        {{ rfm_score(round_money('running.monetary'), 'cut_points.monetary_cut') }}
            as m_score
    from running
    cross join cut_points

)

select
    scored.*,
    rules.segment as rfm_segment
from scored
inner join {{ ref('rfm_segment_rules') }} as rules
    on {{ rfm_segment_rule_matches('scored', 'rules') }}
