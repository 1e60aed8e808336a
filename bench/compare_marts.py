"""Compare every table of two warehouses, table by table: the proof that a change which should
not move a figure did not.

    python bench/compare_marts.py before.duckdb after.duckdb [--digits 9] [--schemas marts]
                                  [--renamed OLD=NEW ...]

Each table present in either file is read whole, sorted on all its columns, and compared row
by row; doubles are compared at `--digits` significant digits (a sum computed in another
order differs in its last bits). Prints one line per table (`same`, or what differs) and
exits 1 when any table differs or is missing on one side. A table renamed by the change
(`--renamed OLD=NEW`) is read under its old name before and its new name after.
"""

from __future__ import annotations

import argparse
import sys

import duckdb
import numpy as np
import pandas as pd


def _tables(con: duckdb.DuckDBPyConnection, schemas: list[str]) -> set[tuple[str, str]]:
    rows = con.sql(
        "select table_schema, table_name from information_schema.tables "
        "where table_catalog = current_database()"
    ).fetchall()
    return {(s, t) for s, t in rows if not schemas or s in schemas}


def _normalised(frame: pd.DataFrame, digits: int) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_float_dtype(out[column]):
            values = out[column].to_numpy(dtype=float)
            with np.errstate(divide="ignore", invalid="ignore"):
                scale = np.where(values == 0, 0, np.floor(np.log10(np.abs(values))))
            factor = 10.0 ** (digits - 1 - np.nan_to_num(scale))
            out[column] = np.round(values * factor) / factor
        else:
            out[column] = out[column].astype(str)
    return out.sort_values(list(out.columns), kind="stable").reset_index(drop=True)


def compare(
    before: str, after: str, digits: int, schemas: list[str], renamed: dict[str, str] | None = None
) -> list[str]:
    """One line per table; lines starting with `DIFF` or `MISSING` are failures. `renamed`
    maps old table names (before) to new ones (after)."""
    a = duckdb.connect(before, read_only=True)
    b = duckdb.connect(after, read_only=True)
    old_name = {new: old for old, new in (renamed or {}).items()}
    lines = []
    for schema, table in sorted(_tables(a, schemas) | _tables(b, schemas)):
        name = f"{schema}.{table}"
        if table in old_name:
            name = f"{schema}.{table} (was {old_name[table]})"
        try:
            left = a.sql(f'select * from "{schema}"."{old_name.get(table, table)}"').df()
        except duckdb.Error:
            lines.append(f"MISSING in {before}: {name}")
            continue
        try:
            right = b.sql(f'select * from "{schema}"."{table}"').df()
        except duckdb.Error:
            lines.append(f"MISSING in {after}: {name}")
            continue
        if list(left.columns) != list(right.columns):
            lines.append(f"DIFF {name}: columns {list(left.columns)} != {list(right.columns)}")
            continue
        if len(left) != len(right):
            lines.append(f"DIFF {name}: {len(left)} rows != {len(right)} rows")
            continue
        left_n, right_n = _normalised(left, digits), _normalised(right, digits)
        unequal = ~((left_n == right_n) | (left_n.isna() & right_n.isna()))
        if unequal.to_numpy().any():
            columns = [c for c in left_n.columns if unequal[c].any()]
            lines.append(f"DIFF {name}: {int(unequal.any(axis=1).sum())} rows differ in {columns}")
        else:
            lines.append(f"same {name} ({len(left)} rows)")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--digits", type=int, default=9, help="significant digits of doubles")
    parser.add_argument("--schemas", nargs="*", default=["marts"], help="schemas ([] = all)")
    parser.add_argument(
        "--renamed", nargs="*", default=[], metavar="OLD=NEW", help="tables the change renamed"
    )
    args = parser.parse_args(argv)
    renamed = dict(pair.split("=", 1) for pair in args.renamed)
    lines = compare(args.before, args.after, args.digits, args.schemas, renamed)
    print("\n".join(lines))
    failures = [line for line in lines if not line.startswith("same")]
    print(f"{len(lines) - len(failures)} tables same, {len(failures)} differ or missing")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
