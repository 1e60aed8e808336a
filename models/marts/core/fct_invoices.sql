-- One row per kept invoice (an invoice whose lines were all cancelled stays, with zero
-- revenue: the customer did place it).
select
    invoice_no,
    any_value(customer_id) as customer_id,
    min(invoiced_at) as invoiced_at,
    any_value(country) as country,
    count(*) as line_count,
    cast(sum(net_quantity) as bigint) as item_count,
    {{ round_money('sum(line_revenue)') }} as revenue,
    -- known only when every line's cost is
    case
        when count(line_cost) = count(*) then {{ round_money('sum(line_cost)') }}
    end as cost,
    case
        when count(line_cost) = count(*) then {{ round_money('sum(line_margin)') }}
    end as margin
from {{ ref('fct_sales_lines') }}
group by invoice_no
