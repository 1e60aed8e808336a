-- The new-customer prediction never trains on anything at or after the cut-off: a training
-- customer's whole label horizon closes before the cut-off; a test customer first bought on
-- or after it (so is never a training customer) and their horizon is fully observed.
with

last_day as (

    select cast(max(invoiced_at) as date) as last_date
    from {{ ref('fct_invoices') }}

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
