"""How to read the shop's files: the column mapping (canonical name -> the file's header,
with its `fill_down` and `date_format` lines), the time zone, the decimal separator and the
layout of text dates, from the dbt vars or RAW_COLUMNS."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from .. import raw_schema
from .errors import RawInputError, first_line, show


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
                f"{path.name}: the column mapping is not YAML: {first_line(error)}"
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
        raise RawInputError(f"var decimal_separator is '{show(separator)}'; use '.' or ','")
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
            f"{origin} is '{show(text)}'; give a strptime layout with %d, %m and %Y or %y, "
            "e.g. '%d/%m/%y' (a time may follow: '%d/%m/%Y %H:%M')"
        )
    return text


def _fill_down(value, origin: str) -> tuple[str, ...]:
    """The canonical columns to carry down an order: any but InvoiceNo itself."""
    if value is None:
        return ()
    names = [value] if isinstance(value, str) else value
    declared = {key(column.name): column.name for column in raw_schema.columns()}
    columns = []
    for name in names if isinstance(names, list) else [names]:
        canonical = declared.get(key(str(name)))
        if canonical is None or canonical == raw_schema.order_column():
            raise RawInputError(
                f"{origin}: fill_down lists '{show(name)}'; list canonical columns other "
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
    declared = {key(column.name): column.name for column in raw_schema.columns()}
    mapping: dict[str, str] = {}
    headers: dict[str, str] = {}
    for name, header in document.items():
        canonical = declared.get(key(name))
        if canonical is None:
            raise RawInputError(
                f"{origin}: unknown column '{show(name)}' (the canonical names are "
                f"{', '.join(declared.values())})"
            )
        if canonical in mapping:
            raise RawInputError(f"{origin}: {canonical} is mapped twice")
        if not isinstance(header, str) or not header.strip():
            raise RawInputError(f"{origin}: {canonical} must name one header of the file")
        if header in headers:
            raise RawInputError(
                f"{origin}: header '{show(header)}' is mapped twice "
                f"({headers[header]} and {canonical})"
            )
        mapping[canonical] = header
        headers[header] = canonical
    return mapping


def key(name: str) -> str:
    return (
        " ".join(str(name).strip().lower().replace("_", " ").split()).replace(" ", "")
        if name is not None
        else ""
    )
