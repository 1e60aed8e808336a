-- The purchase models the build chose from: each family fitted on the calibration window and
-- judged on the holdout after it (forecast total against actual purchases, Spearman ranking,
-- Brier score of the 90-day purchase chance),
-- with the one the lifetime values use and why (int_clv_model_candidates).
select
    cast(model_family as varchar) as model_family,
    cast(model_name as varchar) as model_name,
    cast(window_end_date as date) as calibration_end_date,
    cast(holdout_days as integer) as holdout_days,
    cast(n_customers as bigint) as n_customers,
    cast(r as double) as r,
    cast(alpha as double) as alpha,
    cast(a as double) as a,
    cast(b as double) as b,
    cast(log_likelihood as double) as log_likelihood,
    cast(converged as boolean) as converged,
    cast(actual_purchases as bigint) as actual_purchases,
    cast(predicted_purchases as double) as predicted_purchases,
    cast(total_error as double) as total_error,
    cast(spearman_purchases as double) as spearman_purchases,
    cast(brier_purchase_90d as double) as brier_purchase_90d,
    cast(is_chosen as boolean) as is_chosen,
    cast(choice as varchar) as choice
from {{ ref('int_clv_model_candidates') }}
