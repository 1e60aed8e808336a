-- How well the first invoice predicts what a new customer does next, on customers never
-- seen in training: one row per target, model and metric, with a 95% bootstrap interval.
-- Baselines are rows of their own (model_kind = 'baseline'); so is the random-split
-- protocol on customers' own RFM (labelled in `protocol`: not a prediction of new
-- customers).
select
    cast(target as varchar) as target,
    cast(model as varchar) as model,
    cast(model_kind as varchar) as model_kind,
    cast(protocol as varchar) as protocol,
    cast(metric as varchar) as metric,
    cast(value as double) as value,
    cast(ci_low as double) as ci_low,
    cast(ci_high as double) as ci_high,
    cast(n_train as bigint) as n_train,
    cast(n_test as bigint) as n_test,
    cast(cutoff_date as date) as cutoff_date,
    cast(horizon_days as integer) as horizon_days
from {{ ref('int_prediction_evaluation') }}
