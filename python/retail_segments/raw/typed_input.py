"""The file's columns matched to the canonical ones (by the column mapping, else by their
declared aliases) and the SQL that types each; order-level values filled down an order."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb

from .. import raw_schema
from .errors import AmbiguousDates, AmbiguousDatesError, RawInputError, show
from .layouts import (
    WHOLE_NUMBER_TEXT,
    WHOLE_NUMBER_TEXT_COMMA,
    text_date_expression,
    text_number_expression,
)
from .options import ReadOptions, key
from .sql import lit, q

# the columns as the source declares them (raw_schema: one declaration for every engine)
Column = raw_schema.Column

INTEGER_TYPES = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER"}
FLOAT_TYPES = {"FLOAT", "DOUBLE"}


@dataclass
class TypedInput:
    """The file's columns matched to the declared ones, with the SQL that types each."""

    path: Path
    mapping: dict[str, str]  # canonical name -> the file's column
    source_types: dict[str, str]  # the file's column -> its type as read
    typed: dict[str, str] = field(default_factory=dict)  # canonical name -> typing SQL
    # canonical name -> how its text was read ("day first", "decimal comma", ...): the
    # files of one history must agree
    layouts: dict[str, str] = field(default_factory=dict)
    rows: int = 0  # lines in the file (counted by find_problems)
    currencies: tuple[str, ...] = ()  # the currency codes its Currency column holds

    def select(self, source: str = "input") -> str:
        """The typed lines in the canonical layout, numbered in file order, read from
        `source` (the view `input`, or the SQL it stands for)."""
        expressions = [
            f"cast({self.typed[column.name]} as {column.sql_type}) as {column.name}"
            for column in raw_schema.columns()
        ]
        return "select " + ", ".join(expressions) + f", source_row_number from {source}"


def type_input(
    conn: duckdb.DuckDBPyConnection,
    path: Path,
    options: ReadOptions | None = None,
    decimal_comma_first: bool = False,
) -> TypedInput:
    """Match the columns of the view `input` to the declared ones (raises when a required
    one is missing) and write the SQL that types each: null where a value present in the
    file cannot be typed, so that the checks can count those. `decimal_comma_first`: a
    number column that reads both ways is read with a decimal comma (a `;`-separated file)."""
    options = options or ReadOptions()
    described = conn.sql("describe input").fetchall()
    found = [r[0] for r in described if r[0] != "source_row_number"]
    mapping = _map_columns(found, path, options)
    source_types = {r[0]: r[1] for r in described}
    if options.fill_down:
        _fill_down_orders(conn, mapping, source_types, options.fill_down)
    typed_input = TypedInput(path, mapping, source_types)
    ambiguous: dict[str, tuple] = {}
    for column in raw_schema.columns():
        source = typed_input.mapping.get(column.name)
        if source is None:
            typed_input.typed[column.name] = f"cast(null as {column.sql_type})"
            continue
        source_type = typed_input.source_types[source].upper()
        try:
            typed, layout = _typed(conn, column, source, source_type, options, decimal_comma_first)
        except AmbiguousDatesError as error:
            ambiguous[column.name] = (column, source, source_type, error.readings)
            continue
        typed_input.typed[column.name] = typed
        if layout:
            typed_input.layouts[column.name] = layout
    # a date column that reads two ways (a few cancellation times, every day 12 or below)
    # takes the layout another date column of the same file was read in
    for name, (column, source, source_type, readings) in ambiguous.items():
        layouts = [layout for layout, _ in readings]
        decided = next(
            (layout for layout in typed_input.layouts.values() if layout in layouts), None
        )
        if decided is None:
            raise AmbiguousDates(path, name, readings)
        typed, layout = _typed(
            conn, column, source, source_type, replace(options, date_format=decided)
        )
        typed_input.typed[name], typed_input.layouts[name] = typed, layout
    return typed_input


def _fill_down_orders(conn, mapping: dict, source_types: dict, columns: tuple[str, ...]) -> None:
    """Replace the view `input` by one where a line without a value in `columns` takes the
    first value of its order (its invoice number), in file order: an export that writes
    order-level fields on an order's first line only."""
    invoice = q(mapping[raw_schema.order_column()])
    replaced = []
    for canonical in columns:
        source = mapping.get(canonical)
        if source is None:
            continue
        ref = q(source)
        value = f"nullif(trim({ref}), '')" if source_types[source].upper() == "VARCHAR" else ref
        replaced.append(
            f"coalesce({value}, first_value({value} ignore nulls) over (partition by "
            f"{invoice} order by source_row_number rows between unbounded preceding and "
            f"unbounded following)) as {ref}"
        )
    if replaced:
        conn.execute("alter view input rename to input_as_written")
        conn.execute(
            f"create view input as select * replace ({', '.join(replaced)}) from input_as_written"
        )


def _typed(
    conn,
    column: Column,
    source: str,
    source_type: str,
    options: ReadOptions,
    decimal_comma_first: bool = False,
) -> tuple[str, str]:
    """SQL typing one column (null where a present value cannot be typed), and how a text
    column's dates or numbers were read ('' for the others)."""
    ref = q(source)
    text = f"trim(cast({ref} as varchar))"
    if column.sql_type == "VARCHAR":
        return f"cast({ref} as varchar)", ""
    if column.sql_type == "TIMESTAMP":
        if source_type.startswith("TIMESTAMP WITH TIME ZONE"):
            return f"timezone({lit(options.time_zone)}, {ref})", ""
        if source_type.startswith(("TIMESTAMP", "DATE")):
            return f"try_cast({ref} as timestamp)", ""
        return text_date_expression(conn, ref, options.time_zone, options.date_format)
    if column.sql_type == "DOUBLE":
        if source_type in INTEGER_TYPES | FLOAT_TYPES or source_type.startswith("DECIMAL"):
            number, layout = f"cast({ref} as double)", ""
        else:
            number, layout = text_number_expression(
                conn, text, options.decimal_separator, decimal_comma_first
            )
        # 'nan' and 'inf' are no prices
        return f"case when isfinite({number}) then {number} end", layout
    # whole numbers, as HUGEINT so that a huge one is reported as out of range
    if source_type in INTEGER_TYPES:
        return f"cast({ref} as hugeint)", ""
    if source_type in FLOAT_TYPES or source_type.startswith("DECIMAL"):
        # a column stored as numbers (Parquet) types without a detour through text:
        # 6.0 is a whole number; 6.5 is not (null, and reported by the check)
        return (
            f"case when isfinite(cast({ref} as double)) and {ref} = trunc({ref}) "
            f"then try_cast({ref} as hugeint) end"
        ), ""
    if options.decimal_separator == ",":
        # "6", "6,0" and "1.000" (a thousand) are whole numbers; "6,5" is not
        return (
            f"case when regexp_full_match({text}, {lit(WHOLE_NUMBER_TEXT_COMMA)}) "
            f"then try_cast(replace(regexp_replace({text}, ',0*$', ''), '.', '') as hugeint) "
            "end"
        ), ""
    # "6", "6.0" are whole numbers; "6.5", "6,0", "1e3" or "six" are not
    return (
        f"case when regexp_full_match({text}, {lit(WHOLE_NUMBER_TEXT)}) "
        f"then try_cast(regexp_replace({text}, '\\.0*$', '') as hugeint) end"
    ), ""


def _map_columns(found: list[str], path: Path, options: ReadOptions) -> dict[str, str]:
    """canonical name -> column name in the file: the mapping's header, else the first
    declared alias found; raises when a mapped header or a required column is missing."""
    by_key = {key(c): c for c in found}
    shown = ", ".join(show(name, 30) for name in found[:12])
    shown += f" and {len(found) - 12} more" if len(found) > 12 else ""
    mapping = {}
    for canonical, header in options.mapping.items():
        match = header if header in found else by_key.get(key(header))
        if match is None:
            raise RawInputError(
                f"{options.columns_origin}: header '{show(header)}' (mapped to {canonical}) "
                f"is not in {path.name} (found: {shown})"
            )
        mapping[canonical] = match
    taken = set(mapping.values())
    # a column the mapping names stands for its group: its siblings are not looked for
    # (a file with both a unit price and a line total, mapped to LineAmount, loads)
    mapped_groups = {c.one_of for c in raw_schema.columns() if c.one_of and c.name in mapping}
    for column in raw_schema.columns():
        if column.name in mapping or (column.one_of and column.one_of in mapped_groups):
            continue
        match = next(
            (
                by_key[key(a)]
                for a in column.aliases
                if key(a) in by_key and by_key[key(a)] not in taken
            ),
            None,
        )
        if match is not None:
            mapping[column.name] = match
            taken.add(match)
        elif column.required:
            raise RawInputError(
                f"{path.name}: required column {column.name} is missing "
                f"(accepted names: {', '.join(column.aliases)}; found: {shown}"
                + ("; map it with --columns" if not options.columns else "")
                + ")"
            )
    _check_column_groups(mapping, path, shown, options)
    return mapping


def _check_column_groups(mapping: dict, path: Path, shown: str, options: ReadOptions) -> None:
    """Columns that stand for each other (UnitPrice or LineAmount; UnitCost or LineProfit):
    at most one of a group, and one of a required group."""
    groups: dict[str, list[Column]] = {}
    for column in raw_schema.columns():
        if column.one_of:
            groups.setdefault(column.one_of, []).append(column)
    for members in groups.values():
        names = [column.name for column in members]
        given = [name for name in names if name in mapping]
        if len(given) > 1:
            raise RawInputError(
                f"{path.name}: {' and '.join(given)} are both given "
                f"({', '.join(repr(mapping[name]) for name in given)}); they stand for each "
                "other: map one"
            )
        if not given and any(column.one_of_required for column in members):
            accepted = "; ".join(f"{c.name}: {', '.join(c.aliases)}" for c in members)
            raise RawInputError(
                f"{path.name}: required column {' or '.join(names)} is missing "
                f"(accepted names: {accepted}; found: {shown}"
                + ("; map it with --columns" if not options.columns else "")
                + ")"
            )
