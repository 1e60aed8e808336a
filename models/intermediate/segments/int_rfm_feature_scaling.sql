{{ config(enabled=true) }}
-- The recorded feature transform of the clustering: each RFM measure becomes
-- ln(1 + x), standardised with the mean and (population) standard deviation of the
-- non-outlier customers, who are the ones the models are fitted on.
with

logged as (

    select
        ln(1 + greatest(recency_days, 0)) as recency_days,
        ln(1 + greatest(frequency, 0)) as frequency,
        ln(1 + greatest(monetary, 0)) as monetary
    from {{ ref('customer_rfm') }}
    where not is_outlier

),

measures as (

    select
        'recency_days' as feature,
        recency_days as log_value
    from logged
    union all
    select
        'frequency' as feature,
        frequency as log_value
    from logged
    union all
    select
        'monetary' as feature,
        monetary as log_value
    from logged

)

select
    feature,
    'ln(1 + x)' as transform,
    -- rounded: parallel sums differ in the last bits from run to run, and the same data
    -- must give the same features
    round(avg(log_value), 10) as feature_mean,
    -- a constant feature would divide by zero: scale 1 leaves it centred at 0
    round(coalesce(nullif(stddev_pop(log_value), 0), 1), 10) as feature_scale,
    count(*) as fitted_customers
from measures
group by feature
