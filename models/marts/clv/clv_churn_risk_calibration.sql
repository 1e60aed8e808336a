-- Can the churn risk be trusted? The purchase model gives each customer's churn risk
-- (probability of no purchase in the next 90 days) at a cut, fitted on the purchases up to
-- it; what customers then did shows who did not buy within those 90 days. Two cuts: the
-- calibration end (the calibration fit, int_clv_holdout) and, where it is another day, the
-- day before the busy season (int_clv_churn_cuts, with the season learnt up to that day).
-- Per cut, per churn-risk band, per decile of predicted risk and over all customers: the
-- mean predicted risk beside the observed share without a purchase. The observed share is
-- null when the holdout after the calibration end is shorter than 90 days.
with

calibration_end as (

    select
        max(histories.window_end_date) as cut_date,
        (
            select bool_or(parameters.follows_season)
            from {{ ref('int_clv_parameters') }} as parameters
            where parameters.fit_window = 'calibration'
        ) as follows_season
    from {{ ref('int_clv_histories') }} as histories
    where histories.fit_window = 'calibration'

),

at_cuts as (

    select
        cast(calibration_end.cut_date as date) as cut_date,
        'calibration end' as cut_kind,
        coalesce(calibration_end.follows_season, false) as follows_season,
        holdout.customer_id,
        holdout.churn_risk_band,
        holdout.predicted_churn_risk_90d,
        holdout.holdout_days,
        case
            when holdout.purchased_within_90d then 0.0
            when not holdout.purchased_within_90d then 1.0
        end as churned
    from {{ ref('int_clv_holdout') }} as holdout
    cross join calibration_end
    union all
    select
        cast(cut_date as date) as cut_date,
        cut_kind,
        follows_season,
        customer_id,
        churn_risk_band,
        predicted_churn_risk_90d,
        90 as holdout_days,
        case when purchased_within_90d then 0.0 else 1.0 end as churned
    from {{ ref('int_clv_churn_cuts') }}

),

holdout as (

    select
        *,
        ntile(10) over (
            partition by cut_kind order by predicted_churn_risk_90d asc, customer_id asc
        ) as risk_decile
    from at_cuts

),

grouped as (

    select
        'all' as group_type,
        'all customers' as group_value,
        0 as group_order,
        *
    from holdout
    union all
    select
        'band' as group_type,
        churn_risk_band as group_value,
        case churn_risk_band when 'Low' then 1 when 'Medium' then 2 else 3 end as group_order,
        *
    from holdout
    union all
    select
        'decile' as group_type,
        cast(risk_decile as varchar) as group_value,
        risk_decile as group_order,
        *
    from holdout

)

select
    cast(cut_date as date) as cut_date,
    cast(cut_kind as varchar) as cut_kind,
    cast(bool_or(follows_season) as boolean) as follows_season,
    cast(group_type as varchar) as group_type,
    cast(group_value as varchar) as group_value,
    cast(group_order as integer) as group_order,
    cast(count(*) as bigint) as customers,
    cast(any_value(holdout_days) as integer) as holdout_days,
    cast(avg(predicted_churn_risk_90d) as double) as mean_predicted_churn_risk,
    cast(avg(churned) as double) as observed_churn_share,
    cast(avg(predicted_churn_risk_90d) - avg(churned) as double) as calibration_error
from grouped
group by cut_date, cut_kind, group_type, group_value, group_order
order by cut_date, group_type, group_order
