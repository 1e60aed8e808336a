-- One row per customer, the outlook a retention marketer acts on: value so far, the
-- 12-month CLV and their total; probability still active, probability of a purchase in the
-- next 90 days and its complement the churn risk with its band; average days between
-- purchases and the expected next order date; expected purchases over the next 90 and 365
-- days, expected spend per purchase (with its basis), and the CLV decile (1 = the most
-- valuable tenth), from the chosen purchase model and Gamma-Gamma fitted on the full history.
select
    cast(clv.customer_id as varchar) as customer_id,
    cast(round(clv.historic_value, 2) as decimal(18, 2)) as historic_value,
    cast(round(clv.clv_12m, 2) as decimal(18, 2)) as clv_12m,
    cast(round(clv.historic_value, 2) + round(clv.clv_12m, 2) as decimal(18, 2))
        as total_value,
    cast(clv.probability_active as double) as probability_active,
    cast(clv.probability_purchase_90d as double) as probability_purchase_90d,
    cast(clv.churn_risk_90d as double) as churn_risk_90d,
    cast(clv.churn_risk_band as varchar) as churn_risk_band,
    cast(clv.average_days_between_purchases as double) as average_days_between_purchases,
    cast(clv.next_order_date as date) as expected_next_order_date,
    cast(case when clv.next_order_date is not null then ceil(clv.days_to_next_order) end as integer)
        as days_to_next_order,
    cast(clv.next_order_date_missing_reason as varchar) as next_order_date_missing_reason,
    cast(clv.expected_purchases_90d as double) as expected_purchases_90d,
    cast(clv.expected_purchases_365d as double) as expected_purchases_365d,
    cast(round(clv.expected_spend_per_purchase, 2) as decimal(18, 2))
        as expected_spend_per_purchase,
    cast(clv.spend_basis as varchar) as spend_basis,
    cast(ntile(10) over (order by clv.clv_12m desc, clv.customer_id asc) as integer)
        as clv_decile,
    cast(clv.x as integer) as repeat_purchases,
    cast(clv.t_x as integer) as days_first_to_last_purchase,
    cast(clv.t as integer) as days_since_first_purchase
from {{ ref('int_customer_lifetime_value') }} as clv
