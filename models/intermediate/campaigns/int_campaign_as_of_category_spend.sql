-- Net spend of each customer in each product category before each date a campaign with
-- target_type interest_segment reads its audience at (no rows without one): what its
-- interest segment on that date is scored from (int_campaign_interest_segments).
with

interest_dates as (

    select distinct windows.window_start as as_of_date
    from {{ ref('int_campaign_windows') }} as windows
    inner join {{ ref('stg_campaigns') }} as campaigns
        on windows.campaign_key = campaigns.campaign_key
    where campaigns.target_type = 'interest_segment' and campaigns.sent_list is null

)

select
    interest_dates.as_of_date,
    sales.customer_id,
    categories.category_id,
    round(sum(sales.line_revenue), 2) as spend
from interest_dates
inner join {{ ref('fct_sales_lines') }} as sales
    on cast(sales.invoiced_at as date) < interest_dates.as_of_date
inner join {{ ref('int_product_categories') }} as categories
    on sales.stock_code = categories.stock_code
group by interest_dates.as_of_date, sales.customer_id, categories.category_id
