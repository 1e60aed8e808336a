{{ config(materialized='table') }}
{#- The declared campaigns, typed and checked: the CSV file the var campaigns names
    (`segments build --campaigns FILE`), else the seed campaigns. A row that cannot be
    measured as declared stops the build with one line naming the campaign and the problem
    (the table is materialised, so it stops here, before anything reads it). The defaults
    of the optional columns are set here and nowhere else. -#}
{%- set campaigns_file = var('campaigns', '') -%}
{%- set columns = ['campaign_key', 'target_type', 'target_segments', 'start_date',
                   'control_share', 'window_days', 'outcome', 'sent_list'] -%}
{%- set required = ['campaign_key', 'target_type', 'start_date'] -%}
{%- if campaigns_file -%}
    {#- comma-separated, always (target_segments holds ';'); a line may leave out its empty
        last fields -#}
    {%- set file_sql = "read_csv('" ~ (campaigns_file | replace("'", "''"))
        ~ "', header = true, all_varchar = true, delim = ',', quote = '\"',"
        ~ " null_padding = true)" -%}
    {%- if execute -%}
        {%- set described = run_query('describe select * from ' ~ file_sql) -%}
        {%- set found = described.columns[0].values() | map('lower') | list -%}
        {%- set unknown = found | reject('in', columns) | list -%}
        {%- set missing = required | reject('in', found) | list -%}
        {%- if unknown or missing -%}
            {{ exceptions.raise_compiler_error(
                "campaigns file " ~ campaigns_file ~ ": "
                ~ ("unknown column(s) " ~ unknown | join(', ') if unknown else "")
                ~ ("; " if unknown and missing else "")
                ~ ("missing column(s) " ~ missing | join(', ') if missing else "")
                ~ " (columns: " ~ columns | join(', ') ~ ")") }}
        {%- endif -%}
    {%- endif -%}
{%- endif %}
with

declared as (

    {%- if campaigns_file %}

    -- the template row gives every optional column the file leaves out
    select * exclude (is_template)
    from (
        select
            true as is_template,
            {%- for column in columns %}
            cast(null as varchar) as {{ column }}{{ ',' if not loop.last }}
            {%- endfor %}
        union all by name
        select
            false as is_template,
            *
        from {{ file_sql }}
    )
    where not is_template

    {%- else %}

        select * from {{ ref('campaigns') }}

    {%- endif %}

),

typed as (

    select
        trim(campaign_key) as campaign_key,
        lower(trim(coalesce(target_type, ''))) as target_type,
        trim(coalesce(target_segments, '')) as target_segments,
        trim(coalesce(start_date, '')) as start_date_text,
        try_cast(trim(start_date) as date) as start_date,
        coalesce(nullif(trim(control_share), ''), '0.1') as control_share_text,
        try_cast(coalesce(nullif(trim(control_share), ''), '0.1') as double) as control_share,
        coalesce(nullif(trim(window_days), ''), '90') as window_days_text,
        try_cast(coalesce(nullif(trim(window_days), ''), '90') as integer) as window_days,
        lower(coalesce(nullif(trim(outcome), ''), 'both')) as outcome,
        nullif(trim(sent_list), '') as sent_list
    from declared
    -- a blank line of the file is no campaign
    where coalesce(
        campaign_key, target_type, target_segments, start_date, control_share, window_days,
        outcome
    ) is not null

),

checked as (

    select
        *,
        count(*) over (partition by campaign_key) as declarations,
        case
            when campaign_key is null or campaign_key = ''
                then 'a campaign has no campaign_key'
            when count(*) over (partition by campaign_key) > 1
                then format(
                    'is declared {} times (starts {}): give each wave its own campaign_key',
                    count(*) over (partition by campaign_key),
                    string_agg(start_date_text, ', ') over (partition by campaign_key)
                )
            when
                target_type not in (
                    'behavioural_segment', 'rfm_segment', 'interest_segment', 'churn_band', 'all'
                )
                then format(
                    'target_type ''{}'' is not one of behavioural_segment, rfm_segment, '
                    || 'interest_segment, churn_band, all',
                    target_type
                )
            when target_type = 'all' and target_segments != ''
                then format(
                    'target_type all takes no target_segments (got ''{}'')', target_segments
                )
            when target_type != 'all' and trim(replace(target_segments, ';', '')) = ''
                then 'names no target_segments'
            when start_date is null
                then format('start_date ''{}'' is not a date (YYYY-MM-DD)', start_date_text)
            when control_share is null or not (control_share > 0 and control_share <= 0.5)
                then format('control_share {} is outside (0, 0.5]', control_share_text)
            when window_days is null or window_days < 1
                then format('window_days {} is not a whole number of days >= 1', window_days_text)
            when outcome not in ('purchase', 'revenue', 'both')
                then format('outcome ''{}'' is not one of purchase, revenue, both', outcome)
        end as problem
    from typed

)

select
    campaign_key,
    target_type,
    target_segments,
    start_date,
    control_share,
    window_days,
    outcome,
    sent_list,
    case
        when problem is null then cast(start_date + window_days - 1 as date)
        when campaign_key is null or campaign_key = '' then error('campaigns: ' || problem)
        else error(format('campaigns: campaign ''{}'' {}', campaign_key, problem))
    end as window_end
from checked
