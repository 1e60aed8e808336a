with

source as (

    select * from {{ source('online_retail', 'invoice_lines') }}

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
        {{ normalize_customer_id('CustomerID') }} as customer_id,
        trim(Country) as country,
        -- a C invoice, or a return booked with a negative quantity
        upper(trim(InvoiceNo)) like 'C%' or Quantity < 0 as is_cancellation

    from source

)

select * from renamed
