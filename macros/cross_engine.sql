{#- What differs between the engines the SQL layer runs on (DuckDB, Spark), one dispatched
    macro each; models call these (or dbt's own cross-database macros, as days_between does), and
    are otherwise written in SQL both engines read (date_trunc('month', x), last_day(d),
    percentile_cont/percentile_disc ... within group, max_by, group by all). -#}

{#- Whole days from the date `start` to the date `end`, a BIGINT on every engine (dbt's
    datediff: DuckDB's date_diff, Spark's datediff, which returns an INT). -#}
{% macro days_between(start, end) -%}
    cast({{ dbt.datediff(start, end, 'day') }} as bigint)
{%- endmacro %}


{#- ISO day of the week, 1 = Monday .. 7 = Sunday (a BIGINT). -#}
{% macro iso_weekday(timestamp) -%}
    {{ return(adapter.dispatch('iso_weekday', 'retail_segments')(timestamp)) }}
{%- endmacro %}

{% macro default__iso_weekday(timestamp) -%}
    isodow({{ timestamp }})
{%- endmacro %}

{% macro spark__iso_weekday(timestamp) -%}
    cast(weekday({{ timestamp }}) + 1 as bigint)
{%- endmacro %}


{#- A relation with one row per month start from `first_month` to `last_month` (dates,
    both included), in the column `column_name`. -#}
{% macro month_series(first_month, last_month, column_name) -%}
    {{ return(adapter.dispatch('month_series', 'retail_segments')(
        first_month, last_month, column_name)) }}
{%- endmacro %}

{% macro default__month_series(first_month, last_month, column_name) -%}
    (
        select cast(unnest(generate_series(
            cast({{ first_month }} as timestamp),
            cast({{ last_month }} as timestamp),
            interval 1 month
        )) as date) as {{ column_name }}
    )
{%- endmacro %}

{% macro spark__month_series(first_month, last_month, column_name) -%}
    (
        select explode(sequence(
            cast({{ first_month }} as date),
            cast({{ last_month }} as date),
            interval 1 month
        )) as {{ column_name }}
    )
{%- endmacro %}


{#- True when the whole of `value` matches the regular expression `pattern`. -#}
{% macro regex_full_match(value, pattern) -%}
    {{ return(adapter.dispatch('regex_full_match', 'retail_segments')(value, pattern)) }}
{%- endmacro %}

{% macro default__regex_full_match(value, pattern) -%}
    regexp_full_match({{ value }}, '{{ pattern }}')
{%- endmacro %}

{% macro spark__regex_full_match(value, pattern) -%}
    ({{ value }} rlike '^(?:{{ pattern }})$')
{%- endmacro %}


{#- A set-returning select-list expression: one row for each whole number from `first` to
    `last` (both included; SQL expressions). -#}
{% macro integer_series(first, last) -%}
    {{ return(adapter.dispatch('integer_series', 'retail_segments')(first, last)) }}
{%- endmacro %}

{% macro default__integer_series(first, last) -%}
    unnest(range({{ first }}, ({{ last }}) + 1))
{%- endmacro %}

{% macro spark__integer_series(first, last) -%}
    explode(sequence(cast({{ first }} as bigint), cast({{ last }} as bigint)))
{%- endmacro %}


{#- on-run-start. DuckDB: the raw file is the source table the raw_invoices plugin loads.
    Spark: the raw Parquet file is read in place, through a view in the schema `raw`
    shaped like the plugin's table (typed columns in the Online Retail layout, and the
    line's 1-based position in the file); the stored clustering parameters likewise when
    the var segment_model_parameters names a Parquet file. -#}
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


{#- dbt-spark's session connection splices seed values into the SQL unescaped, so a seed
    value with a quote ("Can't Lose Them") breaks the insert: write escaped literals. -#}
{% macro spark__load_csv_rows(model, agate_table) -%}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for col_name in agate_table.column_names -%}
                    {%- set type = column_override.get(
                        col_name, adapter.convert_type(agate_table, loop.index0)) -%}
                    {%- set value = row[loop.index0] -%}
                    {%- if value is none -%}
                        cast(null as {{ type }})
                    {%- else -%}
                        cast('{{ value | string | replace("\\", "\\\\") | replace("'", "\\'") }}' as {{ type }})
                    {%- endif -%}
                    {{- ',' if not loop.last -}}
                {%- endfor -%}){{ ',' if not loop.last }}
            {% endfor %}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- do statements.append(sql) if loop.first -%}
    {%- endfor -%}
    {{ return(statements[0]) }}
{%- endmacro %}


{#- The stored parameters of the chosen clustering that SQL scoring reads: on DuckDB,
    int_segment_model_parameters (published as the mart segment_model_parameters); on Spark,
    the Parquet file named by the var segment_model_parameters (e.g. that mart, exported
    from a DuckDB build). -#}
{% macro segment_parameters_relation() -%}
    {{ return(adapter.dispatch('segment_parameters_relation', 'retail_segments')()) }}
{%- endmacro %}

{% macro default__segment_parameters_relation() -%}
    {{ ref('int_segment_model_parameters') }}
{%- endmacro %}

{% macro spark__segment_parameters_relation() -%}
    {{ source('stored_parameters', 'segment_model_parameters') }}
{%- endmacro %}


{#- The day after a date (a date). -#}
{% macro next_day(date) -%}
    {{ return(adapter.dispatch('next_day', 'retail_segments')(date)) }}
{%- endmacro %}

{% macro default__next_day(date) -%}
    cast({{ date }} + 1 as date)
{%- endmacro %}

{% macro spark__next_day(date) -%}
    date_add({{ date }}, 1)
{%- endmacro %}


{#- Money to the cent, rounded half away from zero on the decimal value, the same on every
    engine: rounding the double itself differs (DuckDB rounds 345.005, stored as
    345.00499999…, down; Spark rounds it up). Six decimals absorb the double's error. (The
    engines turn a double into a decimal differently, so a value whose 7th decimal is an
    exact half at a half cent, such as 2.0049995, could still round apart; sums of prices
    in pence do not land there.) -#}
{% macro round_money(amount) -%}
    cast(round(cast({{ amount }} as decimal(38, 6)), 2) as double)
{%- endmacro %}
