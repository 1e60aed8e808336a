-- The yearly season the lifetime-value forecasts follow, per fit window and calendar
-- month (int_clv_seasonality): 1 everywhere when the history is under two years.
select
    cast(fit_window as varchar) as fit_window,
    cast(calendar_month as integer) as calendar_month,
    cast(seasonal_index as double) as seasonal_index,
    cast(years_used as integer) as years_used,
    cast(is_seasonal as boolean) as is_seasonal
from {{ ref('int_clv_seasonality') }}
