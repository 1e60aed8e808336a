-- The fitted purchase model (BG/NBD or MBG/NBD, as chosen in clv_model_candidates) and
-- Gamma-Gamma (spend per purchase) parameters, one row per fit window (full history;
-- calibration window for the holdout check), with log-likelihoods, the spend model's
-- independence check and a plain note.
select
    cast(fit_window as varchar) as fit_window,
    cast(model_family as varchar) as model_family,
    cast(window_start_date as date) as window_start_date,
    cast(window_end_date as date) as window_end_date,
    cast(n_customers as bigint) as n_customers,
    cast(n_repeat_customers as bigint) as n_repeat_customers,
    cast(r as double) as r,
    cast(alpha as double) as alpha,
    cast(a as double) as a,
    cast(b as double) as b,
    cast(mean_dropout_probability as double) as mean_dropout_probability,
    cast(bgnbd_log_likelihood as double) as bgnbd_log_likelihood,
    cast(dropout_at_bound as boolean) as dropout_at_bound,
    cast(dropout_identified as boolean) as dropout_identified,
    cast(p as double) as p,
    cast(q as double) as q,
    cast(gamma as double) as gamma,
    cast(gamma_gamma_log_likelihood as double) as gamma_gamma_log_likelihood,
    cast(round(population_mean_spend, 2) as decimal(18, 2)) as population_mean_spend,
    cast(spend_frequency_correlation as double) as spend_frequency_correlation,
    cast(gamma_gamma_set_aside as bigint) as gamma_gamma_set_aside,
    cast(parameters_at_bound as varchar) as parameters_at_bound,
    cast(history_days as integer) as history_days,
    cast(follows_season as boolean) as follows_season,
    cast(converged as boolean) as converged,
    cast(note as varchar) as note,
    -- what a purchase is worth in these fits: net revenue, or gross margin
    '{{ clv_value_column() }}' as value_basis
from {{ ref('int_clv_parameters') }}
