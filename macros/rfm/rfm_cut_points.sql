{% macro rfm_cut_points_cte() -%}
    select
        {%- for measure, prefix in [('recency_days', 'recency'), ('frequency', 'frequency'),
                                    ('monetary', 'monetary')] %}
            {%- for i in range(1, 5) %}
        max(case when metric = '{{ measure }}' and value_bin = {{ i }} then upper_bound end)
            as {{ prefix }}_cut_{{ i }}{{ ',' if not (loop.last and prefix == 'monetary') }}
            {%- endfor %}
        {%- endfor %}
    from {{ ref('rfm_score_thresholds') }}
{%- endmacro %}

{% macro rfm_cut_point_rows(rfm_relation, group_column=none) -%}
    {%- set method = var('rfm_score_method') -%}
    {%- set measures = ['recency_days', 'frequency', 'monetary'] -%}
    {%- if method not in ['quantile', 'custom'] -%}
        {{ exceptions.raise_compiler_error(
            "var rfm_score_method must be 'quantile' or 'custom', got '" ~ method ~ "'") }}
    {%- endif -%}
    {%- set group = (group_column ~ ', ') if group_column else '' -%}
    {%- if method == 'quantile' %}
    select
        {{ group }}metric,
        percentile_disc(0.2) within group (order by measure_value) as cut_1,
        percentile_disc(0.4) within group (order by measure_value) as cut_2,
        percentile_disc(0.6) within group (order by measure_value) as cut_3,
        percentile_disc(0.8) within group (order by measure_value) as cut_4
    from (
        {%- for measure in measures %}
        select
            {{ group }}'{{ measure }}' as metric,
            cast({{ measure }} as double) as measure_value
        from {{ rfm_relation }}
        {{ 'union all' if not loop.last }}
        {%- endfor %}
    ) as measures
    group by {{ group }}metric
    {%- else %}
        {%- set custom = var('rfm_custom_cut_points') -%}
        {%- for measure in measures -%}
            {%- set cuts = custom.get(measure, []) -%}
            {%- if cuts | length != 4 or cuts != cuts | sort -%}
                {{ exceptions.raise_compiler_error(
                    "var rfm_custom_cut_points." ~ measure
                    ~ " must be four ascending numbers, got " ~ cuts) }}
            {%- endif -%}
        {%- endfor %}
    select
        {{ ('groups.' ~ group) if group_column }}custom_cuts.metric,
        cast(custom_cuts.cut_1 as double) as cut_1,
        cast(custom_cuts.cut_2 as double) as cut_2,
        cast(custom_cuts.cut_3 as double) as cut_3,
        cast(custom_cuts.cut_4 as double) as cut_4
    from (
        values
        {%- for measure in measures %}
            ('{{ measure }}', {{ custom[measure] | join(', ') }})
            {{- ',' if not loop.last }}
        {%- endfor %}
    ) as custom_cuts (metric, cut_1, cut_2, cut_3, cut_4)
    {%- if group_column %}
    cross join (select distinct {{ group_column }} from {{ rfm_relation }}) as groups
    {%- endif %}
    {%- endif %}
{%- endmacro %}
