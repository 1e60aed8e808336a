-- the old name of segment_model_selection, kept for one release (CHANGELOG.md)
{{ config(enabled=(target.type == 'duckdb')) }}

select * from {{ ref('segment_model_selection') }}
