"""The checks on the values: every value types, required values are there, values lie
within sane bounds, one currency; the files of one history write dates and numbers alike."""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb

from .. import raw_schema
from ..raw_schema import Column
from .errors import RawInputError, show
from .sql import q

if TYPE_CHECKING:
    from .readers import RawInvoiceReader
    from .typed_input import TypedInput

# Values outside these bounds are refused: no shop line is that large, and they would
# overflow sums or revenues further down.
QUANTITY_LIMIT = 1_000_000_000
PRICE_LIMIT = 1_000_000_000
FIRST_DATE, LAST_DATE = "1990-01-01", "2100-12-31"


def find_problems(conn: duckdb.DuckDBPyConnection, typed_input: TypedInput) -> list[str]:
    """One pass over the file: required values are there, every value types and lies
    within bounds, and there are rows; then one currency. Every problem, each one line:
    the currency's, then the columns' in column order."""
    name = typed_input.path.name
    checks = []  # (column, kind, condition, example)
    touch = []  # the other columns are read too, so a damaged page shows now
    for column in raw_schema.columns():
        source = typed_input.mapping.get(column.name)
        if source is None:
            continue
        ref, typed = q(source), typed_input.typed[column.name]
        if typed_input.source_types[source].upper() == "VARCHAR":
            present = f"nullif(trim({ref}), '') is not null"
            example = f"trim({ref})"
        else:
            present = f"{ref} is not null"
            example = f"cast({ref} as varchar)"
        if column.values_required:
            checks.append((column, "empty", f"not ({present})", "null"))
        if column.sql_type == "VARCHAR":
            touch.append(f"count({ref})")
            continue
        checks.append((column, "invalid", f"{present} and {typed} is null", example))
        checks.append((column, "out_of_range", f"not ({_in_bounds(column, typed)})", example))
    aggregates = "".join(
        f", count(*) filter (where {condition}), "
        f"min(source_row_number) filter (where {condition}), "
        f"arg_min({example}, source_row_number) filter (where {condition})"
        for _, _, condition, example in checks
    )
    row = conn.sql(
        f"select count(*){aggregates}{''.join(', ' + t for t in touch)} from input"
    ).fetchall()[0]
    typed_input.rows = row[0]
    if row[0] == 0:
        return [f"{name}: the file has a header but no rows"]
    problems = _currency_problems(conn, typed_input)
    for index, (column, kind, _, _) in enumerate(checks):
        count, line, example = row[1 + 3 * index : 4 + 3 * index]
        if count:
            layout = typed_input.layouts.get(column.name, "")
            problems.append(
                f"{name}: column {column.name} "
                + _problem(column, kind, count, line, example, layout)
            )
    return problems


def _currency_problems(conn: duckdb.DuckDBPyConnection, typed_input: TypedInput) -> list[str]:
    """Notes the currency codes the file's Currency column holds (none without the column)
    on `typed_input`; a problem where they are more than one."""
    name = typed_input.path.name
    currency_column = raw_schema.currency_column()
    currency = typed_input.mapping.get(currency_column)
    if currency is None:
        return []
    code = f"upper(trim(cast({q(currency)} as varchar)))"
    typed_input.currencies = tuple(
        r[0]
        for r in conn.sql(
            f"select distinct {code} from input where nullif({code}, '') is not null order by 1"
        ).fetchall()
    )
    if len(typed_input.currencies) > 1:
        return [
            f"{name}: column {currency_column} holds {len(typed_input.currencies)} "
            f"currencies ({', '.join(typed_input.currencies[:5])}); one build is one "
            "currency: build each currency's orders apart"
        ]
    return []


def same_layouts(earlier: list[RawInvoiceReader], other: RawInvoiceReader) -> None:
    """Files of one history write their dates and numbers alike: a file whose days all fall
    on or before the 12th reads month first too, and would put its lines in other months
    than the file beside it that reads day first. `other` is held to the first of the
    files before it that has values in the column (an empty column has no layout)."""
    for column, layout in other.layouts.items():
        first = next((r for r in earlier if r.layouts.get(column)), None)
        expected = first.layouts[column] if first else None
        if expected and layout != expected:
            raise RawInputError(
                f"{other.path.name}: column {column} reads as {layout}, but {first.path.name} "
                f"as {expected}; the files of one history must write it alike "
                "(set var decimal_separator for numbers)"
            )


def same_currency(earlier: list[RawInvoiceReader], other: RawInvoiceReader) -> None:
    """The files of one history are in one currency: `other` in that of the files before."""
    mine = other.typed_input.currencies if other.typed_input else ()
    for reader in earlier:
        theirs = reader.typed_input.currencies if reader.typed_input else ()
        if not mine or not theirs or mine == theirs:
            continue
        raise RawInputError(
            f"{other.path.name}: column {raw_schema.currency_column()} is {', '.join(mine)}, but "
            f"{reader.path.name} is in {', '.join(theirs)}; one build is one currency: "
            "build each currency's orders apart"
        )


def _in_bounds(column: Column, typed: str) -> str:
    """SQL: the typed value is null or within the column's bounds."""
    if column.sql_type == "TIMESTAMP":
        return (
            f"{typed} is null or ({typed} >= timestamp '{FIRST_DATE}' "
            f"and {typed} < timestamp '{LAST_DATE}' + interval 1 day)"
        )
    limit = QUANTITY_LIMIT if column.sql_type == "BIGINT" else PRICE_LIMIT
    return f"{typed} is null or abs({typed}) <= {limit}"


def _problem(column: Column, kind: str, count: int, line: int, example, layout: str = "") -> str:
    """What is wrong with a column, for the one-line message after 'column X '. `layout`:
    how its text dates were read, named in a message about dates."""
    date_layout = layout if column.sql_type == "TIMESTAMP" else ""
    if kind == "empty":
        return f"is empty on {count} lines, e.g. line {line}"
    if kind == "invalid":
        what = {"BIGINT": "whole numbers", "DOUBLE": "numbers", "TIMESTAMP": "dates"}
        return (
            f"has {count} values that are not {what[column.sql_type]}"
            + (f" in the layout {date_layout}" if date_layout else "")
            + f", e.g. '{show(example)}' on line {line}"
        )
    if column.sql_type == "TIMESTAMP":
        bounds = f"dates outside {FIRST_DATE}..{LAST_DATE}"
        bounds += f" when read as {date_layout}" if date_layout else ""
    else:
        limit = QUANTITY_LIMIT if column.sql_type == "BIGINT" else PRICE_LIMIT
        bounds = f"values beyond ±{limit:,}"
    return f"has {count} {bounds}, e.g. '{show(example)}' on line {line}"
