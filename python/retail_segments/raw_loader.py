"""Deprecated: use `retail_segments.raw`; the dbt plugin is `retail_segments.raw.plugin`.

Kept for one release so that code importing `retail_segments.raw_loader`, and a
profiles.yml naming `module: retail_segments.raw_loader`, still work: it re-exports the
public names the module had, from the modules of `retail_segments.raw` that now hold them,
and defines nothing of its own.
"""

import warnings

# the package's public API (raw.__all__), Plugin included: dbt-duckdb loads a module's Plugin
from .raw import *  # noqa: F403
from .raw import __all__ as _package_api

# the other names that were public here
from .raw.checks import PRICE_LIMIT, QUANTITY_LIMIT, find_problems
from .raw.errors import CSV_REASONS
from .raw.layouts import (
    DATE_ORDERS,
    DATE_SEPARATORS,
    ISO_LAYOUT,
    NUMBER_LAYOUTS,
    NUMBER_NAMES,
    OFFSET_LAYOUT,
    TIME_OFFSET,
    TIME_SUFFIXES,
    WHOLE_NUMBER_TEXT,
    WHOLE_NUMBER_TEXT_COMMA,
    date_formats,
    text_date_layouts,
)
from .raw.options import DATE_FORMAT_KEY, FILL_DOWN_KEY
from .raw.readers import GLOB_CHARACTERS, READ_ERRORS, RawInvoiceReader
from .raw.typed_input import FLOAT_TYPES, INTEGER_TYPES, Column, TypedInput, type_input

__all__ = [
    *_package_api,
    "RawInvoiceReader",
    "PRICE_LIMIT",
    "QUANTITY_LIMIT",
    "find_problems",
    "CSV_REASONS",
    "DATE_ORDERS",
    "DATE_SEPARATORS",
    "ISO_LAYOUT",
    "NUMBER_LAYOUTS",
    "NUMBER_NAMES",
    "OFFSET_LAYOUT",
    "TIME_OFFSET",
    "TIME_SUFFIXES",
    "WHOLE_NUMBER_TEXT",
    "WHOLE_NUMBER_TEXT_COMMA",
    "date_formats",
    "text_date_layouts",
    "DATE_FORMAT_KEY",
    "FILL_DOWN_KEY",
    "GLOB_CHARACTERS",
    "READ_ERRORS",
    "FLOAT_TYPES",
    "INTEGER_TYPES",
    "Column",
    "TypedInput",
    "type_input",
]

warnings.warn(
    "retail_segments.raw_loader is deprecated: import retail_segments.raw (the dbt-duckdb "
    "plugin is retail_segments.raw.plugin)",
    DeprecationWarning,
    stacklevel=2,
)
