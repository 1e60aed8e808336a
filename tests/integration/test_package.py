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
    env = {**_shop_env(shop), "INTEGRATION_DB": str(db)}
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


def _staging(
    env: dict, folder: Path, *variables: str, through: str = "stg_online_retail__invoice_lines"
) -> subprocess.CompletedProcess:
    """`dbt build` of the package's staging model (a view; the shop's model it reads) or of
    the model `through` and what it reads, into a new warehouse in `folder`, with
    `variables` (YAML) over the project's."""
    folder.mkdir()
    env = {**env, "INTEGRATION_DB": str(folder / "shop.duckdb")}
    args = ["build", "--select", f"+{through}", "--indirect-selection", "cautious"]
    args += ["--target-path", str(folder / "target")]
    return _dbt(*args, *(["--vars", variables[0]] if variables else []), env=env)


def _shop_env(shop: Path) -> dict:
    """This process's environment without the caller's warehouse or raw-file settings, the
    shop's lines at `shop`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SEGMENTS_", "RAW_"))}
    return {**env, "SHOP_ORDER_LINES": str(shop)}


# the integration project's mapping, to change one entry at a time
MAPPING = (
    "InvoiceNo: order_id, StockCode: sku, Description: product_name, Quantity: qty, "
    "InvoiceDate: ordered_at, UnitPrice: unit_price, CustomerID: customer_ref, "
    "Country: ship_country"
)


def test_the_package_reads_instants_in_the_shops_time_zone_and_orders_lines_by_default(
    package_db, tmp_path
):
    """The shop's model gives instants (UTC): with var time_zone a New York shop's lines
    are dated by its wall clock, five hours behind UTC in winter and four in summer, so
    an order placed at 2 a.m. UTC on the first of a month belongs to the month before.
    And with no var order_lines_order_by, the lines are numbered by their mapped columns
    in the declared order (order, product, ...): the same numbers on every run, whatever
    order the shop's model returns them in. (One run for both: each costs a dbt start.)"""
    shop = package_db.parent / "shop_order_lines.parquet"
    result = _staging(
        _shop_env(shop), tmp_path / "ny", "{time_zone: America/New_York, order_lines_order_by: ''}"
    )
    assert result.returncode == 0, result.stdout[-3000:]
    con = duckdb.connect(str(tmp_path / "ny" / "shop.duckdb"), read_only=True)
    offsets = con.sql(
        "select extract(month from raw.ordered_at) as month, "
        "min(date_diff('minute', lines.invoiced_at, raw.ordered_at)) as least, "
        "max(date_diff('minute', lines.invoiced_at, raw.ordered_at)) as most "
        f"from read_parquet('{shop}') as raw "
        "join staging.stg_online_retail__invoice_lines as lines "
        "on lines.invoice_no = raw.order_id and lines.stock_code = raw.sku "
        "and lines.quantity = raw.qty and lines.unit_price = raw.unit_price "
        "group by 1 order by 1"
    ).fetchall()
    numbered = con.sql(
        "select invoice_no, stock_code from staging.stg_online_retail__invoice_lines "
        "order by source_row_number"
    ).fetchall()
    con.close()
    hours = {month: (least / 60, most / 60) for month, least, most in offsets}
    assert hours[1] == hours[12] == (5, 5) and hours[7] == (4, 4), hours
    assert numbered == sorted(numbered)
    assert len(numbered) == duckdb.sql(f"select count(*) from '{shop}'").fetchall()[0][0]


@pytest.mark.parametrize(
    "case, variables, message",
    [
        (
            "unknown column",
            "{raw_columns: {" + MAPPING + ", Colour: colour}}",
            "var raw_columns: unknown column 'Colour' (the canonical names are ",
        ),
        (
            "missing column",
            "{raw_columns: {" + MAPPING.replace("order_id", "order_number") + "}}",
            "the order_lines model shop_order_lines has no column order_number for InvoiceNo",
        ),
        (
            "fill_down",
            "{raw_columns: {" + MAPPING + ", fill_down: [CustomerID]}}",
            "var raw_columns: fill_down is for the shop's files; where var order_lines names a "
            "model, fill order-level fields in that model",
        ),
    ],
)
def test_a_bad_mapping_of_the_shops_model_stops_in_one_line(
    package_db, tmp_path, case, variables, message
):
    shop = package_db.parent / "shop_order_lines.parquet"
    result = _staging(_shop_env(shop), tmp_path / "run", variables)
    assert result.returncode != 0
    lines = [line for line in result.stdout.splitlines() if message in line]
    assert lines, result.stdout[-3000:]


def test_a_quantity_that_is_not_whole_stops_the_package(package_db, tmp_path):
    """A cast would round 6.5 to 7 and change the sales: the package stops, naming the
    model, the column and the value."""
    shop = tmp_path / "shop_order_lines.parquet"
    duckdb.sql(
        "copy (select * replace (case when line_id = 3 then 6.5 else qty end as qty) "
        f"from read_parquet('{package_db.parent / 'shop_order_lines.parquet'}')) to '{shop}'"
    )
    # the staging model is a view: the first table over it reads the value
    result = _staging(_shop_env(shop), tmp_path / "run", through="int_orders__status")
    assert result.returncode != 0
    message = "shop_order_lines: column qty has a value that is not a whole number: 6.5"
    assert message in result.stdout, result.stdout[-3000:]
