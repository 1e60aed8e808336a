"""Odd paths. Warehouse, raw file and export folder paths with hyphens,
spaces, quotes, non-ASCII letters, several dots and glob characters all build and publish,
and a raw path with glob characters reads exactly the one file named, never the decoy
beside it that the pattern would also match. Five builds combine the shapes."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import query, run_segments, write_raw
from retail_segments import publish, synthetic


@pytest.fixture(scope="module")
def lines(tmp_path_factory) -> pd.DataFrame:
    """A small generated file, plus a bad-debt adjustment (an A invoice, negative price)
    with a customer and a product code, so that it reaches the non_positive_price rule."""
    folder = tmp_path_factory.mktemp("paths_raw")
    raw, _ = synthetic.generate(folder / "lines.parquet", customers=60, seed=14)
    frame = pd.read_parquet(raw)
    adjustment = frame[frame.CustomerID.notna() & (frame.Quantity > 0)].head(1).copy()
    adjustment["InvoiceNo"] = "A999001"
    adjustment["UnitPrice"] = -11062.06
    adjustment["Quantity"] = 1
    return pd.concat([frame, adjustment], ignore_index=True)


def _build(db: Path, raw: Path, how: str, exports: Path | None, cwd: Path):
    """`segments build` of `db` from `raw`, named by --raw, RAW_INVOICES or --vars."""
    args, env = ["build", "--db", str(db)], {}
    if how == "--raw":
        args += ["--raw", str(raw)]
    elif how == "env":
        env["RAW_INVOICES"] = str(raw)
    else:
        args += ["--vars", json.dumps({"raw_invoices": str(raw)})]
    if exports is not None:
        env["SEGMENTS_EXPORT_DIR"] = str(exports)
    result = run_segments(*args, cwd=cwd, env=env)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "Traceback" not in result.stderr
    return result


def _assert_published(db: Path, rows: int, exports: Path) -> None:
    """The warehouse opens, holds exactly `rows` raw lines, every view still answers
    (the build named its database `segments`, not after the published file), the exports
    are there and nothing private is left."""
    db = db if db.is_absolute() else db.resolve()
    assert query(db, "select count(*) from raw.invoice_lines") == [(rows,)]
    assert query(
        db, "select rows_in from marts.data_quality_audit where rule_name = 'missing_customer'"
    ) == [(rows,)]
    views = query(db, "select schema_name, view_name from duckdb_views() where not internal")
    assert views
    with duckdb.connect(str(db), read_only=True) as con:
        for schema, view in views:
            con.sql(f'select count(*) from "{schema}"."{view}"').fetchall()
    customers = query(db, "select count(*) from marts.customer_segments")[0][0]
    assert customers > 0
    # pandas: DuckDB would read a folder like `[exp]*?` as a glob pattern
    assert len(pd.read_parquet(exports / "customer_segments.parquet")) == customers
    assert len(pd.read_csv(exports / "customer_segments.csv")) == customers
    # beside it only the lock and the warehouse's state (kept elsewhere for a path with
    # '?'), holding the current release and at most the one before it
    state = publish.state_dir(db)
    hidden = {f".{db.name}.lock"} | ({state.name} if state.parent == db.parent else set())
    assert {p.name for p in db.parent.iterdir() if p.name.startswith(".")} == hidden
    assert 1 <= len(list((state / "releases").iterdir())) <= 2


def test_odd_paths_build_publish_and_read_exactly_the_named_file(lines, tmp_path):
    decoy = lines.head(100)

    # 1. hyphen (the reported `my-shop.duckdb`) in a folder with a space; a CSV whose
    #    name is a glob pattern, beside a file the pattern matches; quotes in the exports
    folder = tmp_path / "wh dir-1"
    db1 = folder / "my-shop.duckdb"
    raw1 = write_raw(lines, tmp_path / "raw [1]*?.csv")
    write_raw(decoy, tmp_path / "raw 1ab.csv")
    exports1 = tmp_path / "exp 'o' \"quoted\""
    _build(db1, raw1, "--raw", exports1, tmp_path)
    _assert_published(db1, len(lines), exports1)
    # the adjustment loads, then the non_positive_price rule removes it
    assert query(db1, "select count(*) from raw.invoice_lines where InvoiceNo = 'A999001'") == [
        (1,)
    ]
    assert query(db1, "select min(unit_price) > 0 from marts.fct_sales_lines") == [(True,)]
    assert query(
        db1,
        "select rows_removed >= 1 from marts.data_quality_audit "
        "where rule_name = 'non_positive_price'",
    ) == [(True,)]

    # 2. single and double quotes in the warehouse and its folder; RAW_INVOICES names a
    #    Parquet file with quotes, several dots and a *; non-ASCII exports
    db2 = tmp_path / "q'uo\"te" / 'o\'brien "quoted" shop.duckdb'
    raw2 = write_raw(lines, tmp_path / 'it\'s "raw" v1.2.final*.parquet')
    write_raw(decoy, tmp_path / 'it\'s "raw" v1.2.final-decoy.parquet')
    exports2 = tmp_path / "ëxports ü 仓库"
    _build(db2, raw2, "env", exports2, tmp_path)
    _assert_published(db2, len(lines), exports2)

    # 3. non-ASCII letters and several dots; --vars names an XLSX with a ?; glob
    #    characters in the export folder
    db3 = tmp_path / "ü nïcode" / "café-仓库.v2.final.duckdb"
    raw3 = write_raw(lines, tmp_path / "données? 2011.xlsx")
    write_raw(decoy, tmp_path / "donnéesX 2011.xlsx")
    exports3 = tmp_path / "[exp]*?"
    _build(db3, raw3, "vars", exports3, tmp_path)
    _assert_published(db3, len(lines), exports3)

    # 4. glob characters, a leading digit and an SQL keyword in the warehouse and its
    #    folder (DuckDB takes a '?' in a database path for URL parameters);
    #    --raw names a Parquet pattern; exports in the default place beside it
    db4 = tmp_path / "[w]*?" / "2024 select [1]*?.duckdb"
    raw4 = write_raw(lines, tmp_path / "raw*.parquet")
    write_raw(decoy, tmp_path / "raw-decoy.parquet")
    _build(db4, raw4, "--raw", None, tmp_path)
    _assert_published(db4, len(lines), db4.parent / "2024 select [1]*?.exports")

    # 5. relative paths from inside the odd folder: the published warehouse of build 1 is
    #    replaced by a build of the decoy
    _build(Path("my-shop.duckdb"), Path("..") / "raw 1ab.csv", "--raw", exports1, folder)
    _assert_published(db1, len(decoy), exports1)


def test_a_backslash_in_the_warehouse_path_is_refused_in_one_line(tmp_path):
    # DuckDB (off Windows) reads a backslash in a database path as a separator: it could
    # build such a file but never open it again
    db = tmp_path / "back\\slash" / "shop.duckdb"
    result = run_segments("build", "--db", str(db), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"error: DuckDB cannot open a database whose path holds a backslash: {db}"
    )
    assert not db.parent.exists()
