-- The selection rule chooses exactly one candidate.
select count(*) as chosen_candidates
from {{ ref('cluster_model_selection') }}
where is_chosen
having count(*) != 1
