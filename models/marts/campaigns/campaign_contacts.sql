-- The customers to contact, campaign by campaign: campaign_audiences without the control
-- group, so that a list uploaded to a mailing tool as it is never reaches a held-out
-- customer.
select
    campaign_key,
    customer_id,
    target_segment,
    start_date,
    country
from {{ ref('campaign_audiences') }}
where not control_group
