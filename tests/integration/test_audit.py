"""Every raw row has exactly one fate, rules say what they do, money is exact,
and a cleaning step that loses or repeats rows fails the build."""

from __future__ import annotations

import json
import re

import duckdb
import pandas as pd
from conftest import REAL_DATA, build_project_copy, needs_real_data, project_copy, query
from retail_segments import publish, synthetic

MONEY = re.compile(r"revenue|monetary|spend|price|invoice_value|clv_12m|amount")


def _money_noise(db) -> dict:
    """Money columns of every mart holding values that are not whole cents."""
    noisy = {}
    with duckdb.connect(str(db), read_only=True) as con:
        columns = con.sql(
            "select table_name, column_name from duckdb_columns() "
            "where schema_name = 'marts' and data_type in ('DOUBLE', 'FLOAT')"
        ).fetchall()
        for table, column in columns:
            if not MONEY.search(column) or re.search(r"share|_z$|correlation|probability", column):
                continue
            (bad,) = con.sql(
                f'select count(*) from marts."{table}" '
                f'where abs("{column}" * 100 - round("{column}" * 100)) > 1e-6'
            ).fetchall()[0]
            if bad:
                noisy[f"{table}.{column}"] = bad
    return noisy


def test_money_in_every_mart_is_whole_cents(synthetic_db):
    assert _money_noise(synthetic_db) == {}


@needs_real_data
def test_real_money_is_whole_cents_and_audit_values_print_plainly(real_reference_db):
    assert _money_noise(real_reference_db) == {}
    (value,) = query(
        real_reference_db,
        "select cast(cancellations_matched_value as varchar) from marts.data_quality_audit "
        "where rule_name = 'cancellation_line'",
    )[0]
    assert re.fullmatch(r"\d+(\.\d{1,2})?", value), value


def _notebook_negative_net_lines(non_products: set[str]) -> int:
    """The reference notebook's cancellation rule, recounted on the raw file the way the
    notebook runs it (a loop over cancellations; apart from the project's SQL): lines with
    a customer, exact duplicates dropped; each cancellation (not 'D', Discount) finds the
    same customer's earlier purchases of the stock code: one gets the cancelled quantity,
    several: the last one in file order that bought at least that much; a purchase assigned
    twice keeps the last assignment. Returns the product lines (price above zero, not a
    non-product code) whose cancelled quantity exceeds what they bought."""
    lines = pd.read_parquet(REAL_DATA)
    lines = lines[lines.CustomerID.notna()].drop_duplicates().reset_index(drop=True)
    purchases = lines[lines.Quantity > 0]
    positions = purchases.groupby(["CustomerID", "StockCode"]).indices  # in file order
    dates = purchases.InvoiceDate.to_numpy()
    quantities = purchases.Quantity.to_numpy()
    cancelled = {}
    for row in lines[(lines.Quantity < 0) & (lines.StockCode != "D")].itertuples():
        found = positions.get((row.CustomerID, row.StockCode))
        if found is None:
            continue
        earlier = found[dates[found] < row.InvoiceDate.to_datetime64()]
        if len(earlier) == 1:
            cancelled[purchases.index[earlier[0]]] = -row.Quantity
        elif len(earlier) > 1:
            enough = earlier[quantities[earlier] >= -row.Quantity]
            if len(enough):
                cancelled[purchases.index[enough[-1]]] = -row.Quantity
    over = [i for i, quantity in cancelled.items() if quantity > lines.Quantity[i]]
    kept = lines.loc[over]
    kept = kept[(kept.UnitPrice > 0) & ~kept.StockCode.str.upper().isin(non_products)]
    return len(kept)


@needs_real_data
def test_reference_mode_negative_net_lines_are_counted_and_allocate_has_none(
    real_reference_db, real_allocate_db
):
    non_products = {
        code.upper()
        for (code,) in query(
            real_reference_db, "select stock_code from reference.non_product_stock_codes"
        )
    }
    recounted = _notebook_negative_net_lines(non_products)
    assert recounted == 36
    for db, expected in ((real_reference_db, recounted), (real_allocate_db, 0)):
        (counted, reason) = query(
            db,
            "select negative_net_quantity_lines, reason from marts.data_quality_audit "
            "where rule_name = 'cancellation_line'",
        )[0]
        (actual,) = query(db, "select count(*) from marts.fct_sales_lines where net_quantity < 0")[
            0
        ]
        assert counted == actual == expected
    assert (
        "keeps only the last one"
        in query(
            real_reference_db,
            "select reason from marts.data_quality_audit where rule_name = 'cancellation_line'",
        )[0][0]
    )


@needs_real_data
def test_removed_codes_are_the_seeds_and_no_product_is_removed(real_reference_db):
    db = real_reference_db
    removed = query(db, "select stock_code, reason, lines from marts.data_quality_removed_codes")
    seed = {
        r[0].upper() for r in query(db, "select stock_code from reference.non_product_stock_codes")
    }
    assert {code.upper() for code, _, _ in removed} <= seed
    assert all(reason for _, reason, _ in removed)
    (rule_total,) = query(
        db,
        "select rows_removed from marts.data_quality_audit where rule_name = 'non_product_code'",
    )[0]
    assert sum(lines for _, _, lines in removed) == rule_total == 1_549
    # codes that start with a letter but are products (DCGS...) are never removed as
    # non-products: in this file they have no customer, and that is their fate
    fates = query(
        db,
        "select distinct f.fate from intermediate.int_invoice_lines__fates f "
        "join staging.stg_online_retail__invoice_lines s using (source_row_number) "
        "where s.stock_code like 'DCGS%'",
    )
    assert fates == [("missing_customer",)]


FATE_TEST = "test.retail_segments.assert_every_raw_row_has_one_fate"
UNIQUE_SALES_LINE = "test.retail_segments.unique_fct_sales_lines_sales_line_id"

# name -> (file, text, replacement, the tests that must fail: the fate test, and nothing
# else unless said)
MUTATIONS = {
    # a filter step that silently loses a few product lines: only the fate test sees it
    "drops_rows": (
        "models/intermediate/cleaning/int_sales_lines__products.sql",
        "where {{ cleaning_rule_filter(",
        "where lines.source_row_number % 97 != 5 and {{ cleaning_rule_filter(",
        {FATE_TEST},
    ),
    # a filter step that lets a few zero-priced lines through, which the fates remove:
    # only the fate test sees it
    "keeps_removed_rows": (
        "models/intermediate/cleaning/int_sales_lines__priced.sql",
        "where {{ cleaning_rule_filter('int_sales_lines__priced') }}",
        "where {{ cleaning_rule_filter('int_sales_lines__priced') }}"
        " or lines.source_row_number % 3 = 0",
        {FATE_TEST},
    ),
    # the fact table repeating a few lines: the fate test, and the key's unique test too
    # (a repeat in an earlier step is caught there by that step's grain test, and the fate
    # test is then skipped)
    "duplicates_rows": (
        "models/marts/core/fct_sales_lines.sql",
        "from {{ ref('int_sales_lines__priced') }}",
        "from {{ ref('int_sales_lines__priced') }}\nunion all\nselect\n"
        "    source_row_number, invoice_no, invoiced_at, customer_id, country, stock_code,\n"
        "    has_derived_stock_code, description, quantity, quantity_canceled, net_quantity,\n"
        "    unit_price, gross_revenue, discount_amount, refund_amount, line_revenue,\n"
        "    unit_cost, line_cost, line_revenue - line_cost\n"
        "from {{ ref('int_sales_lines__priced') }}\nwhere source_row_number % 211 = 3",
        {FATE_TEST, UNIQUE_SALES_LINE},
    ),
}


def _failed_tests(db) -> tuple[dict[str, str], dict[str, str]]:
    """From the build's own run_results.json: the tests that failed (id -> message) and
    every node that errored (id -> message); ids without the hash dbt adds to generic tests."""
    target, _ = publish.dbt_paths(db)
    results = json.loads((target / "run_results.json").read_text())["results"]

    def name(result: dict) -> str:
        return re.sub(r"\.[0-9a-f]{10}$", "", result["unique_id"])

    failed = {name(r): r["message"] for r in results if r["status"] == "fail"}
    errors = {name(r): r["message"] for r in results if r["status"] == "error"}
    return failed, errors


def test_a_cleaning_step_that_loses_or_repeats_rows_fails_the_build(tmp_path):
    """Each mutation makes the fate test itself fail (not error) and no test other than the
    ones named; the unchanged copy of the project passes every test."""
    raw, _ = synthetic.generate(tmp_path / "raw.parquet", customers=150, seed=7)
    # the same copy of the project, unchanged, builds: the failures below are the mutations'
    untouched = project_copy(tmp_path / "untouched")
    result = build_project_copy(untouched, raw, tmp_path / "untouched" / "segments.duckdb")
    assert result.returncode == 0, result.stdout[-3000:]
    assert _failed_tests(tmp_path / "untouched" / "segments.duckdb") == ({}, {})
    for name, (path, old, new, must_fail) in MUTATIONS.items():
        project = project_copy(tmp_path / name)
        model = project / path
        text = model.read_text()
        assert old in text, f"mutation {name} no longer applies to {path}"
        model.write_text(text.replace(old, new))
        db = tmp_path / name / "segments.duckdb"
        result = build_project_copy(project, raw, db)
        assert result.returncode != 0, f"{name}: the build passed"
        failed, errors = _failed_tests(db)
        assert errors == {}, f"{name}: nodes errored rather than failed: {errors}"
        assert set(failed) == must_fail, f"{name}: {failed}"
        assert not db.exists()


NEW_RULE = """
- name: bulk_line
  reason: a line of more than 12 units is a trade order, not a shop sale
  removes: lines.quantity > 12
  applied_in: int_sales_lines__priced
"""


def test_a_rule_added_to_the_declaration_reaches_the_fates_the_chain_and_the_audit(tmp_path):
    """A cleaning rule is declared once. Added in a copy of the project by
    touching only macros/cleaning/cleaning_rules.sql, it is applied by the chain, classified in the
    fates and counted in the audit as step 7, and the fate test still passes: the lines it
    removes are exactly the lines of more than 12 units that the unchanged project kept."""
    raw, _ = synthetic.generate(tmp_path / "raw.parquet", customers=150, seed=7)
    builds = {}
    for name in ("unchanged", "with_rule"):
        project = project_copy(tmp_path / name)
        if name == "with_rule":
            rules = project / "macros" / "cleaning" / "cleaning_rules.sql"
            text = rules.read_text()
            end = "    {%- endset -%}\n    {%- set rules = fromyaml(declared) -%}"
            assert end in text
            rules.write_text(text.replace(end, NEW_RULE + end))
        db = tmp_path / name / "segments.duckdb"
        result = build_project_copy(project, raw, db)
        assert result.returncode == 0, result.stdout[-3000:]
        builds[name] = db
    (bulk_kept,) = query(
        builds["unchanged"], "select count(*) from marts.fct_sales_lines where quantity > 12"
    )[0]
    assert bulk_kept > 0
    audit = query(
        builds["with_rule"],
        "select step, rule_name, rows_removed, reason from marts.data_quality_audit order by step",
    )
    assert audit[-1] == (
        9,
        "bulk_line",
        bulk_kept,
        "a line of more than 12 units is a trade order, not a shop sale",
    )
    before = query(
        builds["unchanged"],
        "select step, rule_name, rows_removed from marts.data_quality_audit order by step",
    )
    assert [row[:3] for row in audit[:-1]] == before
    (fates,) = query(
        builds["with_rule"],
        "select count(*) from intermediate.int_invoice_lines__fates where fate = 'bulk_line'",
    )[0]
    (left,) = query(builds["with_rule"], "select count(*) from marts.fct_sales_lines")[0]
    (kept,) = query(builds["unchanged"], "select count(*) from marts.fct_sales_lines")[0]
    assert fates == bulk_kept and left == kept - bulk_kept
