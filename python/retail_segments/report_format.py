"""Numbers and colours of the HTML report, as a person reads them (the headlines are
written in the warehouse: segment_overview, with macros/segments/formatting.sql mirroring
these).

Pure functions (no warehouse, no matplotlib), so they are tested on their own.

- counts: whole numbers with thousands separators (``1,211``);
- money: the shop's currency symbol (``use_currency``: the report sets the warehouse's,
  marts.shop_currency; ``£`` until then), thousands separators, whole units (``£1,698``)
  or compact (``£6.3m``); a symbol ending in a letter is followed by a space (``CHF 1,698``);
- shares: percentages with no decimal from 10% up and one below (``76%``, ``4.1%``);
- days: whole numbers;
- one fixed colour per segment, from its position in the segment table.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

DASH = "–"  # shown where a number is missing
MINUS = "−"


_currency = {"symbol": "£"}


def use_currency(symbol: str) -> None:
    """Show money with `symbol` from now on (the report: the warehouse's shop_currency)."""
    _currency["symbol"] = symbol


def currency() -> str:
    """The currency symbol money is shown with, a space after one ending in a letter."""
    symbol = _currency["symbol"]
    return symbol + " " if symbol[-1:].isalpha() else symbol


def _missing(value) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return True


def count(value) -> str:
    """A count: ``1,211``."""
    return DASH if _missing(value) else f"{round(float(value)):,d}"


def days(value) -> str:
    """A number of days, whole: ``13``."""
    return count(value)


def number(value, places: int = 2) -> str:
    """A measured quantity (score, ratio): ``0.55``, ``1,234.5``."""
    if _missing(value):
        return DASH
    text = f"{float(value):,.{places}f}"
    return text.replace("-", MINUS)


def money(value, symbol: str | None = None) -> str:
    """Money in whole units: ``£1,698``; below 10 with pence: ``£4.95``."""
    if _missing(value):
        return DASH
    symbol = currency() if symbol is None else symbol
    amount = float(value)
    sign = MINUS if amount < 0 else ""
    amount = abs(amount)
    text = f"{amount:,.2f}" if 0 < amount < 10 else f"{round(amount):,d}"
    return f"{sign}{symbol}{text}"


def money_compact(value, symbol: str | None = None) -> str:
    """Money for headlines and chart axes: ``£950``, ``£9.3k``, ``£930k``, ``£6.3m``."""
    if _missing(value):
        return DASH
    symbol = currency() if symbol is None else symbol
    amount = float(value)
    sign = MINUS if amount < 0 else ""
    amount = abs(amount)
    scales = ((1, ""), (1e3, "k"), (1e6, "m"), (1e9, "bn"))
    i = max(j for j, (scale, _) in enumerate(scales) if j == 0 or amount >= scale)
    while True:
        scale, suffix = scales[i]
        scaled = amount / scale
        text = f"{scaled:.0f}" if scale == 1 or scaled >= 99.95 else f"{scaled:.1f}"
        # rounded first, then moved up a unit: 999,999 is £1m, not £1000k
        if float(text) < 1000 or i + 1 == len(scales):
            return f"{sign}{symbol}{text.removesuffix('.0')}{suffix}"
        i += 1


def percent(share) -> str:
    """A share (0..1) as a percentage: ``76%``, ``4.0%``, ``0.3%``, ``0%``."""
    if _missing(share):
        return DASH
    value = float(share) * 100
    if value == 0:
        return "0%"
    if abs(value) < 0.05:
        return "<0.1%" if value > 0 else f">{MINUS}0.1%"
    if 99.5 <= value < 100:  # never 100% for what is not all
        return ">99%"
    text = f"{value:.0f}" if abs(value) >= 9.95 else f"{value:.1f}"
    return text.replace("-", MINUS) + "%"


def interval(value, low, high, fmt=number) -> str:
    """A value with its 95% interval: ``0.55 (0.51–0.60)``."""
    if _missing(value):
        return DASH
    if _missing(low) or _missing(high):
        return fmt(value)
    return f"{fmt(value)} ({fmt(low)}{DASH}{fmt(high)})"


def plural(n, word: str) -> str:
    """``1 order``, ``7 orders`` (the count formatted)."""
    text = count(n)
    return f"{text} {word}" if text == "1" else f"{text} {word}s"


def day_label(value) -> str:
    """A date as ``1 Dec 2010``."""
    if value is None:
        return DASH
    return f"{value.day} {value:%b %Y}"


# ------------------------------------------------------------------------------ colours

# Behavioural segments: Tableau 10, in the order of the segment table (cluster id).
BEHAVIOURAL_PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#59a14f",
    "#e15759",
    "#76b7b2",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
)

# RFM segments, in the order of the rule table (best first): greens for the valuable,
# blues for the new, ambers for the slipping, reds for those to win back, purple and grey
# for the dormant and the gone.
RFM_PALETTE = (
    "#1b7837",
    "#5aae61",
    "#a6d96a",
    "#2166ac",
    "#67a9cf",
    "#e6ab02",
    "#fdb863",
    "#b2182b",
    "#ef8a62",
    "#8c6bb1",
    "#525252",
)

OTHER_COLOUR = "#d4d4d4"  # a name outside the segment table (e.g. 'unknown')

# Charts whose bars are not segments use greys, so no colour means two things.
NEUTRAL = "#6b7785"
NEUTRAL_DARK = "#2b2b2b"
NEUTRAL_LIGHT = "#c8c8c8"


def segment_colours(names: Iterable[str], palette: Sequence[str]) -> dict[str, str]:
    """One fixed colour per segment name, by its position in the segment table."""
    return {name: palette[i % len(palette)] for i, name in enumerate(names)}


def points(delta) -> str:
    """A change of a share in percentage points, signed: ``+8.4 points``, ``−0.3 points``."""
    if _missing(delta):
        return DASH
    value = float(delta) * 100
    sign = "+" if value > 0 else MINUS if value < 0 else ""
    return f"{sign}{abs(value):.1f} points"


def signed_money(delta) -> str:
    """A change of money, signed: ``+£464``, ``−£12``."""
    if _missing(delta):
        return DASH
    return ("+" if float(delta) > 0 else "") + money(delta)


def signed_percent(share) -> str:
    """A relative change, signed: ``+25%``, ``−6.8%``."""
    if _missing(share):
        return DASH
    return ("+" if float(share) > 0 else "") + percent(share)
