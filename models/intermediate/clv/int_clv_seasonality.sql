-- The shop's yearly season, learnt per fit window from the whole calendar months inside it:
-- the population's repeat purchase days per day of each month, divided by the centred
-- 12-month moving average around it (2x12, the classical ratio-to-moving-average
-- decomposition: the trend of a growing or shrinking customer base is divided out),
-- averaged per calendar
-- month over the years available and scaled to a mean of 1. A month needs six whole months
-- on each side, so every calendar month is learnt only from at least two years of
-- history; is_seasonal is true only then (and the history covers 730 days or more), and
-- the index is 1 for every month otherwise: the steady-rate model. lifetime_value runs the
-- BG/NBD on the clock this index sets (a day of a month with index 1.5 counts as 1.5 days).
with

purchase_days as (

    select * from {{ ref('int_clv_purchase_days') }}

),

repeat_purchase_days as (

    -- the BG/NBD's purchase rate is that of repeat purchases: a first purchase is when a
    -- customer was acquired, whose season is not the one the rate follows
    select purchase_date
    from purchase_days
    qualify purchase_date > min(purchase_date) over (partition by customer_id)

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

months as (

    -- every whole calendar month inside the window
    select
        fit_window,
        history_days,
        cast(month_start as date) as month_start,
        cast(month_start + interval 1 month as date) - cast(month_start as date)
            as days_in_month
    from (
        select
            fit_window,
            history_days,
            start_date,
            end_date,
            unnest(
                generate_series(
                    date_trunc('month', start_date),
                    date_trunc('month', end_date),
                    interval 1 month
                )
            ) as month_start
        from windows
    ) as candidates
    where
        month_start >= start_date
        and cast(month_start + interval 1 month as date) - 1 <= end_date

),

monthly as (

    select
        months.fit_window,
        months.history_days,
        months.month_start,
        count(repeat_purchase_days.purchase_date) / months.days_in_month as daily_purchases
    from months
    left join repeat_purchase_days
        on
            months.month_start <= repeat_purchase_days.purchase_date
            and months.month_start + interval 1 month > repeat_purchase_days.purchase_date
    group by months.fit_window, months.history_days, months.month_start, months.days_in_month

),

centred as (

    select
        fit_window,
        history_days,
        month_start,
        daily_purchases,
        count(*) over six_each_side as months_around,
        (
            sum(daily_purchases) over six_each_side
            - 0.5 * first(daily_purchases) over six_each_side
            - 0.5 * last(daily_purchases) over six_each_side
        ) / 12 as moving_average
    from monthly
    window six_each_side as (
        partition by fit_window order by month_start
        rows between 6 preceding and 6 following
    )

),

by_calendar_month as (

    select
        fit_window,
        any_value(history_days) as history_days,
        month(month_start) as calendar_month,
        avg(daily_purchases / nullif(moving_average, 0)) as raw_index,
        count(*) as years_used
    from centred
    where months_around = 13
    group by fit_window, month(month_start)

),

calendar_months as (

    select unnest(range(1, 13)) as calendar_month

),

calendar as (

    select
        windows.fit_window,
        windows.history_days,
        calendar_months.calendar_month
    from windows
    cross join calendar_months

),

judged as (

    select
        calendar.fit_window,
        calendar.calendar_month,
        by_calendar_month.raw_index,
        coalesce(by_calendar_month.years_used, 0) as years_used,
        calendar.history_days >= 730
        and count(by_calendar_month.raw_index) over (partition by calendar.fit_window) = 12
        and min(by_calendar_month.raw_index) over (partition by calendar.fit_window) > 0
            as is_seasonal
    from calendar
    left join by_calendar_month
        on
            calendar.fit_window = by_calendar_month.fit_window
            and calendar.calendar_month = by_calendar_month.calendar_month

)

select
    fit_window,
    cast(calendar_month as integer) as calendar_month,
    cast(
        case
            when is_seasonal
                then raw_index / avg(raw_index) over (partition by fit_window)
            else 1.0
        end as double
    ) as seasonal_index,
    cast(years_used as integer) as years_used,
    is_seasonal
from judged
