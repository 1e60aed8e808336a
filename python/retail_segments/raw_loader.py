"""Load the shop's raw invoice files (Parquet, CSV, XLSX) into DuckDB as the dbt source
`raw.invoice_lines`, in one canonical layout, as one history.

It is a dbt-duckdb plugin (see `profiles.yml`): dbt-duckdb calls `Plugin.load` when a
model selects from the source, and materialises what it returns as the source table.

What it does, and nothing more:
- finds the files: the source meta `raw_path` (dbt var `raw_invoices`, else the environment
  variable `RAW_INVOICES`): files, or folders of them read in natural name order; with
  neither, the project's synthetic default data;
- recognises the Online Retail and the Online Retail II column layouts, and any other
  through a column mapping (`ReadOptions`: var `raw_columns` or `RAW_COLUMNS`);
- reads dates with an offset (var `time_zone`) and numbers with a decimal comma;
- reads every sheet of a workbook, and CSV in UTF-8 or ISO-8859-1;
- checks that every value can be typed, that required values are there and within sane
  bounds, and raises `RawInputError` with one line naming the file, the column and an
  example line when they are not (a damaged file gets the same one line, never a trace);
- reads exactly the file named, even when its name holds glob characters (* ? [ ]);
- returns typed columns in the Online Retail layout plus `source_row_number` (the line's
  1-based position in the input), `source_file` and `source_line_number` (its file and its
  position there), streamed as Arrow batches so large files need bounded memory.

Cleaning (text normalisation, duplicates, cancellations, ...) happens in dbt SQL models.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import tempfile
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb
import pyarrow as pa
import yaml

from . import raw_schema, synthetic

SUPPORTED_EXTENSIONS = (".parquet", ".csv", ".xlsx")


# Values outside these bounds are refused: no shop line is that large, and they would
# overflow sums or revenues further down.
QUANTITY_LIMIT = 1_000_000_000
PRICE_LIMIT = 1_000_000_000
FIRST_DATE, LAST_DATE = "1990-01-01", "2100-12-31"

# what reading a damaged file may raise, besides RawInputError
READ_ERRORS = (duckdb.Error, OSError, ValueError, KeyError, ArithmeticError, pa.ArrowException)

# DuckDB's file readers expand these as glob patterns
GLOB_CHARACTERS = frozenset("*?[]{}")


class RawInputError(Exception):
    """The raw invoice file cannot be used; the message says why, in one line."""

    def __init__(self, message: str):
        super().__init__(_one_line(str(message)))


def _one_line(text: str, limit: int = 400) -> str:
    """`text` with control characters escaped (a message stays one line), shortened."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _show(value, limit: int = 40) -> str:
    """A value from the file, as an example in a message: one line, short."""
    return _one_line(str(value), limit)


def _first_line(error: BaseException) -> str:
    """The first line of an error, without DuckDB's error class and any file path in it
    (the message starts with the file's name already)."""
    text = str(error).strip()
    line = text.splitlines()[0] if text else type(error).__name__
    line = re.sub(r"^(Invalid Input|IO|Invalid|Conversion|Binder) Error: ", "", line)
    return re.sub(r"""\s*["'][^"']*/[^"']*["']""", "", line).strip() or line


# the columns as the source declares them (raw_schema: one declaration for every engine)
Column = raw_schema.Column

INTEGER_TYPES = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER"}
FLOAT_TYPES = {"FLOAT", "DOUBLE"}

# Text dates: day first, month first (a four- or two-digit year) or year first (four
# digits), with one separator, with or without a time (hours:minutes, seconds, fractions
# of a second, or a 12-hour clock with AM/PM), besides ISO 8601. A column is read in the
# layout that reads every value as a date within FIRST_DATE..LAST_DATE, detected on the
# whole column: a day above 12 tells day first from month first, and a two-digit year read
# as four digits falls before FIRST_DATE. Where two orders read every value, the column
# cannot be told apart and the build stops (var date_format settles it), unless another
# date column of the file or another file of the history was read in one of them. A grid
# written out here rather than a parser's guess: pandas and dateutil guess a layout from
# the first value, not the whole column, and read each value in Python; this is one SQL
# pass over the column for every layout.
DATE_ORDERS = {
    "day first": "%d{sep}%m{sep}{year}",
    "month first": "%m{sep}%d{sep}{year}",
    "year first": "{year}{sep}%m{sep}%d",
}
DATE_SEPARATORS = ("/", ".", "-")
TIME_SUFFIXES = (
    "",
    " %H:%M",
    " %H:%M:%S",
    " %H:%M:%S.%f",
    " %I:%M %p",
    " %I:%M:%S %p",
)
ISO_LAYOUT = "ISO 8601"


def text_date_layouts() -> dict[str, str]:
    """layout name ('%d/%m/%y') -> its order's name: day, month or year first."""
    return {
        order.format(sep=sep, year=year): (name)
        for year in ("%Y", "%y")
        for sep in DATE_SEPARATORS
        for name, order in DATE_ORDERS.items()
        # a two-digit year first (05-01-13) would make most day-first columns read two
        # ways (25/12/19 is also 2025-12-19): it is read only by var date_format
        if not (name == "year first" and year == "%y")
    }


def date_formats(layout: str) -> list[str]:
    """The strptime formats of a layout: as given where it has a time, else with each time."""
    if "%H" in layout:
        return [layout]
    return [layout + suffix for suffix in TIME_SUFFIXES]


class AmbiguousDatesError(Exception):
    """A text date column reads completely both day first and month first."""

    def __init__(self, readings: tuple[tuple[str, str], ...]):
        super().__init__(readings)
        self.readings = readings  # (layout, its order) for each order that reads the column


@dataclass(frozen=True)
class ReadOptions:
    """How to read the shop's files (the same for every file of one build).

    columns: canonical name -> the file's header (a column mapping); unmapped names are
        found by their declared aliases.
    columns_origin: where the mapping came from, for messages (a file name, or the var).
    time_zone: times with an offset or Z are converted to this zone's wall time; times
        without one are taken as written (already in it).
    decimal_separator: '.' or ','; None reads whichever one reads every value of a column.
    date_format: the strptime layout of text dates ('%d/%m/%y'; a time may follow it);
        None detects it from the whole column (see text_date_layouts).
    fill_down: canonical columns an export writes on the first line of an order only
        (Shopify's e-mail and country): a line without a value takes its order's.
    """

    columns: tuple[tuple[str, str], ...] = ()
    fill_down: tuple[str, ...] = ()
    columns_origin: str = ""
    time_zone: str = "UTC"
    decimal_separator: str | None = None
    date_format: str | None = None

    @property
    def mapping(self) -> dict[str, str]:
        return dict(self.columns)


def read_options(
    columns=None,
    time_zone: str | None = None,
    decimal_separator: str | None = None,
    date_format: str | None = None,
) -> ReadOptions:
    """ReadOptions from the dbt vars raw_columns (a mapping, or its YAML file's path),
    time_zone, decimal_separator and date_format (or the mapping's own `date_format:`
    line, the layout's); RAW_COLUMNS (a mapping file, set by `segments build
    --columns`) when the var is empty. Raises RawInputError on a bad mapping."""
    origin = "var raw_columns"
    if isinstance(columns, str) and columns.strip().startswith(("{", '"')):
        try:  # the var as the source's meta renders it (JSON); else a file's path
            columns = json.loads(columns)
        except json.JSONDecodeError:
            pass
    if not columns:
        columns = os.environ.get("RAW_COLUMNS", "").strip() or None
    if isinstance(columns, (str, Path)):
        path = Path(columns).expanduser()
        origin = path.name
        try:
            columns = yaml.safe_load(path.read_text(encoding="utf-8"))
        except OSError as error:
            raise RawInputError(
                f"{path.name}: cannot read the column mapping: {error.strerror}"
            ) from None
        except yaml.YAMLError as error:
            raise RawInputError(
                f"{path.name}: the column mapping is not YAML: {_first_line(error)}"
            ) from None
    document = dict(columns or {}) if isinstance(columns, dict) else columns
    fill_down = _fill_down(
        document.pop(FILL_DOWN_KEY, None) if isinstance(document, dict) else None, origin
    )
    mapped_format = document.pop(DATE_FORMAT_KEY, None) if isinstance(document, dict) else None
    date_format = _date_format(date_format, "var date_format") or _date_format(
        mapped_format, f"{origin}: date_format"
    )
    mapping = column_mapping(document or {}, origin)
    separator = (decimal_separator or "").strip() or None
    if separator not in (None, ".", ","):
        raise RawInputError(f"var decimal_separator is '{_show(separator)}'; use '.' or ','")
    zone = (time_zone or "").strip() or "UTC"
    return ReadOptions(
        columns=tuple(mapping.items()),
        columns_origin=origin,
        time_zone=zone,
        decimal_separator=separator,
        fill_down=fill_down,
        date_format=date_format,
    )


# the key of a mapping that lists its order-level columns (not a column)
FILL_DOWN_KEY = "fill_down"
# ... and the key that gives its layout of text dates
DATE_FORMAT_KEY = "date_format"


def _date_format(value, origin: str) -> str | None:
    """A strptime date layout with a day, a month and a year, or None when not set."""
    text = str(value).strip() if value is not None else ""
    if not text:
        return None
    if not all(code in text for code in ("%d", "%m")) or not ("%Y" in text or "%y" in text):
        raise RawInputError(
            f"{origin} is '{_show(text)}'; give a strptime layout with %d, %m and %Y or %y, "
            "e.g. '%d/%m/%y' (a time may follow: '%d/%m/%Y %H:%M')"
        )
    return text


def _fill_down(value, origin: str) -> tuple[str, ...]:
    """The canonical columns to carry down an order: any but InvoiceNo itself."""
    if value is None:
        return ()
    names = [value] if isinstance(value, str) else value
    declared = {_key(column.name): column.name for column in raw_schema.columns()}
    columns = []
    for name in names if isinstance(names, list) else [names]:
        canonical = declared.get(_key(str(name)))
        if canonical is None or canonical == raw_schema.order_column():
            raise RawInputError(
                f"{origin}: fill_down lists '{_show(name)}'; list canonical columns other "
                f"than {raw_schema.order_column()}, e.g. [CustomerID, Country]"
            )
        columns.append(canonical)
    return tuple(dict.fromkeys(columns))


def column_mapping(document, origin: str) -> dict[str, str]:
    """canonical name -> the file's header, from `Canonical: File header` pairs. An unknown
    canonical name, a name given twice or a header mapped twice is a one-line error."""
    if not isinstance(document, dict):
        raise RawInputError(
            f"{origin}: the column mapping must be lines of 'Canonical: File header'"
        )
    declared = {_key(column.name): column.name for column in raw_schema.columns()}
    mapping: dict[str, str] = {}
    headers: dict[str, str] = {}
    for name, header in document.items():
        canonical = declared.get(_key(name))
        if canonical is None:
            raise RawInputError(
                f"{origin}: unknown column '{_show(name)}' (the canonical names are "
                f"{', '.join(declared.values())})"
            )
        if canonical in mapping:
            raise RawInputError(f"{origin}: {canonical} is mapped twice")
        if not isinstance(header, str) or not header.strip():
            raise RawInputError(f"{origin}: {canonical} must name one header of the file")
        if header in headers:
            raise RawInputError(
                f"{origin}: header '{_show(header)}' is mapped twice "
                f"({headers[header]} and {canonical})"
            )
        mapping[canonical] = header
        headers[header] = canonical
    return mapping


def _key(name: str) -> str:
    return (
        " ".join(str(name).strip().lower().replace("_", " ").split()).replace(" ", "")
        if name is not None
        else ""
    )


def _q(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def raw_path_list(configured) -> list[Path]:
    """The paths the user named: the var (a path, or a list of paths) else RAW_INVOICES
    (one path a line)."""
    if isinstance(configured, str) and configured.strip().startswith(("[", '"')):
        try:  # the var as the source's meta renders it (JSON); else a path as it is
            configured = json.loads(configured)
        except json.JSONDecodeError:
            pass
    if isinstance(configured, (list, tuple)):
        values = [str(value) for value in configured]
    else:
        values = str(configured or "").strip().splitlines()
        if not [v for v in values if v.strip()]:
            values = os.environ.get("RAW_INVOICES", "").strip().splitlines()
    return [Path(v.strip()).expanduser().resolve() for v in values if v.strip()]


def raw_files(paths: list[Path]) -> list[Path]:
    """The files to read, in order: each path named, a folder as every .csv, .parquet and
    .xlsx file in it, in natural name order (numbers by value: part_2 before part_10; not
    its subfolders; hidden files skipped)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(
                (
                    entry
                    for entry in path.iterdir()
                    if entry.is_file()
                    and not entry.name.startswith(".")
                    and entry.suffix.lower() in SUPPORTED_EXTENSIONS
                ),
                key=_natural_key,
            )
            if not found:
                raise RawInputError(
                    f"{path.name}: the folder holds no {', '.join(SUPPORTED_EXTENSIONS)} file"
                )
            files.extend(found)
        else:
            files.append(path)
    if len(set(files)) != len(files):
        twice = next(f for f in files if files.count(f) > 1)
        raise RawInputError(f"{twice.name}: the file is named twice")
    return files


def _natural_key(path: Path) -> list:
    """Names in natural order: orders_export_2.csv before orders_export_10.csv."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", path.name)]


def file_labels(files: list[Path]) -> list[str]:
    """How the lines name their file: its name, or its whole path where two files in
    different folders share a name."""
    names = [f.name for f in files]
    return [f.name if names.count(f.name) == 1 else str(f) for f in files]


def default_synthetic_path(warehouse_path: str | None, customers: int, seed: int) -> Path:
    base = os.environ.get("SEGMENTS_DATA_DIR")
    if base:
        folder = Path(base)
    elif warehouse_path and warehouse_path != ":memory:":
        # beside the warehouse's name, not inside the release its link points to
        folder = Path(warehouse_path).absolute().parent.resolve() / "synthetic"
    else:
        folder = Path.cwd() / "synthetic"
    name = f"online_retail_synthetic_v{synthetic.GENERATOR_VERSION}_c{customers}_s{seed}.parquet"
    return folder / name


def ensure_synthetic(path: Path, customers: int, seed: int) -> Path:
    """Generate the default data once; later builds reuse the file (same seed, same bytes)."""
    beside = (synthetic.truth_path_for(path), synthetic.product_themes_path_for(path))
    if not path.exists() or not all(p.exists() for p in beside):
        synthetic.generate(path, customers=customers, seed=seed)
    return path


def _map_columns(found: list[str], path: Path, options: ReadOptions) -> dict[str, str]:
    """canonical name -> column name in the file: the mapping's header, else the first
    declared alias found; raises when a mapped header or a required column is missing."""
    by_key = {_key(c): c for c in found}
    shown = ", ".join(_show(name, 30) for name in found[:12])
    shown += f" and {len(found) - 12} more" if len(found) > 12 else ""
    mapping = {}
    for canonical, header in options.mapping.items():
        match = header if header in found else by_key.get(_key(header))
        if match is None:
            raise RawInputError(
                f"{options.columns_origin}: header '{_show(header)}' (mapped to {canonical}) "
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
                by_key[_key(a)]
                for a in column.aliases
                if _key(a) in by_key and by_key[_key(a)] not in taken
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


# A whole number as text: "6", "-6", "+6", "6.0", "6." (a float export of a whole number)
WHOLE_NUMBER_TEXT = r"[+-]?[0-9]+(\.0*)?"
# ... where the decimal separator is a comma: "6", "6,0", "1.000" (a thousand)
WHOLE_NUMBER_TEXT_COMMA = r"[+-]?([1-9][0-9]{0,2}(\.[0-9]{3})+|[0-9]+)(,0*)?"


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
    invoice = _q(mapping[raw_schema.order_column()])
    replaced = []
    for canonical in columns:
        source = mapping.get(canonical)
        if source is None:
            continue
        ref = _q(source)
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
    ref = _q(source)
    text = f"trim(cast({ref} as varchar))"
    if column.sql_type == "VARCHAR":
        return f"cast({ref} as varchar)", ""
    if column.sql_type == "TIMESTAMP":
        if source_type.startswith("TIMESTAMP WITH TIME ZONE"):
            return f"timezone({_lit(options.time_zone)}, {ref})", ""
        if source_type.startswith(("TIMESTAMP", "DATE")):
            return f"try_cast({ref} as timestamp)", ""
        return _text_date_expression(conn, ref, options.time_zone, options.date_format)
    if column.sql_type == "DOUBLE":
        if source_type in INTEGER_TYPES | FLOAT_TYPES or source_type.startswith("DECIMAL"):
            number, layout = f"cast({ref} as double)", ""
        else:
            number, layout = _text_number_expression(
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
            f"case when regexp_full_match({text}, {_lit(WHOLE_NUMBER_TEXT_COMMA)}) "
            f"then try_cast(replace(regexp_replace({text}, ',0*$', ''), '.', '') as hugeint) "
            "end"
        ), ""
    # "6", "6.0" are whole numbers; "6.5", "6,0", "1e3" or "six" are not
    return (
        f"case when regexp_full_match({text}, {_lit(WHOLE_NUMBER_TEXT)}) "
        f"then try_cast(regexp_replace({text}, '\\.0*$', '') as hugeint) end"
    ), ""


# Numbers written as text, by their decimal separator: '.' (1234.5, 1,234.5) or ','
# (1234,5, 1.234,5). A group separator must group thousands after a first digit other than
# 0, so '1,5' is never 15 and '0,850' never 850.
NUMBER_LAYOUTS = {
    ".": (r"[+-]?([1-9][0-9]{0,2}(,[0-9]{3})+|[0-9]*)(\.[0-9]*)?([eE][+-]?[0-9]+)?", ",", "."),
    ",": (r"[+-]?([1-9][0-9]{0,2}(\.[0-9]{3})+|[0-9]*)(,[0-9]*)?", ".", ","),
}


def _number_in_layout(text: str, separator: str) -> str:
    pattern, group, decimal = NUMBER_LAYOUTS[separator]
    plain = f"replace(replace({text}, {_lit(group)}, ''), {_lit(decimal)}, '.')"
    return (
        f"case when regexp_full_match({text}, {_lit(pattern)}) then try_cast({plain} as double) end"
    )


def _text_number_expression(
    conn, text: str, separator: str | None, decimal_comma_first: bool = False
) -> tuple[str, str]:
    """Numbers as text: in the declared decimal layout, else the first of DuckDB's own
    reading (14.5, 1e3), the '.' layout (1,234.5) and the ',' layout (14,5; 1.234,5) that
    reads every value of the column (the ',' layout first in a `;`-separated file, where
    '1,250' is more likely 1.25 than 1250), else the one that reads the most. A value none
    reads stays null (or 'nan', 'inf': non-finite) and is reported by the check. Returns the
    SQL and the layout's name."""
    if separator:
        return _number_in_layout(text, separator), f"decimal {NUMBER_NAMES[separator]}"
    candidates = [
        (f"try_cast({text} as double)", "decimal point"),
        (_number_in_layout(text, "."), "decimal point"),
        (_number_in_layout(text, ","), "decimal comma"),
    ]
    if decimal_comma_first:
        candidates = [candidates[0], candidates[2], candidates[1]]
    if not _has_values(conn, f"nullif({text}, '')"):
        # an empty column (a month without refunds) has no layout to agree on
        return candidates[0][0], ""
    unread = {}
    for expression, name in candidates:
        unread[(expression, name)] = conn.sql(
            f"select count(*) from input where nullif({text}, '') is not null "
            f"and {expression} is null"
        ).fetchall()[0][0]
        if unread[(expression, name)] == 0:
            return expression, name
    return min(unread, key=unread.get)


NUMBER_NAMES = {".": "point", ",": "comma"}


# an offset at the end of a time (+0100, -05:00, +00) or Z, after an optional space; only
# after a time, so that the year of 13-01-2011 is no offset
TIME_OFFSET = r"([0-9]:[0-9]{2}(:[0-9]{2}([.][0-9]*)?)?)\s*(Z|[+-][0-9]{2}(:?[0-9]{2})?)$"


# the layout of a text date column whose values carry an offset (or Z)
OFFSET_LAYOUT = "ISO 8601 with an offset"


def _text_date_expression(
    conn, ref: str, time_zone: str = "UTC", date_format: str | None = None
) -> tuple[str, str]:
    """How a text date column is read, and the layout's name. A column whose times carry an
    offset or Z is read as instants and written as wall times of `time_zone`; a declared
    `date_format` is used as it is; else the layout that reads every value (see
    text_date_layouts), or the one that reads the most, whose unread values stay null and
    are reported by the check. Raises AmbiguousDatesError where day first and month first
    both read every value."""
    text = f"nullif(trim(cast({ref} as varchar)), '')"
    with_offset = conn.sql(
        f"select count(*) from input where regexp_matches({text}, {_lit(TIME_OFFSET)})"
    ).fetchall()[0][0]
    if with_offset:
        instant = f"try_cast(regexp_replace({text}, {_lit(TIME_OFFSET)}, '\\1\\4') as timestamptz)"
        return f"timezone({_lit(time_zone)}, {instant})", OFFSET_LAYOUT
    if not _has_values(conn, text):
        # an empty column (a month without cancellations) has no layout to agree on
        return f"try_cast({text} as timestamp)", ""
    if date_format:
        return _strptime(text, date_formats(date_format)), date_format
    layouts = text_date_layouts()
    candidates = {ISO_LAYOUT: f"try_cast({text} as timestamp)"}
    candidates.update({name: _strptime(text, date_formats(name)) for name in layouts})
    in_bounds = f"between timestamp '{FIRST_DATE}' and timestamp '{LAST_DATE}' + interval 1 day"
    unread = conn.sql(
        "select "
        + ", ".join(
            f"count(*) filter (where {text} is not null and not coalesce({e} {in_bounds}, false))"
            for e in candidates.values()
        )
        + " from input"
    ).fetchall()[0]
    unread = dict(zip(candidates, unread, strict=True))
    readers = [name for name, count in unread.items() if count == 0]
    if ISO_LAYOUT in readers or not readers:
        name = ISO_LAYOUT if ISO_LAYOUT in readers else min(unread, key=unread.get)
        return candidates[name], name
    orders = {layouts[name]: name for name in reversed(readers)}
    if len(orders) > 1:
        ranked = sorted(orders.items(), key=lambda item: list(DATE_ORDERS).index(item[0]))
        raise AmbiguousDatesError(tuple((name, order) for order, name in ranked))
    return candidates[readers[0]], readers[0]


def _has_values(conn, value: str) -> bool:
    """Whether the SQL `value` is not null on some line of the view `input`."""
    return bool(conn.sql(f"select count({value}) > 0 from input").fetchall()[0][0])


def _strptime(text: str, formats: list[str]) -> str:
    return f"try_strptime({text}, [{', '.join(_lit(f) for f in formats)}])"


class AmbiguousDates(RawInputError):
    """A file's text dates read completely in two orders, day first and month first say
    (one line, for the user); another date column of the file, or another file of the same
    history, may settle it (type_input, RawInvoiceFiles.check)."""

    def __init__(self, path: Path, column: str, readings: tuple[tuple[str, str], ...]):
        (first, first_order), (second, second_order) = readings[:2]
        why = (
            "no day is above 12"
            if {first_order, second_order} == {"day first", "month first"}
            else "every value reads both ways"
        )
        super().__init__(
            f"{path.name}: column {column} reads as {first} ({first_order}) and as "
            f"{second} ({second_order}): {why}; set var date_format, e.g. "
            f"--vars '{{date_format: \"{first}\"}}', or date_format in the column mapping"
        )
        self.column = column
        self.readings = tuple(layout for layout, _ in readings)


def find_problems(conn: duckdb.DuckDBPyConnection, typed_input: TypedInput) -> list[str]:
    """One pass over the file: required values are there, every value types and lies
    within bounds, and there are rows. Every problem, in column order, each one line."""
    name = typed_input.path.name
    checks = []  # (column, kind, condition, example)
    touch = []  # the other columns are read too, so a damaged page shows now
    for column in raw_schema.columns():
        source = typed_input.mapping.get(column.name)
        if source is None:
            continue
        ref, typed = _q(source), typed_input.typed[column.name]
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
    problems = []
    currency_column = raw_schema.currency_column()
    currency = typed_input.mapping.get(currency_column)
    if currency is not None:
        code = f"upper(trim(cast({_q(currency)} as varchar)))"
        typed_input.currencies = tuple(
            r[0]
            for r in conn.sql(
                f"select distinct {code} from input where nullif({code}, '') is not null order by 1"
            ).fetchall()
        )
        if len(typed_input.currencies) > 1:
            problems.append(
                f"{name}: column {currency_column} holds {len(typed_input.currencies)} "
                f"currencies ({', '.join(typed_input.currencies[:5])}); one build is one "
                "currency: build each currency's orders apart"
            )
    for index, (column, kind, _, _) in enumerate(checks):
        count, line, example = row[1 + 3 * index : 4 + 3 * index]
        if count:
            layout = typed_input.layouts.get(column.name, "")
            problems.append(
                f"{name}: column {column.name} "
                + _problem(column, kind, count, line, example, layout)
            )
    return problems


class RawInvoiceReader:
    """Reads one raw file through a private in-memory DuckDB connection."""

    def __init__(
        self,
        path: Path,
        threads: int | None = None,
        memory_limit: str | None = None,
        options: ReadOptions | None = None,
    ):
        self.path = path
        self.options = options or ReadOptions()
        self.rows = 0  # lines in the file, once checked
        self.layouts: dict[str, str] = {}  # how its text dates and numbers were read
        self._delimiter = ""
        self._link_dir: tempfile.TemporaryDirectory | None = None
        # a Parquet file's view `input` as SQL that any DuckDB connection can run on the
        # file itself (None for CSV and XLSX, read through this connection)
        self._input_sql: str | None = None
        self.typed_input: TypedInput | None = None  # once checked
        self.conn = duckdb.connect()
        if threads:
            self.conn.execute(f"set threads = {int(threads)}")
        if memory_limit:
            self.conn.execute(f"set memory_limit = {_lit(memory_limit)}")
        try:  # times without an offset are the time zone's wall times
            self.conn.execute(f"set TimeZone = {_lit(self.options.time_zone)}")
        except duckdb.Error:
            self.conn.close()
            raise RawInputError(
                f"var time_zone: unknown time zone '{_show(self.options.time_zone)}' "
                "(use a name such as UTC or Europe/London)"
            ) from None

    # -- reading -----------------------------------------------------------------------
    def _register_input(self) -> None:
        path, ext = self.path, self.path.suffix.lower()
        if not path.exists():
            raise RawInputError(f"{path.name}: raw invoice file not found: {path}")
        if path.is_dir():
            raise RawInputError(f"{path.name}: raw invoice path is a folder, not a file: {path}")
        if ext not in SUPPORTED_EXTENSIONS:
            raise RawInputError(
                f"{path.name}: unsupported file type '{ext or '(none)'}'; "
                f"use one of {', '.join(SUPPORTED_EXTENSIONS)}"
            )
        if path.stat().st_size == 0:
            raise RawInputError(f"{path.name}: the file is empty")
        try:
            if ext == ".parquet":
                # the reader's own row index numbers lines in file order, in parallel
                self._input_sql = (
                    f"select * exclude (file_row_number), "
                    f"file_row_number + 1 as source_row_number "
                    f"from read_parquet({_lit(self._plain_path())}, file_row_number = true)"
                )
                self.conn.execute(f"create view input as {self._input_sql}")
            elif ext == ".csv":
                self._register_csv(self._plain_path())
            else:
                self._register_xlsx(path)
        except RawInputError:
            raise
        except READ_ERRORS as error:
            raise RawInputError(
                f"{path.name}: cannot be read as {ext[1:]}: {_first_line(error)}"
            ) from None

    def _plain_path(self) -> str:
        """The path DuckDB reads. DuckDB expands * ? [ ] { } in a path as a glob pattern,
        which could read other files, or none (and takes a backslash for a separator): a
        file whose path holds one is read through a link with a plain name in a private
        temporary folder, so exactly it is read."""
        path = str(self.path)
        if not GLOB_CHARACTERS & set(path) and not (os.sep != "\\" and "\\" in path):
            return path
        if self._link_dir is None:
            self._link_dir = tempfile.TemporaryDirectory(prefix="segments-raw-")
        link = Path(self._link_dir.name) / f"input{self.path.suffix.lower()}"
        if not link.exists():
            try:
                link.symlink_to(self.path.resolve())
            except OSError:  # no symbolic links here: a copy has the same lines
                shutil.copyfile(self.path, link)
        return str(link)

    def _register_csv(self, path: str) -> None:
        """Read a CSV with the dialect its header shows, strictly: DuckDB's sniffer, shown a
        line with a field too many, settles for one column and reads the file as nonsense;
        told the columns, it names the line."""
        delimiter, names = _csv_header(self.path, tuple(self.options.mapping.values()))
        self._delimiter = delimiter
        columns = "{" + ", ".join(f"{_lit(name)}: 'VARCHAR'" for name in names) + "}"
        errors = []
        for encoding in ("utf-8", "latin-1"):
            try:
                self.conn.execute(
                    f"create view input as select *, row_number() over () as source_row_number "
                    f"from read_csv({_lit(path)}, columns = {columns}, header = true, "
                    f"auto_detect = false, delim = {_lit(delimiter)}, quote = '\"', "
                    f"escape = '\"', strict_mode = true, encoding = {_lit(encoding)})"
                )
                # a wrong encoding or a broken line may show anywhere: read it all once,
                # every column (DuckDB checks the encoding of the values it reads)
                every = ", ".join(f"count({_q(name)})" for name in names)
                self.conn.sql(f"select count(*), {every} from input").fetchall()
                return
            except duckdb.Error as error:
                self.conn.execute("drop view if exists input")
                errors.append(error)
                if not _is_encoding_error(error):
                    break
        # a broken line says more than a failed guess of the encoding
        error = next((e for e in errors if not _is_encoding_error(e)), errors[0])
        raise RawInputError(f"{self.path.name}: {_csv_problem(error)}")

    def _register_xlsx(self, path: Path) -> None:
        import pandas as pd

        try:
            sheets = _read_workbook(path)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as error:  # noqa: BLE001 - calamine reports some damage as a Rust panic
            raise RawInputError(
                f"{path.name}: cannot be read as an Excel workbook (xlsx): {_first_line(error)}"
            ) from None
        frames = [frame for frame in sheets.values() if len(frame.columns) > 0]
        if not frames:
            raise RawInputError(f"{path.name}: the workbook has no data")
        columns = [str(c) for c in frames[0].columns]
        for name, frame in zip(sheets, frames, strict=False):
            if [str(c) for c in frame.columns] != columns:
                raise RawInputError(
                    f"{path.name}: sheet '{_show(name)}' has other columns than the first sheet"
                )
        if len(set(columns)) != len(columns):
            raise RawInputError(f"{path.name}: the header names a column twice")
        table = pd.concat(frames, ignore_index=True)
        # Excel cells arrive as Python objects: type them the way a CSV is typed (text),
        # except real datetimes, which keep their type
        arrays = {}
        for column in table.columns:
            values = table[column]
            if pd.api.types.is_datetime64_any_dtype(values) or (
                values.map(lambda v: isinstance(v, pd.Timestamp)).any()
                and values.dropna().map(lambda v: isinstance(v, pd.Timestamp)).all()
            ):
                arrays[str(column)] = pa.array(pd.to_datetime(values), pa.timestamp("us"))
            else:
                arrays[str(column)] = pa.array(
                    [None if _is_missing(v) else _excel_text(v) for v in values], pa.string()
                )
        self._xlsx_table = pa.table(arrays)
        self.conn.register("xlsx_input", self._xlsx_table)
        self.conn.execute(
            "create view input as select *, row_number() over () as source_row_number "
            "from xlsx_input"
        )

    def check(self, checked_before: bool = False) -> str:
        """Open, recognise and check the whole file; returns the typed SELECT over it.
        Raises RawInputError with the first problem. checked_before: the same file was
        checked with the same options in this build already (see checked_stamp): it is
        recognised and typed, but its values are not checked again."""
        self._register_input()
        try:
            options = self.options
            if self.path.suffix.lower() == ".xlsx":
                # a workbook's numbers arrive as text with a decimal point whatever the
                # shop's separator: only its text cells need detecting
                options = replace(options, decimal_separator=None)
            typed_input = type_input(
                self.conn, self.path, options, decimal_comma_first=self._delimiter == ";"
            )
            if checked_before:  # only the count, which offsets the next file's lines
                problems = []
                typed_input.rows = self.conn.sql("select count(*) from input").fetchall()[0][0]
            else:
                problems = find_problems(self.conn, typed_input)
            self.rows, self.layouts = typed_input.rows, typed_input.layouts
            self.typed_input = typed_input
        except duckdb.Error as error:  # DuckDB reads lazily: damage may show only now
            ext = self.path.suffix.lower()
            raise RawInputError(
                f"{self.path.name}: {_csv_problem(error)}"
                if ext == ".csv"
                else f"{self.path.name}: cannot be read as {ext[1:]}: {_first_line(error)}"
            ) from None
        if problems:
            raise RawInputError(problems[0])
        return typed_input.select()

    def read(self, batch_size: int = 500_000) -> pa.RecordBatchReader:
        return self.conn.sql(self.check()).to_arrow_reader(batch_size)

    def select_in_place(self) -> str | None:
        """Once checked: the typed SELECT reading the file itself, for a connection of
        another database to run (a Parquet file whose lines need no order-level fill-down);
        None where only this connection can read it (CSV, XLSX, fill-down)."""
        if self._input_sql is None or self.typed_input is None or self.options.fill_down:
            return None
        if OFFSET_LAYOUT in self.layouts.values():
            # its values without an offset are read in the session's time zone, which is
            # var time_zone on this connection only
            return None
        return self.typed_input.select(f"({self._input_sql}) as input")

    def close(self) -> None:
        self.conn.close()
        if self._link_dir is not None:
            self._link_dir.cleanup()
            self._link_dir = None


class RawInvoiceFiles:
    """Several raw files read as one history, in order. Each is read and checked on its
    own (a problem names its file) before any is loaded; every line keeps its file
    (`source_file`) and its line number there (`source_line_number`), and
    `source_row_number` numbers the lines across the files (the key of a line through
    cleaning): a file's lines follow the lines of the files before it."""

    def __init__(
        self,
        paths: list[Path],
        threads: int | None = None,
        memory_limit: str | None = None,
        options: ReadOptions | None = None,
    ):
        self.files = raw_files(paths)
        self.labels = file_labels(self.files)
        self._reader_settings = (threads, memory_limit)
        self.readers = [RawInvoiceReader(f, threads, memory_limit, options) for f in self.files]

    def check(self, checked_before: bool = False) -> list[str]:
        """Check every file; returns, per file, the SELECT of its lines with provenance.
        checked_before: as RawInvoiceReader.check. A file whose dates read both day first
        and month first takes the layout another file of the history reads them in (a
        month whose days all fall before the 13th, beside months that do not)."""
        typed: list[str | None] = []
        ambiguous: dict[int, AmbiguousDates] = {}
        for index, reader in enumerate(self.readers):
            try:
                typed.append(reader.check(checked_before))
            except AmbiguousDates as error:
                ambiguous[index] = error
                typed.append(None)
        for index, error in ambiguous.items():
            # the first other file that read the column in one of its readings
            layout = next(
                (
                    reader.layouts[error.column]
                    for i, reader in enumerate(self.readers)
                    if i not in ambiguous and reader.layouts.get(error.column) in error.readings
                ),
                None,
            )
            if layout is None:
                raise error
            reader = self.readers[index]
            reader.close()
            self.readers[index] = RawInvoiceReader(
                reader.path,
                *self._reader_settings,
                replace(reader.options, date_format=layout),
            )
            typed[index] = self.readers[index].check(checked_before)
        for index, reader in enumerate(self.readers):
            _same_layouts(self.readers[:index], reader)
            _same_currency(self.readers[:index], reader)
        return self._with_provenance(typed)

    def _with_provenance(self, typed: list[str]) -> list[str]:
        selects, offset = [], 0
        for reader, label, select in zip(self.readers, self.labels, typed, strict=True):
            selects.append(
                f"select * replace (source_row_number + {offset} as source_row_number), "
                f"{_lit(label)} as source_file, source_row_number as source_line_number "
                f"from ({select})"
            )
            offset += reader.rows
        return selects

    def select_in_place(self) -> str | None:
        """Once checked: one SELECT of every file's lines with provenance that reads the
        files themselves (see RawInvoiceReader.select_in_place), or None."""
        typed = [reader.select_in_place() for reader in self.readers]
        if any(select is None for select in typed):
            return None
        return "\nunion all\n".join(self._with_provenance(typed))

    def read(self, batch_size: int = 500_000, selects: list[str] | None = None):
        """The lines as an Arrow stream, through each file's own connection."""
        selects = selects or self.check()
        streams = [
            reader.conn.sql(select).to_arrow_reader(batch_size)
            for reader, select in zip(self.readers, selects, strict=True)
        ]
        schema = streams[0].schema

        def batches():
            for stream in streams:
                yield from stream

        return pa.RecordBatchReader.from_batches(schema, batches())

    @property
    def rows(self) -> int:
        return sum(reader.rows for reader in self.readers)

    def stamp(self) -> str | None:
        return checked_stamp(self.files, self.readers[0].options if self.readers else None)

    def close(self) -> None:
        for reader in self.readers:
            reader.close()


# `segments build` checks the raw files before dbt starts; it leaves here the stamp of what
# it checked, so that the dbt-duckdb plugin, loading the same files with the same options
# in the same process, does not check every value a second time (5 s at 100x the sample)
CHECKED_STAMP_ENV = "SEGMENTS_RAW_CHECKED"


def checked_stamp(files: list[Path], options: ReadOptions | None) -> str | None:
    """What a check vouches for: every file by path, device and inode, size, modification
    and status-change times (taken before the check reads it: a file written, replaced or
    restored with its old modification time since gets another stamp; the status-change
    time cannot be set back) and the options it was read with. None for a file that
    cannot be read (the check says why)."""
    try:
        stats = [(str(path), path.stat()) for path in files]
    except OSError:
        return None
    return json.dumps(
        {
            "files": [
                [name, s.st_dev, s.st_ino, s.st_size, s.st_mtime_ns, s.st_ctime_ns]
                for name, s in stats
            ],
            "options": repr(options or ReadOptions()),
        }
    )


def _same_layouts(earlier: list[RawInvoiceReader], other: RawInvoiceReader) -> None:
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


def _same_currency(earlier: list[RawInvoiceReader], other: RawInvoiceReader) -> None:
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
            + f", e.g. '{_show(example)}' on line {line}"
        )
    if column.sql_type == "TIMESTAMP":
        bounds = f"dates outside {FIRST_DATE}..{LAST_DATE}"
        bounds += f" when read as {date_layout}" if date_layout else ""
    else:
        limit = QUANTITY_LIMIT if column.sql_type == "BIGINT" else PRICE_LIMIT
        bounds = f"values beyond ±{limit:,}"
    return f"has {count} {bounds}, e.g. '{_show(example)}' on line {line}"


def _csv_header(path: Path, mapped: tuple[str, ...] = ()) -> tuple[str, list[str]]:
    """The delimiter (',', ';', tab or '|': the one that finds the most known column names
    (declared aliases and `mapped` headers) in the first line, then the most fields) and
    the column names, made unique."""
    with open(path, "rb") as handle:
        head = handle.read(1 << 20)
    first = head.split(b"\n", 1)[0].rstrip(b"\r")
    try:
        line = first.decode("utf-8")
    except UnicodeDecodeError:
        line = first.decode("latin-1")
    line = line.removeprefix("\ufeff")
    if not line.strip():
        raise RawInputError(f"{path.name}: the first line (the header) is empty")
    known = {_key(alias) for column in raw_schema.columns() for alias in column.aliases}
    known |= {_key(header) for header in mapped}
    best = None
    for delimiter in (",", ";", "\t", "|"):
        try:
            names = next(csv.reader([line], delimiter=delimiter), [])
        except csv.Error:
            names = line.split(delimiter)
        score = (sum(_key(name) in known for name in names), len(names))
        if best is None or score > best[0]:
            best = (score, delimiter, names)
    _, delimiter, names = best
    unique: list[str] = []
    for index, name in enumerate(names):
        name = name.strip() or f"column{index + 1}"
        while name in unique:
            name += "_"
        unique.append(name)
    return delimiter, unique


def _is_encoding_error(error: BaseException) -> bool:
    text = str(error).lower()
    return "unicode" in text or "encoded" in text or "encoding" in text


CSV_REASONS = (
    r"Value with unterminated quote found\.",
    r"Invalid unicode[^\n]*",
    r"Maximum line size[^\n]*",
    r"File is not [^\n]* encoded",
)


def _csv_problem(error: BaseException) -> str:
    """DuckDB's CSV error in one line: which line of the file, and what is wrong with it."""
    text = str(error).strip()
    line = re.search(r"CSV Error on Line: (\d+)", text)
    fields = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", text)
    if fields:
        expected, found = fields.groups()
        where = f"line {line.group(1)} of the file" if line else "a line"
        return f"{where} has {found} fields where the header has {expected}"
    reason = next(
        (m.group(0) for m in (re.search(r, text) for r in CSV_REASONS) if m),
        _first_line(error),
    )
    where = f"line {line.group(1)} of the file: " if line else ""
    return f"cannot be read as CSV (UTF-8 or ISO-8859-1): {where}{reason}"


def _read_workbook(path: Path) -> dict:
    """Every sheet of a workbook, cells as Python objects. Only an empty cell is missing:
    text such as 'NA', 'null' or 'nan' is text, as in a CSV (pandas would read it as
    missing by default)."""
    import pandas as pd

    options = {"sheet_name": None, "dtype": object, "keep_default_na": False, "na_values": [""]}
    try:
        return pd.read_excel(path, engine="calamine", **options)
    except ImportError:  # pragma: no cover - calamine is a declared dependency
        return pd.read_excel(path, **options)


def _is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _excel_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value)) if abs(value) < 1e15 else repr(value)
    return str(value)


def read_raw_invoices(path: str | Path, **settings) -> pa.Table:
    """The whole typed file as an Arrow table (tests and small files)."""
    reader = RawInvoiceReader(Path(path), **settings)
    try:
        return reader.read().read_all()
    finally:
        reader.close()


# ----------------------------------------------------------------------- dbt-duckdb plugin

try:  # the plugin base class exists only where dbt-duckdb is installed
    from dbt.adapters.duckdb.plugins import BasePlugin
except ImportError:  # pragma: no cover
    BasePlugin = object  # type: ignore[misc,assignment]


def _say(message: str) -> None:
    """A line of dbt's own output (and its log), as dbt prints its notes."""
    from dbt_common.events.functions import fire_event
    from dbt_common.events.types import Note

    fire_event(Note(msg=message))


class Plugin(BasePlugin):  # type: ignore[misc]
    """dbt-duckdb source plugin: `meta: {plugin: raw_invoices}` on the source."""

    def initialize(self, plugin_config):
        self._config = dict(plugin_config or {})
        self._readers: list[RawInvoiceFiles] = []
        # per thread, the cursor dbt-duckdb configured last: when it loads a source, the
        # cursor it then registers what `load` returns on and closes afterwards
        self._thread = threading.local()

    def configure_cursor(self, cursor):
        self._thread.cursor = cursor

    def load(self, source_config):
        paths = raw_path_list(source_config.get("raw_path"))
        synthetic_default = not paths
        if synthetic_default:
            customers = int(source_config.get("synthetic_customers") or synthetic.DEFAULT_CUSTOMERS)
            seed = int(source_config.get("synthetic_seed") or synthetic.DEFAULT_SEED)
            # beside the published warehouse, not the build file (`segments build` builds
            # in a release folder of the warehouse's state)
            warehouse = os.environ.get("SEGMENTS_DB") or getattr(self.creds, "path", None)
            paths = [
                ensure_synthetic(
                    default_synthetic_path(warehouse, customers, seed), customers, seed
                )
            ]
        settings = getattr(self.creds, "settings", None) or {}
        options = read_options(
            source_config.get("raw_columns"),
            source_config.get("time_zone"),
            source_config.get("decimal_separator"),
            source_config.get("date_format"),
        )
        if synthetic_default:  # the shop's mapping is for the shop's files
            options = ReadOptions()
        files = RawInvoiceFiles(
            paths,
            threads=settings.get("threads"),
            memory_limit=settings.get("memory_limit"),
            options=options,
        )
        self._readers.append(files)  # keep the connections alive while dbt streams them
        stamp = None if synthetic_default else files.stamp()
        checked_before = stamp is not None and os.environ.get(CHECKED_STAMP_ENV) == stamp
        selects = files.check(checked_before)
        shown = files.files[0].name if len(files.files) == 1 else f"{len(files.files)} files"
        _say(
            f"raw input: loading {files.rows:,} lines from {shown}"
            + (" (checked before dbt started)" if checked_before else " (checked)")
        )
        in_place = files.select_in_place()
        cursor, self._thread.cursor = getattr(self._thread, "cursor", None), None
        # a source kept as a view would outlive the cursor: only a table is read in place
        as_table = (source_config.meta or {}).get("materialization", "table") == "table"
        if in_place is not None and cursor is not None and as_table:
            # Parquet: the build's own database reads the files (dbt-duckdb registers this
            # relation on the same cursor and copies it into the source table), instead of
            # every line passing through Python as Arrow batches from the reader's
            # connection: a third of the loading time at 100x
            return cursor.sql(in_place)
        return files.read(selects=selects)
