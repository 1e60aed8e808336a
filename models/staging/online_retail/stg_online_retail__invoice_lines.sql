with

source as (

    -- the shop's files (the source), or a model of the project this one is a package of
    -- (var order_lines): macros/order_lines.sql
    {{ order_lines() }}

),

renamed as (

    select
        source_row_number,
        source_file,
        source_line_number,
        trim(InvoiceNo) as invoice_no,
        trim(StockCode) as stock_code,
        trim(Description) as description,
        cast(Quantity as bigint) as quantity,
        InvoiceDate as invoiced_at,
        UnitPrice as unit_price,
        UnitCost as unit_cost,
        {{ normalize_customer_id('CustomerID') }} as customer_id,
        trim(Country) as country,
        -- a return booked with a negative quantity, or a cancellation invoice where the
        -- shop's numbering marks one (var cancellation_invoice_pattern: UCI's C536379)
        {%- set pattern = var('cancellation_invoice_pattern') %}
        {% if pattern -%}
            {{ regex_full_match("upper(trim(InvoiceNo))", pattern) }}
            or Quantity < 0 as is_cancellation
        {%- else -%}
            Quantity < 0 as is_cancellation
        {%- endif %}

    from source

)

select * from renamed
