-- the old name of rfm_segment_transitions, kept for one release (CHANGELOG.md)
select * from {{ ref('rfm_segment_transitions') }}
