{#- The lists that were sent, for the campaigns that declare one (stg_campaigns.sent_list):
    one row per campaign and listed customer, with the segment the list gives (its
    target_segment column, else 'Sent list'). A file with a campaign_key column (a saved
    campaign_audiences export) gives only its rows of that campaign. The files are named in
    the declarations, so they are looked up when this model runs: a missing file or one
    without customer_id stops the build in one line, and so does a list whose control_group
    flags are not this campaign's draw (a list saved under another key). Listed customers
    the data does not know are left out. -#}
-- depends_on: {{ ref('stg_campaigns') }}, {{ ref('customer_rfm') }}
{%- set lists = [] -%}
{#- (the declarations are read once built: a linter compiling on an empty database has none) -#}
{%- if execute and load_relation(ref('stg_campaigns')) is not none -%}
    {%- set declared = run_query(
        "select campaign_key, sent_list, control_share from " ~ ref('stg_campaigns')
        ~ " where sent_list is not null order by campaign_key") -%}
    {%- for key, path, share in declared.rows -%}
        {%- set quoted = path | replace("'", "''") -%}
        {%- set found = run_query("select count(*) from glob('" ~ quoted ~ "')").rows[0][0] -%}
        {%- if found == 0 -%}
            {{ exceptions.raise_compiler_error(
                "campaigns: campaign '" ~ key ~ "' sent_list " ~ path ~ ": no such file") }}
        {%- endif -%}
        {%- if path.lower().endswith('.parquet') -%}
            {%- set reader = "read_parquet('" ~ quoted ~ "')" -%}
        {%- else -%}
            {%- set reader = "read_csv('" ~ quoted ~ "', header = true, all_varchar = true)" -%}
        {%- endif -%}
        {%- set names = run_query('describe select * from ' ~ reader).columns[0].values()
            | map('lower') | list -%}
        {%- if 'customer_id' not in names -%}
            {{ exceptions.raise_compiler_error(
                "campaigns: campaign '" ~ key ~ "' sent_list " ~ path
                ~ " has no customer_id column") }}
        {%- endif -%}
        {%- do lists.append({
            'key': key | replace("'", "''"),
            'reader': reader,
            'by_campaign': 'campaign_key' in names,
            'segment': 'target_segment' in names,
            'flags': 'control_group' in names,
            'share': share}) -%}
    {%- endfor -%}
{%- endif %}
{%- if lists %}
with

listed as (
    {%- for list in lists %}

    select
        '{{ list.key }}' as campaign_key,
        cast(listed.customer_id as varchar) as customer_id,
        min(coalesce(
            {{- 'cast(listed.target_segment as varchar)' if list.segment else 'null' -}},
            'Sent list'
        )) as target_segment,
        {%- if list.flags %}
        bool_or(
            cast(listed.control_group as boolean)
            != ({{ campaign_control_draw("'" ~ list.key ~ "'",
                                         'cast(listed.customer_id as varchar)') }}
            < {{ list.share }})
        ) as flag_differs
        {%- else %}
        false as flag_differs
        {%- endif %}
    from {{ list.reader }} as listed
    where
        cast(listed.customer_id as varchar) in (
            select customers.customer_id from {{ ref('customer_rfm') }} as customers
        )
        {%- if list.by_campaign %}
        and cast(listed.campaign_key as varchar) = '{{ list.key }}'
        {%- endif %}
    group by cast(listed.customer_id as varchar)
    {{ 'union all' if not loop.last }}
    {%- endfor %}

)

select
    campaign_key,
    customer_id,
    target_segment
from listed
where
    case
        when flag_differs
            then error(format(
                'campaigns: campaign ''{}'' sent_list: customer {} has another control_group '
                || 'than the campaign''s draw (a list saved under another campaign_key?)',
                campaign_key, customer_id
            ))
        else true
    end
{%- else %}
    select
        cast(null as varchar) as campaign_key,
        cast(null as varchar) as customer_id,
        cast(null as varchar) as target_segment
    where false
{%- endif %}
