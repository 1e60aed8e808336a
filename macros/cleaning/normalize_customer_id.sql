{#- Customer numbers arrive as text, integers or floats (`17850.0`): one text form,
    `17850`; blank becomes null. (`[.]`, not a backslash: Spark unescapes string literals.) -#}
{% macro normalize_customer_id(column) -%}
    case
        when nullif(trim({{ column }}), '') is null then null
        when {{ regex_full_match('trim(' ~ column ~ ')', '[0-9]+[.]0*') }}
            then regexp_replace(trim({{ column }}), '[.]0*$', '')
        else trim({{ column }})
    end
{%- endmacro %}
