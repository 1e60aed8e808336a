"""The published warehouse as SQLAlchemy clients (Superset and other BI
tools, through duckdb-engine) reflect it, in a separate environment with the DuckDB 1.x
those tools bundle."""

from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path

import pytest
from conftest import BI_DUCKDB_VERSION, WORKING_SQLALCHEMY, query

# other combinations and what they do, as docs/warehouse.md "BI tools" says: SQLAlchemy
# 2.0.45 added pg_catalog.pg_collation to its column reflection query, which DuckDB has
# since 1.5.3; SQLAlchemy 2.1 refers to it in a way no DuckDB tried binds
OTHER_COMBINATIONS = {
    ("1.4.4", "2.0.45"): "Catalog Error: Table with name pg_collation does not exist!",
    ("1.5.2", "2.0.45"): "Catalog Error: Table with name pg_collation does not exist!",
    ("1.5.3", "2.0.45"): None,  # works
    ("1.5.6", "2.1.9"): 'Binder Error: Referenced table "pg_catalog.pg_collation" not found!',
}

# how duckdb-engine reflects the DuckDB types the marts use (their dbt contracts)
REFLECTED_TYPES = {
    "VARCHAR": "VARCHAR",
    "BIGINT": "BIGINT",
    "INTEGER": "INTEGER",
    "DOUBLE": "FLOAT",
    "BOOLEAN": "BOOLEAN",
    "DATE": "DATE",
    "TIMESTAMP": "TIMESTAMP",
    "DECIMAL(18,2)": "NUMERIC(18, 2)",
}

# reflects every table in schema marts through the SQLAlchemy URI docs/warehouse.md gives
REFLECT = textwrap.dedent("""
    import json, sys
    import duckdb, sqlalchemy
    from importlib.metadata import version
    print(json.dumps([duckdb.__version__, version("duckdb-engine"), sqlalchemy.__version__]))
    engine = sqlalchemy.create_engine(f"duckdb:///{sys.argv[1]}?access_mode=read_only")
    inspector = sqlalchemy.inspect(engine)
    marts = {}
    for table in inspector.get_table_names(schema="marts"):
        marts[table] = {
            "comment": inspector.get_table_comment(table, schema="marts")["text"],
            "columns": [
                [c["name"], str(c["type"]), type(c["type"]).__name__, c.get("comment")]
                for c in inspector.get_columns(table, schema="marts")
            ],
        }
    print(json.dumps(marts))
""")


def _reflect(python: Path, db: Path, env: dict | None = None) -> tuple[list, dict | None, str]:
    """The versions reflecting, the reflected marts (None when reflection failed), stderr."""
    result = subprocess.run(
        [str(python), "-c", REFLECT, str(db)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    lines = result.stdout.splitlines()
    assert lines, result.stderr[-3000:]
    marts = json.loads(lines[1]) if result.returncode == 0 else None
    return json.loads(lines[0]), marts, result.stderr


def _assert_every_mart_reflects(marts: dict, db: Path) -> None:
    """Every table of schema marts, every column in order with its type and comment, and
    every table comment, as DuckDB itself lists them."""
    tables = query(
        db, "select table_name, comment from duckdb_tables() where schema_name = 'marts'"
    )
    assert len(tables) >= 19
    assert sorted(marts) == sorted(name for name, _ in tables)
    assert {name: marts[name]["comment"] for name, _ in tables} == dict(tables)
    columns = query(
        db,
        "select table_name, column_name, data_type, duckdb_columns.comment from duckdb_columns() "
        "join duckdb_tables() using (database_name, schema_name, table_name) "
        "where schema_name = 'marts' order by table_name, column_index",
    )
    expected: dict[str, list] = {}
    for table, column, data_type, comment in columns:
        expected.setdefault(table, []).append(
            [column, REFLECTED_TYPES.get(data_type, data_type), comment]
        )
    got = {
        table: [[name, type_, comment] for name, type_, _, comment in spec["columns"]]
        for table, spec in marts.items()
    }
    assert got == expected
    # every column has a real type (not NullType) and a description
    assert [
        f"{table}.{name}"
        for table, spec in marts.items()
        for name, _, kind, comment in spec["columns"]
        if kind == "NullType" or not (comment or "").strip()
    ] == []


def test_sqlalchemy_reflects_every_mart_with_types_and_comments(synthetic_db, bi_python):
    versions, marts, errors = _reflect(bi_python, synthetic_db)
    assert marts is not None, errors[-3000:]
    assert versions[0] == BI_DUCKDB_VERSION
    assert versions[1].startswith("0.17.")
    assert versions[2] == WORKING_SQLALCHEMY
    _assert_every_mart_reflects(marts, synthetic_db)


@pytest.mark.parametrize(("duckdb_version", "sqlalchemy_version"), list(OTHER_COMBINATIONS))
def test_other_duckdb_and_sqlalchemy_versions(
    synthetic_db, bi_python, tmp_path, duckdb_version, sqlalchemy_version
):
    """Keeps docs/warehouse.md "BI tools" true: the same duckdb-engine with another
    DuckDB and SQLAlchemy, installed beside the environment and put first on its path."""
    packages = [f"sqlalchemy=={sqlalchemy_version}"]
    if duckdb_version != BI_DUCKDB_VERSION:
        packages.append(f"duckdb=={duckdb_version}")
    beside = tmp_path / "packages"
    installed = subprocess.run(
        [str(bi_python), "-m", "pip", "install", "--quiet", "--no-deps"]
        + ["--target", str(beside), *packages],
        capture_output=True,
        text=True,
    )
    assert installed.returncode == 0, installed.stderr[-2000:]
    versions, marts, errors = _reflect(bi_python, synthetic_db, env={"PYTHONPATH": str(beside)})
    assert versions == [duckdb_version, "0.17.0", sqlalchemy_version]
    error = OTHER_COMBINATIONS[(duckdb_version, sqlalchemy_version)]
    if error is None:
        assert marts is not None, errors[-3000:]
        _assert_every_mart_reflects(marts, synthetic_db)
    else:
        assert marts is None
        assert error in errors
