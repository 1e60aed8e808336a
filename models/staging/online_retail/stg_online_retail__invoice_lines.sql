with

source as (

    -- the shop's files (the source), or a model of the project this one is a package of
    -- (var order_lines): macros/sources/order_lines.sql
    {{ order_lines() }}

),

renamed as (

    select
        source_row_number,
        source_file,
        source_line_number,
        trim(InvoiceNo) as invoice_no,
        -- a line without a SKU but with a name (a custom item, a tip, a gift card) is a
        -- sale: its code is made from its name, so that the same item sold twice is one
        -- product; without a name either, it stays null (cleaning rule missing_value)
        coalesce(
            nullif(trim(StockCode), ''),
            {{ no_sku_code('Description') }}
        ) as stock_code,
        nullif(trim(StockCode), '') is null and nullif(trim(Description), '') is not null
            as has_derived_stock_code,
        trim(Description) as description,
        cast(Quantity as bigint) as quantity,
        InvoiceDate as invoiced_at,
        -- a unit price, or the line's amount over its quantity (LineAmount)
        coalesce(UnitPrice, LineAmount / nullif(Quantity, 0)) as unit_price,
        -- a unit cost, or the line's amount less its profit over its quantity (LineProfit)
        coalesce(
            UnitCost,
            (coalesce(LineAmount, UnitPrice * Quantity) - LineProfit) / nullif(Quantity, 0)
        ) as unit_cost,
        -- money off, as a size whatever the sign the export writes it with
        coalesce(abs(LineDiscount), 0) as line_discount,
        abs(OrderDiscount) as order_discount,
        abs(RefundedAmount) as order_refunded_amount,
        lower(trim(OrderStatus)) as order_status,
        CancelledAt as cancelled_at,
        upper(trim(Currency)) as currency,
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
