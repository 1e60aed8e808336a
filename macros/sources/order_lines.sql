{% macro order_lines(as_loaded=false) -%}
    {%- set model = var('order_lines', '') -%}
    {%- if not model -%}
        select * from {{ loaded_raw_lines() if as_loaded else source('online_retail', 'invoice_lines') }}
    {%- else -%}
    {#- the host project's model, named in full: `package.model`, or `model` of the root
        project (a bare ref from a package would prefer a package's own node) -#}
    {%- set package, name = (model.split('.', 1) if '.' in model else [project_name, model]) -%}
    {%- set relation = ref(package, name) -%}
    {%- if not execute -%}
        {#- while dbt parses (no graph yet): the dependency is all it needs -#}
        select * from {{ relation }}
    {%- else -%}
        {%- set given = var('raw_columns', '') or {} -%}
        {%- if given is string -%}
            {{ exceptions.raise_compiler_error(
                "var raw_columns must be a mapping such as {InvoiceNo: order_id} when var "
                ~ "order_lines names a model (got '" ~ given ~ "')") }}
        {%- endif -%}
        {%- if 'fill_down' in given -%}
            {{ exceptions.raise_compiler_error(
                "var raw_columns: fill_down is for the shop's files; where var order_lines "
                ~ "names a model, fill order-level fields in that model") }}
        {%- endif -%}
        {%- set declared = declared_raw_columns() -%}
        {%- set canonical = declared | map(attribute='name') | list -%}
        {#- canonical names compared without regard to case, as the loader compares them -#}
        {%- set by_lower = {} -%}
        {%- for name in canonical -%}
            {%- do by_lower.update({name | lower: name}) -%}
        {%- endfor -%}
        {%- set mapping = {} -%}
        {%- for name, column in given.items() -%}
            {%- if name | lower not in by_lower -%}
                {{ exceptions.raise_compiler_error(
                    "var raw_columns: unknown column '" ~ name ~ "' (the canonical names are "
                    ~ canonical | join(', ') ~ ")") }}
            {%- endif -%}
            {%- do mapping.update({by_lower[name | lower]: column}) -%}
        {%- endfor -%}
        {#- each declared column from the model's column of that name (or the mapped one);
            an optional one it lacks is null -#}
        {%- set present = {} -%}
        {%- set types = {} -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- do present.update({column.name | lower: column.name}) -%}
            {%- do types.update({column.name | lower: column.dtype | upper}) -%}
        {%- endfor -%}
        {%- set selects = [] -%}
        {%- for column in declared -%}
            {%- set name = mapping.get(column.name, column.name) -%}
            {%- if name | lower in present -%}
                {%- set quoted = adapter.quote(present[name | lower]) -%}
                {%- set source_type = types[name | lower] -%}
                {%- if column.data_type | lower == 'bigint'
                        and source_type not in ('TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT',
                                                'HUGEINT', 'UTINYINT', 'USMALLINT',
                                                'UINTEGER', 'UBIGINT') -%}
                    {#- a cast would round 6.5 to 7: a value that is not whole stops the
                        build, as the loader stops a file -#}
                    {%- do selects.append("case when try_cast(" ~ quoted ~ " as double) = "
                        ~ "trunc(try_cast(" ~ quoted ~ " as double)) or " ~ quoted
                        ~ " is null then cast(try_cast(" ~ quoted ~ " as double) as bigint) "
                        ~ "else error('" ~ model ~ ": column " ~ name ~ " has a value that "
                        ~ "is not a whole number: ' || cast(" ~ quoted ~ " as varchar)) end as "
                        ~ column.name) -%}
                {%- elif column.data_type | lower == 'timestamp'
                        and source_type.startswith('TIMESTAMP WITH TIME ZONE') -%}
                    {#- an instant becomes the wall time of var time_zone, as in files -#}
                    {%- do selects.append("timezone('" ~ var('time_zone', 'UTC') ~ "', "
                        ~ quoted ~ ") as " ~ column.name) -%}
                {%- else -%}
                    {%- do selects.append("cast(" ~ quoted ~ " as " ~ column.data_type
                        ~ ") as " ~ column.name) -%}
                {%- endif -%}
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
        {#- exactly one of a required group (a unit price or a line amount) -#}
        {%- set group = [] -%}
        {%- set given_of_group = [] -%}
        {%- for column in declared if column.meta.get('one_of_required') -%}
            {%- do group.append(column.name) -%}
            {%- if mapping.get(column.name, column.name) | lower in present -%}
                {%- do given_of_group.append(column.name) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if group and given_of_group | length != 1 -%}
            {{ exceptions.raise_compiler_error(
                "the order_lines model " ~ model ~ " must have one of " ~ (group | join(' and '))
                ~ " (has " ~ (given_of_group | join(' and ') if given_of_group else 'neither')
                ~ "; columns: " ~ present.values() | join(', ') ~ "); map it with var raw_columns") }}
        {%- endif -%}
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
            from {{ relation }}

        )

        select
            * exclude (line_order),
            row_number() over (order by line_order) as source_row_number,
            '{{ model }}' as source_file,
            row_number() over (order by line_order) as source_line_number
        from mapped
    {%- endif -%}
    {%- endif -%}
{%- endmacro %}


{% macro declared_raw_columns() -%}
    {%- set declared = [] -%}
    {%- for source in graph.sources.values()
            if source.source_name == 'online_retail' and source.name == 'invoice_lines' -%}
        {%- for column in source.columns.values() if column.meta.aliases -%}
            {%- do declared.append(column) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if not declared -%}
        {{ exceptions.raise_compiler_error(
            "the source online_retail.invoice_lines declares no columns with aliases") }}
    {%- endif -%}
    {{ return(declared) }}
{%- endmacro %}


{% macro loaded_raw_lines() -%}
    {%- if not execute or target.type != 'duckdb' -%}
        {{ return(source('online_retail', 'invoice_lines')) }}
    {%- endif -%}
    {%- for unique_id in model.depends_on.nodes if unique_id in graph.sources -%}
        {%- set declared = graph.sources[unique_id] -%}
        {%- if declared.source_name == 'online_retail' and declared.name == 'invoice_lines' -%}
            {%- set loaded = adapter.get_relation(
                database=declared.database, schema=declared.schema,
                identifier=declared.identifier) -%}
            {%- if loaded is not none -%}
                {{ return(loaded) }}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(source('online_retail', 'invoice_lines')) }}
{%- endmacro %}
