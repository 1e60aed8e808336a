"""Reading a shop's own exports (retail_segments.raw), no warehouse: a column mapping for any
layout, a folder of monthly files read as one history (every line keeping its file and line),
times with an offset, decimal commas and thousands separators, text dates in the layout that
reads the whole column, the raw-input stamp, and one-line errors."""

from __future__ import annotations

import os
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import (
    REAL_DATA,
    needs_real_data,
)
from retail_segments.raw import (
    RawInputError,
    RawInvoiceFiles,
    raw_files,
    raw_path_list,
    read_options,
    read_raw_invoices,
)
from samples import (
    COLUMNS,
    LINE_AMOUNT_MAPPING,
    SHOPIFY_MAPPING,
    WOOCOMMERCE_MAPPING,
    read_lines,
    read_problem,
    sample_lines,
)

# ------------------------------------------------------------------------- column mapping


def test_a_mapping_names_the_files_own_headers(tmp_path):
    shop = sample_lines().rename(
        columns={"InvoiceNo": "Order", "UnitPrice": "Price each", "CustomerID": "E-mail"}
    )
    shop["E-mail"] = " Jane@Example.com "
    path = tmp_path / "orders.csv"
    shop.to_csv(path, index=False)
    # without a mapping: the clear error, now pointing at --columns
    assert read_problem(path).startswith("orders.csv: required column InvoiceNo is missing")
    assert "map it with --columns" in read_problem(path)
    read = read_lines(
        path, columns={"InvoiceNo": "Order", "UnitPrice": "Price each", "CustomerID": "E-mail"}
    )
    assert list(read["InvoiceNo"]) == list(shop["Order"])
    assert (read["UnitPrice"] == 2.55).all()
    # an e-mail is a customer id as written (the staging model trims it; case is kept)
    assert (read["CustomerID"] == " Jane@Example.com ").all()


def test_a_mapping_file_is_checked_in_one_line(tmp_path):
    path = tmp_path / "orders.csv"
    sample_lines().rename(columns={"InvoiceNo": "Order"}).to_csv(path, index=False)
    mapping = tmp_path / "shop.yml"

    def problem(text: str) -> str:
        mapping.write_text(text)
        with pytest.raises(RawInputError) as caught:
            read_lines(path, columns=str(mapping))
        assert "\n" not in str(caught.value)
        return str(caught.value)

    assert problem("InvoiceNo: Order\nOrderTotal: Total\n").startswith(
        "shop.yml: unknown column 'OrderTotal' (the canonical names are InvoiceNo,"
    )
    assert problem("InvoiceNo: Order\nStockCode: Order\n") == (
        "shop.yml: header 'Order' is mapped twice (InvoiceNo and StockCode)"
    )
    assert problem("InvoiceNo: Order number\n").startswith(
        "shop.yml: header 'Order number' (mapped to InvoiceNo) is not in orders.csv (found: Order,"
    )
    assert problem("- InvoiceNo\n").startswith("shop.yml: the column mapping must be lines of")
    assert problem("InvoiceNo: [Order\n").startswith("shop.yml: the column mapping is not YAML")
    assert problem("InvoiceNo: Order\nfill_down: [Invoice]\n").startswith(
        "shop.yml: fill_down lists 'Invoice'"
    )


def test_the_shipped_mappings_name_every_required_column():
    order_level = {"OrderStatus", "RefundedAmount", "OrderDiscount", "Currency"}
    for path in (SHOPIFY_MAPPING, WOOCOMMERCE_MAPPING):
        options = read_options(columns=str(path))
        # the Online Retail layout's eight columns, and what the order became
        assert set(options.mapping) >= set(COLUMNS) | order_level, path.name
    assert "CancelledAt" in read_options(columns=str(SHOPIFY_MAPPING)).mapping
    assert read_options(columns=str(SHOPIFY_MAPPING)).fill_down == ("CustomerID", "Country")
    # the line-amount layout: the line's amount and profit stand for price and cost
    mapped = set(read_options(columns=str(LINE_AMOUNT_MAPPING)).mapping)
    assert mapped == set(COLUMNS) - {"UnitPrice"} | {"LineAmount", "LineProfit"}


def test_order_level_fields_are_carried_down_the_order(tmp_path):
    """Shopify writes the e-mail and the country on an order's first line only."""
    lines = sample_lines(5)
    lines["InvoiceNo"] = ["#1001", "#1001", "#1002", "#1002", "#1003"]
    lines["CustomerID"] = ["a@x.com", None, "b@x.com", "", None]
    lines["Country"] = ["France", None, "Spain", None, None]
    path = tmp_path / "orders.csv"
    lines.to_csv(path, index=False)
    read = read_lines(
        path, columns={"CustomerID": "CustomerID", "fill_down": ["CustomerID", "Country"]}
    )
    assert list(read["CustomerID"].fillna("-")) == ["a@x.com", "a@x.com", "b@x.com", "b@x.com", "-"]
    assert list(read["Country"].fillna("-")) == ["France", "France", "Spain", "Spain", "-"]
    # without fill_down a line keeps what it has
    assert list(read_lines(path)["CustomerID"].isna()) == [False, True, False, True, True]


# ------------------------------------------------------------------------------- formats


def test_times_with_an_offset_are_stored_in_the_time_zone(tmp_path):
    lines = sample_lines(5)
    lines["InvoiceDate"] = [
        "2011-01-04 10:00:00 +0000",
        "2011-01-04T10:00:00Z",
        "2011-01-04 11:00:00+01:00",
        "2011-01-04 05:00:00 -0500",
        "2011-07-04 10:00:00 +0000",
    ]
    path = tmp_path / "orders.csv"
    lines.to_csv(path, index=False)
    utc = read_lines(path)["InvoiceDate"]
    assert list(utc) == [pd.Timestamp("2011-01-04 10:00")] * 4 + [pd.Timestamp("2011-07-04 10:00")]
    # London wall time: the same in winter, an hour later in summer
    london = read_lines(path, time_zone="Europe/London")["InvoiceDate"]
    assert list(london)[0] == pd.Timestamp("2011-01-04 10:00")
    assert list(london)[4] == pd.Timestamp("2011-07-04 11:00")
    assert read_problem(path, time_zone="Mars/Olympus") == (
        "var time_zone: unknown time zone 'Mars/Olympus' (use a name such as UTC or Europe/London)"
    )


def _plugin_load(raw: Path, cursor, **meta):
    """What the dbt-duckdb source plugin hands to dbt-duckdb for `raw`, as dbt-duckdb calls
    it: the build's cursor configured first, then `load` on the same thread."""
    from dbt.adapters.duckdb.utils import SourceConfig
    from retail_segments.raw import Plugin

    plugin = Plugin("raw_invoices", {})
    plugin.configure_cursor(cursor)
    config = SourceConfig(
        "online_retail", "invoice_lines", "raw", None, {"raw_path": str(raw), **meta}, []
    )
    return plugin, plugin.load(config)


def _assert_same_lines(left: pd.DataFrame, right: pd.DataFrame) -> None:
    """The same lines, a column with no value in either counting as equal however pandas
    types it (None in an object column from DuckDB, NaN in a string column from Arrow)."""
    empty = [c for c in left.columns if left[c].isna().all() and right[c].isna().all()]
    pd.testing.assert_frame_equal(
        left.drop(columns=empty), right.drop(columns=empty), check_dtype=False
    )


def test_a_parquet_file_is_read_in_place_with_the_same_lines(tmp_path):
    """A Parquet file reaches the build's own database as a relation that reads the file
    (no Arrow batches through Python) and gives the very lines the reader streams, whatever
    the build's session time zone; a CSV, a Parquet file whose times carry offsets (read in
    var time_zone, which only the reader's session has) and a source kept as a view are
    streamed as before."""
    lines = sample_lines(5)
    parquet = tmp_path / "orders.parquet"
    lines.to_parquet(parquet)
    build = duckdb.connect(str(tmp_path / "build.duckdb"))
    build.execute("set TimeZone = 'America/New_York'")
    cursor = build.cursor()
    _, loaded = _plugin_load(parquet, cursor)
    assert isinstance(loaded, duckdb.DuckDBPyRelation)
    cursor.register("loaded_df", loaded)
    in_place = cursor.sql("select * from loaded_df order by source_row_number").df()
    _assert_same_lines(in_place, read_lines(parquet))

    csv = tmp_path / "orders.csv"
    lines.to_csv(csv, index=False)
    offsets = lines.assign(InvoiceDate="2011-01-04 10:00:00 +0100")
    offsets.loc[0, "InvoiceDate"] = "2011-01-04 10:00:00"  # no offset: read in time_zone
    with_offsets = tmp_path / "offsets.parquet"
    offsets.to_parquet(with_offsets)
    for raw, meta in ((csv, {}), (with_offsets, {}), (parquet, {"materialization": "view"})):
        _, streamed = _plugin_load(raw, build.cursor(), **meta)
        assert not isinstance(streamed, duckdb.DuckDBPyRelation), (raw.name, meta)
    _, streamed = _plugin_load(with_offsets, build.cursor())
    times = streamed.read_all().to_pandas()["InvoiceDate"]
    assert (
        list(times) == [pd.Timestamp("2011-01-04 10:00")] + [pd.Timestamp("2011-01-04 09:00")] * 4
    )


def test_decimal_commas_and_thousands_separators(tmp_path):
    lines = sample_lines(4)
    path = tmp_path / "orders.csv"
    lines.assign(UnitPrice=["14,6650", "1.234,50", "0,85", "3"]).to_csv(path, index=False, sep=";")
    assert list(read_lines(path)["UnitPrice"]) == [14.665, 1234.5, 0.85, 3.0]
    lines.assign(UnitPrice=["14.6650", "1,234.50", "0.85", "3"]).to_csv(path, index=False)
    assert list(read_lines(path)["UnitPrice"]) == [14.665, 1234.5, 0.85, 3.0]
    # '1,5' is no number where the rest of the column writes a decimal point...
    lines.assign(UnitPrice=["1,5", "2.55", "2.55", "2.55"]).to_csv(path, index=False)
    assert read_problem(path) == (
        "orders.csv: column UnitPrice has 1 values that are not numbers, e.g. '1,5' on line 1"
    )
    # ... and is 1.5 when the shop says its separator is a comma
    lines.assign(UnitPrice=["1,5", "2,55", "2,55", "1.002,55"]).to_csv(path, index=False)
    assert list(read_lines(path, decimal_separator=",")["UnitPrice"]) == [1.5, 2.55, 2.55, 1002.55]


@needs_real_data
def test_a_european_csv_reads_as_the_original(tmp_path):
    """`;` separators, decimal commas, `01.01.2011 12:00` dates: the same lines."""
    original = duckdb.sql(
        f"select * from '{REAL_DATA}' where InvoiceDate < '2011-01-01' order by all"
    ).df()
    european = original.assign(
        InvoiceDate=original["InvoiceDate"].dt.strftime("%d.%m.%Y %H:%M"),
        UnitPrice=original["UnitPrice"].map(lambda v: f"{v:.4f}".replace(".", ",")),
    )
    path = tmp_path / "european.csv"
    european.to_csv(path, index=False, sep=";", encoding="latin-1", errors="replace")
    read = read_raw_invoices(path).to_pandas()
    assert len(read) == len(original) == 42_481
    assert (read["UnitPrice"].round(4) == original["UnitPrice"].round(4)).all()
    assert (read["InvoiceDate"] == original["InvoiceDate"]).all()


# ----------------------------------------------------------------------- several files


def test_a_folder_is_read_in_name_order_with_each_lines_file(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    sample_lines(3).to_csv(folder / "2011-02.csv", index=False)
    sample_lines(2).to_parquet(folder / "2011-01.parquet", index=False)
    (folder / "notes.txt").write_text("not an export")
    (folder / ".2011-03.csv").write_text("a hidden file")
    read = read_lines(folder)
    assert list(read["source_file"]) == ["2011-01.parquet"] * 2 + ["2011-02.csv"] * 3
    assert list(read["source_line_number"]) == [1, 2, 1, 2, 3]
    assert list(read["source_row_number"]) == [1, 2, 3, 4, 5]
    # a broken file is named, and nothing is read
    sample_lines(2).assign(Quantity=["6", "six"]).to_csv(folder / "2011-03.csv", index=False)
    assert read_problem(folder) == (
        "2011-03.csv: column Quantity has 1 values that are not whole numbers, e.g. 'six' on line 2"
    )
    empty = tmp_path / "empty"
    empty.mkdir()
    assert read_problem(empty) == "empty: the folder holds no .parquet, .csv, .xlsx file"


# ------------------------------------------------------------------ review findings


def test_a_leading_zero_never_groups_thousands(tmp_path):
    lines = sample_lines(3)
    path = tmp_path / "orders.csv"
    # a ';'-separated file: '1,250' is one and a quarter, and '0,850' is never 850
    lines.assign(UnitPrice=["0,850", "1,250", "2,100"]).to_csv(path, index=False, sep=";")
    assert list(read_lines(path)["UnitPrice"]) == [0.85, 1.25, 2.1]
    # with a declared decimal comma, a quantity of '1.000' is a thousand
    lines.assign(Quantity=["1.000", "6", "12,0"], UnitPrice="2,55").to_csv(
        path, index=False, sep=";"
    )
    assert list(read_lines(path, decimal_separator=",")["Quantity"]) == [1000, 6, 12]


def test_the_files_of_one_history_write_dates_alike(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    # day first (the 13th and later), and a month whose days all fall before the 13th,
    # which alone reads both ways: the history settles it, day first
    sample_lines(2).assign(InvoiceDate=["13/01/2011 10:00", "28/01/2011 10:00"]).to_csv(
        folder / "orders_part_1.csv", index=False
    )
    sample_lines(2).assign(InvoiceDate=["01/02/2011 10:00", "12/02/2011 10:00"]).to_csv(
        folder / "orders_part_2.csv", index=False
    )
    files = RawInvoiceFiles([folder], options=read_options())
    try:
        read = files.read().read_all().to_pandas()
    finally:
        files.close()
    assert read.sort_values("source_row_number")["InvoiceDate"].dt.strftime(
        "%Y-%m-%d"
    ).tolist() == ["2011-01-13", "2011-01-28", "2011-02-01", "2011-02-12"]
    # a file that can only read month first beside one that reads day first stops
    sample_lines(2).assign(InvoiceDate=["02/13/2011 10:00", "02/14/2011 10:00"]).to_csv(
        folder / "orders_part_2.csv", index=False
    )
    assert read_problem(folder) == (
        "orders_part_2.csv: column InvoiceDate reads as %m/%d/%Y, but orders_part_1.csv "
        "as %d/%m/%Y; the files of one history must write it alike "
        "(set var decimal_separator for numbers)"
    )


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        # day first, two-digit years, no time (the newer Superstore sample's dates)
        (["03/01/19", "25/12/19", "31/01/20"], ["2019-01-03", "2019-12-25", "2020-01-31"]),
        # month first, two-digit years, with times
        (["12/1/10 8:26", "12/13/10 17:05"], ["2010-12-01 08:26", "2010-12-13 17:05"]),
        # day first with dots and seconds, and dashes with a four-digit year
        (["13.01.2011 10:00:05", "01.02.2011 09:00:00"], ["2011-01-13 10:00", "2011-02-01 09:00"]),
        (["13-01-2011", "01-02-2011"], ["2011-01-13", "2011-02-01"]),
        # ISO 8601 as before
        (["2011-01-04 10:00:00", "2011-02-01"], ["2011-01-04 10:00", "2011-02-01"]),
        # a 12-hour clock, fractions of a second, a year first with slashes
        (["1/13/2011 2:05 PM", "2/1/2011 9:00 AM"], ["2011-01-13 14:05", "2011-02-01 09:00"]),
        (
            ["13/01/2011 10:00:05.123", "01/02/2011 09:00:00.5"],
            ["2011-01-13 10:00", "2011-02-01 09:00"],
        ),
        (["2011/01/13", "2011/02/01"], ["2011-01-13", "2011-02-01"]),
    ],
)
def test_text_dates_are_read_in_the_layout_that_reads_the_whole_column(tmp_path, written, expected):
    path = tmp_path / "orders.csv"
    sample_lines(len(written)).assign(InvoiceDate=written).to_csv(path, index=False)
    read = read_lines(path)["InvoiceDate"]
    shown = [v.strftime("%Y-%m-%d %H:%M" if v.hour or v.minute else "%Y-%m-%d") for v in read]
    assert shown == expected


def test_dates_that_read_both_day_first_and_month_first_stop_with_one_line(tmp_path):
    path = tmp_path / "orders.csv"
    sample_lines(3).assign(InvoiceDate=["03/01/19", "04/02/19", "12/11/19"]).to_csv(
        path, index=False
    )
    assert read_problem(path) == (
        "orders.csv: column InvoiceDate reads as %d/%m/%y (day first) and as %m/%d/%y "
        "(month first): no day is above 12; set var date_format, e.g. "
        "--vars '{date_format: \"%d/%m/%y\"}', or date_format in the column mapping"
    )
    # the setting settles it, as a var or in the column mapping
    assert read_lines(path, date_format="%d/%m/%y")["InvoiceDate"].dt.month.tolist() == [1, 2, 11]
    assert read_lines(path, date_format="%m/%d/%y")["InvoiceDate"].dt.month.tolist() == [3, 4, 12]
    mapping = {"InvoiceDate": "InvoiceDate", "date_format": "%d/%m/%y"}
    assert read_lines(path, columns=mapping)["InvoiceDate"].dt.day.tolist() == [3, 4, 12]
    # a layout without a day, a month or a year is refused by name
    assert read_problem(path, date_format="%Y-%m") == (
        "var date_format is '%Y-%m'; give a strptime layout with %d, %m and %Y or %y, "
        "e.g. '%d/%m/%y' (a time may follow: '%d/%m/%Y %H:%M')"
    )


def test_a_few_cancellation_times_take_the_layout_of_the_order_dates(tmp_path):
    """A cancellation time on two lines, both on or before the 12th, reads both ways on
    its own; the file's order dates (the 13th and later) settle it, day first."""
    path = tmp_path / "orders.csv"
    sample_lines(3).assign(
        InvoiceDate=["13/01/2011 10:00", "14/01/2011 10:00", "05/02/2011 10:00"],
        CancelledAt=["05/01/2011 11:00", "", "03/02/2011 11:00"],
    ).to_csv(path, index=False)
    cancelled = read_lines(path)["CancelledAt"]
    assert cancelled.dt.month.fillna(0).tolist() == [1, 0, 2]


def test_a_date_error_names_the_layout_it_tried(tmp_path):
    path = tmp_path / "orders.csv"
    sample_lines(3).assign(InvoiceDate=["13/01/2011", "14/01/2011", "yesterday"]).to_csv(
        path, index=False
    )
    assert read_problem(path) == (
        "orders.csv: column InvoiceDate has 1 values that are not dates in the layout "
        "%d/%m/%Y, e.g. 'yesterday' on line 3"
    )


def test_a_folder_is_read_in_natural_order(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    for part in (1, 2, 10):
        sample_lines(1).to_csv(folder / f"orders_export_{part}.csv", index=False)
    assert [p.name for p in raw_files([folder])] == [
        "orders_export_1.csv",
        "orders_export_2.csv",
        "orders_export_10.csv",
    ]
    # a path that looks like JSON to the var's reader is still a path
    odd = tmp_path / "[shop] export.csv"
    assert raw_path_list("[shop] export.csv") == [Path("[shop] export.csv").resolve()]
    assert raw_path_list(f'["{odd}"]') == [odd]


def test_a_file_checked_before_dbt_started_is_not_checked_again_unless_it_changed(
    tmp_path, monkeypatch
):
    """`segments build` checks the raw files before dbt starts and leaves their stamp; the
    plugin then loads the same files without checking every value again, numbering the
    lines across the files as always. A file rewritten since (another size or time) is
    checked as any other, even when its old modification time is put back."""
    from retail_segments.raw import CHECKED_STAMP_ENV, checked_stamp

    folder = tmp_path / "exports"
    folder.mkdir()
    sample_lines(3).to_parquet(folder / "2011-01.parquet")
    bad = folder / "2011-02.parquet"
    sample_lines(4).assign(Quantity=[1, 2, 3, 10**12]).to_parquet(bad)  # a quantity beyond bounds
    problem = "column Quantity has 1 values beyond"
    with pytest.raises(RawInputError, match=problem):
        _plugin_load(folder, duckdb.connect().cursor())
    files = raw_files([folder.resolve()])
    monkeypatch.setenv(CHECKED_STAMP_ENV, checked_stamp(files, read_options()))
    _, loaded = _plugin_load(folder, duckdb.connect().cursor())  # trusted: not checked again
    lines = loaded.df().sort_values("source_row_number")
    assert list(lines["source_row_number"]) == [1, 2, 3, 4, 5, 6, 7]
    assert list(lines["source_file"]) == ["2011-01.parquet"] * 3 + ["2011-02.parquet"] * 4
    stat = bad.stat()
    os.utime(bad, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # rewritten later
    with pytest.raises(RawInputError, match=problem):
        _plugin_load(folder, duckdb.connect().cursor())
    monkeypatch.setenv(CHECKED_STAMP_ENV, checked_stamp(files, read_options()))
    stamped = bad.stat()
    time.sleep(0.1)  # past the file system clock's tick
    # written again in place, its modification time then put back (as `cp -p` or
    # `rsync -t` do): same size, inode and modification time, still checked again
    bad.write_bytes(bad.read_bytes())
    os.utime(bad, ns=(stamped.st_atime_ns, stamped.st_mtime_ns))
    with pytest.raises(RawInputError, match=problem):
        _plugin_load(folder, duckdb.connect().cursor())
