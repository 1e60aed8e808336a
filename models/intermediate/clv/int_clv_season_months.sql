-- What the yearly season is learnt from (int_clv_seasonality), per fit window and calendar
-- month inside it (the first and last may be partial): the population's repeat purchase days
-- and the customer-days at risk of one, i.e. for each day the customers whose first purchase
-- came before it. Repeat purchases per customer-day are the BG/NBD's purchase rate seen
-- through the population; dividing by the customers at risk takes out the growth of a
-- customer base that is still being acquired, which would otherwise read as a season.
with

purchase_days as (

    select * from {{ ref('int_clv_purchase_days') }}

),

firsts as (

    select
        customer_id,
        min(purchase_date) as first_purchase_date
    from purchase_days
    group by customer_id

),

acquired_per_day as (

    select
        first_purchase_date as calendar_date,
        count(*) as acquired
    from firsts
    group by first_purchase_date

),

repeats_per_day as (

    -- the BG/NBD's purchase rate is that of repeat purchases: a first purchase is when a
    -- customer was acquired, whose season is not the one the rate follows
    select
        purchase_days.purchase_date as calendar_date,
        count(*) as repeat_purchases
    from purchase_days
    inner join firsts on purchase_days.customer_id = firsts.customer_id
    where purchase_days.purchase_date > firsts.first_purchase_date
    group by purchase_days.purchase_date

),

windows as (

    -- the last day a window's purchases may fall on: its end, or the last day with data
    select
        histories.fit_window,
        min(histories.window_start_date) as start_date,
        least(
            max(histories.window_end_date),
            (select max(purchase_days.purchase_date) from purchase_days)
        ) as end_date,
        max(histories.window_end_date) - min(histories.window_start_date) as history_days
    from {{ ref('int_clv_histories') }} as histories
    group by histories.fit_window

),

window_days as (

    select
        fit_window,
        history_days,
        cast(unnest(generate_series(start_date, end_date, interval 1 day)) as date)
            as calendar_date
    from windows

),

daily as (

    select
        window_days.fit_window,
        window_days.history_days,
        window_days.calendar_date,
        coalesce(repeats_per_day.repeat_purchases, 0) as repeat_purchases,
        -- customers acquired before this day (those acquired on it cannot repeat on it)
        coalesce(
            sum(coalesce(acquired_per_day.acquired, 0)) over (
                partition by window_days.fit_window
                order by window_days.calendar_date
                rows between unbounded preceding and 1 preceding
            ),
            0
        ) as customers_at_risk
    from window_days
    left join acquired_per_day on window_days.calendar_date = acquired_per_day.calendar_date
    left join repeats_per_day on window_days.calendar_date = repeats_per_day.calendar_date

)

select
    fit_window,
    any_value(history_days) as history_days,
    cast(date_trunc('month', calendar_date) as date) as month_start,
    cast(count(*) as integer) as days_covered,
    cast(day(last_day(any_value(calendar_date))) as integer) as days_in_month,
    cast(sum(repeat_purchases) as bigint) as repeat_purchases,
    cast(sum(customers_at_risk) as double) as customer_days
from daily
group by fit_window, date_trunc('month', calendar_date)
