"""Synthetic exports laid out as shop systems write them, with planted truth.

The synthetic generator's customers and orders (its purchase lines with a customer, product
codes and a price; no UCI cancellation invoices, postage lines or duplicates) rewritten as:

- `shopify`: Shopify's orders export (Admin > Orders > Export, plain CSV; its documented
  header row, `SHOPIFY_HEADER`): one line per line item, order-level fields on an order's
  first line only, `Name` as `#1001`, `Created at` with an offset (`2011-01-04 10:00:00
  -0500`), ISO country codes, a `Currency`. Planted, order by order, at known amounts:
  voided orders (`Financial Status` voided, `Cancelled at` set), orders refunded in full
  (refunded, `Refunded Amount` = what the order sold for), partial refunds
  (partially_refunded), order discounts (`Discount Amount`) and custom items without a
  SKU (`Lineitem sku` empty).
- `line-amount`: a retailer's export that gives each line's amount and profit instead of a
  unit price and cost, as Tableau's "Sample - Superstore" does (`LINE_AMOUNT_HEADER`):
  order ids such as `CA-2011-536365` (which must stay orders), day-first dates with
  two-digit years (`04/01/11`), `Sales` after a line discount (`Discount`, a fraction),
  `Profit` = sales less cost.

Beside the export, `<stem>_truth.json` says what a correct build must report: net revenue
(after discounts and refunds, to the cent), orders, customers and every customer's number
of orders; and what was planted (the amounts voided, refunded in full, refunded in part,
discounted, and the custom items). The truth is computed here from the planted orders,
apart from the project's SQL.

    segments generate --layout shopify --customers 300 --out orders_export.csv
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from . import synthetic

LAYOUTS = ("uci", "shopify", "line-amount")

# Shopify's orders export header (plain CSV file), as its exports write it
SHOPIFY_HEADER = (
    "Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,"
    "Currency,Subtotal,Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,"
    "Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem compare at price,"
    "Lineitem sku,Lineitem requires shipping,Lineitem taxable,Lineitem fulfillment status,"
    "Billing Name,Billing Street,Billing Address1,Billing Address2,Billing Company,"
    "Billing City,Billing Zip,Billing Province,Billing Country,Billing Phone,Shipping Name,"
    "Shipping Street,Shipping Address1,Shipping Address2,Shipping Company,Shipping City,"
    "Shipping Zip,Shipping Province,Shipping Country,Shipping Phone,Notes,Note Attributes,"
    "Cancelled at,Payment Method,Payment Reference,Refunded Amount,Vendor,"
    "Outstanding Balance,Employee,Location,Device ID,Id,Tags,Risk Level,Source,"
    "Lineitem discount,Tax 1 Name,Tax 1 Value,Tax 2 Name,Tax 2 Value,Tax 3 Name,"
    "Tax 3 Value,Tax 4 Name,Tax 4 Value,Tax 5 Name,Tax 5 Value,Phone,Receipt Number,Duties,"
    "Billing Province Name,Shipping Province Name,Payment ID,Payment Terms Name,"
    "Next Payment Due At,Payment References"
).split(",")
# the columns Shopify writes on every line of an order; the rest stand on its first line
SHOPIFY_EVERY_LINE = {"Name", "Email", "Created at", "Vendor", "Lineitem discount", "Phone"}

# Tableau's "Sample - Superstore" header: line amounts (Sales) and profit, no unit price
LINE_AMOUNT_HEADER = (
    "Row ID,Order ID,Order Date,Ship Date,Ship Mode,Customer ID,Customer Name,Segment,"
    "Country,City,State,Postal Code,Region,Product ID,Category,Sub-Category,Product Name,"
    "Sales,Quantity,Discount,Profit"
).split(",")

# shares of orders planted with each outcome (the rest are paid in full)
VOIDED_SHARE = 0.03
REFUNDED_IN_FULL_SHARE = 0.02
PARTIAL_REFUND_SHARE = 0.05
PARTIAL_REFUND_FRACTION = 0.3  # of what the order sold for
DISCOUNT_SHARE = 0.10
DISCOUNT_FRACTION = 0.1  # of the order's subtotal
CUSTOM_ITEM_SHARE = 0.05
CUSTOM_ITEMS = (("Gift wrapping", 3.5), ("Engraving", 12.0), ("Tip", 5.0))
OFFSET = "-0500"  # the shop's time zone, as Created at writes it

ISO_COUNTRY = {
    "United Kingdom": "GB",
    "Germany": "DE",
    "France": "FR",
    "EIRE": "IE",
    "Spain": "ES",
    "Netherlands": "NL",
    "Belgium": "BE",
    "Switzerland": "CH",
    "Portugal": "PT",
    "Australia": "AU",
    "Norway": "NO",
    "Italy": "IT",
}


def purchase_orders(customers: int, seed: int, work_dir: Path) -> pd.DataFrame:
    """The synthetic generator's sales as clean orders: lines with a customer, a product
    code and a positive price, without cancellation invoices or exact duplicates."""
    raw, _ = synthetic.generate(work_dir / "base.parquet", customers, seed)
    lines = pq.read_table(raw).to_pandas()
    sale = (
        lines["CustomerID"].notna()
        & ~lines["InvoiceNo"].str.startswith("C")
        & (lines["Quantity"] > 0)
        & (lines["UnitPrice"] > 0)
        & ~lines["StockCode"].isin(list(synthetic.NON_PRODUCT_CODES))
    )
    lines = lines[sale].drop_duplicates().reset_index(drop=True)
    lines["UnitPrice"] = lines["UnitPrice"].round(2)
    return lines


def _plant_outcomes(orders: pd.Index, rng: np.random.Generator) -> pd.Series:
    draw = rng.random(len(orders))
    edges = np.cumsum([VOIDED_SHARE, REFUNDED_IN_FULL_SHARE, PARTIAL_REFUND_SHARE])
    outcome = np.select(
        [draw < edges[0], draw < edges[1], draw < edges[2]],
        ["voided", "refunded", "partially_refunded"],
        "paid",
    )
    return pd.Series(outcome, index=orders)


def shopify_export(lines: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, dict]:
    """The lines as Shopify's orders export, and the planted truth."""
    rng = np.random.default_rng(seed + 7)
    lines = _with_custom_items(lines, rng)
    orders = _planted_orders(lines, rng)
    return _shopify_lines(lines, orders), _shopify_truth(lines, orders)


def _with_custom_items(lines: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """The lines with custom items without a SKU added to some orders, sorted by order and
    stock code."""
    invoices = pd.Index(lines["InvoiceNo"].unique())
    custom_orders = invoices[rng.random(len(invoices)) < CUSTOM_ITEM_SHARE]
    picks = rng.integers(0, len(CUSTOM_ITEMS), len(custom_orders))
    first = lines.drop_duplicates("InvoiceNo").set_index("InvoiceNo")
    custom = pd.DataFrame(
        {
            "InvoiceNo": custom_orders,
            "StockCode": "",
            "Description": [CUSTOM_ITEMS[i][0] for i in picks],
            "Quantity": 1,
            "InvoiceDate": first.loc[custom_orders, "InvoiceDate"].to_numpy(),
            "UnitPrice": [CUSTOM_ITEMS[i][1] for i in picks],
            "CustomerID": first.loc[custom_orders, "CustomerID"].to_numpy(),
            "Country": first.loc[custom_orders, "Country"].to_numpy(),
        }
    )
    lines = pd.concat([lines[custom.columns], custom], ignore_index=True)
    return lines.sort_values(["InvoiceNo", "StockCode"], kind="stable", ignore_index=True)


@dataclass(frozen=True)
class _PlantedOrders:
    """What was planted on each order (Series indexed by the order's InvoiceNo), and each
    line's tip flag."""

    subtotal: pd.Series  # the lines at their price
    outcome: pd.Series  # paid, voided, refunded or partially_refunded
    discounted: np.ndarray  # bool per order
    discount: pd.Series
    sold_for: pd.Series  # subtotal less discount
    refund: pd.Series
    refunded: pd.Series  # bool: refunded in full
    partial: pd.Series  # bool: refunded in part
    voided: pd.Series  # bool
    voided_by_time: pd.Series  # bool: voided with a cancellation time
    status_of: pd.Series  # the Financial Status written
    is_tip: pd.Series  # bool per line
    tips: pd.Series


def _planted_orders(lines: pd.DataFrame, rng: np.random.Generator) -> _PlantedOrders:
    """Each order's planted outcome, discount and refund (at known amounts), and its tips."""
    subtotal = (lines["UnitPrice"] * lines["Quantity"]).groupby(lines["InvoiceNo"]).sum()
    outcome = _plant_outcomes(subtotal.index, rng)
    discounted = rng.random(len(subtotal)) < DISCOUNT_SHARE
    discount = pd.Series(
        np.where(discounted, (subtotal * DISCOUNT_FRACTION).round(2), 0.0), index=subtotal.index
    )
    sold_for = subtotal - discount
    refund = pd.Series(0.0, index=subtotal.index)
    refunded = outcome == "refunded"
    refund[refunded] = sold_for[refunded].round(2)
    partial = outcome == "partially_refunded"
    refund[partial] = (sold_for[partial] * PARTIAL_REFUND_FRACTION).round(2)
    # every other voided order has no cancellation time (its status alone says it), and
    # every other full refund is written partially_refunded (its amount alone says it)
    voided = outcome == "voided"
    voided_by_time = voided & (np.cumsum(voided) % 2 == 1)
    status_of = outcome.where(~(refunded & (np.cumsum(refunded) % 2 == 0)), "partially_refunded")
    # tips are no sale of goods (seed non_product_stock_codes: NO-SKU:TIP)
    is_tip = lines["Description"] == "Tip"
    tips = (lines["UnitPrice"] * lines["Quantity"]).where(is_tip, 0.0)
    tips = tips.groupby(lines["InvoiceNo"]).sum()
    return _PlantedOrders(
        subtotal,
        outcome,
        discounted,
        discount,
        sold_for,
        refund,
        refunded,
        partial,
        voided,
        voided_by_time,
        status_of,
        is_tip,
        tips,
    )


def _shopify_lines(lines: pd.DataFrame, orders: _PlantedOrders) -> pd.DataFrame:
    """The export's rows: line-item fields on every line, order-level fields on an order's
    first line only."""
    subtotal, sold_for, discount = orders.subtotal, orders.sold_for, orders.discount
    name = {no: f"#{1001 + i}" for i, no in enumerate(subtotal.index)}
    created = pd.to_datetime(lines["InvoiceDate"]).dt.strftime("%Y-%m-%d %H:%M:%S") + " " + OFFSET
    is_first = ~lines["InvoiceNo"].duplicated()
    order_of = lines["InvoiceNo"]
    email = "customer" + lines["CustomerID"].astype(str).str.replace(".0", "", regex=False)
    email = email + "@example.com"
    export = pd.DataFrame({column: "" for column in SHOPIFY_HEADER}, index=lines.index)
    export["Name"] = order_of.map(name)
    export["Email"] = email
    export["Created at"] = created
    export["Lineitem quantity"] = lines["Quantity"].astype(str)
    export["Lineitem name"] = lines["Description"]
    export["Lineitem price"] = lines["UnitPrice"].map("{:.2f}".format)
    export["Lineitem sku"] = lines["StockCode"]
    export["Lineitem requires shipping"] = "true"
    export["Lineitem taxable"] = "true"
    export["Lineitem fulfillment status"] = "fulfilled"
    export["Lineitem discount"] = "0.00"
    export["Vendor"] = "Synthetic Gifts"
    # order-level fields: on an order's first line only
    status = order_of.map(orders.status_of)
    order_fields = {
        "Financial Status": status,
        "Paid at": created.where(status != "voided", ""),
        "Fulfillment Status": "fulfilled",
        "Accepts Marketing": "no",
        "Currency": "USD",
        "Subtotal": order_of.map(sold_for).map("{:.2f}".format),
        "Shipping": "0.00",
        "Taxes": "0.00",
        "Total": order_of.map(sold_for).map("{:.2f}".format),
        "Discount Code": order_of.map(discount).map(lambda d: "WELCOME10" if d > 0 else ""),
        "Discount Amount": order_of.map(discount).map("{:.2f}".format),
        "Shipping Method": "Standard",
        "Billing Country": lines["Country"].map(ISO_COUNTRY).fillna("US"),
        "Cancelled at": created.where(order_of.map(orders.voided_by_time), ""),
        "Payment Method": "Shopify Payments",
        "Refunded Amount": order_of.map(orders.refund).map("{:.2f}".format),
        "Id": order_of.map({no: str(5_000_000 + i) for i, no in enumerate(subtotal.index)}),
        "Source": "web",
    }
    for column, values in order_fields.items():
        export[column] = values
        export.loc[~is_first, column] = ""
    return export


def _shopify_truth(lines: pd.DataFrame, orders: _PlantedOrders) -> dict:
    """What a correct build of the export reports, and what was planted."""
    outcome, subtotal, sold_for = orders.outcome, orders.subtotal, orders.sold_for
    refund, partial, discount, tips = orders.refund, orders.partial, orders.discount, orders.tips
    voided, voided_by_time, is_tip = orders.voided, orders.voided_by_time, orders.is_tip
    order_of = lines["InvoiceNo"]
    kept = outcome.isin(["paid", "partially_refunded"])
    customer_of = lines.drop_duplicates("InvoiceNo").set_index("InvoiceNo")["CustomerID"]
    frequency = customer_of[kept[kept].index].value_counts()
    is_custom = lines["StockCode"] == ""
    # the goods' revenue: what the order sold for less its tips and its partial refund (the
    # discounts and refunds fall on the goods; the planted amounts never exceed them)
    goods_revenue = sold_for - tips - refund
    assert (goods_revenue[kept] >= 0).all()
    return {
        "layout": "shopify",
        "currency": "USD",
        "net_revenue": round(float(goods_revenue[kept].sum()), 2),
        "orders": int(kept.sum()),
        "customers": int(len(frequency)),
        "frequency": {_customer_key(c): int(n) for c, n in frequency.items()},
        "planted": {
            # the voided and the fully refunded orders' lines at their price (what the
            # audit says the cleaning rules removed), and what they had sold for
            "voided_orders": int((outcome == "voided").sum()),
            "voided_lines_value": round(float(subtotal[outcome == "voided"].sum()), 2),
            "voided_amount": round(float(sold_for[outcome == "voided"].sum()), 2),
            "refunded_in_full_orders": int((outcome == "refunded").sum()),
            "refunded_in_full_lines_value": round(float(subtotal[outcome == "refunded"].sum()), 2),
            "refunded_in_full_amount": round(float(sold_for[outcome == "refunded"].sum()), 2),
            "voided_or_refunded_lines": int(order_of.map(~kept).sum()),
            "partial_refund_orders": int(partial.sum()),
            "partial_refund_amount": round(float(refund[partial].sum()), 2),
            "discounted_orders": int(orders.discounted.sum()),
            "discount_amount_kept_orders": round(float(discount[kept].sum()), 2),
            "voided_by_status_only": int((voided & ~voided_by_time).sum()),
            "refunded_in_full_by_amount_only": int(
                (orders.refunded & (orders.status_of != "refunded")).sum()
            ),
            "custom_item_lines": int(is_custom.sum()),
            "custom_item_lines_kept": int((is_custom & ~is_tip)[order_of.map(kept)].sum()),
            "tip_lines_kept_orders": int(is_tip[order_of.map(kept)].sum()),
            "tips_kept_orders": round(float(tips[kept].sum()), 2),
        },
    }


def line_amount_export(lines: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, dict]:
    """The lines as a line-amount export (Superstore's layout), and the planted truth."""
    rng = np.random.default_rng(seed + 11)
    lines = lines.sort_values(["InvoiceNo", "StockCode"], kind="stable", ignore_index=True)
    rate = rng.choice([0.0, 0.0, 0.0, 0.1, 0.2], len(lines))
    sales = (lines["UnitPrice"] * lines["Quantity"] * (1 - rate)).round(4)
    cost = (lines["UnitPrice"] * 0.55).round(4)
    profit = (sales - cost * lines["Quantity"]).round(4)
    when = pd.to_datetime(lines["InvoiceDate"])
    region = np.where(lines["Country"] == "United Kingdom", "US", "CA")
    order_id = region + "-" + when.dt.year.astype(str) + "-" + lines["InvoiceNo"].astype(str)
    customer = "CG-" + lines["CustomerID"].astype(str).str.replace(".0", "", regex=False)
    export = pd.DataFrame({column: "" for column in LINE_AMOUNT_HEADER}, index=lines.index)
    export["Row ID"] = (lines.index + 1).astype(str)
    export["Order ID"] = order_id
    export["Order Date"] = when.dt.strftime("%d/%m/%y")
    export["Ship Date"] = (when + pd.Timedelta(days=3)).dt.strftime("%d/%m/%y")
    export["Ship Mode"] = "Standard Class"
    export["Customer ID"] = customer
    export["Customer Name"] = customer
    export["Segment"] = "Consumer"
    export["Country"] = np.where(region == "CA", "Canada", "United States")
    export["Product ID"] = lines["StockCode"]
    export["Category"] = "Gifts"
    export["Product Name"] = lines["Description"]
    export["Sales"] = sales.map("{:.4f}".format)
    export["Quantity"] = lines["Quantity"].astype(str)
    export["Discount"] = rate.astype(str)
    export["Profit"] = profit.map("{:.4f}".format)
    frequency = pd.Series(customer).groupby(order_id).first().value_counts()
    truth = {
        "layout": "line-amount",
        # amounts have four decimals: the sum to four, so that a build rounding to the cent
        # is held to half a cent (the summation order may round the other way)
        "net_revenue": round(float(sales.sum()), 4),
        # the cost the file implies: each line's amount less its profit
        "cost": round(float((sales - profit).sum()), 4),
        "orders": int(order_id.nunique()),
        "orders_starting_with_c": int(order_id.str.startswith("C").groupby(order_id).first().sum()),
        "customers": int(len(frequency)),
        "frequency": {str(c): int(n) for c, n in frequency.items()},
    }
    return export, truth


def _customer_key(customer) -> str:
    """The customer id a build gives the Shopify customer (its e-mail)."""
    return "customer" + str(customer).replace(".0", "") + "@example.com"


def truth_path_for(export: Path) -> Path:
    return export.with_name(export.stem + "_truth.json")


def generate(out: str | Path, layout: str, customers: int, seed: int) -> tuple[Path, Path]:
    """Write the export (CSV) and its truth (JSON) beside it."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    work_dir = out.with_name(f".{out.stem}_base")
    lines = purchase_orders(customers, seed, work_dir)
    writers = {"shopify": shopify_export, "line-amount": line_amount_export}
    export, truth = writers[layout](lines, seed)
    export.to_csv(out, index=False)
    truth_path = truth_path_for(out)
    truth_path.write_text(json.dumps(truth, indent=1, sort_keys=True))
    for path in sorted(work_dir.glob("*")):
        path.unlink()
    work_dir.rmdir()
    return out, truth_path
