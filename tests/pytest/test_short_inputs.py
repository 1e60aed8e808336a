"""Issue #14: short and small inputs build and publish. A model that needs more history says
why in one printed line and leaves its marts empty or reduced; nothing stops on a traceback.
The inputs are cut from the real data into the test's temporary folder (never kept)."""

from __future__ import annotations

import duckdb
import pytest
from conftest import REAL_DATA, needs_real_data, query, run_segments

SHORT_INPUTS = {
    # the first 30,000 lines as CSV: three weeks of December 2010, a small shop's first export
    "first_30000_lines.csv": ("select * from {src} limit 30000", "new-customer prediction"),
    "three_days.parquet": (
        "select * from {src} where InvoiceDate < timestamp '2010-12-04'",
        "lifetime value",
    ),
    "one_customer.parquet": ("select * from {src} where CustomerID = 17850", "one segment"),
    "one_product.parquet": ("select * from {src} where StockCode = '85123A'", None),
}


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
    if said:
        assert said in output
    (raw_rows,) = duckdb.sql(f"select count(*) from ({source})").fetchall()[0]
    assert query(db, "select rows_in from marts.data_quality_audit where step = 1") == [(raw_rows,)]
    customers = query(db, "select count(*), count(segment_name) from marts.customer_segments")[0]
    assert customers[0] >= 1 and customers[0] == customers[1]
