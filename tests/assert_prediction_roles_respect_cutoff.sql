-- The new-customer prediction never trains on anything at or after the cut-off: a training
-- customer's whole label horizon closes before the cut-off; a test customer first bought on
-- or after it (so is never a training customer) and their horizon is fully observed.
-- And at the default cut-off, the roles the customers got (a CASE per customer) are as
-- many as the cut-off's day-by-day count promised (running sums over first-purchase days).
with

last_day as (

    select cast(max(invoiced_at) as date) as last_date
    from {{ ref('fct_invoices') }}

),

role_counts as (

    select
        count(*) filter (where prediction_role = 'train') as train_customers,
        count(*) filter (where prediction_role = 'test') as test_customers
    from {{ ref('int_prediction_customers') }}

)

select
    customers.customer_id,
    customers.prediction_role,
    customers.first_purchase_at,
    customers.horizon_end_date,
    customers.cutoff_date
from {{ ref('int_prediction_customers') }} as customers
cross join last_day
where
    (
        customers.prediction_role = 'train'
        and customers.horizon_end_date >= customers.cutoff_date
    )
    or (
        customers.prediction_role = 'test'
        and (
            customers.first_purchase_date < customers.cutoff_date
            or customers.horizon_end_date > last_day.last_date
        )
    )
union all
select
    'role counts differ from the cut-off''s' as customer_id,
    null as prediction_role,
    null as first_purchase_at,
    null as horizon_end_date,
    cutoff.cutoff_date
from {{ ref('int_prediction_cutoff') }} as cutoff
cross join role_counts
where
    cutoff.chosen_by != 'var prediction_cutoff'
    and least(cutoff.balanced_train_customers, cutoff.balanced_test_customers) > 0
    and (
        role_counts.train_customers != cutoff.balanced_train_customers
        or role_counts.test_customers != cutoff.balanced_test_customers
    )
