"""Read the shop's raw invoice files (Parquet, CSV, XLSX) into DuckDB as the dbt source
`online_retail.invoice_lines` (the table `raw.invoice_lines`), in one canonical layout, as
one history.

It is a dbt-duckdb plugin (`retail_segments.raw.plugin`, named in `profiles.yml`):
dbt-duckdb calls `Plugin.load` when a model selects from the source, and materialises what
it returns as the source table.

What it does, and nothing more (the module that does it in brackets):
- finds the files (`paths`): the source meta `raw_path` (dbt var `raw_invoices`, else the
  environment variable `RAW_INVOICES`): files, or folders of them read in natural name
  order; with neither, the project's synthetic default data;
- recognises the Online Retail and the Online Retail II column layouts, and any other
  through a column mapping (`options`: `ReadOptions`, var `raw_columns` or `RAW_COLUMNS`;
  `typed_input` matches and types the columns);
- reads dates with an offset (var `time_zone`) and numbers with a decimal comma (`layouts`);
- reads every sheet of a workbook, and CSV in UTF-8 or ISO-8859-1 (`formats`);
- checks that every value can be typed, that required values are there and within sane
  bounds (`checks`), and raises `RawInputError` with one line naming the file, the column
  and an example line when they are not (a damaged file gets the same one line, never a
  trace; `errors`);
- reads exactly the file named, even when its name holds glob characters (* ? [ ])
  (`readers`);
- returns typed columns in the Online Retail layout plus `source_row_number` (the line's
  1-based position in the input), `source_file` and `source_line_number` (its file and its
  position there), streamed as Arrow batches so large files need bounded memory
  (`readers`: one file; `history`: several);
- does not check a second time the files `segments build` checked before dbt started
  (`stamp`).

Cleaning (text normalisation, duplicates, cancellations, ...) happens in dbt SQL models.
"""

from .errors import AmbiguousDates, AmbiguousDatesError, RawInputError
from .history import RawInvoiceFiles
from .options import ReadOptions, column_mapping, read_options
from .paths import (
    SUPPORTED_EXTENSIONS,
    default_synthetic_path,
    ensure_synthetic,
    file_labels,
    raw_files,
    raw_path_list,
)
from .plugin import Plugin
from .readers import read_raw_invoices
from .stamp import CHECKED_STAMP_ENV, checked_stamp

__all__ = [
    "CHECKED_STAMP_ENV",
    "SUPPORTED_EXTENSIONS",
    "AmbiguousDates",
    "AmbiguousDatesError",
    "Plugin",
    "RawInputError",
    "RawInvoiceFiles",
    "ReadOptions",
    "checked_stamp",
    "column_mapping",
    "default_synthetic_path",
    "ensure_synthetic",
    "file_labels",
    "raw_files",
    "raw_path_list",
    "read_options",
    "read_raw_invoices",
]
