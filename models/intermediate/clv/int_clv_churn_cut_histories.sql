-- The churn risk is checked at the calibration end (int_clv_holdout) and, where it is
-- another day, at a cut just before the busy season: the day before the three consecutive
-- whole months that are the busiest (by the learnt season where there is one, else by
-- repeat purchase days) among those whose 90 days are inside the data and that start in
-- the last year of such cuts (so a growing shop's count is compared within one year), the
-- latest on a tie.
-- Per such cut, every customer who had bought by it: the purchase history up to and
-- including the cut, and the purchases in the 90 days after it. int_clv_churn_cuts fits
-- the model on these as a build on the cut day would.
with

purchase_days as (

    select * from {{ ref('int_clv_purchase_days') }}

),

last_purchase as (

    select max(purchase_date) as last_date from purchase_days

),

calibration as (

    select max(window_end_date) as cut_date
    from {{ ref('int_clv_histories') }}
    where fit_window = 'calibration'

),

months as (

    select
        months.month_start,
        months.repeat_purchases,
        months.days_covered = months.days_in_month as is_whole,
        season.seasonal_index,
        season.is_seasonal
    from {{ ref('int_clv_season_months') }} as months
    inner join {{ ref('int_clv_seasonality') }} as season
        on
            months.fit_window = season.fit_window
            and month(months.month_start) = season.calendar_month
    where months.fit_window = 'full'

),

stretches as (

    select
        month_start,
        is_seasonal,
        cast(month_start as date) - 1 as cut_date,
        count(*) over three_months as months_in_stretch,
        bool_and(is_whole) over three_months as all_whole,
        sum(seasonal_index) over three_months as season_total,
        sum(repeat_purchases) over three_months as purchases_total
    from months
    window three_months as (order by month_start rows between current row and 2 following)

),

busy_season_cut as (

    select stretches.cut_date
    from stretches
    cross join last_purchase
    where
        stretches.months_in_stretch = 3
        and stretches.all_whole
        and stretches.cut_date + 90 <= last_purchase.last_date
        and stretches.cut_date > last_purchase.last_date - 90 - 365
    order by
        case
            when stretches.is_seasonal then stretches.season_total
            else stretches.purchases_total
        end desc,
        stretches.month_start desc
    limit 1

),

cuts as (

    select
        busy_season_cut.cut_date,
        'before the busy season' as cut_kind
    from busy_season_cut
    where not exists (
        select 1
        from calibration
        where calibration.cut_date = busy_season_cut.cut_date
    )

)

select
    cuts.cut_date,
    cuts.cut_kind,
    purchase_days.customer_id,
    min(purchase_days.purchase_date) as first_purchase_date,
    max(purchase_days.purchase_date) filter (
        where purchase_days.purchase_date <= cuts.cut_date
    ) as last_purchase_date,
    count(*) filter (where purchase_days.purchase_date <= cuts.cut_date) as purchase_days,
    count(*) filter (
        where purchase_days.purchase_date between cuts.cut_date + 1 and cuts.cut_date + 90
    ) as purchases_90d
from cuts
cross join purchase_days
group by cuts.cut_date, cuts.cut_kind, purchase_days.customer_id
having min(purchase_days.purchase_date) <= cuts.cut_date
