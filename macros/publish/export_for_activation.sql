{% macro activation_export_dir() -%}
    {%- set configured = env_var('SEGMENTS_EXPORT_DIR', '') -%}
    {%- if configured -%}
        {{ configured }}
    {%- else -%}
        {%- set path = target.get('path') or './warehouse/segments.duckdb' -%}
        {%- set name = path.rsplit('/', 1)[-1] -%}
        {%- set stem = name.rsplit('.', 1)[0] if '.' in name[1:] else name -%}
        {{ path[:path | length - name | length] ~ stem ~ '.exports' }}
    {%- endif -%}
{%- endmacro %}

{% macro export_for_activation(order_by) -%}
    {%- set wanted = var('activation_exports', '') -%}
    {%- if wanted in ('', none) -%}
        {%- set wanted = not var('order_lines', '') -%}
    {%- endif -%}
    {%- if wanted in (false, 'false', 'False') -%}
        select 1
    {%- else -%}
    {%- set folder = activation_export_dir() | replace("'", "''") -%}
    copy (select * from {{ this }} order by {{ order_by }})
        to '{{ folder }}/{{ this.identifier }}.parquet' (format parquet);
    copy (select * from {{ this }} order by {{ order_by }})
        to '{{ folder }}/{{ this.identifier }}.csv' (format csv, header true)
    {%- endif -%}
{%- endmacro %}
