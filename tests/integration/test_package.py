"""The project as a dbt package. integration_tests/ is another shop's dbt project:
it installs this repository as a local package, points var `order_lines` at its own model
of order lines in its own column names (var `raw_columns`), and runs `dbt deps && dbt
build` with a profile without plugins. Its marts must equal the standalone build's on the
same lines (the embedded synthetic data), table by table."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from conftest import PROJECT
from retail_segments import synthetic
from retail_segments.raw import default_synthetic_path

INTEGRATION = PROJECT / "integration_tests"
# the standalone build names each line's file; the package names its input model
SOURCE_NAMED = {"data_quality_files": {"source_file"}}


def _dbt(*args: str, env: dict) -> subprocess.CompletedProcess:
    dbt = Path(sys.executable).parent / "dbt"
    return subprocess.run(
        [str(dbt), *args, "--project-dir", str(INTEGRATION), "--profiles-dir", str(INTEGRATION)],
        cwd=INTEGRATION,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.fixture(scope="module")
def package_db(synthetic_db, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("package")
    raw = default_synthetic_path(
        str(synthetic_db), synthetic.DEFAULT_CUSTOMERS, synthetic.DEFAULT_SEED
    )
    assert raw.exists(), raw
    # the shop's own layout: other names, and its line id giving the file's order
    shop = folder / "shop_order_lines.parquet"
    duckdb.sql(
        f"""
        copy (
            select
                file_row_number + 1 as line_id,
                InvoiceNo as order_id,
                StockCode as sku,
                Description as product_name,
                Quantity as qty,
                InvoiceDate as ordered_at,
                UnitPrice as unit_price,
                CustomerID as customer_ref,
                Country as ship_country
            from read_parquet('{raw}', file_row_number = true)
        ) to '{shop}'
        """
    )
    db = folder / "shop.duckdb"
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("SEGMENTS_", "RAW_"))
    }
    env.update({"INTEGRATION_DB": str(db), "SHOP_ORDER_LINES": str(shop)})
    deps = _dbt("deps", env=env)
    assert deps.returncode == 0, deps.stdout[-3000:]
    build = _dbt("build", "--target-path", str(folder / "target"), env=env)
    assert build.returncode == 0, build.stdout[-5000:]
    return db


def _differences(con, table: str, columns: list, digits: int) -> tuple[int, int]:
    """Rows of `table` only in the standalone build, and only in the package's."""
    select = ", ".join(
        f'case when "{name}" is null or isnan("{name}") or "{name}" = 0 then "{name}" '
        f'else round("{name}", {digits} - cast(ceil(log10(abs("{name}"))) as int)) end'
        if kind == "DOUBLE"
        else f'"{name}"'
        for name, kind in columns
        if name not in SOURCE_NAMED.get(table, set())
    )
    counts = []
    for first, second in (("standalone", "package"), ("package", "standalone")):
        (count,) = con.sql(
            f"select count(*) from (select {select} from {first}.marts.{table} "
            f"except all select {select} from {second}.marts.{table})"
        ).fetchall()[0]
        counts.append(count)
    return counts[0], counts[1]


def _tables(con, database: str) -> set[str]:
    return {
        name
        for (name,) in con.sql(
            "select table_name from duckdb_tables() "
            f"where database_name = '{database}' and schema_name = 'marts'"
        ).fetchall()
    }


def test_the_package_builds_every_mart_as_the_standalone_build(package_db, synthetic_db):
    con = duckdb.connect()
    con.sql(f"attach '{synthetic_db}' as standalone (read_only)")
    con.sql(f"attach '{package_db}' as package (read_only)")
    marts = _tables(con, "standalone")
    assert len(marts) >= 35
    assert _tables(con, "package") == marts
    differing = {}
    for table in sorted(marts):
        columns = con.sql(
            "select column_name, data_type from duckdb_columns() where database_name = "
            f"'standalone' and schema_name = 'marts' and table_name = '{table}' "
            "order by column_index"
        ).fetchall()
        package_columns = con.sql(
            "select column_name, data_type from duckdb_columns() where database_name = "
            f"'package' and schema_name = 'marts' and table_name = '{table}' "
            "order by column_index"
        ).fetchall()
        assert package_columns == columns, table
        # doubles to 9 and to 11 significant digits: parallel sums differ in their last
        # bits, and a value on a rounding boundary at one precision is not at the other
        counts = [_differences(con, table, columns, digits) for digits in (9, 11)]
        only_standalone, only_package = min(counts)
        if only_standalone or only_package:
            differing[table] = (only_standalone, only_package)
    assert differing == {}
    # the package's lines are named after the model it read
    files = con.sql("select distinct source_file from package.marts.data_quality_files")
    assert files.fetchall() == [("shop_order_lines",)]
