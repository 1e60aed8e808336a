{#- Numbers as the report writes them, for text columns that analysts and the report share
    (segment_overview.headline). Each mirrors a function of retail_segments.report_format,
    and tests/integration/test_report.py checks the two agree value by value. -#}

{% macro format_share(share) -%}
    case
        when {{ share }} is null or isnan({{ share }}) then '–'
        when {{ share }} = 0 then '0%'
        when abs({{ share }} * 100) < 0.05
            then case when {{ share }} > 0 then '<0.1%' else '>−0.1%' end
        when {{ share }} * 100 >= 99.5 and {{ share }} * 100 < 100 then '>99%'
        when abs({{ share }} * 100) >= 9.95
            then replace(printf('%.0f', {{ share }} * 100), '-', '−') || '%'
        else replace(printf('%.1f', {{ share }} * 100), '-', '−') || '%'
    end
{%- endmacro %}

{% macro format_count(value) -%}
    coalesce(format('{:,}', cast(round_even({{ value }}, 0) as bigint)), '–')
{%- endmacro %}
