-- The new-customer prediction never trains on anything at or after the cut-off: every
-- customer's role and label horizon, recounted here from fct_invoices alone (first purchase
-- day, the data's first and last day, the horizon and burn-in vars), is the one the model
-- gave: training customers' whole horizon closes before the cut-off, test customers first
-- bought on or after it with their horizon fully observed, newcomers' horizon is not over,
-- and the rest are excluded. And at the default cut-off, the roles the customers got are as
-- many as the cut-off's day-by-day count promised (running sums over first-purchase days).
{%- set horizon = var('prediction_horizon_days') | int %}
{%- set burn_in = var('prediction_burn_in_days') | int %}
with

bounds as (

    select
        cast(min(invoiced_at) as date) as first_date,
        cast(max(invoiced_at) as date) as last_date
    from {{ ref('fct_invoices') }}

),

-- each customer's first purchase day and label horizon, recounted from the invoices alone
recounted as (

    select
        customer_id,
        cast(min(invoiced_at) as date) as first_purchase_date,
        cast(min(invoiced_at) as date) + {{ horizon }} as horizon_end_date
    from {{ ref('fct_invoices') }}
    group by customer_id

),

-- the role the documented rule gives at the cut-off in force
expected as (

    select
        recounted.customer_id,
        recounted.horizon_end_date,
        case
            when recounted.horizon_end_date > bounds.last_date then 'newcomer'
            when recounted.first_purchase_date < bounds.first_date + {{ burn_in }} then 'excluded'
            when recounted.horizon_end_date < cutoff.cutoff_date then 'train'
            when recounted.first_purchase_date >= cutoff.cutoff_date then 'test'
            else 'excluded'
        end as prediction_role
    from recounted
    cross join bounds
    cross join {{ ref('int_prediction_cutoff') }} as cutoff

),

role_counts as (

    select
        count(*) filter (where prediction_role = 'train') as train_customers,
        count(*) filter (where prediction_role = 'test') as test_customers
    from {{ ref('int_prediction_customers') }}

)

select
    coalesce(expected.customer_id, customers.customer_id) as customer_id,
    customers.prediction_role,
    expected.prediction_role as expected_role,
    customers.horizon_end_date,
    expected.horizon_end_date as expected_horizon_end_date
from expected
full outer join {{ ref('int_prediction_customers') }} as customers
    on expected.customer_id = customers.customer_id
cross join bounds
where
    customers.prediction_role is distinct from expected.prediction_role
    or customers.horizon_end_date is distinct from expected.horizon_end_date
    -- and the promise itself, on the model's own columns: no training horizon reaches the
    -- cut-off, no test customer bought before it or has a horizon beyond the data
    or (
        customers.prediction_role = 'train'
        and customers.horizon_end_date >= customers.cutoff_date
    )
    or (
        customers.prediction_role = 'test'
        and (
            customers.first_purchase_date < customers.cutoff_date
            or customers.horizon_end_date > bounds.last_date
        )
    )
union all
select
    'role counts differ from the cut-off''s' as customer_id,
    null as prediction_role,
    null as expected_role,
    null as horizon_end_date,
    cutoff.cutoff_date as expected_horizon_end_date
from {{ ref('int_prediction_cutoff') }} as cutoff
cross join role_counts
where
    cutoff.chosen_by != 'var prediction_cutoff'
    and least(cutoff.balanced_train_customers, cutoff.balanced_test_customers) > 0
    and (
        role_counts.train_customers != cutoff.balanced_train_customers
        or role_counts.test_customers != cutoff.balanced_test_customers
    )
