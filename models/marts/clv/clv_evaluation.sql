-- The lifetime-value forecasts checked on time: the models fitted on the calibration
-- window forecast each customer's purchases in the holdout after it. Per group (all
-- customers, each number of calibration repeat purchases - the classic BTYD check - and
-- each RFM segment at the last month end up to the calibration end): actual against
-- predicted purchases, and the same for the naive rule (each customer's repeat-purchase
-- rate so far times the holdout length); mean absolute error per customer and Spearman
-- rank correlation (on average ranks) for both.
with

calibration_end as (

    select max(window_end_date) as calibration_end_date
    from {{ ref('int_clv_histories') }}
    where fit_window = 'calibration'

),

segments_at_calibration_end as (

    -- the RFM segment at the last month end on or before the calibration end (the window
    -- includes that day): grouping by the segment at the end of the data would sort
    -- customers by the holdout's own outcome
    select
        history.customer_id,
        history.rfm_segment
    from {{ ref('customer_rfm_history') }} as history
    cross join calibration_end
    where history.as_of_date <= calibration_end.calibration_end_date
    qualify row_number() over (
        partition by history.customer_id order by history.as_of_date desc
    ) = 1

),

holdout as (

    select
        holdout.*,
        segments.rfm_segment,
        case
            when holdout.x >= 7 then '7+'
            else cast(holdout.x as varchar)
        end as calibration_repeat_purchases
    from {{ ref('int_clv_holdout') }} as holdout
    left join segments_at_calibration_end as segments
        on holdout.customer_id = segments.customer_id

),

grouped as (

    select
        'all' as group_type,
        'all customers' as group_value,
        *
    from holdout
    union all
    select
        'calibration_repeat_purchases' as group_type,
        calibration_repeat_purchases as group_value,
        *
    from holdout
    union all
    select
        'rfm_segment' as group_type,
        coalesce(rfm_segment, 'unknown') as group_value,
        *
    from holdout

),

ranked as (

    -- average ranks (ties share the mean of their positions), for Spearman's correlation
    select
        group_type,
        group_value,
        actual_purchases,
        predicted_purchases,
        naive_purchases,
        holdout_days,
        {{ average_rank('actual_purchases', 'group_type, group_value') }} as actual_rank,
        {{ average_rank('predicted_purchases', 'group_type, group_value') }}
            as predicted_rank,
        {{ average_rank('naive_purchases', 'group_type, group_value') }} as naive_rank
    from grouped

)

select
    group_type,
    group_value,
    count(*) as customers,
    cast(any_value(holdout_days) as integer) as holdout_days,
    cast(sum(actual_purchases) as bigint) as actual_purchases,
    sum(predicted_purchases) as predicted_purchases,
    sum(naive_purchases) as naive_purchases,
    sum(predicted_purchases) / nullif(sum(actual_purchases), 0) - 1 as predicted_relative_error,
    avg(abs(predicted_purchases - actual_purchases)) as mae_model,
    avg(abs(naive_purchases - actual_purchases)) as mae_naive,
    corr(predicted_rank, actual_rank) as spearman_model,
    corr(naive_rank, actual_rank) as spearman_naive
from ranked
group by group_type, group_value
order by group_type, group_value
