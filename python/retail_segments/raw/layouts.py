"""How text dates and numbers are read: the layouts a text column may be written in, and
the SQL that reads a column in the layout that reads every value (detected on the whole
column) or in the one the options declare."""

from __future__ import annotations

from .checks import FIRST_DATE, LAST_DATE
from .errors import AmbiguousDatesError
from .sql import lit

# Text dates: day first, month first (a four- or two-digit year) or year first (four
# digits), with one separator, with or without a time (hours:minutes, seconds, fractions
# of a second, or a 12-hour clock with AM/PM), besides ISO 8601. A column is read in the
# layout that reads every value as a date within FIRST_DATE..LAST_DATE, detected on the
# whole column: a day above 12 tells day first from month first, and a two-digit year read
# as four digits falls before FIRST_DATE. Where two orders read every value, the column
# cannot be told apart and the build stops (var date_format settles it), unless another
# date column of the file or another file of the history was read in one of them. A grid
# written out here rather than a parser's guess: pandas and dateutil guess a layout from
# the first value, not the whole column, and read each value in Python; this is one SQL
# pass over the column for every layout.
DATE_ORDERS = {
    "day first": "%d{sep}%m{sep}{year}",
    "month first": "%m{sep}%d{sep}{year}",
    "year first": "{year}{sep}%m{sep}%d",
}
DATE_SEPARATORS = ("/", ".", "-")
TIME_SUFFIXES = (
    "",
    " %H:%M",
    " %H:%M:%S",
    " %H:%M:%S.%f",
    " %I:%M %p",
    " %I:%M:%S %p",
)
ISO_LAYOUT = "ISO 8601"


def text_date_layouts() -> dict[str, str]:
    """layout name ('%d/%m/%y') -> its order's name: day, month or year first."""
    return {
        order.format(sep=sep, year=year): (name)
        for year in ("%Y", "%y")
        for sep in DATE_SEPARATORS
        for name, order in DATE_ORDERS.items()
        # a two-digit year first (05-01-13) would make most day-first columns read two
        # ways (25/12/19 is also 2025-12-19): it is read only by var date_format
        if not (name == "year first" and year == "%y")
    }


def date_formats(layout: str) -> list[str]:
    """The strptime formats of a layout: as given where it has a time, else with each time."""
    if "%H" in layout:
        return [layout]
    return [layout + suffix for suffix in TIME_SUFFIXES]


# A whole number as text: "6", "-6", "+6", "6.0", "6." (a float export of a whole number)
WHOLE_NUMBER_TEXT = r"[+-]?[0-9]+(\.0*)?"
# ... where the decimal separator is a comma: "6", "6,0", "1.000" (a thousand)
WHOLE_NUMBER_TEXT_COMMA = r"[+-]?([1-9][0-9]{0,2}(\.[0-9]{3})+|[0-9]+)(,0*)?"


# Numbers written as text, by their decimal separator: '.' (1234.5, 1,234.5) or ','
# (1234,5, 1.234,5). A group separator must group thousands after a first digit other than
# 0, so '1,5' is never 15 and '0,850' never 850.
NUMBER_LAYOUTS = {
    ".": (r"[+-]?([1-9][0-9]{0,2}(,[0-9]{3})+|[0-9]*)(\.[0-9]*)?([eE][+-]?[0-9]+)?", ",", "."),
    ",": (r"[+-]?([1-9][0-9]{0,2}(\.[0-9]{3})+|[0-9]*)(,[0-9]*)?", ".", ","),
}


def _number_in_layout(text: str, separator: str) -> str:
    pattern, group, decimal = NUMBER_LAYOUTS[separator]
    plain = f"replace(replace({text}, {lit(group)}, ''), {lit(decimal)}, '.')"
    return (
        f"case when regexp_full_match({text}, {lit(pattern)}) then try_cast({plain} as double) end"
    )


def text_number_expression(
    conn, text: str, separator: str | None, decimal_comma_first: bool = False
) -> tuple[str, str]:
    """Numbers as text: in the declared decimal layout, else the first of DuckDB's own
    reading (14.5, 1e3), the '.' layout (1,234.5) and the ',' layout (14,5; 1.234,5) that
    reads every value of the column (the ',' layout first in a `;`-separated file, where
    '1,250' is more likely 1.25 than 1250), else the one that reads the most. A value none
    reads stays null (or 'nan', 'inf': non-finite) and is reported by the check. Returns the
    SQL and the layout's name."""
    if separator:
        return _number_in_layout(text, separator), f"decimal {NUMBER_NAMES[separator]}"
    candidates = [
        (f"try_cast({text} as double)", "decimal point"),
        (_number_in_layout(text, "."), "decimal point"),
        (_number_in_layout(text, ","), "decimal comma"),
    ]
    if decimal_comma_first:
        candidates = [candidates[0], candidates[2], candidates[1]]
    if not _has_values(conn, f"nullif({text}, '')"):
        # an empty column (a month without refunds) has no layout to agree on
        return candidates[0][0], ""
    unread = {}
    for expression, name in candidates:
        unread[(expression, name)] = conn.sql(
            f"select count(*) from input where nullif({text}, '') is not null "
            f"and {expression} is null"
        ).fetchall()[0][0]
        if unread[(expression, name)] == 0:
            return expression, name
    return min(unread, key=unread.get)


NUMBER_NAMES = {".": "point", ",": "comma"}


# an offset at the end of a time (+0100, -05:00, +00) or Z, after an optional space; only
# after a time, so that the year of 13-01-2011 is no offset
TIME_OFFSET = r"([0-9]:[0-9]{2}(:[0-9]{2}([.][0-9]*)?)?)\s*(Z|[+-][0-9]{2}(:?[0-9]{2})?)$"


# the layout of a text date column whose values carry an offset (or Z)
OFFSET_LAYOUT = "ISO 8601 with an offset"


def text_date_expression(
    conn, ref: str, time_zone: str = "UTC", date_format: str | None = None
) -> tuple[str, str]:
    """How a text date column is read, and the layout's name. A column whose times carry an
    offset or Z is read as instants and written as wall times of `time_zone`; a declared
    `date_format` is used as it is; else the layout that reads every value (see
    text_date_layouts), or the one that reads the most, whose unread values stay null and
    are reported by the check. Raises AmbiguousDatesError where day first and month first
    both read every value."""
    text = f"nullif(trim(cast({ref} as varchar)), '')"
    with_offset = conn.sql(
        f"select count(*) from input where regexp_matches({text}, {lit(TIME_OFFSET)})"
    ).fetchall()[0][0]
    if with_offset:
        instant = f"try_cast(regexp_replace({text}, {lit(TIME_OFFSET)}, '\\1\\4') as timestamptz)"
        return f"timezone({lit(time_zone)}, {instant})", OFFSET_LAYOUT
    if not _has_values(conn, text):
        # an empty column (a month without cancellations) has no layout to agree on
        return f"try_cast({text} as timestamp)", ""
    if date_format:
        return _strptime(text, date_formats(date_format)), date_format
    layouts = text_date_layouts()
    candidates = {ISO_LAYOUT: f"try_cast({text} as timestamp)"}
    candidates.update({name: _strptime(text, date_formats(name)) for name in layouts})
    in_bounds = f"between timestamp '{FIRST_DATE}' and timestamp '{LAST_DATE}' + interval 1 day"
    unread = conn.sql(
        "select "
        + ", ".join(
            f"count(*) filter (where {text} is not null and not coalesce({e} {in_bounds}, false))"
            for e in candidates.values()
        )
        + " from input"
    ).fetchall()[0]
    unread = dict(zip(candidates, unread, strict=True))
    readers = [name for name, count in unread.items() if count == 0]
    if ISO_LAYOUT in readers or not readers:
        name = ISO_LAYOUT if ISO_LAYOUT in readers else min(unread, key=unread.get)
        return candidates[name], name
    orders = {layouts[name]: name for name in reversed(readers)}
    if len(orders) > 1:
        ranked = sorted(orders.items(), key=lambda item: list(DATE_ORDERS).index(item[0]))
        raise AmbiguousDatesError(tuple((name, order) for order, name in ranked))
    return candidates[readers[0]], readers[0]


def _has_values(conn, value: str) -> bool:
    """Whether the SQL `value` is not null on some line of the view `input`."""
    return bool(conn.sql(f"select count({value}) > 0 from input").fetchall()[0][0])


def _strptime(text: str, formats: list[str]) -> str:
    return f"try_strptime({text}, [{', '.join(lit(f) for f in formats)}])"
