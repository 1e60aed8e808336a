-- The segment rules are a total function on the score grid: each of the 125 (r, f, m)
-- cells falls in exactly one rule box.
with

scores as (

    select {{ integer_series(1, 5) }} as score

),

cells as (

    select
        r.score as r_score,
        f.score as f_score,
        m.score as m_score
    from scores as r
    cross join scores as f
    cross join scores as m

),

matches as (

    select
        cells.r_score,
        cells.f_score,
        cells.m_score,
        count(rules.segment) as matching_rules
    from cells
    left join {{ ref('rfm_segment_rules') }} as rules
        on
            cells.r_score between rules.r_min and rules.r_max
            and cells.f_score between rules.f_min and rules.f_max
            and cells.m_score between rules.m_min and rules.m_max
    group by cells.r_score, cells.f_score, cells.m_score

)

select matches.*
from matches
where matches.matching_rules != 1
union all
-- and the grid has all 125 cells (guards the generator above)
select
    null as r_score,
    null as f_score,
    null as m_score,
    count(*) as matching_rules
from matches
having count(*) != 125
