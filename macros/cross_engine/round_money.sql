{#- Money to the cent, rounded half away from zero on the decimal value, the same on every
    engine: rounding the double itself differs (DuckDB rounds 345.005, stored as
    345.00499999…, down; Spark rounds it up). Six decimals absorb the double's error. (The
    engines turn a double into a decimal differently, so a value whose 7th decimal is an
    exact half at a half cent, such as 2.0049995, could still round apart; sums of prices
    in pence do not land there.) -#}
{% macro round_money(amount) -%}
    cast(round(cast({{ amount }} as decimal(38, 6)), 2) as double)
{%- endmacro %}
