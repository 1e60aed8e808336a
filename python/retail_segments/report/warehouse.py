"""The warehouse as the report reads it: read-only, every mart it looks at recorded."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pandas as pd


class MissingMart(Exception):
    """A mart a part of the report needs is not in the warehouse."""


class EmptyMart(Exception):
    """A mart a part of the report needs has no rows (e.g. too little history)."""


class Warehouse:
    def __init__(self, path: Path):
        self.conn = duckdb.connect(str(path), read_only=True)
        self.tables = {
            row[0]
            for row in self.conn.sql(
                "select table_name from duckdb_tables() where schema_name = 'marts' "
                "union all select view_name from duckdb_views() where schema_name = 'marts'"
            ).fetchall()
        }

        # every mart the report looked at: the segmentation_report exposure must list
        # exactly these (tests/integration/test_report.py)
        self.read: set[str] = set()
        self.reading: set[str] = set()  # what the part being built reads

    def _note(self, *tables: str) -> None:
        self.read.update(tables)
        self.reading.update(tables)

    def currency_symbol(self) -> str:
        """The symbol of the shop's currency (marts.shop_currency); £ for a warehouse built
        before it was recorded."""
        self._note("shop_currency")
        if "shop_currency" not in self.tables:
            return "£"
        rows = self.conn.sql("select currency_symbol from marts.shop_currency").fetchall()
        return rows[0][0] if rows and rows[0][0] else "£"

    def sql(self, query: str) -> duckdb.DuckDBPyRelation:
        """A query over the marts (each mart it names is recorded as read)."""
        self._note(*re.findall(r"\bmarts\.(\w+)", query))
        return self.conn.sql(query)

    def df(self, table: str, sql: str | None = None, *, rows: bool = True) -> pd.DataFrame:
        """The query's rows; `MissingMart` if `table` is absent, `EmptyMart` if it returns
        nothing and `rows` (rows required)."""
        self._note(table)
        if table not in self.tables:
            raise MissingMart(f"marts.{table} is not in this warehouse")
        frame = self.sql(sql or f"select * from marts.{table}").df()
        if rows and frame.empty:
            raise EmptyMart(f"marts.{table} has no rows")
        return frame

    def has(self, table: str) -> bool:
        self._note(table)
        return table in self.tables
