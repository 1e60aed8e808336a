"""The dbt-duckdb source plugin (profiles.yml: `module: retail_segments.raw.plugin`):
dbt-duckdb calls `Plugin.load` when a model selects from the source
`online_retail.invoice_lines`, and materialises what it returns as the source table."""

from __future__ import annotations

import os
import threading

from .. import synthetic
from .history import RawInvoiceFiles
from .options import ReadOptions, read_options
from .paths import default_synthetic_path, ensure_synthetic, raw_path_list
from .stamp import CHECKED_STAMP_ENV

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
