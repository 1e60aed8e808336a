"""The SQL layer on Apache Spark (dbt-spark, a local session) gives the same figures as on
DuckDB: the same synthetic file, read by the DuckDB build's loader and by Spark in place,
through the same models; every row and column of the audit, the facts, RFM, scores, rule
segments, history, transitions, exploration marts and the SQL scoring compared.

Needs Java and the `[spark]` extra (.ci/run installs both). Without them the tests are
skipped, loudly, except under CI, where they fail."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from conftest import frame, run_dbt
from retail_segments import frames, synthetic
from retail_segments.raw import default_synthetic_path

try:
    import pyspark  # noqa: F401

    SPARK_MISSING = None if shutil.which("java") else "Java is not installed"
except ImportError:
    SPARK_MISSING = "pyspark is not installed (pip install -e '.[spark]')"

if SPARK_MISSING and os.environ.get("CI"):
    pytest.fail(f"CI is set but Spark cannot run: {SPARK_MISSING}", pytrace=False)
pytestmark = pytest.mark.skipif(SPARK_MISSING is not None, reason=f"SPARK MISSING: {SPARK_MISSING}")

# rounded to the cent in SQL on both engines, or observed values (the score cut points):
# these must be equal, not close
EXACT = {
    "lower_bound",
    "upper_bound",
    "unit_price",
    "line_revenue",
    "revenue",
    "monetary",
    "avg_invoice_value",
    "mean_monetary",
    "median_monetary",
    "cancellations_matched_value",
    "cancellations_unmatched_value",
}
# table -> the columns that identify a row
COMPARED = {
    "marts.data_quality_audit": ["step"],
    "marts.data_quality_removed_codes": ["stock_code"],
    "marts.data_quality_files": ["source_file", "fate"],
    "marts.data_quality_revenue_bridge": ["step"],
    "marts.shop_currency": ["currency_code"],
    "marts.fct_sales_lines": ["sales_line_id"],
    "marts.fct_invoices": ["invoice_no"],
    "marts.customer_rfm": ["customer_id"],
    "marts.rfm_score_thresholds": ["metric", "value_bin"],
    "marts.customer_rfm_scores": ["customer_id"],
    "marts.rfm_segment_summary": ["rfm_segment"],
    "marts.customer_rfm_history": ["customer_id", "snapshot_month"],
    "marts.rfm_segment_transitions": ["snapshot_month", "from_segment", "to_segment"],
    "marts.sales_by_country": ["country"],
    "marts.sales_by_month": ["sales_month"],
    "marts.sales_by_weekday": ["iso_weekday"],
    "marts.sales_by_hour": ["hour_of_day"],
    "marts.sales_by_product": ["stock_code"],
    "intermediate.int_rfm_feature_scaling": ["feature"],
    "intermediate.int_customer_rfm_features": ["customer_id"],
    "intermediate.int_customer_clusters__sql_scored": ["customer_id"],
}


def _dbt(folder: Path, *args: str, variables: dict | None = None, target_dir: str = "target"):
    """Dbt on the Spark session whose tables and metastore live in `folder`."""
    env = {
        "SEGMENTS_SPARK_DIR": str(folder / "spark"),
        "SEGMENTS_DB": str(folder / "unused.duckdb"),
        "DBT_TARGET_PATH": str(folder / target_dir),
        "DBT_LOG_PATH": str(folder / "logs"),
    }
    return run_dbt(*args, env=env, variables=variables, cwd=folder)


# the folders dbt_project.yml enables on DuckDB only (Python models and the marts on them)
DUCKDB_ONLY_FOLDERS = tuple(
    f"models/{folder}/"
    for folder in (
        "intermediate/clv",
        "intermediate/interests",
        "intermediate/product_categories",
        "intermediate/new_customers",
        "intermediate/segments",
        "marts/clv",
        "marts/interests",
        "marts/product_categories",
        "marts/new_customers",
        "marts/segments",
    )
)


@pytest.fixture(scope="session")
def spark_build(synthetic_db, tmp_path_factory):
    """`dbt build --target spark` on the synthetic file the DuckDB build read, scoring
    customers with the clustering parameters that build stored."""
    folder = tmp_path_factory.mktemp("spark")
    raw = default_synthetic_path(
        str(synthetic_db), synthetic.DEFAULT_CUSTOMERS, synthetic.DEFAULT_SEED
    )
    parameters = folder / "segment_model_parameters.parquet"
    with duckdb.connect(str(synthetic_db), read_only=True) as conn:
        stored = conn.sql("select * from marts.segment_model_parameters")
        stored.write_parquet(str(parameters))
    variables = {"raw_invoices": str(raw), "segment_model_parameters": str(parameters)}
    (folder / "variables.json").write_text(json.dumps(variables))
    result = _dbt(folder, "build", "--target", "spark", variables=variables)
    assert result.returncode == 0, result.stdout[-6000:]
    return folder, result


def _spark_files(folder: Path, table: str) -> str:
    schema, name = table.split(".")
    return f"read_parquet('{folder / 'spark' / 'tables' / f'{schema}.db' / name / '*.parquet'}')"


def _spark_table(folder: Path, table: str) -> pd.DataFrame:
    with duckdb.connect() as conn:
        return conn.sql(f"select * from {_spark_files(folder, table)}").df()


def _types(conn, relation: str) -> list[tuple[str, str]]:
    # Spark writes its timestamps as instants (Parquet isAdjustedToUTC): the same wall
    # clock in a UTC session, so that one difference of type is not a difference
    return [
        (name, kind.replace("TIMESTAMP WITH TIME ZONE", "TIMESTAMP"))
        for name, kind, *_ in conn.sql(f"describe select * from {relation}").fetchall()
    ]


def _differences(duck: pd.DataFrame, spark: pd.DataFrame, keys: list[str]) -> list[str]:
    if list(duck.columns) != list(spark.columns):
        return [f"columns {list(duck.columns)} != {list(spark.columns)}"]
    if len(duck) != len(spark):
        return [f"{len(duck)} rows on DuckDB, {len(spark)} on Spark"]
    duck = duck.sort_values(keys, ignore_index=True)
    spark = spark.sort_values(keys, ignore_index=True)
    problems = []
    for column in duck.columns:
        a, b = duck[column], spark[column]
        if pd.api.types.is_float_dtype(a) or pd.api.types.is_float_dtype(b):
            a, b = a.astype("float64").to_numpy(), b.astype("float64").to_numpy()
            if column in EXACT:
                same = (a == b) | (np.isnan(a) & np.isnan(b))
            else:  # sums and ratios: the engines add in different orders
                same = np.isclose(a, b, rtol=1e-9, atol=1e-12, equal_nan=True)
        elif pd.api.types.is_datetime64_any_dtype(a) or pd.api.types.is_datetime64_any_dtype(b):
            same = (pd.to_datetime(a) == pd.to_datetime(b)) | (a.isna() & b.isna())
        else:
            same = (a.astype(object) == b.astype(object)) | (a.isna() & b.isna())
        same = np.asarray(same, dtype=bool)
        if not same.all():
            first = int(np.argmin(same))
            problems.append(
                f"{column}: {int((~same).sum())} rows differ, e.g. "
                f"{duck.loc[first, keys].tolist()}: {duck[column].iloc[first]!r} (DuckDB) vs "
                f"{spark[column].iloc[first]!r} (Spark)"
            )
    return problems


@pytest.mark.parametrize("table", sorted(COMPARED))
def test_spark_gives_the_same_rows_as_duckdb(synthetic_db, spark_build, table):
    folder, _ = spark_build
    duck, spark = frame(synthetic_db, f"select * from {table}"), _spark_table(folder, table)
    assert len(duck) > 0
    assert _differences(duck, spark, COMPARED[table]) == []
    with duckdb.connect(str(synthetic_db), read_only=True) as conn:
        assert _types(conn, _spark_files(folder, table)) == _types(conn, table)


# what the Spark target builds: the SQL layer, nothing more and nothing less
SPARK_MODELS = {
    "stg_online_retail__invoice_lines",
    "int_orders__status",
    "int_invoice_lines__sold",
    "int_invoice_lines__with_customer",
    "int_invoice_lines__complete",
    "int_invoice_lines__deduplicated",
    "int_cancellations__allocated",
    "int_cancellations__reference",
    "int_invoice_lines__cancellations_matched",
    "int_sales_lines__purchases",
    "int_sales_lines__products",
    "int_sales_lines__priced",
    "int_invoice_lines__fates",
    "fct_sales_lines",
    "fct_invoices",
    "data_quality_audit",
    "data_quality_removed_codes",
    "data_quality_files",
    "data_quality_revenue_bridge",
    "shop_currency",
    "int_customer_monthly_activity",
    "customer_rfm",
    "rfm_score_thresholds",
    "customer_rfm_scores",
    "rfm_segment_summary",
    "customer_rfm_history",
    "rfm_segment_transitions",
    "sales_by_country",
    "sales_by_month",
    "sales_by_weekday",
    "sales_by_hour",
    "sales_by_product",
    "int_rfm_feature_scaling",
    "int_customer_rfm_features",
    "int_customer_clusters__sql_scored",
    # the old names of two renamed marts of the SQL layer, views for one release
    "product_sales",
    "segment_transitions",
}


def test_spark_builds_exactly_the_sql_layer(spark_build):
    folder, _ = spark_build
    results = json.loads((folder / "target" / "run_results.json").read_text())["results"]
    built = {r["unique_id"].split(".")[-1] for r in results if r["unique_id"].startswith("model.")}
    assert built == SPARK_MODELS


def test_reference_matching_gives_the_same_rows_on_spark(synthetic_db, spark_build):
    """The reference notebook's matching rule, built as a table on Spark, against the same
    model on DuckDB (a view there when the build matches in allocate mode)."""
    folder, _ = spark_build
    variables = json.loads((folder / "variables.json").read_text())
    result = _dbt(
        folder,
        "run",
        "--target",
        "spark",
        "--select",
        "int_cancellations__reference",
        variables={**variables, "cancellation_matching": "reference"},
        target_dir="target_reference",
    )
    assert result.returncode == 0, result.stdout[-4000:]
    table = "intermediate.int_cancellations__reference"
    duck, spark = frame(synthetic_db, f"select * from {table}"), _spark_table(folder, table)
    assert (duck["quantity_canceled"] > 0).sum() > 100  # the rule did match purchases
    assert _differences(duck, spark, ["source_row_number", "quantity_canceled"]) == []


def test_spark_totals_match_duckdb(synthetic_db, spark_build):
    """The headline figures, so a failure reads at a glance."""
    folder, _ = spark_build
    totals = "count(*), sum(quantity), sum(net_quantity), round(sum(line_revenue), 2)"
    with duckdb.connect(str(synthetic_db), read_only=True) as conn:
        on_duckdb = conn.sql(f"select {totals} from marts.fct_sales_lines").fetchall()
        raw_lines = conn.sql("select count(*) from raw.invoice_lines").fetchall()[0][0]
    files = folder / "spark" / "tables" / "marts.db" / "fct_sales_lines" / "*.parquet"
    with duckdb.connect() as conn:
        on_spark = conn.sql(f"select {totals} from read_parquet('{files}')").fetchall()
    assert on_duckdb == on_spark
    audit = _spark_table(folder, "marts.data_quality_audit").sort_values("step")
    # Spark read the raw file itself: its first step starts from every line of the file
    assert audit["rows_in"].iloc[0] == raw_lines
    assert audit["rows_out"].iloc[-1] == on_spark[0][0]


def test_spark_build_runs_the_unit_tests_and_explains_what_it_skips(spark_build):
    folder, result = spark_build
    results = json.loads((folder / "target" / "run_results.json").read_text())["results"]
    unit_tests = {r["unique_id"] for r in results if r["unique_id"].startswith("unit_test.")}
    assert all(r["status"] in ("pass", "success") for r in results)
    # every unit test ran but those of the DuckDB-only marts (declared here, so that a
    # SQL folder disabled on Spark by mistake shows)
    listed = _dbt(
        folder,
        "ls",
        "--resource-type",
        "unit_test",
        "--output",
        "json",
        "--output-keys",
        "unique_id original_file_path",
        "-q",
    )
    assert listed.returncode == 0, listed.stdout
    on_duckdb = {
        entry["unique_id"]: entry["original_file_path"]
        for entry in map(json.loads, filter(None, listed.stdout.splitlines()))
    }
    duckdb_only = {
        unique_id for unique_id, path in on_duckdb.items() if path.startswith(DUCKDB_ONLY_FOLDERS)
    }
    assert {unique_id.split(".")[2] for unique_id in duckdb_only} == {"segment_overview"}
    assert len(on_duckdb) >= 18 and unit_tests == set(on_duckdb) - duckdb_only
    assert "Python models (clustering, categories, prediction, lifetime value)" in result.stdout
    assert "disabled on the Spark target" in result.stdout


def test_spark_target_refuses_a_raw_file_it_cannot_read_in_place(tmp_path):
    result = _dbt(tmp_path, "run", "--target", "spark", variables={"raw_invoices": "x.csv"})
    assert result.returncode != 0
    assert "reads the raw invoices in place from a Parquet file" in result.stdout


def _raw_lines(quantities: list) -> pd.DataFrame:
    n = len(quantities)
    return pd.DataFrame(
        {
            "Invoice": [f"5{i:05d}" for i in range(n)],  # Online Retail II names
            "StockCode": ["85123A"] * n,
            "Description": ["WHITE HANGING HEART T-LIGHT HOLDER"] * n,
            "Quantity": quantities,
            "InvoiceDate": pd.date_range("2011-01-03 09:00", periods=n, freq="h"),
            "Price": [2.55] * n,
            "Customer ID": [17850.0 + (i % 3) * 10_000_000 for i in range(n)],
            "Country": ["United Kingdom"] * n,
        }
    )


def _stage_on_spark(folder: Path, raw: Path):
    """Only the staging view of `raw`, on Spark (the hook's checks run first)."""
    return _dbt(
        folder,
        "run",
        "--target",
        "spark",
        "--select",
        "stg_online_retail__invoice_lines",
        variables={"raw_invoices": str(raw)},
    )


def test_spark_target_refuses_fractional_quantities_in_one_line(tmp_path):
    """Spark would truncate 6.5 to 6; the DuckDB loader refuses it, and so does the hook,
    naming the line (counted across the file's row groups)."""
    raw = tmp_path / "fractional.parquet"
    _raw_lines([6.0] * 250 + [6.5] + [1.0] * 49).to_parquet(raw, row_group_size=100)
    result = _stage_on_spark(tmp_path, raw)
    assert result.returncode != 0
    assert (
        "error: fractional.parquet: column Quantity has 1 values that are not whole numbers, "
        "e.g. '6.5' on line 251" in result.stdout
    ), result.stdout[-3000:]


def test_spark_reads_line_numbers_across_row_groups_and_the_second_layout(tmp_path):
    """The staged lines of a Parquet file written in several row groups, in the Online
    Retail II layout, with customer numbers too large for Spark's plain double-to-text
    (1.0017850E7): line numbers follow the file, and customer ids are whole numbers."""
    raw = _raw_lines([float(q) for q in range(1, 301)])
    raw.to_parquet(tmp_path / "groups.parquet", row_group_size=64)
    variables = {"raw_invoices": str(tmp_path / "groups.parquet")}
    built = _stage_on_spark(tmp_path, tmp_path / "groups.parquet")
    assert built.returncode == 0, built.stdout[-3000:]
    staged = (
        "select source_row_number, invoice_no, customer_id, quantity"
        " from {{ ref('stg_online_retail__invoice_lines') }}"
    )
    result = _dbt(
        tmp_path,
        "show",
        "--target",
        "spark",
        "--inline",
        staged,
        "--limit",
        "1000",
        "--output",
        "json",
        "--log-format",
        "json",
        variables=variables,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    shown = next(
        json.loads(line)["data"]["preview"]
        for line in result.stdout.splitlines()
        if '"preview"' in line
    )
    rows = pd.DataFrame(json.loads(shown) if isinstance(shown, str) else shown)
    rows = rows.sort_values("source_row_number", ignore_index=True)
    assert rows["source_row_number"].tolist() == list(range(1, 301))
    assert rows["invoice_no"].tolist() == raw["Invoice"].tolist()
    assert rows["quantity"].tolist() == list(range(1, 301))
    expected_ids = [str(int(number)) for number in raw["Customer ID"]]
    assert rows["customer_id"].tolist() == expected_ids
    assert expected_ids[:3] == ["17850", "10017850", "20017850"]


@pytest.fixture(scope="module")
def spark_session(tmp_path_factory):
    from pyspark.sql import SparkSession

    folder = tmp_path_factory.mktemp("spark_session")
    session = (
        SparkSession.builder.master("local[1]")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.warehouse.dir", str(folder / "tables"))
        .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={folder}")
        .getOrCreate()
    )
    yield session
    session.stop()


def test_python_models_read_a_spark_dataframe_as_they_read_a_duckdb_relation(
    synthetic_db, spark_build, spark_session
):
    """frames.to_pandas on a Spark DataFrame (the Spark build's customer_rfm, with text,
    whole numbers, doubles, dates, timestamps and booleans) gives the frame DuckDB gives."""
    folder, _ = spark_build
    spark_frame = spark_session.read.parquet(
        str(folder / "spark" / "tables" / "marts.db" / "customer_rfm")
    )
    with duckdb.connect(str(synthetic_db), read_only=True) as conn:
        relation = conn.sql("select * from marts.customer_rfm")
        for columns, where in [(None, None), (["customer_id", "as_of_date"], "frequency > 3")]:
            duck = frames.to_pandas(relation, columns, where)
            spark = frames.to_pandas(spark_frame, columns, where)
            duck = duck.sort_values("customer_id", ignore_index=True)
            spark = spark.sort_values("customer_id", ignore_index=True)
            assert list(spark.columns) == list(duck.columns)
            assert len(duck) > 0 and _differences(duck, spark, ["customer_id"]) == []
            # the same column types, not only equal values
            assert spark.dtypes.to_dict() == duck.dtypes.to_dict()
        assert frames.count_distinct(spark_frame, "country") == frames.count_distinct(
            relation, "country"
        )
        # decimals (which customer_rfm has not) arrive as floats, as from DuckDB
        mixed = "select cast(12.5 as decimal(10, 2)) as amount, date '2011-12-09' as day"
        assert frames.to_pandas(spark_session.sql(mixed)).dtypes.to_dict() == (
            frames.to_pandas(conn.sql(mixed)).dtypes.to_dict()
        )
    lines = spark_session.read.parquet(
        str(folder / "spark" / "tables" / "marts.db" / "fct_sales_lines")
    )
    customers = frames.count_distinct(lines, "customer_id")
    sample = frames.to_pandas(
        frames.sample_by_key(lines, "customer_id", customers // 4, customers, "42"),
        ["customer_id"],
    )
    everyone = frames.to_pandas(lines, ["customer_id"])
    kept = set(sample["customer_id"])
    assert 0.15 < len(kept) / customers < 0.35
    # a kept customer comes with every one of their lines, never some of them
    in_sample = sample["customer_id"].value_counts()
    assert in_sample.equals(everyone["customer_id"].value_counts()[in_sample.index])
    with pytest.raises(TypeError, match="DuckDB relation or a Spark DataFrame"):
        frames.to_pandas(pd.DataFrame({"a": [1]}))
