"""Load a raw invoice file (Parquet, CSV, XLSX) into DuckDB as the dbt source
`raw.invoice_lines`, in one canonical layout.

It is a dbt-duckdb plugin (see `profiles.yml`): dbt-duckdb calls `Plugin.load` when a
model selects from the source, and materialises what it returns as the source table.

What it does, and nothing more:
- finds the file: the source meta `raw_path` (dbt var `raw_invoices`, else the environment
  variable `RAW_INVOICES`); with neither, the project's synthetic default data;
- recognises the Online Retail and the Online Retail II column layouts;
- reads every sheet of a workbook, and CSV in UTF-8 or ISO-8859-1;
- checks that every value can be typed, and raises `RawInputError` with one line naming
  the problem when it cannot;
- returns typed columns in the Online Retail layout plus `source_row_number` (the line's
  1-based position in the file), streamed as Arrow batches so large files need bounded
  memory.

Cleaning (text normalisation, duplicates, cancellations, ...) happens in dbt SQL models.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from . import synthetic

SUPPORTED_EXTENSIONS = (".parquet", ".csv", ".xlsx")
DEFAULT_SYNTHETIC_CUSTOMERS = 4000
DEFAULT_SYNTHETIC_SEED = 42


class RawInputError(Exception):
    """The raw invoice file cannot be used; the message says why, in one line."""


@dataclass(frozen=True)
class Column:
    name: str  # canonical (Online Retail) name
    aliases: tuple[str, ...]  # accepted spellings, compared case- and space-insensitively
    sql_type: str
    required: bool = True


COLUMNS = (
    Column("InvoiceNo", ("invoiceno", "invoice", "invoice_no"), "VARCHAR"),
    Column("StockCode", ("stockcode", "stock_code"), "VARCHAR"),
    Column("Description", ("description",), "VARCHAR", required=False),
    Column("Quantity", ("quantity",), "BIGINT"),
    Column("InvoiceDate", ("invoicedate", "invoice_date"), "TIMESTAMP"),
    Column("UnitPrice", ("unitprice", "price", "unit_price"), "DOUBLE"),
    Column("CustomerID", ("customerid", "customer id", "customer_id"), "VARCHAR"),
    Column("Country", ("country",), "VARCHAR", required=False),
)

INTEGER_TYPES = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER"}
FLOAT_TYPES = {"FLOAT", "DOUBLE"}

# Date layouts tried, in order, when a file stores dates as text (the UCI CSV export
# writes `12/1/2010 8:26`, month first).
TEXT_DATE_FORMATS = (
    None,  # ISO 8601, DuckDB's own cast
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%m/%d/%y %H:%M",
    "%d.%m.%Y %H:%M",
)


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


def resolve_raw_path(configured: str | None) -> Path | None:
    """The raw file the user asked for, or None for the synthetic default."""
    value = (configured or "").strip() or os.environ.get("RAW_INVOICES", "").strip()
    return Path(value).expanduser().resolve() if value else None


def default_synthetic_path(warehouse_path: str | None, customers: int, seed: int) -> Path:
    base = os.environ.get("SEGMENTS_DATA_DIR")
    if base:
        folder = Path(base)
    elif warehouse_path and warehouse_path != ":memory:":
        folder = Path(warehouse_path).resolve().parent / "synthetic"
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


def _map_columns(found: list[str], path: Path) -> dict[str, str]:
    """canonical name -> column name in the file; raises when a required column is missing."""
    by_key = {_key(c): c for c in found}
    mapping = {}
    for column in COLUMNS:
        match = next(
            (by_key[a.replace(" ", "")] for a in column.aliases if a.replace(" ", "") in by_key),
            None,
        )
        if match is not None:
            mapping[column.name] = match
        elif column.required:
            raise RawInputError(
                f"{path.name}: required column {column.name} is missing "
                f"(accepted names: {', '.join(column.aliases)}; found: {', '.join(found)})"
            )
    return mapping


class RawInvoiceReader:
    """Reads one raw file through a private in-memory DuckDB connection."""

    def __init__(self, path: Path, threads: int | None = None, memory_limit: str | None = None):
        self.path = path
        self.conn = duckdb.connect()
        if threads:
            self.conn.execute(f"set threads = {int(threads)}")
        if memory_limit:
            self.conn.execute(f"set memory_limit = {_lit(memory_limit)}")

    # -- reading -----------------------------------------------------------------------
    def _register_input(self) -> None:
        path, ext = self.path, self.path.suffix.lower()
        if not path.exists():
            raise RawInputError(f"raw invoice file not found: {path}")
        if path.is_dir():
            raise RawInputError(f"raw invoice path is a folder, not a file: {path}")
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
                self.conn.execute(
                    f"create view input as select * exclude (file_row_number), "
                    f"file_row_number + 1 as source_row_number "
                    f"from read_parquet({_lit(str(path))}, file_row_number = true)"
                )
            elif ext == ".csv":
                self._register_csv(path)
            else:
                self._register_xlsx(path)
        except RawInputError:
            raise
        except (duckdb.Error, OSError, ValueError, KeyError) as error:
            first_line = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
            raise RawInputError(f"{path.name}: cannot be read as {ext[1:]}: {first_line}") from None

    def _register_csv(self, path: Path) -> None:
        last_error = None
        for encoding in ("utf-8", "latin-1"):
            try:
                relation = self.conn.sql(
                    f"select * from read_csv({_lit(str(path))}, all_varchar = true, "
                    f"header = true, encoding = {_lit(encoding)})"
                )
                relation.limit(1).fetchall()  # fail now on a wrong encoding
                self.conn.execute(
                    f"create view input as select *, row_number() over () as source_row_number "
                    f"from read_csv({_lit(str(path))}, all_varchar = true, header = true, "
                    f"encoding = {_lit(encoding)})"
                )
                # a wrong encoding may only show further down the file: read it all once
                self.conn.sql("select count(*) from input").fetchall()
                return
            except duckdb.Error as error:
                last_error = error
                self.conn.execute("drop view if exists input")
        raise RawInputError(
            f"{path.name}: cannot be read as CSV (UTF-8 or ISO-8859-1): "
            f"{str(last_error).strip().splitlines()[0]}"
        )

    def _register_xlsx(self, path: Path) -> None:
        import pandas as pd

        try:
            sheets = pd.read_excel(path, sheet_name=None, dtype=object, engine="calamine")
        except ImportError:  # pragma: no cover - calamine is a declared dependency
            sheets = pd.read_excel(path, sheet_name=None, dtype=object)
        frames = [frame for frame in sheets.values() if len(frame.columns) > 0]
        if not frames:
            raise RawInputError(f"{path.name}: the workbook has no data")
        columns = [str(c) for c in frames[0].columns]
        for name, frame in zip(sheets, frames, strict=False):
            if [str(c) for c in frame.columns] != columns:
                raise RawInputError(
                    f"{path.name}: sheet '{name}' has other columns than the first sheet"
                )
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

    # -- typing and checks ---------------------------------------------------------------
    def _typed_select(self) -> str:
        found = [
            r[0] for r in self.conn.sql("describe input").fetchall() if r[0] != "source_row_number"
        ]
        self.mapping = _map_columns(found, self.path)
        types = self.source_types = dict(
            self.conn.sql("select column_name, column_type from (describe input)").fetchall()
        )
        self.typed = {}
        for column in COLUMNS:
            source = self.mapping.get(column.name)
            self.typed[column.name] = (
                f"cast(null as {column.sql_type})"
                if source is None
                else self._typed(column, source, types[source])
            )
        expressions = [f"{expr} as {name}" for name, expr in self.typed.items()]
        # row_number() over () is a streaming window: it numbers lines in file order
        return "select " + ", ".join(expressions) + ", source_row_number from input"

    def _typed(self, column: Column, source: str, source_type: str) -> str:
        ref = _q(source)
        source_type = source_type.upper()
        if column.sql_type == "VARCHAR":
            return f"cast({ref} as varchar)"
        if column.sql_type == "TIMESTAMP":
            if source_type.startswith(("TIMESTAMP", "DATE")):
                return f"cast({ref} as timestamp)"
            return self._text_date_expression(column, ref)
        # a column stored as numbers (Parquet) types without a detour through text
        if source_type in INTEGER_TYPES:
            return f"cast({ref} as {column.sql_type})"
        if source_type in FLOAT_TYPES or source_type.startswith("DECIMAL"):
            if column.sql_type == "DOUBLE":
                return f"cast({ref} as double)"
            # 6.0 is a whole number; 6.5 is not (null, and reported by the check)
            return f"case when {ref} = trunc({ref}) then try_cast({ref} as bigint) end"
        if column.sql_type == "BIGINT":
            # "6" and "6.0" are both whole numbers; "6.5" or "six" are not
            return f"cast(try_cast(trim(cast({ref} as varchar)) as decimal(38, 6)) as bigint)"
        return f"try_cast(trim(cast({ref} as varchar)) as double)"

    def _text_date_expression(self, column: Column, ref: str) -> str:
        text = f"nullif(trim(cast({ref} as varchar)), '')"
        for fmt in TEXT_DATE_FORMATS:
            expression = (
                f"try_cast({text} as timestamp)"
                if fmt is None
                else f"try_strptime({text}, {_lit(fmt)})"
            )
            unparsed = self.conn.sql(
                f"select count(*) from input where {text} is not null and {expression} is null"
            ).fetchall()[0][0]
            if unparsed == 0:
                return expression
        example = self.conn.sql(
            f"select {text}, source_row_number from input where {text} is not null "
            f"and try_cast({text} as timestamp) is null limit 1"
        ).fetchall()[0]
        raise RawInputError(
            f"{self.path.name}: column {column.name} has values that are not dates, "
            f"e.g. '{example[0]}' on line {example[1]}"
        )

    def _check(self) -> None:
        """One pass over the file: every value must type, and there must be rows."""
        conditions = []
        for column in COLUMNS:
            source = self.mapping.get(column.name)
            if source is not None and column.sql_type != "VARCHAR":
                if self.source_types[source].upper() == "VARCHAR":
                    raw = f"nullif(trim({_q(source)}), '')"
                    present = f"{raw} is not null"
                else:  # stored typed: only a value the cast turns to null is bad
                    raw = f"cast({_q(source)} as varchar)"
                    present = f"{_q(source)} is not null"
                conditions.append((column, raw, f"{self.typed[column.name]} is null and {present}"))
        checks = "".join(
            f", count(*) filter (where {bad}), min(source_row_number) filter (where {bad}), "
            f"any_value({raw}) filter (where {bad})"
            for _, raw, bad in conditions
        )
        missing = (
            f"count(*) filter (where {self.typed['InvoiceNo']} is null "
            f"or {self.typed['InvoiceDate']} is null)"
        )
        row = self.conn.sql(f"select count(*), {missing}{checks} from input").fetchall()[0]
        if row[0] == 0:
            raise RawInputError(f"{self.path.name}: the file has a header but no rows")
        for index, (column, _, _) in enumerate(conditions):
            bad, line, example = row[2 + 3 * index : 5 + 3 * index]
            if bad:
                kind = {"BIGINT": "whole numbers", "DOUBLE": "numbers", "TIMESTAMP": "dates"}[
                    column.sql_type
                ]
                raise RawInputError(
                    f"{self.path.name}: column {column.name} has {bad} values that are not "
                    f"{kind}, e.g. '{example}' on line {line}"
                )
        if row[1]:
            raise RawInputError(
                f"{self.path.name}: {row[1]} lines have no InvoiceNo or InvoiceDate"
            )

    def check(self) -> str:
        """Open, recognise and check the whole file; returns the typed SELECT over it."""
        self._register_input()
        select = self._typed_select()
        self._check()
        return select

    def read(self, batch_size: int = 500_000) -> pa.RecordBatchReader:
        return self.conn.sql(self.check()).to_arrow_reader(batch_size)

    def close(self) -> None:
        self.conn.close()


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


class Plugin(BasePlugin):  # type: ignore[misc]
    """dbt-duckdb source plugin: `meta: {plugin: raw_invoices}` on the source."""

    def initialize(self, plugin_config):
        self._config = dict(plugin_config or {})
        self._readers: list[RawInvoiceReader] = []

    def update_connection_config(self, creds, config):
        # DuckDB cannot create a database file in a folder that does not exist yet
        # nor can it COPY exports into one (macro activation_export_dir)
        path = getattr(creds, "path", None)
        if path and path != ":memory:" and not str(path).startswith("md:"):
            folder = Path(path).expanduser().resolve().parent
            folder.mkdir(parents=True, exist_ok=True)
            exports = os.environ.get("SEGMENTS_EXPORT_DIR") or str(folder / "exports")
            Path(exports).mkdir(parents=True, exist_ok=True)

    def load(self, source_config):
        raw_path = resolve_raw_path(source_config.get("raw_path"))
        if raw_path is None:
            customers = int(source_config.get("synthetic_customers") or DEFAULT_SYNTHETIC_CUSTOMERS)
            seed = int(source_config.get("synthetic_seed") or DEFAULT_SYNTHETIC_SEED)
            warehouse = getattr(self.creds, "path", None)
            raw_path = ensure_synthetic(
                default_synthetic_path(warehouse, customers, seed), customers, seed
            )
        settings = getattr(self.creds, "settings", None) or {}
        reader = RawInvoiceReader(
            raw_path,
            threads=settings.get("threads"),
            memory_limit=settings.get("memory_limit"),
        )
        self._readers.append(reader)  # keep the connection alive while dbt streams it
        return reader.read()
