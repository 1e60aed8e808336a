"""The synthetic generator (retail_segments.synthetic): the same seed writes the same file, and
the file looks like the real export (its columns, types and kinds of lines)."""

from __future__ import annotations

import hashlib

import duckdb
import pandas as pd
from retail_segments import synthetic


def test_generator_is_deterministic(tmp_path):
    first, _ = synthetic.generate(tmp_path / "a.parquet", customers=150, seed=7)
    second, _ = synthetic.generate(tmp_path / "b.parquet", customers=150, seed=7)
    other, _ = synthetic.generate(tmp_path / "c.parquet", customers=150, seed=8)

    def digest(path):
        return hashlib.sha256(pd.read_parquet(path).to_csv(index=False).encode()).hexdigest()

    assert digest(first) == digest(second)
    assert digest(first) != digest(other)


def test_generator_looks_like_the_real_export(tmp_path):
    raw, truth = synthetic.generate(tmp_path / "raw.parquet", customers=1500, seed=3)
    con = duckdb.connect()
    stats = con.sql(
        f"select count(*) filter (where dayname(InvoiceDate) = 'Saturday'), "
        f"min(hour(InvoiceDate)), max(hour(InvoiceDate)), "
        f"count(*) filter (where InvoiceNo like 'C%'), "
        f"count(*) filter (where UnitPrice = 0), count(*) filter (where UnitPrice < 0), "
        f"count(distinct Country), "
        f"count(*) - (select count(*) from (select distinct * from '{raw}')) "
        f"from '{raw}'"
    ).fetchall()[0]
    saturday, first_hour, last_hour, cancels, zero, negative, countries, dups = stats
    assert saturday == 0 and 6 <= first_hour and last_hour <= 20
    assert cancels > 0 and zero > 0 and negative > 0 and dups > 0 and countries >= 10
    codes = {r[0] for r in con.sql(f"select distinct StockCode from '{raw}'").fetchall()}
    assert {"POST", "DOT", "M", "C2", "D", "BANK CHARGES", "CRUK", "B"} <= codes
    november, february = con.sql(
        f"select count(*) filter (where month(InvoiceDate) = 11), "
        f"count(*) filter (where month(InvoiceDate) = 2) from '{raw}'"
    ).fetchall()[0]
    assert november > 1.5 * february  # Christmas season
    archetypes = {r[0] for r in con.sql(f"select distinct archetype from '{truth}'").fetchall()}
    assert archetypes == {"champion", "loyal", "new", "at_risk", "lost", "wholesale"}
