"""Short and small inputs build and publish. A model that needs more history says
why in one printed line and leaves its marts empty or reduced; nothing stops on a traceback.
The inputs are cut from the real data into the test's temporary folder (never kept).

Each input's notes are asserted for what they say, and a note appears only
where something was left out: the full synthetic build prints none of them."""

from __future__ import annotations

import re

import duckdb
import pytest
from conftest import BUILD_OUTPUT, REAL_DATA, needs_real_data, query, run_segments

# what the models print when they leave something out (and only then)
LEFT_OUT = {
    "prediction": re.compile(
        r"new-customer prediction skipped: \d+ training and \d+ test customers "
        r"\(at least \d+ and \d+ needed\)"
    ),
    "prediction_target": re.compile(
        r"new-customer prediction: \w+ not evaluated \(too few labels\)"
    ),
    "lifetime_value": re.compile(
        r"lifetime value \((full|calibration) window\): \d+ customers, \d+ with a repeat "
        r"purchase; .* so no forecast is made"
    ),
    "clustering": re.compile(
        r"behavioural clustering: \d+ customers to fit on .* everyone is one segment"
    ),
    "interests": re.compile(
        r"interest segments: \d+ customers bought before the cut-off .* everyone is one segment"
    ),
}

SHORT_INPUTS = {
    # the first 30,000 lines as CSV: three weeks of December 2010, a small shop's first export
    "first_30000_lines.csv": ("select * from {src} limit 30000", {"prediction"}),
    "three_days.parquet": (
        "select * from {src} where InvoiceDate < timestamp '2010-12-04'",
        {"prediction", "lifetime_value"},
    ),
    "one_customer.parquet": (
        "select * from {src} where CustomerID = 17850",
        {"prediction", "lifetime_value", "clustering", "interests"},
    ),
    "one_product.parquet": ("select * from {src} where StockCode = '85123A'", set()),
}


def left_out(output: str) -> set[str]:
    return {name for name, note in LEFT_OUT.items() if note.search(output)}


def test_a_full_build_says_nothing_was_left_out(synthetic_db):
    output = BUILD_OUTPUT[synthetic_db]
    assert "new-customer prediction: " in output  # the models did print their summaries
    assert left_out(output) == set()


@needs_real_data
@pytest.mark.parametrize("name", sorted(SHORT_INPUTS))
def test_short_input_builds_and_says_what_it_left_out(name, tmp_path):
    sql, said = SHORT_INPUTS[name]
    raw = tmp_path / name
    source = sql.format(src=f"'{REAL_DATA}'")
    options = "(header)" if name.endswith(".csv") else "(format parquet)"
    duckdb.sql(f"copy ({source}) to '{raw}' {options}")
    db = tmp_path / "segments.duckdb"
    result = run_segments("build", "--raw", str(raw), "--db", str(db), cwd=tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert "Traceback" not in output
    assert left_out(output) == said, output[-4000:]
    (raw_rows,) = duckdb.sql(f"select count(*) from ({source})").fetchall()[0]
    assert query(db, "select rows_in from marts.data_quality_audit where step = 1") == [(raw_rows,)]
    customers = query(db, "select count(*), count(segment_name) from marts.customer_segments")[0]
    assert customers[0] >= 1 and customers[0] == customers[1]
    # what was left out is empty, and what was not is there
    (predictions,) = query(db, "select count(*) from marts.new_customer_prediction_evaluation")[0]
    assert (predictions == 0) == ("prediction" in said)
    (segments,) = query(db, "select count(*) from marts.segment_profiles")[0]
    assert (segments == 1) == ("clustering" in said)
