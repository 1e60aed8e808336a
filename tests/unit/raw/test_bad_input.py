"""The fuzz test's valid base file reads and checks cleanly, its bad-debt adjustment kept
(retail_segments.raw); the fuzzed files themselves are in tests/integration/test_bad_input.py."""

from __future__ import annotations

from conftest import write_raw
from retail_segments.raw import read_raw_invoices


def test_the_valid_base_checks_and_keeps_the_bad_debt_adjustment(fuzz_base, tmp_path):
    for ext in (".parquet", ".csv", ".xlsx"):
        table = read_raw_invoices(write_raw(fuzz_base, tmp_path / f"base{ext}")).to_pandas()
        assert len(table) == len(fuzz_base)
        adjustment = table[table.InvoiceNo == "A563185"]
        assert adjustment.UnitPrice.tolist() == [-11062.06]  # loaded; cleaning removes it
        assert adjustment.CustomerID.isna().all()
        assert table.Description.isna().sum() >= 1
