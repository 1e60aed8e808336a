"""One raw file read through a private in-memory DuckDB connection: opened in its format,
recognised and typed, checked, then streamed as Arrow batches in the canonical layout."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path

import duckdb
import pyarrow as pa

from .checks import find_problems
from .errors import RawInputError, csv_problem, first_line, show
from .formats import parquet_input, register_csv, register_xlsx
from .layouts import OFFSET_LAYOUT
from .options import ReadOptions
from .paths import SUPPORTED_EXTENSIONS
from .sql import lit
from .typed_input import TypedInput, type_input

# what reading a damaged file may raise, besides RawInputError
READ_ERRORS = (duckdb.Error, OSError, ValueError, KeyError, ArithmeticError, pa.ArrowException)

# DuckDB's file readers expand these as glob patterns
GLOB_CHARACTERS = frozenset("*?[]{}")


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
            self.conn.execute(f"set memory_limit = {lit(memory_limit)}")
        try:  # times without an offset are the time zone's wall times
            self.conn.execute(f"set TimeZone = {lit(self.options.time_zone)}")
        except duckdb.Error:
            self.conn.close()
            raise RawInputError(
                f"var time_zone: unknown time zone '{show(self.options.time_zone)}' "
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
                self._input_sql = parquet_input(self._plain_path())
                self.conn.execute(f"create view input as {self._input_sql}")
            elif ext == ".csv":
                mapped = tuple(self.options.mapping.values())
                self._delimiter = register_csv(self.conn, path, self._plain_path(), mapped)
            else:
                # the view reads this Arrow table: kept as long as the reader
                self._xlsx_table = register_xlsx(self.conn, path)
        except RawInputError:
            raise
        except READ_ERRORS as error:
            raise RawInputError(
                f"{path.name}: cannot be read as {ext[1:]}: {first_line(error)}"
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
                f"{self.path.name}: {csv_problem(error)}"
                if ext == ".csv"
                else f"{self.path.name}: cannot be read as {ext[1:]}: {first_line(error)}"
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


def read_raw_invoices(path: str | Path, **settings) -> pa.Table:
    """The whole typed file as an Arrow table (tests and small files)."""
    reader = RawInvoiceReader(Path(path), **settings)
    try:
        return reader.read().read_all()
    finally:
        reader.close()
