"""A shop's own exports. A column mapping for any layout, a folder of monthly
files read as one history (every line keeping its file and line), times with an offset,
decimal commas. The real data, rewritten at test time as a Shopify orders export (never
committed), must give the UCI file's figures."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import (
    BUILD_OUTPUT,
    REAL_DATA,
    build_warehouse,
    frame,
    needs_real_data,
    query,
    run_segments,
)
from samples import SHOPIFY_MAPPING, sample_lines

# ----------------------------------------------------------------------- several files


def test_segments_build_names_the_broken_file_and_the_mapping(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    sample_lines(3).rename(columns={"InvoiceNo": "Order"}).to_csv(folder / "a.csv", index=False)
    mapping = tmp_path / "shop.yml"
    mapping.write_text("InvoiceNo: Order number\n")
    result = run_segments(
        "build",
        "--raw",
        str(folder),
        "--columns",
        str(mapping),
        "--db",
        str(tmp_path / "w.duckdb"),
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: shop.yml: header 'Order number' (mapped to InvoiceNo) is not in a.csv "
        "(found: Order, StockCode, Description, Quantity, InvoiceDate, UnitPrice, "
        "CustomerID, Country)"
    ]
    assert not (tmp_path / "w.duckdb").exists()


# ------------------------------------------------- the real data as a Shopify export


def _write_shopify_months(folder: Path) -> dict[str, int]:
    """The real data as Shopify's orders export, one CSV a month (by the order's first
    line): `#` order names, customers as e-mail addresses, times with ` +0000`, the e-mail
    and the country on an order's first line only, returns as negative quantities, and
    Shopify's order-level columns: every order paid, in GBP, nothing refunded, discounted
    or cancelled, so the figures must be the UCI file's (January cut inside an order and
    an overlapping February export besides: _split_and_overlap). Returns lines a file."""
    folder.mkdir()
    con = duckdb.connect()
    con.sql(f"create table lines as select *, row_number() over () as n from '{REAL_DATA}'")
    con.sql(
        """
        create table shop as select
            '#' || InvoiceNo as "Name",
            case when first_line and CustomerID is not null
                then cast(cast(CustomerID as bigint) as varchar) || '@example.com' end
                as "Email",
            case when first_line then 'paid' end as "Financial Status",
            strftime(InvoiceDate, '%Y-%m-%d %H:%M:%S') || ' +0000' as "Created at",
            Quantity as "Lineitem quantity",
            Description as "Lineitem name",
            UnitPrice as "Lineitem price",
            StockCode as "Lineitem sku",
            case when first_line then Country end as "Billing Country",
            case when first_line then '0.00' end as "Refunded Amount",
            null as "Cancelled at",
            case when first_line then '0.00' end as "Discount Amount",
            case when first_line then 'GBP' end as "Currency",
            month,
            n
        from (
            select
                *,
                row_number() over (partition by InvoiceNo order by n) = 1 as first_line,
                strftime(min(InvoiceDate) over (partition by InvoiceNo), '%Y-%m') as month
            from lines
        )
        """
    )
    counts = {}
    for month, lines in con.sql(
        "select month, count(*) from shop group by 1 order by 1"
    ).fetchall():
        name = f"orders_export_{month}.csv"
        con.sql(
            f"copy (select * exclude (month, n) from shop where month = '{month}' order by n) "
            f"to '{folder / name}' (header)"
        )
        counts[name] = lines
    _split_and_overlap(folder, counts)
    return counts


# January cut in two inside an order, as an export cut by size ends (the rest of the order,
# without its e-mail and country, opens the next file), and an export of February's last 20
# orders made again, overlapping the month's file: neither may change a figure
SPLIT_FILE, OVERLAP_FILE = "orders_export_2011-01_part2.csv", "orders_export_2011-02_again.csv"


def _split_and_overlap(folder: Path, counts: dict[str, int]) -> None:
    import pandas as pd

    def read(name):
        return pd.read_csv(folder / name, dtype=str, keep_default_na=False)

    january = read("orders_export_2011-01.csv")
    names = january["Name"]
    cut = next(i for i in range(len(names) // 2, len(names)) if names[i] == names[i - 1])
    assert january.loc[cut, "Email"] == ""  # a continuation line: no e-mail of its own
    january[:cut].to_csv(folder / "orders_export_2011-01.csv", index=False)
    january[cut:].to_csv(folder / SPLIT_FILE, index=False)
    counts["orders_export_2011-01.csv"], counts[SPLIT_FILE] = cut, len(january) - cut
    february = read("orders_export_2011-02.csv")
    last_orders = february["Name"].drop_duplicates().iloc[-20:]
    again = february[february["Name"].isin(last_orders)]
    again.to_csv(folder / OVERLAP_FILE, index=False)
    counts[OVERLAP_FILE] = len(again)


@pytest.fixture(scope="module")
def shopify_db(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    if not REAL_DATA.exists():
        pytest.skip(f"REAL DATA MISSING at {REAL_DATA}: the real-data tests did not run")
    folder = tmp_path_factory.mktemp("shopify")
    counts = _write_shopify_months(folder / "exports")
    db = folder / "segments.duckdb"
    build_warehouse(
        db,
        "--raw",
        str(folder / "exports"),
        "--columns",
        str(SHOPIFY_MAPPING),
        "--matching",
        "reference",
        "--vars",
        "{rfm_as_of: '2011-12-09'}",
    )
    return db, counts


@needs_real_data
def test_a_shopify_export_by_month_gives_the_uci_files_figures(shopify_db, real_reference_db):
    db, counts = shopify_db
    audit = (
        "select step, rule_name, rows_in, rows_removed, rows_out "
        "from marts.data_quality_audit order by step"
    )
    shop, uci = frame(db, audit), frame(real_reference_db, audit)
    # the overlapping export's lines are removed as guest lines or exact duplicates, and
    # from the duplicates on, every step is the UCI file's
    overlap = counts[OVERLAP_FILE]
    assert shop["rows_in"].iloc[0] == 541_909 + overlap
    by_rule = (shop.set_index("rule_name") - uci.set_index("rule_name"))["rows_removed"]
    assert by_rule[["missing_customer", "exact_duplicate"]].sum() == overlap, by_rule
    assert by_rule.drop(["missing_customer", "exact_duplicate"]).eq(0).all(), by_rule
    after = shop["step"] > int(shop.loc[shop["rule_name"] == "exact_duplicate", "step"].iloc[0])
    assert shop[after].reset_index(drop=True).equals(uci[after].reset_index(drop=True))
    assert shop["rows_out"].iloc[-1] == 391_150
    (revenue,) = query(db, "select sum(revenue) from marts.fct_invoices")[0]
    assert float(revenue) == pytest.approx(8_263_592.99, abs=0.005)
    rfm = (
        "select {id} as customer_id, recency_days, frequency, monetary, is_outlier "
        "from marts.customer_rfm order by 1"
    )
    shop_rfm = frame(db, rfm.format(id="replace(customer_id, '@example.com', '')"))
    uci_rfm = frame(real_reference_db, rfm.format(id="customer_id"))
    assert len(shop_rfm) == 4_334
    assert shop_rfm.equals(uci_rfm)
    scores = "select {id} as c, rfm_cell, rfm_segment from marts.customer_rfm_scores order by 1"
    assert frame(db, scores.format(id="replace(customer_id, '@example.com', '')")).equals(
        frame(real_reference_db, scores.format(id="customer_id"))
    )
    # the order names keep Shopify's '#'; the customer ids the e-mail as written
    assert query(db, "select min(invoice_no), min(customer_id) from marts.fct_invoices")[0] == (
        "#536365",
        "12346@example.com",
    )


@needs_real_data
def test_every_file_is_counted(shopify_db):
    db, counts = shopify_db
    files = frame(
        db,
        "select file_order, source_file, any_value(file_lines) as lines, "
        "sum(lines) filter (where fate = 'kept') as kept "
        "from marts.data_quality_files group by 1, 2 order by 1",
    )
    assert list(files["source_file"]) == sorted(counts)
    assert dict(zip(files["source_file"], files["lines"], strict=True)) == counts
    # and as an independent reader counts them: Python's csv module, record by record
    folder = db.parent / "exports"
    for name, lines in zip(files["source_file"], files["lines"], strict=True):
        with open(folder / name, newline="") as file:
            assert sum(1 for _ in csv.reader(file)) - 1 == lines, name
    # the overlapping export adds lines and no sale; the order cut in two keeps its customer
    assert files["lines"].sum() == 541_909 + counts[OVERLAP_FILE]
    assert files["kept"].sum() == 391_150
    kept = dict(zip(files["source_file"], files["kept"].fillna(0), strict=True))
    assert kept[OVERLAP_FILE] == 0
    # each line keeps its file and its line there
    (lines, first_line, last_line) = query(
        db,
        "select count(*), min(source_line_number), max(source_line_number) "
        "from staging.stg_online_retail__invoice_lines "
        "where source_file = 'orders_export_2011-01.csv'",
    )[0]
    assert lines == counts["orders_export_2011-01.csv"] and first_line == 1 and last_line == lines


# ------------------------------------------------------------------------ gross margin


def _cost_share(stock_code: str) -> float:
    """A product's unit cost as a share of its price: 30% to 79% by product (from the md5
    of its stock code), so a margin that scaled revenue by one ratio shows."""
    return 0.30 + int(hashlib.md5(stock_code.encode()).hexdigest()[:2], 16) % 50 / 100


@pytest.fixture(scope="module")
def margin_db(synthetic_db, tmp_path_factory) -> Path:
    """The embedded synthetic data with a unit cost per line from 30% to 79% of its price by
    product, lifetime value measured in margin."""
    from retail_segments import synthetic
    from retail_segments.raw import default_synthetic_path

    raw = default_synthetic_path(
        str(synthetic_db), synthetic.DEFAULT_CUSTOMERS, synthetic.DEFAULT_SEED
    )
    folder = tmp_path_factory.mktemp("margin")
    lines = pd.read_parquet(raw)
    share = lines["StockCode"].map(
        {code: _cost_share(code) for code in lines["StockCode"].unique()}
    )
    lines["UnitCost"] = (lines["UnitPrice"] * share).round(4)
    lines.to_parquet(folder / "with_cost.parquet", index=False)
    db = folder / "segments.duckdb"
    build_warehouse(
        db, "--raw", str(folder / "with_cost.parquet"), "--vars", "{clv_value_basis: margin}"
    )
    return db


def test_unit_costs_give_margin_beside_revenue(margin_db, synthetic_db):
    """Each sale line's cost is the raw file's cost of its product (the share by product,
    recomputed here), its margin the revenue less that cost; a customer's margin adds up
    their lines'; revenue is what it was without costs."""
    lines = frame(
        margin_db,
        "select stock_code, unit_price, unit_cost, net_quantity, line_revenue, line_margin "
        "from marts.fct_sales_lines",
    )
    assert len(lines) > 300_000 and lines["line_margin"].notna().all()
    expected_cost = lines["unit_price"] * lines["stock_code"].map(_cost_share)
    assert (lines["unit_cost"] - expected_cost).abs().max() < 1e-4
    margin = lines["line_revenue"] - lines["net_quantity"] * lines["unit_cost"]
    assert (lines["line_margin"] - margin).abs().max() < 0.01
    share = 1 - lines["unit_cost"] / lines["unit_price"]
    assert share.min() < 0.25 and share.max() > 0.65  # not one ratio
    customers = frame(
        margin_db,
        """
        select count(*) as n,
            count(*) filter (where with_cost.monetary != plain.monetary) as revenue_moved,
            max(abs(with_cost.margin - lines.margin) / with_cost.frequency)
                as cents_off_per_invoice
        from marts.customer_rfm as with_cost
        join plain_db.marts.customer_rfm as plain using (customer_id)
        join (
            select customer_id, sum(line_margin) as margin
            from marts.fct_sales_lines group by customer_id
        ) as lines using (customer_id)
        """,
        attach={"plain_db": synthetic_db},
    ).iloc[0]
    assert customers["n"] == 4_000 and customers["revenue_moved"] == 0
    assert customers["cents_off_per_invoice"] <= 0.01
    # without costs there is no margin, and nothing else changed
    (margins,) = query(synthetic_db, "select count(margin) from marts.customer_rfm")[0]
    assert margins == 0


def test_lifetime_value_in_margin_follows_each_customers_margin(margin_db, synthetic_db):
    """In margin, the value so far is the customer's margin so far, and the 12-month value
    is the revenue value times about the customer's own margin share: customers who buy
    high-margin products are worth more than their revenue says, not one ratio for all.
    The purchase forecasts do not change."""
    clv = frame(
        margin_db,
        """
        select
            margin_clv.customer_id,
            margin_clv.historic_value,
            margin_clv.total_value - margin_clv.historic_value - margin_clv.clv_12m
                as total_off,
            rfm.margin,
            margin_clv.clv_12m / plain.clv_12m as value_ratio,
            rfm.margin / rfm.monetary as margin_share,
            rfm.frequency,
            abs(margin_clv.expected_purchases_365d - plain.expected_purchases_365d)
                as purchases_off
        from marts.customer_lifetime_value as margin_clv
        join plain_db.marts.customer_lifetime_value as plain using (customer_id)
        join marts.customer_rfm as rfm using (customer_id)
        where plain.clv_12m >= 50 and rfm.monetary > 0
        """,
        attach={"plain_db": synthetic_db},
    )
    assert len(clv) > 1_000
    assert (clv["historic_value"].astype(float) - clv["margin"]).abs().max() < 0.005
    assert (clv["total_off"].astype(float).abs() <= 0.005 + 1e-9).all()  # in margin too
    assert clv["purchases_off"].max() < 1e-9
    # measured on customers of 10 invoices and more: the ratio spreads (sd 0.019; one ratio
    # for all would be 0) and follows their margin share (correlation 0.96). Gamma-Gamma
    # pulls a customer's spend towards everyone's, more the fewer their purchases: across
    # all customers the shares spread further (sd 0.062) than the ratios (0.016).
    frequent = clv[clv["frequency"] >= 10]
    assert frequent["value_ratio"].std() > 0.01
    assert frequent["value_ratio"].corr(frequent["margin_share"]) > 0.9


def test_a_missing_cost_fails_the_margin_basis_by_name(tmp_path):
    """Margin as the value basis with one product's cost missing: the build stops at the
    dbt test that says so, recorded by name in dbt's run_results.json, and publishes
    nothing."""
    import json

    from retail_segments import publish, synthetic

    raw, _ = synthetic.generate(tmp_path / "small.parquet", customers=300)
    lines = pd.read_parquet(raw)
    lines["UnitCost"] = lines["UnitPrice"] * 0.6
    uncosted = lines.loc[lines["CustomerID"].notna(), "StockCode"].iloc[0]
    lines.loc[lines["StockCode"] == uncosted, "UnitCost"] = None
    lines.to_parquet(tmp_path / "with_cost.parquet", index=False)
    db = tmp_path / "w.duckdb"
    result = run_segments(
        "build",
        "--db",
        str(db),
        "--raw",
        str(tmp_path / "with_cost.parquet"),
        "--vars",
        "{clv_value_basis: margin}",
        cwd=tmp_path,
    )
    assert result.returncode != 0
    assert not db.exists()
    target, _ = publish.dbt_paths(db)
    results = json.loads((target / "run_results.json").read_text())["results"]
    failed = {r["unique_id"].split(".")[-1] for r in results if r["status"] in ("fail", "error")}
    assert failed == {"assert_margin_basis_has_every_cost"}, failed
    assert "assert_margin_basis_has_every_cost" in result.stdout + result.stderr


# ------------------------------------------------------------------ review findings


def test_a_mapping_is_given_once(tmp_path):
    mapping = tmp_path / "shop.yml"
    mapping.write_text("InvoiceNo: Order\n")
    result = run_segments(
        "build",
        "--raw",
        str(tmp_path / "orders.csv"),
        "--columns",
        str(mapping),
        "--vars",
        "{raw_columns: {InvoiceNo: Name}}",
        "--db",
        str(tmp_path / "w.duckdb"),
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: --columns and var raw_columns both give a column mapping; give it once"
    )


def _raw_loads(build_output: str) -> list[str]:
    return [line for line in build_output.splitlines() if "raw input: loading" in line]


def test_a_build_loads_the_raw_input_once(synthetic_db):
    """dbt-duckdb loads a plugin source again wherever a node names it with source(); the
    conservation tests name the loaded table instead, so a build reads, checks and copies
    the raw input once (three times before: 30 s of a 280 s build at 100x the sample). The
    embedded data, which `segments build` does not check, is checked by the plugin."""
    loads = _raw_loads(BUILD_OUTPUT[synthetic_db])
    assert len(loads) == 1, loads
    assert " lines from online_retail_synthetic_v" in loads[0]
    assert loads[0].endswith("(checked)")


def test_a_file_segments_build_checked_is_loaded_once_unchecked(margin_db):
    loads = _raw_loads(BUILD_OUTPUT[margin_db])
    assert len(loads) == 1, loads
    raw = margin_db.parent / "with_cost.parquet"
    (lines,) = duckdb.sql(f"select count(*) from '{raw}'").fetchall()[0]
    assert loads[0].endswith(
        f"raw input: loading {lines:,} lines from with_cost.parquet (checked before dbt started)"
    )


@needs_real_data
def test_files_read_through_a_mapping_are_loaded_once_unchecked(shopify_db, real_reference_db):
    """The same for a folder of CSV files read through a column mapping (--columns), and
    for the real file."""
    db, counts = shopify_db
    loads = _raw_loads(BUILD_OUTPUT[db])
    assert len(loads) == 1, loads
    lines = sum(counts.values())
    assert loads[0].endswith(
        f"raw input: loading {lines:,} lines from {len(counts)} files (checked before dbt started)"
    )
    loads = _raw_loads(BUILD_OUTPUT[real_reference_db])
    assert len(loads) == 1, loads
    assert loads[0].endswith(
        "raw input: loading 541,909 lines from online_retail.parquet (checked before dbt started)"
    )
