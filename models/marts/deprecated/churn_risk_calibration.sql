-- the old name of clv_churn_risk_calibration, kept for one release (CHANGELOG.md): its rows
-- at the calibration end, the only cut it had
{{ config(enabled=(target.type == 'duckdb')) }}

select
    group_type,
    group_value,
    group_order,
    customers,
    holdout_days,
    mean_predicted_churn_risk,
    observed_churn_share,
    calibration_error
from {{ ref('clv_churn_risk_calibration') }}
where cut_kind = 'calibration end'
