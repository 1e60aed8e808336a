"""The errors the raw reader raises, and its one-line messages: a message names the file,
the column and an example line, one line however the file is damaged, never a trace."""

from __future__ import annotations

import re
from pathlib import Path


class RawInputError(Exception):
    """The raw invoice file cannot be used; the message says why, in one line."""

    def __init__(self, message: str):
        super().__init__(_one_line(str(message)))


def _one_line(text: str, limit: int = 400) -> str:
    """`text` with control characters escaped (a message stays one line), shortened."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def show(value, limit: int = 40) -> str:
    """A value from the file, as an example in a message: one line, short."""
    return _one_line(str(value), limit)


def first_line(error: BaseException) -> str:
    """The first line of an error, without DuckDB's error class and any file path in it
    (the message starts with the file's name already)."""
    text = str(error).strip()
    line = text.splitlines()[0] if text else type(error).__name__
    line = re.sub(r"^(Invalid Input|IO|Invalid|Conversion|Binder) Error: ", "", line)
    return re.sub(r"""\s*["'][^"']*/[^"']*["']""", "", line).strip() or line


class AmbiguousDatesError(Exception):
    """A text date column reads completely both day first and month first."""

    def __init__(self, readings: tuple[tuple[str, str], ...]):
        super().__init__(readings)
        self.readings = readings  # (layout, its order) for each order that reads the column


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


CSV_REASONS = (
    r"Value with unterminated quote found\.",
    r"Invalid unicode[^\n]*",
    r"Maximum line size[^\n]*",
    r"File is not [^\n]* encoded",
)


def csv_problem(error: BaseException) -> str:
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
        first_line(error),
    )
    where = f"line {line.group(1)} of the file: " if line else ""
    return f"cannot be read as CSV (UTF-8 or ISO-8859-1): {where}{reason}"
