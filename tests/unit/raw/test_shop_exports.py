"""Shop systems' exports read as they really come (retail_segments.raw and the shipped
mappings): line amounts and profits, items without a SKU, the WooCommerce export, one
currency per build, and monthly files of which some lack cancellations or refunds."""

from __future__ import annotations

import pandas as pd
from conftest import PROJECT
from samples import SHOPIFY_MAPPING, WOOCOMMERCE_MAPPING, read_lines, read_problem, sample_lines

# ------------------------------------------------------------------------ the loader


def test_a_line_amount_gives_the_unit_price_and_a_profit_the_unit_cost(tmp_path):
    lines = sample_lines(3).drop(columns=["UnitPrice"])
    lines["Sales"] = ["15.30", "7.50", "-5.10"]
    lines["Quantity"] = [6, 3, -2]
    lines["Profit"] = ["3.30", "1.50", "-1.10"]
    path = tmp_path / "orders.csv"
    lines.to_csv(path, index=False)
    loaded = read_lines(path, columns={"LineAmount": "Sales", "LineProfit": "Profit"})
    assert list(loaded["LineAmount"]) == [15.3, 7.5, -5.1]
    assert list(loaded["UnitPrice"].isna()) == [True] * 3  # staging divides (SQL)
    # a price and an amount, or a cost and a profit, stand for each other: a mapped one
    # stands for its group (the file's UnitPrice is not read beside a mapped LineAmount) ...
    both = lines.assign(UnitPrice="2.55", UnitCost="1.00")
    both.to_csv(path, index=False)
    read_both = read_lines(path, columns={"LineAmount": "Sales", "LineProfit": "Profit"})
    assert read_both["UnitPrice"].isna().all() and read_both["UnitCost"].isna().all()
    # ... and two of a group, mapped or found by their names, stop with one line
    assert read_problem(path, columns={"LineAmount": "Sales", "UnitPrice": "UnitPrice"}) == (
        "orders.csv: UnitPrice and LineAmount are both given ('UnitPrice', 'Sales'); they "
        "stand for each other: map one"
    )
    assert read_problem(
        path, columns={"LineAmount": "Sales", "LineProfit": "Profit", "UnitCost": "UnitCost"}
    ) == (
        "orders.csv: UnitCost and LineProfit are both given ('UnitCost', 'Profit'); they "
        "stand for each other: map one"
    )
    both.rename(columns={"Sales": "Line Amount"}).to_csv(path, index=False)
    assert read_problem(path).startswith("orders.csv: UnitPrice and LineAmount are both given")
    lines.drop(columns=["Sales"]).to_csv(path, index=False)
    assert read_problem(path).startswith(
        "orders.csv: required column UnitPrice or LineAmount is missing (accepted names: "
        "UnitPrice: unitprice, price, unit_price; LineAmount: lineamount, line_amount, "
    )


def test_an_empty_stock_code_is_a_sale_not_a_stop(tmp_path):
    lines = sample_lines(3).assign(StockCode=["85123A", "", None])
    path = tmp_path / "orders.csv"
    lines.to_csv(path, index=False)
    assert list(read_lines(path)["StockCode"].isna()) == [False, True, True]


def test_one_build_is_one_currency(tmp_path):
    lines = sample_lines(3).assign(Currency=["USD", "usd ", None])
    path = tmp_path / "orders.csv"
    lines.to_csv(path, index=False)
    assert list(read_lines(path)["Currency"].fillna("-")) == ["USD", "usd ", "-"]
    lines.assign(Currency=["USD", "EUR", "USD"]).to_csv(path, index=False)
    assert read_problem(path) == (
        "orders.csv: column Currency holds 2 currencies (EUR, USD); one build is one "
        "currency: build each currency's orders apart"
    )
    folder = tmp_path / "exports"
    folder.mkdir()
    lines.assign(Currency="USD").to_csv(folder / "a.csv", index=False)
    lines.assign(Currency="EUR").to_csv(folder / "b.csv", index=False)
    assert read_problem(folder) == (
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
    lines = read_lines(path, columns=str(WOOCOMMERCE_MAPPING))
    assert list(lines["InvoiceNo"]) == ["101", "101", "102", "103"]
    assert list(lines["OrderStatus"]) == ["completed", "completed", "cancelled", "refunded"]
    assert list(lines["OrderDiscount"]) == [5.0, 5.0, 0.0, 0.0]
    assert list(lines["RefundedAmount"]) == [0.0, 0.0, 0.0, 10.0]
    assert list(lines["UnitPrice"]) == [10.0, 3.0, 10.0, 10.0]
    assert list(lines["StockCode"].isna()) == [False, True, False, False]
    assert lines["InvoiceDate"].iloc[3] == pd.Timestamp("2023-01-13 09:00:00")
    assert set(lines["Currency"]) == {"USD"}


# ----------------------------------------------------------------- the documentation


def test_the_shipped_mappings_are_documented():
    readme = (PROJECT / "README.md").read_text()
    for mapping in ("shopify_orders.yml", "woocommerce_line_items.yml", "line_amounts.yml"):
        assert f"mappings/{mapping}" in readme


def test_a_month_without_cancellations_or_refunds_reads_beside_one_with_them(tmp_path):
    """Monthly exports: a column empty in one month has no layout to disagree with the
    months that have values in it."""
    folder = tmp_path / "exports"
    folder.mkdir()
    with_them = sample_lines(2).assign(
        CancelledAt=["2011-01-05 10:00:00 -0500", ""], RefundedAmount=["1,50", ""]
    )
    with_them.to_csv(folder / "orders_1.csv", index=False)
    sample_lines(2).assign(CancelledAt="", RefundedAmount="").to_csv(
        folder / "orders_2.csv", index=False
    )
    lines = read_lines(folder)
    assert lines["CancelledAt"].notna().tolist() == [True, False, False, False]
    assert lines["RefundedAmount"].fillna(0).tolist() == [1.5, 0, 0, 0]


def _shopify_lines(rows) -> pd.DataFrame:
    """Shopify order lines: order-level fields on an order's first line only, as Shopify
    writes them (rows: name, e-mail, country, sku, quantity)."""
    return pd.DataFrame(
        {
            "Name": [row[0] for row in rows],
            "Email": [row[1] for row in rows],
            "Financial Status": ["paid" if row[1] else "" for row in rows],
            "Created at": "2011-01-04 10:00:00 +0000",
            "Lineitem quantity": [row[4] for row in rows],
            "Lineitem name": "Mug",
            "Lineitem price": "2.55",
            "Lineitem sku": [row[3] for row in rows],
            "Billing Country": [row[2] for row in rows],
            "Cancelled at": "",
            "Refunded Amount": ["0.00" if row[1] else "" for row in rows],
            "Discount Amount": ["0.00" if row[1] else "" for row in rows],
            "Currency": ["USD" if row[1] else "" for row in rows],
        }
    )


def test_an_order_split_across_two_monthly_files_keeps_its_customer(tmp_path):
    """An export cut by size or date can end in the middle of an order: the lines in the
    next file have no e-mail (Shopify writes it on the order's first line), and must take
    it from the first file, not become guest lines."""
    folder = tmp_path / "exports"
    folder.mkdir()
    _shopify_lines(
        [("#1001", "a@x.com", "US", "MUG-1", 1), ("#1002", "b@x.com", "CA", "MUG-1", 2)]
    ).to_csv(folder / "orders_export_1.csv", index=False)
    _shopify_lines([("#1002", "", "", "MUG-2", 3), ("#1003", "c@x.com", "GB", "MUG-1", 1)]).to_csv(
        folder / "orders_export_2.csv", index=False
    )
    lines = read_lines(folder, columns=str(SHOPIFY_MAPPING))
    assert list(lines["InvoiceNo"]) == ["#1001", "#1002", "#1002", "#1003"]
    assert list(lines["CustomerID"]) == ["a@x.com", "b@x.com", "b@x.com", "c@x.com"]
    assert list(lines["Country"]) == ["US", "CA", "CA", "GB"]
    assert list(lines["source_file"]) == ["orders_export_1.csv"] * 2 + ["orders_export_2.csv"] * 2


def test_the_same_line_in_two_overlapping_exports_is_read_from_both(tmp_path):
    """Two exports whose date ranges overlap hold the same line twice: the loader reads
    each file whole (every raw line is accounted for), and the cleaning removes the second
    copy as an exact duplicate (tests/integration/test_audit.py)."""
    folder = tmp_path / "exports"
    folder.mkdir()
    both = ("#1002", "b@x.com", "CA", "MUG-1", 2)
    _shopify_lines([("#1001", "a@x.com", "US", "MUG-1", 1), both]).to_csv(
        folder / "orders_export_1.csv", index=False
    )
    _shopify_lines([both]).to_csv(folder / "orders_export_2.csv", index=False)
    lines = read_lines(folder, columns=str(SHOPIFY_MAPPING))
    assert list(lines["source_file"]) == ["orders_export_1.csv"] * 2 + ["orders_export_2.csv"]
    copies = lines[lines["InvoiceNo"] == "#1002"].drop(
        columns=["source_file", "source_row_number", "source_line_number"], errors="ignore"
    )
    assert len(copies) == 2 and copies.iloc[0].equals(copies.iloc[1])
