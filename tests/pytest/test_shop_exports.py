"""Shop systems' exports as they really come: order status, refunds, discounts, custom items
without a SKU, line amounts instead of unit prices, order ids that start with C, day-first
dates with two-digit years, and the shop's currency.

Two builds of exports the synthetic generator writes with planted truth
(retail_segments.synthetic_shops, computed apart from the SQL): a Shopify orders export and
a line-amount export (Superstore's layout), each through its shipped mapping; the figures
must equal the truth to the cent. The loader's rules for these columns are checked on small
files first, and the WooCommerce mapping on a fixture written from its documented header.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import BUILD_OUTPUT, PROJECT, build_warehouse, frame, query
from retail_segments import synthetic_shops
from test_own_data import LINE_AMOUNT_MAPPING, SHOPIFY_MAPPING, WOOCOMMERCE_MAPPING, _lines
from test_own_data import _problem as problem
from test_own_data import _read as read

CUSTOMERS = 300

# ------------------------------------------------------------------------ the loader


def test_a_line_amount_gives_the_unit_price_and_a_profit_the_unit_cost(tmp_path):
    lines = _lines(3).drop(columns=["UnitPrice"])
    lines["Sales"] = ["15.30", "7.50", "-5.10"]
    lines["Quantity"] = [6, 3, -2]
    lines["Profit"] = ["3.30", "1.50", "-1.10"]
    path = tmp_path / "orders.csv"
    lines.to_csv(path, index=False)
    read_lines = read(path, columns={"LineAmount": "Sales", "LineProfit": "Profit"})
    assert list(read_lines["LineAmount"]) == [15.3, 7.5, -5.1]
    assert list(read_lines["UnitPrice"].isna()) == [True] * 3  # staging divides (SQL)
    # a price and an amount, or a cost and a profit, stand for each other: a mapped one
    # stands for its group (the file's UnitPrice is not read beside a mapped LineAmount) ...
    both = lines.assign(UnitPrice="2.55", UnitCost="1.00")
    both.to_csv(path, index=False)
    read_both = read(path, columns={"LineAmount": "Sales", "LineProfit": "Profit"})
    assert read_both["UnitPrice"].isna().all() and read_both["UnitCost"].isna().all()
    # ... and two of a group, mapped or found by their names, stop with one line
    assert problem(path, columns={"LineAmount": "Sales", "UnitPrice": "UnitPrice"}) == (
        "orders.csv: UnitPrice and LineAmount are both given ('UnitPrice', 'Sales'); they "
        "stand for each other: map one"
    )
    assert problem(
        path, columns={"LineAmount": "Sales", "LineProfit": "Profit", "UnitCost": "UnitCost"}
    ) == (
        "orders.csv: UnitCost and LineProfit are both given ('UnitCost', 'Profit'); they "
        "stand for each other: map one"
    )
    both.rename(columns={"Sales": "Line Amount"}).to_csv(path, index=False)
    assert problem(path).startswith("orders.csv: UnitPrice and LineAmount are both given")
    lines.drop(columns=["Sales"]).to_csv(path, index=False)
    assert problem(path).startswith(
        "orders.csv: required column UnitPrice or LineAmount is missing (accepted names: "
        "UnitPrice: unitprice, price, unit_price; LineAmount: lineamount, line_amount, "
    )


def test_an_empty_stock_code_is_a_sale_not_a_stop(tmp_path):
    lines = _lines(3).assign(StockCode=["85123A", "", None])
    path = tmp_path / "orders.csv"
    lines.to_csv(path, index=False)
    assert list(read(path)["StockCode"].isna()) == [False, True, True]


def test_one_build_is_one_currency(tmp_path):
    lines = _lines(3).assign(Currency=["USD", "usd ", None])
    path = tmp_path / "orders.csv"
    lines.to_csv(path, index=False)
    assert list(read(path)["Currency"].fillna("-")) == ["USD", "usd ", "-"]
    lines.assign(Currency=["USD", "EUR", "USD"]).to_csv(path, index=False)
    assert problem(path) == (
        "orders.csv: column Currency holds 2 currencies (EUR, USD); one build is one "
        "currency: build each currency's orders apart"
    )
    folder = tmp_path / "exports"
    folder.mkdir()
    lines.assign(Currency="USD").to_csv(folder / "a.csv", index=False)
    lines.assign(Currency="EUR").to_csv(folder / "b.csv", index=False)
    assert problem(folder) == (
        "b.csv: column Currency is EUR, but a.csv is in USD; one build is one currency: "
        "build each currency's orders apart"
    )


# WooCommerce "Customer / Order / Coupon Export" v5.5, "Default - One Row per Item": its
# header row as the plugin writes it (labels; order fields repeated on every item)
WOOCOMMERCE_HEADER = (
    "order_id,order_number,date,status,shipping_total,shipping_tax_total,fee_total,"
    "fee_tax_total,tax_total,discount_total,order_total,refunded_total,order_currency,"
    "payment_method,shipping_method,customer_id,billing_first_name,billing_last_name,"
    "billing_company,vat_number,billing_email,billing_phone,billing_address_1,"
    "billing_address_2,billing_postcode,billing_city,billing_state,billing_country,"
    "shipping_first_name,shipping_last_name,shipping_address_1,shipping_address_2,"
    "shipping_postcode,shipping_city,shipping_state,shipping_country,shipping_company,"
    "customer_note,item_id,item_product_id,item_name,item_sku,item_price,item_quantity,"
    "item_subtotal,item_subtotal_tax,item_total,item_total_tax,item_refunded,"
    "item_refunded_qty,item_meta,shipping_items,fee_items,tax_items,coupon_items,"
    "order_notes,download_permissions_granted"
).split(",")


def test_the_woocommerce_mapping_reads_its_documented_export(tmp_path):
    rows = [
        # order 101: two items, a 5.00 coupon; order 102: cancelled; 103: refunded 4.00
        ("101", "2023-01-05 14:03:22", "completed", "5.00", "0.00", "a@x.com", "US", "MUG-1",
         "Mug", "10.00", "2"),
        ("101", "2023-01-05 14:03:22", "completed", "5.00", "0.00", "a@x.com", "US", "",
         "Gift wrap", "3.00", "1"),
        ("102", "2023-01-06 09:00:00", "cancelled", "0.00", "0.00", "b@x.com", "CA", "MUG-1",
         "Mug", "10.00", "1"),
        ("103", "2023-01-13 09:00:00", "refunded", "0.00", "10.00", "c@x.com", "GB", "MUG-1",
         "Mug", "10.00", "1"),
    ]  # fmt: skip
    export = pd.DataFrame("", index=range(len(rows)), columns=WOOCOMMERCE_HEADER)
    for i, (
        order,
        when,
        status,
        coupons,
        refunded,
        email,
        country,
        sku,
        name,
        price,
        qty,
    ) in enumerate(rows):
        export.loc[i, ["order_id", "date", "status", "discount_total", "refunded_total"]] = [
            order, when, status, coupons, refunded
        ]  # fmt: skip
        export.loc[i, ["billing_email", "billing_country", "item_sku", "item_name"]] = [
            email, country, sku, name
        ]  # fmt: skip
        export.loc[i, ["item_price", "item_quantity", "order_currency"]] = [price, qty, "USD"]
    path = tmp_path / "orders-export.csv"
    export.to_csv(path, index=False)
    lines = read(path, columns=str(WOOCOMMERCE_MAPPING))
    assert list(lines["InvoiceNo"]) == ["101", "101", "102", "103"]
    assert list(lines["OrderStatus"]) == ["completed", "completed", "cancelled", "refunded"]
    assert list(lines["OrderDiscount"]) == [5.0, 5.0, 0.0, 0.0]
    assert list(lines["RefundedAmount"]) == [0.0, 0.0, 0.0, 10.0]
    assert list(lines["UnitPrice"]) == [10.0, 3.0, 10.0, 10.0]
    assert list(lines["StockCode"].isna()) == [False, True, False, False]
    assert lines["InvoiceDate"].iloc[3] == pd.Timestamp("2023-01-13 09:00:00")
    assert set(lines["Currency"]) == {"USD"}


# ------------------------------------------------------------------------ the builds


@pytest.fixture(scope="module")
def shopify_build(tmp_path_factory) -> tuple[Path, dict]:
    folder = tmp_path_factory.mktemp("shopify_planted")
    export, truth = synthetic_shops.generate(
        folder / "orders_export_1.csv", "shopify", CUSTOMERS, seed=7
    )
    db = folder / "segments.duckdb"
    build_warehouse(db, "--raw", str(export), "--columns", str(SHOPIFY_MAPPING))
    return db, json.loads(truth.read_text())


@pytest.fixture(scope="module")
def line_amount_build(tmp_path_factory) -> tuple[Path, dict]:
    folder = tmp_path_factory.mktemp("line_amount_planted")
    export, truth = synthetic_shops.generate(
        folder / "superstore.csv", "line-amount", CUSTOMERS, seed=11
    )
    db = folder / "segments.duckdb"
    build_warehouse(
        db,
        "--raw",
        str(export),
        "--columns",
        str(LINE_AMOUNT_MAPPING),
        "--vars",
        "{currency: USD}",
    )
    return db, json.loads(truth.read_text())


def _bridge(db: Path) -> dict[str, tuple[int, float]]:
    rows = query(db, "select item, lines, amount from marts.data_quality_revenue_bridge")
    return {item: (lines, amount) for item, lines, amount in rows}


def test_a_shopify_export_gives_the_planted_truth_to_the_cent(shopify_build):
    db, truth = shopify_build
    planted = truth["planted"]
    assert planted["voided_orders"] and planted["refunded_in_full_orders"]
    assert planted["partial_refund_orders"] and planted["discounted_orders"]
    revenue, orders = query(db, "select sum(revenue), count(*) from marts.fct_invoices")[0]
    assert round(revenue, 2) == truth["net_revenue"]
    assert orders == truth["orders"]
    frequency = dict(query(db, "select customer_id, frequency from marts.customer_rfm"))
    assert len(frequency) == truth["customers"]
    assert frequency == truth["frequency"]
    # the audit names every amount removed or netted
    bridge = _bridge(db)
    assert bridge["removed by cancelled_order"][1] == -planted["voided_lines_value"]
    assert bridge["removed by refunded_order"][1] == -planted["refunded_in_full_lines_value"]
    assert (
        bridge["removed by cancelled_order"][0] + bridge["removed by refunded_order"][0]
        == planted["voided_or_refunded_lines"]
    )
    # each way of saying it is planted: a voided status without a cancellation time, a
    # refund of the whole order under partially_refunded
    assert planted["voided_by_status_only"] and planted["refunded_in_full_by_amount_only"]
    assert bridge["partial refunds"][1] == -planted["partial_refund_amount"]
    # tips are no sale of goods: removed as non-products, at their value
    assert bridge["removed by non_product_code"] == (
        planted["tip_lines_kept_orders"],
        -planted["tips_kept_orders"],
    )
    assert planted["tip_lines_kept_orders"] > 0
    assert "removed by cancellation_line" not in bridge
    assert bridge["discounts (line and order)"][1] == -planted["discount_amount_kept_orders"]
    assert bridge["net revenue"][1] == truth["net_revenue"]
    # the steps add up: the file's sale lines less what the rules removed are the kept
    # purchases; those less cancellations, discounts and refunds are the net revenue
    steps = frame(db, "select item, amount from marts.data_quality_revenue_bridge order by step")
    kept = steps.index[steps["item"] == "kept purchases at their unit price"][0]
    assert round(steps["amount"].iloc[:kept].sum(), 2) == steps["amount"].iloc[kept]
    assert round(steps["amount"].iloc[kept:-1].sum(), 2) == truth["net_revenue"]


def test_custom_items_without_a_sku_are_sales_outside_the_categories(shopify_build):
    db, truth = shopify_build
    custom = frame(
        db,
        "select stock_code, description, count(*) as lines from marts.fct_sales_lines "
        "where has_derived_stock_code group by all order by 1",
    )
    assert custom["lines"].sum() == truth["planted"]["custom_item_lines_kept"] > 0
    assert (custom["stock_code"] == "NO-SKU:" + custom["description"].str.upper()).all()
    (in_categories,) = query(
        db, "select count(*) from marts.product_categories where stock_code like 'NO-SKU:%'"
    )[0]
    assert in_categories == 0


def test_a_usd_shop_is_recorded_and_reported_in_dollars(shopify_build, tmp_path):
    from retail_segments import report

    db, truth = shopify_build
    assert query(db, "select * from marts.shop_currency") == [("USD", "$", "Currency column")]
    out = tmp_path / "report.html"
    report.render(db, out)
    html = out.read_text()
    assert "Money in $" in html and "$" in html.split("<body", 1)[1]
    assert "£" not in html


def test_a_line_amount_export_gives_the_planted_truth(line_amount_build):
    db, truth = line_amount_build
    bridge = _bridge(db)
    # to the cent: the truth has the amounts' four decimals
    assert bridge["net revenue"][1] == pytest.approx(truth["net_revenue"], abs=0.0051)
    (orders, invoices_revenue) = query(db, "select count(*), sum(revenue) from marts.fct_invoices")[
        0
    ]
    assert orders == truth["orders"]
    # each invoice's revenue is rounded to the cent: the sum is within a cent an invoice
    assert abs(invoices_revenue - truth["net_revenue"]) <= 0.005 * orders
    # CA- orders are orders, not cancellation invoices
    (ca_orders,) = query(
        db, "select count(*) from marts.fct_invoices where invoice_no like 'CA-%'"
    )[0]
    assert ca_orders == truth["orders_starting_with_c"] > 0
    (ca_removed,) = query(
        db,
        "select count(*) from intermediate.int_invoice_lines__fates f "
        "join staging.stg_online_retail__invoice_lines s using (source_row_number) "
        "where s.invoice_no like 'CA-%' and f.fate != 'kept'",
    )[0]
    assert ca_removed == 0
    frequency = dict(query(db, "select customer_id, frequency from marts.customer_rfm"))
    assert frequency == truth["frequency"]
    # the profit gives the cost: unit cost = (amount - profit) / quantity
    (cost,) = query(db, "select sum(line_cost) from marts.fct_sales_lines")[0]
    assert cost == pytest.approx(truth["cost"], abs=1e-4)
    # day-first dates with two-digit years: the synthetic year, December 2010 to 2011
    first, last = query(db, "select min(invoiced_at), max(invoiced_at) from marts.fct_invoices")[0]
    assert (str(first.date()), str(last.date())) == ("2010-12-01", "2011-12-09")
    assert query(db, "select currency_code, currency_source from marts.shop_currency") == [
        ("USD", "var currency")
    ]
    assert "labelled GBP" not in BUILD_OUTPUT[db]


def test_a_shop_without_a_currency_is_told_its_amounts_read_gbp(line_amount_build, tmp_path):
    """The same export without var currency: GBP by default, and the build says so."""
    db, _ = line_amount_build
    export = db.parent / "superstore.csv"
    unlabelled = tmp_path / "segments.duckdb"
    build_warehouse(unlabelled, "--raw", str(export), "--columns", str(LINE_AMOUNT_MAPPING))
    assert query(unlabelled, "select * from marts.shop_currency") == [("GBP", "£", "default")]
    assert "amounts are labelled GBP" in BUILD_OUTPUT[unlabelled]


def test_the_shipped_mappings_are_documented():
    readme = (PROJECT / "README.md").read_text()
    for mapping in ("shopify_orders.yml", "woocommerce_line_items.yml", "line_amounts.yml"):
        assert f"mappings/{mapping}" in readme


def test_a_month_without_cancellations_or_refunds_reads_beside_one_with_them(tmp_path):
    """Monthly exports: a column empty in one month has no layout to disagree with the
    months that have values in it."""
    folder = tmp_path / "exports"
    folder.mkdir()
    with_them = _lines(2).assign(
        CancelledAt=["2011-01-05 10:00:00 -0500", ""], RefundedAmount=["1,50", ""]
    )
    with_them.to_csv(folder / "orders_1.csv", index=False)
    _lines(2).assign(CancelledAt="", RefundedAmount="").to_csv(folder / "orders_2.csv", index=False)
    lines = read(folder)
    assert lines["CancelledAt"].notna().tolist() == [True, False, False, False]
    assert lines["RefundedAmount"].fillna(0).tolist() == [1.5, 0, 0, 0]
