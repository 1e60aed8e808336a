"""The raw invoice file's columns, as the source declares them once
(models/staging/online_retail/_online_retail__sources.yml: name, data_type and meta aliases,
required, values_required). The DuckDB loader reads the declaration here; the Spark macro
register_raw_files reads the same list from dbt's graph."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from .settings import project_dir

SOURCE_FILE = Path("models") / "staging" / "online_retail" / "_online_retail__sources.yml"
# added by the loader, not read from the file
LOADER_COLUMNS = {"source_row_number", "source_file", "source_line_number"}


@dataclass(frozen=True)
class Column:
    name: str  # canonical (Online Retail) name
    aliases: tuple[str, ...]  # accepted spellings, compared case- and space-insensitively
    sql_type: str  # DuckDB type: VARCHAR, BIGINT (whole numbers), DOUBLE or TIMESTAMP
    required: bool = True  # the file must have the column
    values_required: bool = True  # every line must have a value in it
    identifies_order: bool = False  # the lines of one order share its value
    holds_currency: bool = False  # the orders' currency code (one build is one currency)
    # columns of one group (price: UnitPrice or LineAmount) stand for each other: a file
    # gives at most one of a group, and exactly one where the group is required
    one_of: str = ""
    one_of_required: bool = False


@cache
def columns(project: Path | None = None) -> tuple[Column, ...]:
    """The declared columns of the raw file, in the canonical order."""
    path = (project or project_dir()) / SOURCE_FILE
    document = yaml.safe_load(path.read_text())
    (table,) = (
        table
        for source in document["sources"]
        if source["name"] == "online_retail"
        for table in source["tables"]
        if table["name"] == "invoice_lines"
    )
    declared = []
    for column in table["columns"]:
        if column["name"] in LOADER_COLUMNS:
            continue
        meta = column["meta"]
        declared.append(
            Column(
                name=column["name"],
                aliases=tuple(str(alias) for alias in meta["aliases"]),
                sql_type=column["data_type"].upper(),
                required=bool(meta["required"]),
                values_required=bool(meta["values_required"]),
                identifies_order=bool(meta.get("identifies_order", False)),
                holds_currency=bool(meta.get("holds_currency", False)),
                one_of=str(meta.get("one_of", "")),
                one_of_required=bool(meta.get("one_of_required", False)),
            )
        )
    return tuple(declared)


def order_column(project: Path | None = None) -> str:
    """The column whose value the lines of one order share (the invoice number)."""
    (name,) = (column.name for column in columns(project) if column.identifies_order)
    return name


def currency_column(project: Path | None = None) -> str:
    """The column that holds the orders' currency code."""
    (name,) = (column.name for column in columns(project) if column.holds_currency)
    return name
