-- Every customer's RFM, purchase days, RFM rule segment and behavioural segment as of each
-- date a campaign reads them at: the first day of each of its windows (int_campaign_windows).
-- Only purchases before the date count, recency is counted to it. The RFM scores are
-- those a build on that day would give: the cut points of the customers as of the date
-- (rfm_cut_point_rows), the segment rules of seeds. The behavioural segment is the current
-- clustering's (its stored parameters, scored in SQL by nearest centroid): the clustering
-- is not refitted for each date.
with

as_of_dates as (

    select distinct window_start as as_of_date
    from {{ ref('int_campaign_windows') }}

),

histories as (

    select
        as_of_dates.as_of_date,
        invoices.customer_id,
        count(distinct invoices.invoice_no) as frequency,
        {{ round_money('sum(invoices.revenue)') }} as monetary,
        min(cast(invoices.invoiced_at as date)) as first_purchase_date,
        max(cast(invoices.invoiced_at as date)) as last_purchase_date,
        count(distinct cast(invoices.invoiced_at as date)) as purchase_days,
        avg(invoices.revenue) as avg_invoice_value
    from as_of_dates
    inner join {{ ref('fct_invoices') }} as invoices
        on cast(invoices.invoiced_at as date) < as_of_dates.as_of_date
    group by as_of_dates.as_of_date, invoices.customer_id

),

as_of_rfm as (

    select
        as_of_date,
        customer_id,
        {{ days_between('last_purchase_date', 'as_of_date') }} as recency_days,
        frequency,
        monetary,
        first_purchase_date,
        last_purchase_date,
        purchase_days,
        avg_invoice_value
    from histories

),

cut_point_rows as (

    {{ rfm_cut_point_rows('as_of_rfm', group_column='as_of_date') }}

),

cut_points as (

    select
        as_of_date,
        any_value(cut_1) filter (where metric = 'recency_days') as recency_cut_1,
        any_value(cut_2) filter (where metric = 'recency_days') as recency_cut_2,
        any_value(cut_3) filter (where metric = 'recency_days') as recency_cut_3,
        any_value(cut_4) filter (where metric = 'recency_days') as recency_cut_4,
        any_value(cut_1) filter (where metric = 'frequency') as frequency_cut_1,
        any_value(cut_2) filter (where metric = 'frequency') as frequency_cut_2,
        any_value(cut_3) filter (where metric = 'frequency') as frequency_cut_3,
        any_value(cut_4) filter (where metric = 'frequency') as frequency_cut_4,
        any_value(cut_1) filter (where metric = 'monetary') as monetary_cut_1,
        any_value(cut_2) filter (where metric = 'monetary') as monetary_cut_2,
        any_value(cut_3) filter (where metric = 'monetary') as monetary_cut_3,
        any_value(cut_4) filter (where metric = 'monetary') as monetary_cut_4
    from cut_point_rows
    group by as_of_date

),

scored as (

    select
        as_of_rfm.*,
        {{ rfm_score('as_of_rfm.recency_days', 'cut_points.recency_cut',
                     lower_is_better=true) }} as r_score,
        {{ rfm_score('as_of_rfm.frequency', 'cut_points.frequency_cut') }} as f_score,
        {{ rfm_score('as_of_rfm.monetary', 'cut_points.monetary_cut') }} as m_score
    from as_of_rfm
    inner join cut_points on as_of_rfm.as_of_date = cut_points.as_of_date

),

clustered as (

    {{ assign_rfm_cluster('as_of_rfm', keys=['as_of_date', 'customer_id']) }}

)

select
    scored.as_of_date,
    scored.customer_id,
    scored.recency_days,
    scored.frequency,
    scored.monetary,
    scored.first_purchase_date,
    scored.last_purchase_date,
    scored.purchase_days,
    scored.avg_invoice_value,
    rules.segment as rfm_segment,
    profiles.segment_name as behavioural_segment
from scored
inner join {{ ref('rfm_segment_rules') }} as rules
    on {{ rfm_segment_rule_matches('scored', 'rules') }}
inner join clustered
    on
        scored.as_of_date = clustered.as_of_date
        and scored.customer_id = clustered.customer_id
inner join {{ ref('int_cluster_profiles') }} as profiles
    on clustered.cluster_id = profiles.cluster_id
