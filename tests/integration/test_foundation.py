"""Loading, cleaning and the audit, on the real data and on generated files."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest
from conftest import build_warehouse, needs_real_data, query, run_segments
from retail_segments import synthetic

AUDIT = (
    "select rule_name, rows_in, rows_removed, rows_out from marts.data_quality_audit order by step"
)


@needs_real_data
def test_reference_cleaning_reproduces_the_notebook(real_reference_db):
    assert query(real_reference_db, AUDIT) == [
        # the UCI layout records no order status, refund or cancellation time
        ("cancelled_order", 541_909, 0, 541_909),
        ("refunded_order", 541_909, 0, 541_909),
        ("missing_customer", 541_909, 135_080, 406_829),
        ("missing_value", 406_829, 0, 406_829),
        ("exact_duplicate", 406_829, 5_225, 401_604),
        ("cancellation_line", 401_604, 8_872, 392_732),
        ("non_product_code", 392_732, 1_549, 391_183),
        ("non_positive_price", 391_183, 33, 391_150),
    ]
    (canceled,) = query(
        real_reference_db,
        "select quantity_canceled_on_purchases from marts.data_quality_audit "
        "where rule_name = 'cancellation_line'",
    )[0]
    assert canceled == 245_266
    codes = query(
        real_reference_db,
        "select count(distinct stock_code) from intermediate.int_sales_lines__purchases "
        "where stock_code not in (select stock_code from intermediate.int_sales_lines__products)",
    )
    assert codes == [(6,)]
    (revenue,) = query(real_reference_db, "select sum(line_revenue) from marts.fct_sales_lines")[0]
    assert round(revenue, 2) == 8_263_592.99


@needs_real_data
def test_allocate_mode_never_overcancels_and_conserves_quantity(real_allocate_db):
    over = query(
        real_allocate_db,
        "select count(*) from intermediate.int_cancellations__allocated a "
        "join intermediate.int_invoice_lines__deduplicated l using (source_row_number) "
        "where a.quantity_canceled > greatest(l.quantity, 0)",
    )
    assert over == [(0,)]
    total, matched, unmatched, on_purchases = query(
        real_allocate_db,
        "select (select sum(-quantity) from intermediate.int_invoice_lines__deduplicated "
        "        where is_cancellation), "
        "sum(quantity_matched), sum(quantity_unmatched), sum(quantity_canceled) "
        "from intermediate.int_cancellations__allocated",
    )[0]
    assert matched + unmatched == total
    assert on_purchases == matched
    assert matched > 0 and unmatched > 0
    # the same raw rows are accounted for whatever the matching mode
    assert query(real_allocate_db, AUDIT)[:5] == [
        ("cancelled_order", 541_909, 0, 541_909),
        ("refunded_order", 541_909, 0, 541_909),
        ("missing_customer", 541_909, 135_080, 406_829),
        ("missing_value", 406_829, 0, 406_829),
        ("exact_duplicate", 406_829, 5_225, 401_604),
    ]


def test_default_build_runs_on_synthetic_data_and_accounts_for_every_row(synthetic_db):
    audit = query(synthetic_db, AUDIT)
    assert [row[0] for row in audit] == [
        "cancelled_order",
        "refunded_order",
        "missing_customer",
        "missing_value",
        "exact_duplicate",
        "cancellation_line",
        "non_product_code",
        "non_positive_price",
    ]
    # every rule has something to remove in the synthetic data, as in the real data, but
    # missing_value: the loader refuses a file with empty required fields, so through
    # `segments build` that rule never fires (it guards plain-dbt loads); and the order
    # rules, since the UCI layout records no order status (tests/integration/test_shop_exports.py)
    order_rules = ("cancelled_order", "refunded_order")
    assert all(row[2] > 0 for row in audit if row[0] not in ("missing_value", *order_rules))
    assert all(row[2] == 0 for row in audit if row[0] in order_rules)
    raw_rows = query(synthetic_db, "select count(*) from raw.invoice_lines")[0][0]
    kept = query(synthetic_db, "select count(*) from marts.fct_sales_lines")[0][0]
    assert raw_rows == audit[0][1] == kept + sum(row[2] for row in audit)
    # about a quarter of the lines have no customer
    removed = {row[0]: row[2] for row in audit}
    assert 0.2 < removed["missing_customer"] / raw_rows < 0.3
    # the ground truth lies beside the data, not in the raw table
    truth = list((synthetic_db.parent / "synthetic").glob("*_truth.parquet"))
    assert len(truth) == 1
    columns = [r[0] for r in query(synthetic_db, "describe raw.invoice_lines")]
    assert "archetype" not in columns


@pytest.fixture(scope="module")
def small_raw(tmp_path_factory):
    """A few thousand generated lines, with one non-ASCII description, as a DataFrame."""
    folder = tmp_path_factory.mktemp("formats")
    raw, _ = synthetic.generate(folder / "small.parquet", customers=40, seed=11)
    frame = pd.read_parquet(raw)
    # five lines every cleaning rule keeps get a non-ASCII description
    kept = frame[
        frame.CustomerID.notna()
        & (frame.Quantity > 0)
        & (frame.UnitPrice > 0)
        & frame.StockCode.str.match(r"^[0-9]")
        & ~frame.InvoiceNo.str.startswith("C")
    ]
    frame.loc[kept.index[:5], "Description"] = "CAFÉ AU LAIT BOWL"
    return folder, frame


def _audit_for(tmp_path, raw_file):
    db = tmp_path / f"{raw_file.stem}.duckdb"
    build_warehouse(db, "--raw", str(raw_file))
    return query(db, AUDIT), query(
        db,
        "select round(sum(line_revenue), 2), count(distinct customer_id), "
        "count(*) filter (where description like 'CAFÉ%') from marts.fct_sales_lines",
    )[0]


def test_same_audit_from_parquet_latin1_csv_and_xlsx(small_raw, tmp_path):
    folder, frame = small_raw
    parquet = folder / "lines.parquet"
    frame.to_parquet(parquet, index=False)
    csv = folder / "lines.csv"
    # as the UCI export: ISO-8859-1, month-first dates, customer ids as floats
    frame.assign(InvoiceDate=frame.InvoiceDate.dt.strftime("%m/%d/%Y %H:%M")).to_csv(
        csv, index=False, encoding="latin-1"
    )
    xlsx = folder / "lines.xlsx"
    frame.to_excel(xlsx, index=False)

    results = [_audit_for(tmp_path, path) for path in (parquet, csv, xlsx)]
    assert results[0] == results[1] == results[2]
    audit, (revenue, customers, accented) = results[0]
    assert audit[0][1] == len(frame)
    assert customers > 30 and revenue > 0 and accented > 0


def test_online_retail_ii_layout_with_two_yearly_sheets(small_raw, tmp_path):
    folder, frame = small_raw
    parquet = folder / "lines_or1.parquet"
    frame.to_parquet(parquet, index=False)
    renamed = frame.rename(
        columns={"InvoiceNo": "Invoice", "UnitPrice": "Price", "CustomerID": "Customer ID"}
    )
    xlsx = folder / "lines_or2.xlsx"
    first_year = renamed.InvoiceDate < "2011-01-01"
    with pd.ExcelWriter(xlsx) as writer:
        renamed[first_year].to_excel(writer, sheet_name="Year 2009-2010", index=False)
        renamed[~first_year].to_excel(writer, sheet_name="Year 2010-2011", index=False)
    csv = folder / "lines_or2.csv"
    renamed.assign(**{"Customer ID": renamed["Customer ID"].astype("Int64")}).to_csv(
        csv, index=False
    )
    assert first_year.any() and (~first_year).any()
    expected = _audit_for(tmp_path, parquet)
    assert _audit_for(tmp_path, xlsx) == expected
    assert _audit_for(tmp_path, csv) == expected


BAD_INPUTS = {
    "missing_file": (None, "not found"),
    "unknown_extension": ("InvoiceNo,StockCode\n1,2\n", "unsupported file type"),
    "missing_column": (
        "InvoiceNo,StockCode,Description,Quantity,UnitPrice,CustomerID,Country\n"
        "536365,85123A,X,6,2.55,17850,United Kingdom\n",
        "required column InvoiceDate is missing",
    ),
    "empty_file": ("", "the file is empty"),
    "header_only": (
        "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n",
        "no rows",
    ),
    "bad_dates": (
        "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
        "536365,85123A,X,6,2010-12-01 08:26,2.55,17850,United Kingdom\n"
        "536366,85123A,X,6,yesterday,2.55,17850,United Kingdom\n",
        "column InvoiceDate has 1 values that are not dates in the layout ISO 8601, "
        "e.g. 'yesterday' on line 2",
    ),
    "non_numeric_quantity": (
        "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
        "536365,85123A,X,six,2010-12-01 08:26,2.55,17850,United Kingdom\n",
        "column Quantity has 1 values that are not whole numbers, e.g. 'six' on line 1",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_gets_one_clear_line_and_publishes_nothing(case, tmp_path):
    content, message = BAD_INPUTS[case]
    suffix = ".txt" if case == "unknown_extension" else ".csv"
    raw = tmp_path / f"input{suffix}"
    if content is not None:
        raw.write_text(content)
    db = tmp_path / "published.duckdb"
    result = run_segments("build", "--raw", str(raw), "--db", str(db), cwd=tmp_path)
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith("error: ") and message in errors[0], errors[0]
    assert "Traceback" not in result.stdout + result.stderr
    assert not db.exists()


def test_parquet_with_fractional_quantities_is_refused(tmp_path):
    # Parquet stores numbers typed: they are checked without a detour through text
    raw = tmp_path / "typed.parquet"
    duckdb.sql(
        "select * from (values ('536365', '85123A', 'X', 6.0, timestamp '2010-12-01 08:26', "
        "2.55, 17850.0, 'United Kingdom'), ('536366', '85123A', 'X', 6.5, "
        "timestamp '2010-12-01 08:28', 2.55, 17850.0, 'United Kingdom')) as t(InvoiceNo, "
        "StockCode, Description, Quantity, InvoiceDate, UnitPrice, CustomerID, Country)"
    ).write_parquet(str(raw))
    db = tmp_path / "published.duckdb"
    result = run_segments("build", "--raw", str(raw), "--db", str(db), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: typed.parquet: column Quantity has 1 values that are not whole numbers, "
        "e.g. '6.5' on line 2"
    )
    assert not db.exists()


def test_plain_dbt_build_reports_bad_input_without_a_traceback(tmp_path):
    from conftest import run_dbt

    raw = tmp_path / "bad.csv"
    raw.write_text(BAD_INPUTS["non_numeric_quantity"][0])
    result = run_dbt(
        "build",
        "--select",
        "stg_online_retail__invoice_lines",
        env={"RAW_INVOICES": str(raw), "SEGMENTS_DB": str(tmp_path / "w.duckdb")},
        cwd=tmp_path,
        timeout=600,
    )
    assert result.returncode != 0
    assert "column Quantity has 1 values that are not whole numbers" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
