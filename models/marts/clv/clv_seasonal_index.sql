-- The yearly season the lifetime-value forecasts follow, per fit window and calendar
-- month (int_clv_seasonality): 1 everywhere where the history cannot tell season from
-- trend (under 13 months, a month never seen whole, or no significant month effects).
select
    cast(fit_window as varchar) as fit_window,
    cast(calendar_month as integer) as calendar_month,
    cast(seasonal_index as double) as seasonal_index,
    cast(years_used as integer) as years_used,
    cast(is_seasonal as boolean) as is_seasonal,
    cast(note as varchar) as note
from {{ ref('int_clv_seasonality') }}
