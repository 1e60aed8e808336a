{#- The order lines the project reads, in the canonical layout of the source
    online_retail.invoice_lines (the input contract: its columns' names and types).

    Standalone (`segments build`, or `dbt build` with this project's profile): the source,
    which the raw_invoices dbt-duckdb plugin loads from the shop's files.

    As a package in another dbt project: var `order_lines` names a model (or seed or
    snapshot) of that project with one row per order line; var `raw_columns` maps the
    canonical names to its columns where they differ (`{InvoiceNo: order_id, ...}`). The
    lines are named after the model as their file. Var order_lines_order_by (columns of that model, e.g. its line id)
    orders the lines as the shop recorded them: the order decides which of two exact
    duplicates is kept and the ties of cancellation matching, as a file's order does; by
    default the lines are ordered by every canonical column, which gives the same numbers on
    every build (exact duplicates are interchangeable). -#}
{% macro order_lines() -%}
    {%- set model = var('order_lines', '') -%}
    {%- if not model -%}
        select * from {{ source('online_retail', 'invoice_lines') }}
    {%- elif not execute -%}
        {#- while dbt parses (no graph yet): the dependency is all it needs -#}
        select * from {{ ref(model) }}
    {%- else -%}
        {%- set mapping = var('raw_columns', '') or {} -%}
        {%- if mapping is string -%}
            {{ exceptions.raise_compiler_error(
                "var raw_columns must be a mapping such as {InvoiceNo: order_id} when var "
                ~ "order_lines names a model (got '" ~ mapping ~ "')") }}
        {%- endif -%}
        {%- set declared = [] -%}
        {%- for source in graph.sources.values()
                if source.source_name == 'online_retail' and source.name == 'invoice_lines' -%}
            {%- for column in source.columns.values() if column.meta.aliases -%}
                {%- do declared.append(column) -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- set canonical = declared | map(attribute='name') | list -%}
        {%- for name in mapping if name not in canonical -%}
            {{ exceptions.raise_compiler_error(
                "var raw_columns: unknown column '" ~ name ~ "' (the canonical names are "
                ~ canonical | join(', ') ~ ")") }}
        {%- endfor -%}
        {#- each declared column from the model's column of that name (or the mapped one);
            an optional one it lacks is null -#}
        {%- set present = {} -%}
        {%- for column in adapter.get_columns_in_relation(ref(model)) -%}
            {%- do present.update({column.name | lower: column.name}) -%}
        {%- endfor -%}
        {%- set selects = [] -%}
        {%- for column in declared -%}
            {%- set name = mapping.get(column.name, column.name) -%}
            {%- if name | lower in present -%}
                {%- do selects.append("cast(" ~ adapter.quote(present[name | lower]) ~ " as "
                    ~ column.data_type ~ ") as " ~ column.name) -%}
            {%- elif column.meta.required -%}
                {{ exceptions.raise_compiler_error(
                    "the order_lines model " ~ model ~ " has no column " ~ name
                    ~ " for " ~ column.name ~ " (columns: " ~ present.values() | join(', ')
                    ~ "); map it with var raw_columns") }}
            {%- else -%}
                {%- do selects.append("cast(null as " ~ column.data_type ~ ") as "
                    ~ column.name) -%}
            {%- endif -%}
        {%- endfor -%}
        {#- the lines' order: it decides which of two exact duplicates is kept and the ties
            of cancellation matching, as the file order does for the shop's files -#}
        {%- set source_columns = [] -%}
        {%- for column in declared if mapping.get(column.name, column.name) | lower in present -%}
            {%- do source_columns.append(adapter.quote(
                present[mapping.get(column.name, column.name) | lower])) -%}
        {%- endfor -%}
        {%- set order_by = var('order_lines_order_by', '') or source_columns | join(', ') %}
        with

        mapped as (

            select
            {%- for select in selects %}
                {{ select }},
            {%- endfor %}
                ({{ order_by }}) as line_order
            from {{ ref(model) }}

        )

        select
            * exclude (line_order),
            row_number() over (order by line_order) as source_row_number,
            '{{ model }}' as source_file,
            row_number() over (order by line_order) as source_line_number
        from mapped
    {%- endif -%}
{%- endmacro %}
