-- Each customer's purchase history in buy-till-you-die terms, for two fit windows:
--   full         every purchase up to the RFM as-of date (what customer_lifetime_value uses)
--   calibration  purchases up to and including the calibration end (var clv_calibration_end;
--                default the middle of the data's span), with the purchases in the holdout
--                after it (from the next day to the as-of date), to check the forecasts
-- Both windows end on a day that is included: purchases on the as-of date or on the
-- calibration end count, and ages are measured to that day (as lifetimes' and the BTYD
-- papers' calibration/holdout split: CDNOW's 39 weeks end on 1997-09-30, included).
-- A purchase is a day with at least one invoice (as in BTYD practice, several invoices on
-- one day are one purchase). x = purchase days - 1 (repeat purchases), t_x = days from the
-- first to the last purchase day, t = days from the first purchase day to the window's end,
-- repeat_spend_mean = mean net revenue of the repeat purchase days (null without one),
-- purchases_last_90d = purchase days in the 90 days up to the window's end (the simple
-- recency rule clv_evaluation ranks against); with var clv_value_basis: margin, revenue here
-- is the purchase days' gross margin instead.
-- Holdout columns (calibration rows only): purchases and revenue after the calibration end,
-- and purchases within its first 90 days (null when the holdout is shorter: what the churn
-- risk is checked against).
with

as_of as (

    select {{ rfm_as_of_date() }} as as_of_date

),

purchase_days as (

    select * from {{ ref('int_clv_purchase_days') }}

),

bounds as (

    select
        as_of.as_of_date,
        min(purchase_days.purchase_date) as first_date,
        -- the last day the data covers: the holdout ends there (the default as-of date is
        -- the day after it, which holds no purchase yet)
        least(as_of.as_of_date, max(purchase_days.purchase_date)) as last_data_date,
        {% if var('clv_calibration_end') -%}
            cast('{{ var("clv_calibration_end") }}' as date)
        {%- else -%}
            min(purchase_days.purchase_date)
            + cast(floor((as_of.as_of_date - min(purchase_days.purchase_date)) / 2) as integer)
        {%- endif %} as calibration_end_date
    from purchase_days
    cross join as_of
    group by as_of.as_of_date

),

windows as (

    -- last_purchase_date: the last day a purchase may fall on; window_end_date: where a
    -- customer's age t is measured to
    select
        'full' as fit_window,
        first_date,
        as_of_date as last_purchase_date,
        as_of_date as window_end_date,
        as_of_date
    from bounds
    union all
    select
        'calibration' as fit_window,
        first_date,
        calibration_end_date as last_purchase_date,
        calibration_end_date as window_end_date,
        as_of_date
    from bounds

),

in_window as (

    select
        windows.fit_window,
        windows.first_date,
        windows.window_end_date,
        windows.as_of_date,
        purchase_days.customer_id,
        purchase_days.purchase_date,
        purchase_days.revenue,
        min(purchase_days.purchase_date) over (
            partition by windows.fit_window, purchase_days.customer_id
        ) as customer_first_date
    from purchase_days
    inner join windows on purchase_days.purchase_date <= windows.last_purchase_date

),

histories as (

    select
        fit_window,
        customer_id,
        any_value(first_date) as window_start_date,
        any_value(window_end_date) as window_end_date,
        any_value(as_of_date) as as_of_date,
        min(purchase_date) as first_purchase_date,
        count(*) - 1 as x,
        count(*) filter (where purchase_date > window_end_date - 90) as purchases_last_90d,
        max(purchase_date) - min(purchase_date) as t_x,
        any_value(window_end_date) - min(purchase_date) as t,
        avg(revenue) filter (where purchase_date > customer_first_date) as repeat_spend_mean,
        sum(revenue) as revenue
    from in_window
    group by fit_window, customer_id

),

holdout as (

    select
        purchase_days.customer_id,
        count(*) as holdout_purchases,
        count(*) filter (
            where purchase_days.purchase_date <= bounds.calibration_end_date + 90
        ) as holdout_purchases_90d,
        sum(purchase_days.revenue) as holdout_revenue
    from purchase_days
    cross join bounds
    where purchase_days.purchase_date > bounds.calibration_end_date
    group by purchase_days.customer_id

)

select
    histories.fit_window,
    histories.customer_id,
    histories.window_start_date,
    histories.window_end_date,
    histories.as_of_date,
    histories.first_purchase_date,
    cast(histories.x as integer) as x,
    cast(histories.t_x as integer) as t_x,
    cast(histories.t as integer) as t,
    cast(histories.repeat_spend_mean as double) as repeat_spend_mean,
    cast(histories.revenue as double) as revenue,
    cast(histories.purchases_last_90d as integer) as purchases_last_90d,
    case
        when histories.fit_window = 'calibration'
            then coalesce(holdout.holdout_purchases, 0)
    end as holdout_purchases,
    case
        when histories.fit_window = 'calibration'
            then cast(coalesce(holdout.holdout_revenue, 0) as double)
    end as holdout_revenue,
    case
        when
            histories.fit_window = 'calibration'
            and bounds.last_data_date - histories.window_end_date >= 90
            then coalesce(holdout.holdout_purchases_90d, 0)
    end as holdout_purchases_90d,
    -- the holdout: the day after the calibration end to the last day the data covers
    case
        when histories.fit_window = 'calibration'
            then bounds.last_data_date - histories.window_end_date
    end as holdout_days
from histories
cross join bounds
left join holdout on histories.customer_id = holdout.customer_id
