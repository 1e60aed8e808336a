"""Deprecated: use `retail_segments.raw`; the dbt plugin is `retail_segments.raw.plugin`.

Kept for one release so that code importing `retail_segments.raw_loader`, and a
profiles.yml naming `module: retail_segments.raw_loader`, still work: it re-exports the
names of `retail_segments.raw` and defines nothing of its own.
"""

import warnings

from .raw import (
    CHECKED_STAMP_ENV,
    SUPPORTED_EXTENSIONS,
    AmbiguousDates,
    AmbiguousDatesError,
    RawInputError,
    RawInvoiceFiles,
    ReadOptions,
    checked_stamp,
    column_mapping,
    default_synthetic_path,
    ensure_synthetic,
    file_labels,
    raw_files,
    raw_path_list,
    read_options,
    read_raw_invoices,
)

# dbt-duckdb loads a plugin module's `Plugin`
from .raw.plugin import Plugin

# the reader class, public here before (retail_segments.raw keeps it in raw.readers)
from .raw.readers import RawInvoiceReader

__all__ = [
    "CHECKED_STAMP_ENV",
    "SUPPORTED_EXTENSIONS",
    "AmbiguousDates",
    "AmbiguousDatesError",
    "Plugin",
    "RawInputError",
    "RawInvoiceFiles",
    "RawInvoiceReader",
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

warnings.warn(
    "retail_segments.raw_loader is deprecated: import retail_segments.raw (the dbt-duckdb "
    "plugin is retail_segments.raw.plugin)",
    DeprecationWarning,
    stacklevel=2,
)
