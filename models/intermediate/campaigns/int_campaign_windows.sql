-- The two windows of every campaign. 'audience': from the start, window_days long; its
-- customers are those in a targeted segment on the start date. 'baseline': the last whole
-- window before the start that the data covers; its customers are those in the same
-- segments on its first day, and what they bought in it is what the plan's power statement
-- expects of the audience without the campaign.
with

campaigns as (

    select * from {{ ref('stg_campaigns') }}

),

data_end as (

    select cast(max(invoiced_at) as date) as last_invoice_date
    from {{ ref('fct_invoices') }}

)

select
    campaigns.campaign_key,
    'audience' as member_role,
    campaigns.start_date as window_start,
    campaigns.window_end
from campaigns
union all
select
    campaigns.campaign_key,
    'baseline' as member_role,
    cast(
        least(campaigns.start_date, {{ next_day('data_end.last_invoice_date') }})
        - campaigns.window_days as date
    ) as window_start,
    cast(
        least(campaigns.start_date, {{ next_day('data_end.last_invoice_date') }}) - 1 as date
    ) as window_end
from campaigns
cross join data_end
