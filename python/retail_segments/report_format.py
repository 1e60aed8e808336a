"""Numbers, colours and headline sentences of the HTML report, as a person reads them.

Pure functions (no warehouse, no matplotlib), so they are tested on their own.

- counts: whole numbers with thousands separators (``1,211``);
- money: the currency symbol (``SEGMENTS_CURRENCY``, default ``£``: the UCI data is in pounds
  sterling), thousands separators, whole units (``£1,698``) or compact (``£6.3m``);
- shares: percentages with no decimal from 10% up and one below (``76%``, ``4.1%``);
- days: whole numbers;
- one fixed colour per segment, from its position in the segment table.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

DASH = "–"  # shown where a number is missing
MINUS = "−"


def currency() -> str:
    """The currency symbol money is shown with (`SEGMENTS_CURRENCY`, default £)."""
    return os.environ.get("SEGMENTS_CURRENCY", "£")


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


# ----------------------------------------------------------------------------- headlines


@dataclass(frozen=True)
class SegmentNumbers:
    name: str
    customers: int
    customer_share: float
    revenue_share: float
    median_recency_days: float
    mean_frequency: float
    probability_purchase_90d: float | None = None  # mean; None without a CLV forecast
    probability_active: float | None = None  # mean; None when unknown or not identified
    one_order_share: float | None = None  # customers with one order; None when unknown
    median_frequency: float | None = None


def verdict(segment: SegmentNumbers, population_median_recency: float) -> str:
    """What to do with a segment, decided from its numbers alone (in this order):

    1. few will buy soon (mean chance of a purchase in 90 days < 30%) or probably gone
       (mean probability active < 50%): spend little on them;
    2. worth more than their number (revenue share >= 1.5x customer share) and not lapsing
       (median recency below the population's median): protect them;
    3. lapsing (median recency at or above the population's) and used to buy repeatedly
       (most have more than one order): win them back;
    4. lapsing otherwise: remind them at low cost;
    5. recent and mostly one order (at least half have exactly one): earn their second order;
    6. recent with few orders (median two at most): make them regulars;
    7. otherwise: grow them.
    "Mostly one order" is the share of one-order customers when known, else a mean
    frequency below 2.
    """
    p90, active = segment.probability_purchase_90d, segment.probability_active
    if (p90 is not None and p90 < 0.30) or (active is not None and active < 0.50):
        return "spend little on them"
    if segment.one_order_share is not None:
        mostly_one_order = segment.one_order_share >= 0.5
    else:
        mostly_one_order = segment.mean_frequency < 2
    lapsing = segment.median_recency_days >= population_median_recency
    if segment.revenue_share >= 1.5 * segment.customer_share and not lapsing:
        return "protect them"
    if lapsing:
        return "remind them at low cost" if mostly_one_order else "win them back"
    if mostly_one_order:
        return "earn their second order"
    if segment.median_frequency is not None and segment.median_frequency <= 2:
        return "make them regulars"
    return "grow them"


def headline(segment: SegmentNumbers, population_median_recency: float) -> str:
    """One sentence from the segment's numbers, e.g. ``1,211 customers (28%) bring 76% of
    revenue; 77% chance to buy within 90 days — protect them.`` (the name is set apart)."""
    text = (
        f"{count(segment.customers)} customers ({percent(segment.customer_share)}) "
        f"bring {percent(segment.revenue_share)} of revenue; "
    )
    if segment.probability_purchase_90d is not None:
        text += f"{percent(segment.probability_purchase_90d)} chance to buy within 90 days"
    else:
        text += f"last order {days(segment.median_recency_days)} days ago (median)"
    return f"{text} — {verdict(segment, population_median_recency)}."
