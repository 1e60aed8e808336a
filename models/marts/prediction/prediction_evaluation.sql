-- How well new customers' segments are predicted from their first invoice, on customers
-- never seen in training; the majority baseline is a row of its own, and so is the
-- random-split protocol on customers' own RFM (labelled in `protocol`: it is not a
-- prediction of new customers).
select
    cast(target as varchar) as target,
    cast(model as varchar) as model,
    cast(protocol as varchar) as protocol,
    cast(accuracy as double) as accuracy,
    cast(balanced_accuracy as double) as balanced_accuracy,
    cast(macro_f1 as double) as macro_f1,
    cast(log_loss as double) as log_loss,
    cast(n_train as bigint) as n_train,
    cast(n_test as bigint) as n_test,
    cast(cutoff_date as date) as cutoff_date,
    cast(window_days as integer) as window_days
from {{ ref('int_prediction_evaluation') }}
