{#- Where exports for marketing tools go: SEGMENTS_EXPORT_DIR, else `exports/` beside
    the warehouse file. The `segments` command points SEGMENTS_EXPORT_DIR at a staging
    folder and moves the files to their final place only when the whole build passed. -#}
{% macro activation_export_dir() -%}
    {%- set configured = env_var('SEGMENTS_EXPORT_DIR', '') -%}
    {%- if configured -%}
        {{ configured }}
    {%- else -%}
        {%- set parts = (target.get('path') or './warehouse').rsplit('/', 1) -%}
        {{ (parts[0] if parts | length > 1 else '.') ~ '/exports' }}
    {%- endif -%}
{%- endmacro %}

{#- Post-hook: write the model's table to <export dir>/<name>.parquet and .csv, ordered
    by its key, for import into marketing tools. The folder may hold any character (quotes
    too): it is written as an escaped SQL string. -#}
{% macro export_for_activation(order_by) -%}
    {%- set folder = activation_export_dir() | replace("'", "''") -%}
    copy (select * from {{ this }} order by {{ order_by }})
        to '{{ folder }}/{{ this.identifier }}.parquet' (format parquet);
    copy (select * from {{ this }} order by {{ order_by }})
        to '{{ folder }}/{{ this.identifier }}.csv' (format csv, header true)
{%- endmacro %}
