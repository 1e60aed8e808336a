{#- The stock code of a line whose export gives none (a custom item, a tip, a gift card):
    NO-SKU: and its name, upper-cased, so that the same item sold twice is one product; null
    when the line has no name either. Declared once: staging makes these codes, and the
    product-category models leave them out (a custom item has no catalogue to belong to). -#}
{% macro no_sku_code(description) -%}
    '{{ no_sku_prefix() }}' || nullif(upper(trim({{ description }})), '')
{%- endmacro %}

{#- What every derived code starts with. -#}
{% macro no_sku_prefix() -%}
    NO-SKU:
{%- endmacro %}
