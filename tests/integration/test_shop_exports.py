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

import pytest
from conftest import BUILD_OUTPUT, build_warehouse, frame, query
from retail_segments import synthetic_shops
from samples import LINE_AMOUNT_MAPPING, SHOPIFY_MAPPING

CUSTOMERS = 300


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
