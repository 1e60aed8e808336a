-- One row per customer: probability still active, probability of a purchase in the next 90
-- days, expected purchases over the next 90 and
-- 365 days, expected spend per purchase (with its basis), the 12-month CLV discounted
-- monthly, and the CLV decile (1 = the most valuable tenth), from the BG/NBD and
-- Gamma-Gamma fitted on the full history.
select
    cast(clv.customer_id as varchar) as customer_id,
    cast(clv.probability_active as double) as probability_active,
    cast(clv.probability_purchase_90d as double) as probability_purchase_90d,
    cast(clv.expected_purchases_90d as double) as expected_purchases_90d,
    cast(clv.expected_purchases_365d as double) as expected_purchases_365d,
    cast(round(clv.expected_spend_per_purchase, 2) as decimal(18, 2))
        as expected_spend_per_purchase,
    cast(clv.spend_basis as varchar) as spend_basis,
    cast(round(clv.clv_12m, 2) as decimal(18, 2)) as clv_12m,
    cast(ntile(10) over (order by clv.clv_12m desc, clv.customer_id asc) as integer)
        as clv_decile,
    cast(clv.x as integer) as repeat_purchases,
    cast(clv.t_x as integer) as days_first_to_last_purchase,
    cast(clv.t as integer) as days_since_first_purchase
from {{ ref('int_customer_lifetime_value') }} as clv
