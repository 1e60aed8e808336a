{% macro register_raw_files() -%}
    {{ return(adapter.dispatch('register_raw_files', 'retail_segments')()) }}
{%- endmacro %}

{% macro default__register_raw_files() -%}
    select 1
{%- endmacro %}

{% macro spark__register_raw_files() -%}
    {%- if execute -%}
        {%- set raw_path = var('raw_invoices') or env_var('RAW_INVOICES', '') -%}
        {%- if not raw_path or not raw_path.lower().endswith('.parquet') -%}
            {{ exceptions.raise_compiler_error(
                "the Spark target reads the raw invoices in place from a Parquet file: set "
                ~ "--vars '{raw_invoices: /path/to/invoices.parquet}' or RAW_INVOICES"
                ~ (" (got '" ~ raw_path ~ "')" if raw_path else "")) }}
        {%- endif -%}
        {{ log("Python models (clustering, categories, prediction, lifetime value) and the "
            ~ "marts built on them are disabled on the Spark target: dbt runs Python models "
            ~ "on Spark only on Databricks.", info=true) }}
        {%- set file = "parquet.`" ~ raw_path ~ "`" -%}
        {%- set name = raw_path.split('/')[-1] -%}
        {#- the file's columns, by their name compared as the DuckDB loader compares it -#}
        {%- set found = {} -%}
        {%- for row in run_query("describe query select * from " ~ file).rows -%}
            {%- do found.update({row[0] | lower | replace('_', '') | replace(' ', ''):
                                 (row[0], row[1] | lower)}) -%}
        {%- endfor -%}
        {#- the declared columns (the source's input contract, which the DuckDB loader
            reads too): found by name as the loader finds them (either layout) -#}
        {%- set declared = declared_raw_columns() -%}
        {%- set columns = {} -%}
        {%- for column in declared -%}
            {%- for alias in column.meta.aliases
                    if (alias | lower | replace('_', '') | replace(' ', '')) in found
                    and column.name not in columns -%}
                {%- do columns.update({column.name:
                    found[alias | lower | replace('_', '') | replace(' ', '')]}) -%}
            {%- endfor -%}
            {%- if column.meta.required and column.name not in columns -%}
                {{ exceptions.raise_compiler_error(
                    "error: " ~ name ~ ": required column " ~ column.name ~ " is missing "
                    ~ "(accepted names: " ~ (column.meta.aliases | join(', ')) ~ "; found: "
                    ~ (found.values() | map('first') | join(', ')) ~ ")") }}
            {%- endif -%}
        {%- endfor -%}
        {#- one of a required group (a unit price or a line amount), as the loader requires -#}
        {%- set group = [] -%}
        {%- for column in declared if column.meta.get('one_of_required') -%}
            {%- do group.append(column.name) -%}
        {%- endfor -%}
        {%- if group and not (group | select('in', columns) | list) -%}
            {{ exceptions.raise_compiler_error(
                "error: " ~ name ~ ": required column " ~ (group | join(' or '))
                ~ " is missing (found: " ~ (found.values() | map('first') | join(', ')) ~ ")") }}
        {%- endif -%}
        {%- set q = {} -%}
        {%- for canonical, column in columns.items() -%}
            {%- do q.update({canonical: '`' ~ column[0] ~ '`'}) -%}
        {%- endfor -%}
        {#- one pass: what the loader refuses and Spark would silently truncate (a value
            that is not whole in a column declared bigint), and a folder of several files
            (its line numbers would restart in each) -#}
        {%- set whole = [] -%}
        {%- for column in declared
                if column.data_type | lower == 'bigint' and column.name in columns -%}
            {%- do whole.append(column.name) -%}
        {%- endfor -%}
        {%- set aggregates = ["count(distinct _metadata.file_path)"] -%}
        {%- for column_name in whole -%}
            {%- set broken = q[column_name] ~ " != floor(" ~ q[column_name] ~ ")" -%}
            {%- do aggregates.append(
                "count_if(" ~ broken ~ "), min_by(_metadata.row_index + 1, case when "
                ~ broken ~ " then _metadata.row_index end), min_by(" ~ q[column_name]
                ~ ", case when " ~ broken ~ " then _metadata.row_index end)") -%}
        {%- endfor -%}
        {%- set checks = run_query(
            "select " ~ aggregates | join(", ") ~ " from " ~ file).rows[0] -%}
        {%- if checks[0] > 1 -%}
            {{ exceptions.raise_compiler_error(
                "error: " ~ name ~ " is " ~ checks[0] ~ " files; the Spark target reads one "
                ~ "Parquet file (its line numbers identify every raw line)") }}
        {%- endif -%}
        {%- for column_name in whole -%}
            {%- set at = 1 + 3 * loop.index0 -%}
            {%- if checks[at] > 0 -%}
                {{ exceptions.raise_compiler_error(
                    "error: " ~ name ~ ": column " ~ columns[column_name][0] ~ " has "
                    ~ checks[at] ~ " values that are not whole numbers, e.g. '"
                    ~ checks[at + 2] ~ "' on line " ~ checks[at + 1]) }}
            {%- endif -%}
        {%- endfor -%}
        {#- each declared column cast to its type (null when the file lacks it). A number
            stored as a double prints as 1.2345678E7 on Spark: a text column read from
            doubles goes through a decimal (12345678.000000, which normalize_customer_id
            makes 12345678) -#}
        {%- set spark_types = {'varchar': 'string', 'bigint': 'bigint',
                               'timestamp': 'timestamp', 'double': 'double'} -%}
        {%- set selects = [] -%}
        {%- for column in declared -%}
            {%- set spark_type = spark_types[column.data_type | lower] -%}
            {%- if column.name not in columns -%}
                {%- do selects.append("cast(null as " ~ spark_type ~ ") as " ~ column.name) -%}
            {%- elif spark_type == 'string' and columns[column.name][1] in ('double', 'float') -%}
                {%- do selects.append("cast(cast(" ~ q[column.name] ~ " as decimal(38, 6)) as "
                    ~ "string) as " ~ column.name) -%}
            {%- else -%}
                {%- do selects.append("cast(" ~ q[column.name] ~ " as " ~ spark_type ~ ") as "
                    ~ column.name) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- do run_query("create schema if not exists raw") -%}
        {%- do run_query(
            "create or replace view raw.invoice_lines as select " ~ selects | join(", ")
            ~ ", _metadata.row_index + 1 as source_row_number, '"
            ~ name | replace("'", "\\'") ~ "' as source_file, _metadata.row_index + 1 as "
            ~ "source_line_number from " ~ file) -%}
        {%- if var('segment_model_parameters') -%}
            {%- do run_query(
                "create or replace view raw.segment_model_parameters as select * from parquet.`"
                ~ var('segment_model_parameters') ~ "`") -%}
        {%- endif -%}
    {%- endif -%}
    select 1
{%- endmacro %}
