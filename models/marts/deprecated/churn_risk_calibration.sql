-- the old name of clv_churn_risk_calibration, kept for one release (CHANGELOG.md)
{{ config(enabled=(target.type == 'duckdb')) }}

select * from {{ ref('clv_churn_risk_calibration') }}
