-- The shop's currency, one row: every amount in the warehouse is in it. From the export's
-- Currency column (the loader stops a file that mixes two), else var currency, else GBP
-- (the UCI data's and the embedded synthetic data's). The symbol the report writes money
-- with comes from the seed currency_symbols; a code it does not list stands for itself
-- (the report writes a space after a symbol that ends in a letter: `SEK 1,698`).
with

from_lines as (

    select min(currency) as currency_code
    from {{ ref('int_invoice_lines__deduplicated') }}
    where currency is not null

),

chosen as (

    select
        coalesce(
            from_lines.currency_code,
            nullif(upper(trim('{{ var("currency") }}')), ''),
            'GBP'
        ) as currency_code,
        case
            when from_lines.currency_code is not null then 'Currency column'
            when nullif(trim('{{ var("currency") }}'), '') is not null
                then 'var currency'
            else 'default'
        end as currency_source
    from from_lines

)

select
    chosen.currency_code,
    coalesce(symbols.symbol, chosen.currency_code) as currency_symbol,
    chosen.currency_source
from chosen
left join {{ ref('currency_symbols') }} as symbols
    on chosen.currency_code = symbols.currency_code
