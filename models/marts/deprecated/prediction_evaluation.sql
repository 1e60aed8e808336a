-- the old name of new_customer_prediction_evaluation, kept for one release (CHANGELOG.md)
{{ config(enabled=(target.type == 'duckdb')) }}

select * from {{ ref('new_customer_prediction_evaluation') }}
