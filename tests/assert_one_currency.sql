-- One build is one currency: the lines' Currency column holds one code (the loader stops a
-- file that mixes two; this catches the package path and a var that disagrees with it).
with

codes as (

    select distinct currency
    from {{ ref('int_invoice_lines__deduplicated') }}
    where currency is not null

),

declared as (

    select nullif(upper(trim('{{ var("currency") }}')), '') as currency

)

select 'the lines hold ' || cast(count(*) as string) || ' currencies' as problem
from codes
having count(*) > 1
union all
select
    'the lines are in ' || min(codes.currency) || ' but var currency is '
    || min(declared.currency) as problem
from codes
cross join declared
where declared.currency is not null
having count(*) = 1 and min(codes.currency) != min(declared.currency)
