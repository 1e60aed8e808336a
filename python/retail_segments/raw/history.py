"""Several raw files read as one history: each file read and checked on its own, files
whose text dates read two ways settled by the others, every line numbered across the files
with its file and its line there, and an order split across files filled down as one."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import duckdb
import pyarrow as pa

from .. import raw_schema
from .checks import same_currency, same_layouts
from .errors import AmbiguousDates
from .options import ReadOptions
from .paths import file_labels, raw_files
from .readers import RawInvoiceReader
from .sql import lit, q
from .stamp import checked_stamp


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
        self.options = options or ReadOptions()
        self.readers = [RawInvoiceReader(f, threads, memory_limit, options) for f in self.files]
        self._across_files: duckdb.DuckDBPyConnection | None = None

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
            same_layouts(self.readers[:index], reader)
            same_currency(self.readers[:index], reader)
        return self._with_provenance(typed)

    def _with_provenance(self, typed: list[str]) -> list[str]:
        selects, offset = [], 0
        for reader, label, select in zip(self.readers, self.labels, typed, strict=True):
            selects.append(
                f"select * replace (source_row_number + {offset} as source_row_number), "
                f"{lit(label)} as source_file, source_row_number as source_line_number "
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

        lines = pa.RecordBatchReader.from_batches(schema, batches())
        if not self.options.fill_down or len(self.readers) < 2:
            return lines
        return self._filled_down_across_files(lines, batch_size)

    def _filled_down_across_files(self, lines: pa.RecordBatchReader, batch_size: int):
        """Each file filled its orders down on its own; an order cut in two by the end of
        an export (its first line, with the e-mail, in one file, the rest in the next)
        takes its values from the lines of the other file too, as one order, instead of
        its later lines becoming guest lines."""
        threads, memory_limit = self._reader_settings
        if self._across_files is not None:  # read again: the earlier stream is done with
            self._across_files.close()
        self._across_files = conn = duckdb.connect()
        if threads:
            conn.execute(f"set threads = {int(threads)}")
        if memory_limit:
            conn.execute(f"set memory_limit = {lit(memory_limit)}")
        conn.register("lines", lines)
        order = q(raw_schema.order_column())
        filled = [
            f"coalesce({q(name)}, first_value({q(name)} ignore nulls) over (partition by "
            f"{order} order by source_row_number rows between unbounded preceding and "
            f"unbounded following)) as {q(name)}"
            for name in self.options.fill_down
        ]
        select = f"select * replace ({', '.join(filled)}) from lines order by source_row_number"
        return conn.sql(select).to_arrow_reader(batch_size)

    @property
    def rows(self) -> int:
        return sum(reader.rows for reader in self.readers)

    def stamp(self) -> str | None:
        return checked_stamp(self.files, self.readers[0].options if self.readers else None)

    def close(self) -> None:
        for reader in self.readers:
            reader.close()
        if self._across_files is not None:
            self._across_files.close()
