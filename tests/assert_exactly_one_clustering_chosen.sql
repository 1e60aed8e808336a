-- The selection rule chooses exactly one candidate, and marks exactly one statistically best.
select
    count_if(is_chosen) as chosen_candidates,
    count_if(is_statistical_best) as statistically_best_candidates
from {{ ref('segment_model_selection') }}
having count_if(is_chosen) != 1 or count_if(is_statistical_best) != 1
