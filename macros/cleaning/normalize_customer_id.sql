{% macro normalize_customer_id(column) -%}
    case
        when nullif(trim({{ column }}), '') is null then null
        when {{ regex_full_match('trim(' ~ column ~ ')', '[0-9]+[.]0*') }}
            then regexp_replace(trim({{ column }}), '[.]0*$', '')
        else trim({{ column }})
    end
{%- endmacro %}
