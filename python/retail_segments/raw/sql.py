"""SQL text: identifiers and literals quoted for DuckDB."""

from __future__ import annotations


def q(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
