{#- What differs between the engines the SQL layer runs on (DuckDB, Spark), one dispatched
    macro each; models call these, or dbt's own cross-database macros (dbt.datediff,
    dbt.date_trunc, dbt.last_day), and are otherwise written in SQL both engines read. -#}

{#- ISO day of the week, 1 = Monday .. 7 = Sunday. -#}
{% macro iso_weekday(timestamp) -%}
    {{ return(adapter.dispatch('iso_weekday', 'retail_segments')(timestamp)) }}
{%- endmacro %}

{% macro default__iso_weekday(timestamp) -%}
    isodow({{ timestamp }})
{%- endmacro %}

{% macro spark__iso_weekday(timestamp) -%}
    (weekday({{ timestamp }}) + 1)
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
    explode(sequence({{ first }}, {{ last }}))
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
        {%- do run_query("create schema if not exists raw") -%}
        {%- do run_query(
            "create or replace view raw.invoice_lines as select"
            ~ " cast(InvoiceNo as string) as InvoiceNo,"
            ~ " cast(StockCode as string) as StockCode,"
            ~ " cast(Description as string) as Description,"
            ~ " cast(Quantity as bigint) as Quantity,"
            ~ " cast(InvoiceDate as timestamp) as InvoiceDate,"
            ~ " cast(UnitPrice as double) as UnitPrice,"
            ~ " cast(CustomerID as string) as CustomerID,"
            ~ " cast(Country as string) as Country,"
            ~ " _metadata.row_index + 1 as source_row_number"
            ~ " from parquet.`" ~ raw_path ~ "`") -%}
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


{#- The stored parameters of the chosen clustering that SQL scoring reads: the mart on
    DuckDB (the Python models fit them there); on Spark, the Parquet file named by the var
    segment_model_parameters (e.g. that mart, exported from a DuckDB build). -#}
{% macro segment_parameters_relation() -%}
    {{ return(adapter.dispatch('segment_parameters_relation', 'retail_segments')()) }}
{%- endmacro %}

{% macro default__segment_parameters_relation() -%}
    {{ ref('segment_model_parameters') }}
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
    345.00499999…, down; Spark rounds it up). Six decimals absorb the double's error. -#}
{% macro round_money(amount) -%}
    cast(round(cast({{ amount }} as decimal(38, 6)), 2) as double)
{%- endmacro %}
