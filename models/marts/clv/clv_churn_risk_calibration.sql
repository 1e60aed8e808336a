-- Can the churn risk be trusted? The BG/NBD fitted on the calibration window gives each
-- customer's churn risk at the calibration end (probability of no purchase in the next 90
-- days); the holdout shows who then did not buy within those 90 days. Per churn-risk band,
-- per decile of predicted risk and over all customers: the mean predicted risk beside the
-- observed share without a purchase. The observed share is null when the holdout is
-- shorter than 90 days.
with

holdout as (

    select
        churn_risk_band,
        predicted_churn_risk_90d,
        holdout_days,
        case when purchased_within_90d then 0.0 when not purchased_within_90d then 1.0 end
            as churned,
        ntile(10) over (order by predicted_churn_risk_90d asc, customer_id asc) as risk_decile
    from {{ ref('int_clv_holdout') }}

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
    cast(group_type as varchar) as group_type,
    cast(group_value as varchar) as group_value,
    cast(group_order as integer) as group_order,
    cast(count(*) as bigint) as customers,
    cast(any_value(holdout_days) as integer) as holdout_days,
    cast(avg(predicted_churn_risk_90d) as double) as mean_predicted_churn_risk,
    cast(avg(churned) as double) as observed_churn_share,
    cast(avg(predicted_churn_risk_90d) - avg(churned) as double) as calibration_error
from grouped
group by group_type, group_value, group_order
order by group_type, group_order
