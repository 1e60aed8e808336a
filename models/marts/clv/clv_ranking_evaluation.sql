-- Does the model rank customers at least as well as a simple rule? On the holdout after
-- the calibration end, five forecasts made at the calibration end rank the same
-- customers: the model (the purchase model's expected purchases; for revenue, times the Gamma-Gamma
-- expected spend: what clv_12m is made of), the naive rate (repeat purchases per day so far
-- times the holdout's length), the repeat-purchase count, the revenue so far (a value rule
-- that knows spend, as the model does), and the purchases in the 90 days before the
-- calibration end. Per forecast: Spearman's correlation with the holdout
-- purchases, and the share of the holdout's purchases and of its revenue that the top 10%
-- of customers by the forecast made (customers tied at the cut count in proportion, so a
-- rule with many ties is neither helped nor hurt by an arbitrary order).
with

holdout as (

    select * from {{ ref('int_clv_holdout') }}

),

forecasts as (

    -- purchase_score ranks for purchases, revenue_score for revenue; forecast_purchases is
    -- the forecast's own total where it makes one
    select
        'model' as forecast,
        customer_id,
        actual_purchases,
        actual_revenue,
        predicted_purchases as purchase_score,
        predicted_revenue as revenue_score,
        predicted_purchases as forecast_purchases
    from holdout
    union all
    select
        'naive rate' as forecast,
        customer_id,
        actual_purchases,
        actual_revenue,
        naive_purchases as purchase_score,
        naive_purchases as revenue_score,
        naive_purchases as forecast_purchases
    from holdout
    union all
    select
        'repeat purchases' as forecast,
        customer_id,
        actual_purchases,
        actual_revenue,
        x as purchase_score,
        x as revenue_score,
        null as forecast_purchases
    from holdout
    union all
    select
        'revenue so far' as forecast,
        customer_id,
        actual_purchases,
        actual_revenue,
        calibration_revenue as purchase_score,
        calibration_revenue as revenue_score,
        null as forecast_purchases
    from holdout
    union all
    select
        'purchases in the last 90 days' as forecast,
        customer_id,
        actual_purchases,
        actual_revenue,
        purchases_last_90d as purchase_score,
        purchases_last_90d as revenue_score,
        null as forecast_purchases
    from holdout

),

ranked as (

    -- average ranks (ties share the mean of their positions), for Spearman's correlation
    select
        forecast,
        {{ average_rank('actual_purchases', 'forecast') }} as actual_rank,
        {{ average_rank('purchase_score', 'forecast') }} as forecast_rank
    from forecasts

),

spearman as (

    select
        forecast,
        corr(forecast_rank, actual_rank) as spearman_purchases
    from ranked
    group by forecast

),

score_groups as (

    -- one row per forecast, target and distinct score: its customers and what they did
    select
        forecast,
        'purchases' as target,
        purchase_score as score,
        count(*) as customers,
        sum(actual_purchases) as actual
    from forecasts
    group by forecast, purchase_score
    union all
    select
        forecast,
        'revenue' as target,
        revenue_score as score,
        count(*) as customers,
        sum(actual_revenue) as actual
    from forecasts
    group by forecast, revenue_score

),

placed as (

    -- per score group: the places in the top 10% and the customers ranked above the group
    select
        forecast,
        target,
        customers,
        actual,
        0.1 * sum(customers) over (partition by forecast, target) as top_places,
        sum(customers) over (
            partition by forecast, target order by score desc
        ) - customers as customers_above,
        sum(actual) over (partition by forecast, target) as total
    from score_groups

),

top_decile_parts as (

    -- the top 10% of customers by score: whole groups above the cut, and the tied group at
    -- the cut in proportion to the places left
    select
        forecast,
        target,
        actual,
        total,
        greatest(0.0, least(1.0, (top_places - customers_above) / customers)) as included
    from placed

),

top_decile as (

    select
        forecast,
        sum(included * actual) filter (where target = 'purchases')
        / nullif(any_value(total) filter (where target = 'purchases'), 0)
            as top_decile_purchase_share,
        sum(included * actual) filter (where target = 'revenue')
        / nullif(any_value(total) filter (where target = 'revenue'), 0)
            as top_decile_revenue_share
    from top_decile_parts
    group by forecast

),

totals as (

    select
        forecast,
        count(*) as customers,
        sum(actual_purchases) as actual_purchases,
        sum(forecast_purchases) as forecast_purchases
    from forecasts
    group by forecast

)

select
    cast(totals.forecast as varchar) as forecast,
    cast(totals.customers as bigint) as customers,
    cast(spearman.spearman_purchases as double) as spearman_purchases,
    cast(top_decile.top_decile_purchase_share as double) as top_decile_purchase_share,
    cast(top_decile.top_decile_revenue_share as double) as top_decile_revenue_share,
    cast(totals.actual_purchases as bigint) as actual_purchases,
    cast(totals.forecast_purchases as double) as forecast_purchases,
    cast(totals.forecast_purchases / nullif(totals.actual_purchases, 0) - 1 as double)
        as forecast_relative_error
from totals
inner join spearman on totals.forecast = spearman.forecast
inner join top_decile on totals.forecast = top_decile.forecast
order by totals.forecast
