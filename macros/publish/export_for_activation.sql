{#- Where exports for marketing tools go: SEGMENTS_EXPORT_DIR, else `<name>.exports/`
    beside the warehouse file `<name>.duckdb` (retail_segments.publish.default_export_dir).
    The `segments` command points SEGMENTS_EXPORT_DIR at the build's release folder and
    publishes the warehouse and its exports together only when the whole build passed. The
    folder is made by the profile's plugin retail_segments.publish (DuckDB's COPY does not
    make folders); tests/integration/test_clv.py checks that plain dbt writes where the command
    publishes. -#}
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

{#- Post-hook: write the model's table to <export dir>/<name>.parquet and .csv, ordered
    by its key, for import into marketing tools. The folder may hold any character (quotes
    too): it is written as an escaped SQL string. Var activation_exports: true or false;
    empty = write them when the lines come from the shop's files, not where this project
    is a package reading a model (var order_lines), which reads the marts instead. -#}
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
