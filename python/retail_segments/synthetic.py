"""Deterministic synthetic generator of Online-Retail-like invoice lines.

The output has the UCI "Online Retail" column layout and its quirks: multi-line
invoices, ~25% of lines without a customer, exact duplicate lines, `C` cancellation
invoices (partial, full, and some for purchases made before the data starts), the
non-product stock codes, zero prices, negative-price bad-debt adjustments, Christmas
seasonality, no Saturday trading, business hours, a UK-dominated country mix and
heavy-tailed spend and frequency.

Every customer is planted with a known archetype; the ground truth is written to a
separate file (`<output stem>_truth.parquet`), never into the raw file, and every product's
planted theme to `<output stem>_product_themes.parquet`.

A campaign effect can be planted (`PlantedCampaign`): the customers a campaign targeting
everyone would contact (those who bought before its start and whose control-group draw is
not held out, the draw of retail_segments.campaigns) buy in its window at `factor` times
the rate they would have without it; the truth file then says who bought because of it.

A marketplace-like shop, where most customers buy once, comes from `one_off_share`
(`--one-off-share 0.9`): that share of the customers are planted as `one_off` buyers with
exactly one purchase invoice on a seasonal day anywhere in the data, the rest keep the mix
of ARCHETYPES; without it (or at 0) the data is byte for byte the default shop's.

Generation is vectorised with numpy and streamed in chunks of customers to Parquet, so
50 M lines need bounded memory. The same seed and size always give the same bytes of data.

Command line:  python -m retail_segments.synthetic --customers 1000 --out data/raw.parquet
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .campaigns import control_draw

# the embedded default data (`segments build` with no file, dbt vars synthetic_customers
# and synthetic_seed unset): defined here only
DEFAULT_CUSTOMERS = 4000
DEFAULT_SEED = 42
DATA_START = np.datetime64("2010-12-01")
DATA_DAYS = 374  # 2010-12-01 .. 2011-12-09
FIRST_INVOICE_NO = 536365
FIRST_CUSTOMER_ID = 12346
# share of champions, loyal customers and wholesalers whose first purchase is late in the year
LATE_JOINER_SHARE = 0.2
# bump when the generated data changes, so cached default data is regenerated
GENERATOR_VERSION = 4

RAW_SCHEMA = pa.schema(
    [
        ("InvoiceNo", pa.string()),
        ("StockCode", pa.string()),
        ("Description", pa.string()),
        ("Quantity", pa.int64()),
        ("InvoiceDate", pa.timestamp("us")),
        ("UnitPrice", pa.float64()),
        ("CustomerID", pa.float64()),
        ("Country", pa.string()),
    ]
)

# --------------------------------------------------------------------------- archetypes


@dataclass(frozen=True)
class Archetype:
    name: str
    share: float
    invoices: tuple[int, int]  # min, max number of invoices
    first_day: tuple[int, int]  # window of the first purchase (day offset from start)
    active_days: tuple[int, int]  # window of the last purchase (day offset), or None-like
    lines_per_invoice: float
    quantity_scale: float
    cancel_rate: float


ARCHETYPES: tuple[Archetype, ...] = (
    Archetype("champion", 0.10, (18, 45), (0, 60), (362, 373), 17.0, 1.5, 0.10),
    Archetype("loyal", 0.18, (6, 14), (0, 120), (300, 355), 12.0, 1.0, 0.08),
    Archetype("new", 0.12, (1, 2), (335, 370), (335, 373), 11.0, 1.0, 0.03),
    Archetype("at_risk", 0.17, (4, 10), (0, 40), (80, 160), 14.0, 1.0, 0.08),
    # lost customers try the shop with a small basket (one or two invoices): what a first
    # invoice can tell
    Archetype("lost", 0.38, (1, 2), (0, 160), (0, 160), 6.0, 0.6, 0.04),
    Archetype("wholesale", 0.05, (10, 30), (0, 40), (355, 373), 8.0, 14.0, 0.12),
)
# Not in the default mix: a marketplace-like shop plants it for a share of the customers
# (one_off_share), the rest keep the default mix. One purchase invoice with a few lines on a
# seasonal day anywhere in the data, never cancelled, no returns from before the data.
ONE_OFF = Archetype("one_off", 0.0, (1, 1), (0, DATA_DAYS - 1), (0, DATA_DAYS - 1), 4.0, 0.6, 0.0)
# the archetype indices used in a chunk: ARCHETYPES', then ONE_OFF's
_ALL_ARCHETYPES: tuple[Archetype, ...] = (*ARCHETYPES, ONE_OFF)
ONE_OFF_INDEX = len(ARCHETYPES)

# --------------------------------------------------------------------------- catalogue

THEMES: dict[str, tuple[tuple[str, ...], tuple[str, ...], float]] = {
    # theme: (theme words, item nouns, typical unit price)
    "christmas": (
        ("CHRISTMAS", "XMAS", "ADVENT", "SNOWFLAKE", "REINDEER"),
        ("BAUBLE", "DECORATION", "STOCKING", "TREE", "GARLAND", "STAR"),
        2.1,
    ),
    "kitchen": (
        ("KITCHEN", "BAKING", "TEA", "CAKE", "BREAKFAST"),
        ("MUG", "TEAPOT", "CAKE STAND", "APRON", "TIN", "PLATE", "CUP"),
        3.2,
    ),
    "bags": (
        ("JUMBO", "SHOPPER", "LUNCH", "TOTE", "STORAGE"),
        ("BAG", "BAG CHARLOTTE", "BAG PEARS", "BAG APPLES", "BAG SUKI"),
        1.9,
    ),
    "lighting": (
        ("T-LIGHT", "CANDLE", "LANTERN", "NIGHT LIGHT", "TEALIGHT"),
        ("HOLDER", "SET", "LAMP", "CHANDELIER", "STICK"),
        2.6,
    ),
    "stationery": (
        ("NOTEBOOK", "PENCIL", "GREETING", "GIFT WRAP", "STICKER"),
        ("CARD", "SET", "SHEET", "PAD", "TAPE"),
        0.9,
    ),
    "garden": (
        ("GARDEN", "FLOWER", "BIRD", "HERB", "WATERING"),
        ("POT", "SIGN", "PLANTER", "MARKER", "CAN"),
        3.6,
    ),
    "party": (
        ("PARTY", "BIRTHDAY", "BUNTING", "PICNIC", "CELEBRATION"),
        ("NAPKINS", "CUPS", "PLATES", "BANNER", "BALLOONS"),
        1.4,
    ),
    "children": (
        ("CHILDRENS", "DOLLY", "SPACEBOY", "TOY", "DINOSAUR"),
        ("CUTLERY SET", "GAME", "PUZZLE", "BOWL", "PAINT SET"),
        2.4,
    ),
    "home_decor": (
        ("HEART", "VINTAGE", "WOODEN", "METAL", "ANTIQUE"),
        ("SIGN", "FRAME", "CLOCK", "HOOK", "DOORSTOP", "MIRROR"),
        5.5,
    ),
}
COLOURS = ("RED", "PINK", "BLUE", "WHITE", "GREEN", "IVORY", "CREAM", "BLACK")
PATTERNS = ("RETROSPOT", "POLKADOT", "PAISLEY", "REGENCY", "SPOTTY", "FLORAL", "STRIPE")

# Non-product stock codes, with their description and how they are priced.
NON_PRODUCT_CODES = {
    "POST": ("POSTAGE", 18.0),
    "DOT": ("DOTCOM POSTAGE", 120.0),
    "M": ("Manual", 5.0),
    "C2": ("CARRIAGE", 50.0),
    "D": ("Discount", 15.0),
    "BANK CHARGES": ("Bank Charges", 15.0),
    "PADS": ("PADS TO MATCH ALL CUSHIONS", 0.001),
    "AMAZONFEE": ("AMAZON FEE", 1500.0),
    "CRUK": ("CRUK Commission", 30.0),
    "S": ("SAMPLES", 20.0),
    "B": ("Adjust bad debt", 11062.06),
}

COUNTRIES = (
    ("United Kingdom", 0.885),
    ("Germany", 0.021),
    ("France", 0.020),
    ("Spain", 0.007),
    ("Belgium", 0.006),
    ("Switzerland", 0.005),
    ("Portugal", 0.005),
    ("Italy", 0.004),
    ("Finland", 0.003),
    ("Austria", 0.003),
    ("Norway", 0.003),
    ("Netherlands", 0.002),
    ("Australia", 0.002),
    ("Denmark", 0.002),
    ("Channel Islands", 0.002),
    ("Cyprus", 0.002),
    ("Sweden", 0.002),
    ("Japan", 0.002),
    ("Poland", 0.002),
    ("Canada", 0.001),
    ("EIRE", 0.001),
    ("USA", 0.001),
    ("Greece", 0.001),
    ("Israel", 0.001),
    ("Iceland", 0.001),
    ("Singapore", 0.001),
    ("Lithuania", 0.001),
    ("Brazil", 0.001),
)

# Seasonality: relative activity per calendar month (Jan..Dec), peaking before Christmas.
MONTH_WEIGHT = np.array([0.75, 0.65, 0.85, 0.75, 0.85, 0.85, 0.85, 0.85, 1.2, 1.35, 1.8, 1.3])
# Opening hours 6..20 with a midday peak.
HOUR_WEIGHT = {
    6: 0.05,
    7: 0.3,
    8: 2.0,
    9: 5.0,
    10: 9.0,
    11: 11.0,
    12: 14.0,
    13: 12.5,
    14: 11.0,
    15: 10.0,
    16: 5.0,
    17: 2.5,
    18: 0.7,
    19: 0.7,
    20: 0.2,
}
QUANTITIES = np.array([1, 2, 3, 4, 6, 8, 10, 12, 16, 24, 25, 36, 48, 72, 96])
QUANTITY_WEIGHT = np.array([14, 14, 6, 6, 10, 4, 4, 18, 3, 8, 2, 2, 4, 1, 1], dtype=float)


@dataclass(frozen=True)
class Catalogue:
    stock_codes: np.ndarray  # object array of str
    descriptions: np.ndarray
    prices: np.ndarray
    themes: np.ndarray  # theme index per product
    theme_offsets: np.ndarray  # products are sorted by theme: [offset, offset+size)
    theme_sizes: np.ndarray
    popularity_cdf: np.ndarray


def build_catalogue(rng: np.random.Generator, products_per_theme: int = 180) -> Catalogue:
    codes, descriptions, prices, themes = [], [], [], []
    seen: set[str] = set()
    next_code = 20000
    for theme_index, (words, items, base_price) in enumerate(THEMES.values()):
        made = 0
        while made < products_per_theme:
            word = words[rng.integers(len(words))]
            item = items[rng.integers(len(items))]
            style = rng.integers(3)
            if style == 0:
                text = f"{COLOURS[rng.integers(len(COLOURS))]} {word} {item}"
            elif style == 1:
                text = f"{word} {item} {PATTERNS[rng.integers(len(PATTERNS))]}"
            else:
                text = f"SET OF {rng.choice([3, 4, 6, 12])} {word} {item}"
            if text in seen:
                continue
            seen.add(text)
            next_code += int(rng.integers(1, 60))
            suffix = "" if rng.random() < 0.7 else "ABCDEFGHJKLMNPRSTW"[rng.integers(18)]
            codes.append(f"{next_code}{suffix}")
            descriptions.append(text)
            prices.append(round(float(base_price * rng.lognormal(0.0, 0.55)), 2) or 0.19)
            themes.append(theme_index)
            made += 1
    n = len(codes)
    popularity = 1.0 / np.arange(1, n + 1) ** 0.9
    popularity = popularity[rng.permutation(n)]
    sizes = np.full(len(THEMES), products_per_theme)
    return Catalogue(
        stock_codes=np.array(codes, dtype=object),
        descriptions=np.array(descriptions, dtype=object),
        prices=np.array(prices),
        themes=np.array(themes),
        theme_offsets=np.concatenate([[0], np.cumsum(sizes)[:-1]]),
        theme_sizes=sizes,
        popularity_cdf=np.cumsum(popularity) / popularity.sum(),
    )


def _day_weights() -> np.ndarray:
    days = DATA_START + np.arange(DATA_DAYS)
    months = days.astype("datetime64[M]").astype(int) % 12
    weekday = (days.astype("datetime64[D]").astype(int) + 3) % 7  # 0 = Monday
    weights = MONTH_WEIGHT[months] * np.where(weekday == 5, 0.0, 1.0)  # closed on Saturdays
    weights = weights * np.where(weekday == 6, 0.6, 1.0)  # quieter Sundays
    return weights


# --------------------------------------------------------------------------- generation


def _sample_days(rng, cdf, low_day, high_day):
    """Draw one trading day per row between low_day and high_day (inclusive), seasonal."""
    low_cdf = np.where(low_day > 0, cdf[np.maximum(low_day - 1, 0)], 0.0)
    high_cdf = cdf[high_day]
    u = low_cdf + rng.random(len(low_day)) * (high_cdf - low_cdf)
    return np.minimum(np.searchsorted(cdf, u, side="right"), DATA_DAYS - 1)


def _trading_day(days):
    """Move a Saturday (the shop is closed) to the Sunday after it."""
    weekday = (days + (DATA_START.astype(int) + 3)) % 7
    return np.where(weekday == 5, days + 1, days)


def _timestamps(rng, days):
    hours = np.array(list(HOUR_WEIGHT))
    hour_p = np.array(list(HOUR_WEIGHT.values()))
    hour = rng.choice(hours, size=len(days), p=hour_p / hour_p.sum())
    minute = rng.integers(0, 60, size=len(days))
    return (
        DATA_START.astype("datetime64[m]")
        + (days * 1440 + hour * 60 + minute).astype("timedelta64[m]")
    ).astype("datetime64[us]")


def _customer_table(rng, n_customers, first_customer_id, one_off_share=None):
    shares = np.array([a.share for a in ARCHETYPES])
    archetype = rng.choice(len(ARCHETYPES), size=n_customers, p=shares / shares.sum())
    country_p = np.array([p for _, p in COUNTRIES])
    country = rng.choice(len(COUNTRIES), size=n_customers, p=country_p / country_p.sum())
    favourite_theme = rng.integers(0, len(THEMES), size=n_customers)
    if one_off_share:  # drawn last and only then, so the default shop's draws are untouched
        one_off = rng.random(n_customers) < one_off_share
        archetype = np.where(one_off, ONE_OFF_INDEX, archetype)
    customer_id = first_customer_id + np.arange(n_customers)
    return customer_id, archetype, country, favourite_theme


def _invoices_for_customers(rng, cdf, archetype):
    """Per-customer invoice counts and one (day, timestamp) per invoice."""
    arch = _ALL_ARCHETYPES
    lo = np.array([a.invoices[0] for a in arch])[archetype]
    hi = np.array([a.invoices[1] for a in arch])[archetype]
    # heavy tail: log-uniform between min and max
    n_invoices = np.floor(np.exp(rng.uniform(np.log(lo), np.log(hi + 1)))).astype(int)
    n_invoices = np.where(archetype == ONE_OFF_INDEX, 1, n_invoices)  # whatever the rounding
    first_lo = np.array([a.first_day[0] for a in arch])[archetype]
    first_hi = np.array([a.first_day[1] for a in arch])[archetype]
    last_lo = np.array([a.active_days[0] for a in arch])[archetype]
    last_hi = np.array([a.active_days[1] for a in arch])[archetype]
    first_day = _sample_days(rng, cdf, first_lo, first_hi)
    last_day = _sample_days(rng, cdf, last_lo, last_hi)
    # the short-lived (lost, new) buy again, if at all, within a few weeks of their first
    short = np.isin(archetype, [_arch_index("lost"), _arch_index("new")])
    last_day = np.where(
        short, np.minimum(first_day + rng.integers(0, 40, len(first_day)), DATA_DAYS - 1), last_day
    )
    # customers keep arriving all year: a share of the regular archetypes joins late and
    # buys at the same pace over a shorter life (so the latest months have new regulars)
    regular = np.isin(archetype, [_arch_index(a) for a in ("champion", "loyal", "wholesale")])
    late = regular & (rng.random(len(archetype)) < LATE_JOINER_SHARE)
    late_first = _sample_days(rng, cdf, np.full(len(archetype), 200), np.full(len(archetype), 320))
    span = np.maximum(last_day - first_day, 1)
    late_span = np.maximum(last_day - late_first, 1)
    n_invoices = np.where(
        late, np.maximum(3, np.round(n_invoices * late_span / span)).astype(int), n_invoices
    )
    first_day = np.where(late, late_first, first_day)
    last_day = _trading_day(np.maximum(last_day, first_day))
    owner = np.repeat(np.arange(len(archetype)), n_invoices)
    days = _sample_days(rng, cdf, first_day[owner], last_day[owner])
    # pin each customer's first and last invoice to the ends of their active window
    starts = np.concatenate([[0], np.cumsum(n_invoices)[:-1]])
    days[starts] = first_day
    days[starts + n_invoices - 1] = np.where(n_invoices > 1, last_day, first_day)
    return owner, days


@dataclass(frozen=True)
class PlantedCampaign:
    """A campaign with target_type all (docs/methods/campaigns.md) and a known effect: among the
    customers it would contact, the share who buy in its window is `factor` times what it
    would be without it (each customer who would not have bought does, with the probability
    that makes it so), and the control group is untouched."""

    key: str
    start: str  # YYYY-MM-DD
    factor: float
    control_share: float = 0.1
    window_days: int = 90

    def window(self) -> tuple[int, int]:
        """First and last day offset of the window (clipped to the data)."""
        first = int((np.datetime64(self.start) - DATA_START).astype(int))
        return first, min(first + self.window_days, DATA_DAYS) - 1


def _plant_campaign(rng, cdf, owner, days, customer_id, campaign: PlantedCampaign):
    """Add the campaign's extra purchases to (owner, days); returns them and, per customer,
    whether they bought in the window only because of the campaign."""
    first, last = campaign.window()
    n = len(customer_id)
    bought_before = np.bincount(owner[days < first], minlength=n) > 0
    bought_in_window = np.bincount(owner[(days >= first) & (days <= last)], minlength=n) > 0
    held_out = np.array(
        [control_draw(campaign.key, str(c)) < campaign.control_share for c in customer_id]
    )
    contacted = bought_before & ~held_out
    rate = bought_in_window[contacted].mean() if contacted.any() else 0.0
    if rate >= 1 or rate == 0:
        return owner, days, np.zeros(n, bool)
    # P(buy) = rate + (1 - rate) * extra = factor * rate
    extra = min(1.0, (campaign.factor - 1) * rate / (1 - rate))
    converted = contacted & ~bought_in_window & (rng.random(n) < extra)
    who = np.flatnonzero(converted)
    when = _trading_day(_sample_days(rng, cdf, np.full(len(who), first), np.full(len(who), last)))
    when = np.minimum(when, DATA_DAYS - 1)
    order = np.argsort(np.concatenate([owner, who]), kind="stable")
    return np.concatenate([owner, who])[order], np.concatenate([days, when])[order], converted


def _arch_index(name):
    return next(i for i, a in enumerate(ARCHETYPES) if a.name == name)


@dataclass(frozen=True)
class _Invoices:
    """A chunk's invoices, one entry each: the customers' then the guests', in time order
    once `_in_time_order` has sorted them."""

    days: np.ndarray  # day offset from DATA_START
    lines_mean: np.ndarray  # mean number of product lines
    customer: np.ndarray  # customer id as a float, NaN on a guest invoice
    country: np.ndarray  # index into COUNTRIES
    theme: np.ndarray  # index into THEMES: where most of its lines come from
    quantity_scale: np.ndarray
    cancel_rate: np.ndarray  # the chance it is cancelled (in part) later
    one_off: np.ndarray  # bool: a one-off buyer's invoice (no returns from before the data)


def _check_one_off_share(one_off_share: float | None, campaign: PlantedCampaign | None) -> None:
    """ValueError unless one_off_share is None or in [0, 1), and not with a campaign."""
    if one_off_share is None:
        return
    if not 0 <= one_off_share < 1:
        raise ValueError(f"--one-off-share {one_off_share}: want a share in [0, 1), e.g. 0.9")
    if one_off_share and campaign is not None:
        raise ValueError(
            "--one-off-share does not combine with --campaign (it would bring one-off buyers back)"
        )


def generate_chunk(
    rng: np.random.Generator,
    catalogue: Catalogue,
    n_customers: int,
    first_customer_id: int,
    first_invoice_no: int,
    guest_line_share: float = 0.25,
    campaign: PlantedCampaign | None = None,
    one_off_share: float | None = None,
) -> tuple[pa.Table, pa.Table, int]:
    """One chunk of customers: raw lines (sorted by time), ground truth, next invoice number.
    The steps draw from `rng` in this order, so the same seed gives the same data."""
    _check_one_off_share(one_off_share, campaign)
    cdf = np.cumsum(_day_weights())
    cdf = cdf / cdf[-1]
    customer_id, archetype, country, theme = _customer_table(
        rng, n_customers, first_customer_id, one_off_share
    )
    owner, days = _invoices_for_customers(rng, cdf, archetype)
    converted = None
    if campaign is not None:
        owner, days, converted = _plant_campaign(rng, cdf, owner, days, customer_id, campaign)
    invoices = _customer_invoices(owner, days, customer_id, archetype, country, theme)
    invoices = _with_guest_invoices(rng, cdf, invoices, guest_line_share)
    invoices, ts = _in_time_order(rng, invoices)
    n_inv = len(invoices.days)
    inv_no = first_invoice_no + np.arange(n_inv)
    n_lines, lines = _product_lines(rng, catalogue, invoices)
    _add_non_product_lines(rng, lines, invoices)
    purchase = _finish(lines, inv_no, ts, invoices.customer, invoices.country, prefix="")
    # cancellations of earlier purchases, 1-30 days later, and the other negative invoices
    cancel_lines, next_no = _cancellations(
        rng, catalogue, lines, n_lines, invoices, first_invoice_no + n_inv
    )
    table = _with_exact_duplicates(rng, pa.concat_tables([purchase, cancel_lines]))
    return table, _truth(customer_id, archetype, theme, country, converted), next_no


def _customer_invoices(owner, days, customer_id, archetype, country, theme) -> _Invoices:
    """The customers' invoices (`owner`: the customer of each), with what the customer's
    archetype, country and favourite theme make of them."""
    arch = _ALL_ARCHETYPES
    return _Invoices(
        days=days,
        lines_mean=np.array([a.lines_per_invoice for a in arch])[archetype[owner]],
        customer=customer_id[owner].astype(float),
        country=country[owner],
        theme=theme[owner],
        quantity_scale=np.array([a.quantity_scale for a in arch])[archetype[owner]],
        cancel_rate=np.array([a.cancel_rate for a in arch])[archetype[owner]],
        one_off=archetype[owner] == ONE_OFF_INDEX,
    )


def _with_guest_invoices(rng, cdf, invoices: _Invoices, guest_line_share: float) -> _Invoices:
    """Guest invoices (no customer id) after the customers': large baskets, sized so that
    about `guest_line_share` (a quarter) of all lines have no customer."""
    customer_lines = float(invoices.lines_mean.sum())
    guest_mean = 24.0
    n_guest = int(round(customer_lines * guest_line_share / (1 - guest_line_share) / guest_mean))
    g_days = _sample_days(rng, cdf, np.zeros(n_guest, int), np.full(n_guest, DATA_DAYS - 1))
    return _Invoices(
        days=np.concatenate([invoices.days, g_days]),
        lines_mean=np.concatenate([invoices.lines_mean, np.full(n_guest, guest_mean)]),
        customer=np.concatenate([invoices.customer, np.full(n_guest, np.nan)]),
        country=np.concatenate([invoices.country, np.zeros(n_guest, int)]),
        theme=np.concatenate([invoices.theme, rng.integers(0, len(THEMES), n_guest)]),
        quantity_scale=np.concatenate([invoices.quantity_scale, np.full(n_guest, 0.7)]),
        cancel_rate=np.concatenate([invoices.cancel_rate, np.zeros(n_guest)]),
        one_off=np.concatenate([invoices.one_off, np.zeros(n_guest, bool)]),
    )


def _in_time_order(rng, invoices: _Invoices) -> tuple[_Invoices, np.ndarray]:
    """The invoices sorted by a timestamp drawn for each (stably), and the timestamps."""
    ts = _timestamps(rng, invoices.days)
    order = np.argsort(ts, kind="stable")
    ordered = {name: values[order] for name, values in vars(invoices).items()}
    return _Invoices(**ordered), ts[order]


def _product_lines(rng, catalogue: Catalogue, invoices: _Invoices) -> tuple[np.ndarray, dict]:
    """Each invoice's number of product lines, and the lines: most from the invoice's theme,
    the rest by popularity; quantities scaled by the archetype, a discount on large
    quantities and a few free lines."""
    n_inv = len(invoices.days)
    inv_theme, inv_qscale = invoices.theme, invoices.quantity_scale
    n_lines = np.maximum(1, rng.poisson(invoices.lines_mean))
    li = np.repeat(np.arange(n_inv), n_lines)
    favourite = rng.random(len(li)) < 0.6
    in_theme = catalogue.theme_offsets[inv_theme[li]] + np.floor(
        rng.random(len(li)) * catalogue.theme_sizes[inv_theme[li]]
    ).astype(int)
    popular = np.searchsorted(catalogue.popularity_cdf, rng.random(len(li)))
    product = np.where(favourite, in_theme, np.minimum(popular, len(catalogue.prices) - 1))
    qty_p = QUANTITY_WEIGHT / QUANTITY_WEIGHT.sum()
    quantity = np.maximum(
        1, np.round(rng.choice(QUANTITIES, size=len(li), p=qty_p) * inv_qscale[li])
    ).astype(np.int64)
    price = catalogue.prices[product]
    price = np.where(quantity >= 100, np.round(price * 0.85, 2), price)  # wholesale discount
    price = np.where(rng.random(len(li)) < 0.0004, 0.0, price)  # free lines (zero price)

    lines = {
        "inv": li,
        "code": catalogue.stock_codes[product],
        "desc": catalogue.descriptions[product],
        "qty": quantity,
        "price": price,
    }
    return n_lines, lines


def _add_non_product_lines(rng, lines: dict, invoices: _Invoices) -> None:
    """Non-product lines on purchase invoices (postage, manual, carriage, bank charges,
    samples, Amazon fees), appended to `lines` after the product lines."""
    n_inv = len(invoices.days)
    extras = []
    foreign = invoices.country != 0
    has_customer = ~np.isnan(invoices.customer)
    post = np.flatnonzero(foreign & has_customer & (rng.random(n_inv) < 0.6))
    extras.append((post, "POST", rng.integers(1, 4, len(post)), 18.0))
    dot = np.flatnonzero(~has_customer & (rng.random(n_inv) < 0.35))
    extras.append((dot, "DOT", np.ones(len(dot), int), None))
    manual = np.flatnonzero(has_customer & (rng.random(n_inv) < 0.012))
    extras.append((manual, "M", rng.integers(1, 5, len(manual)), None))
    carriage = np.flatnonzero(has_customer & (rng.random(n_inv) < 0.004))
    extras.append((carriage, "C2", np.ones(len(carriage), int), 50.0))
    bank = np.flatnonzero(has_customer & (rng.random(n_inv) < 0.001))
    extras.append((bank, "BANK CHARGES", np.ones(len(bank), int), 15.0))
    pads = np.flatnonzero(has_customer & (rng.random(n_inv) < 0.0006))
    extras.append((pads, "PADS", np.ones(len(pads), int), 0.001))
    samples = np.flatnonzero(~has_customer & (rng.random(n_inv) < 0.01))
    extras.append((samples, "S", np.ones(len(samples), int), None))
    amazon = np.flatnonzero(~has_customer & (rng.random(n_inv) < 0.005))
    extras.append((amazon, "AMAZONFEE", np.ones(len(amazon), int), None))
    for inv_idx, code, qty, fixed_price in extras:
        desc = NON_PRODUCT_CODES[code][0]
        if fixed_price is None:
            p = np.round(NON_PRODUCT_CODES[code][1] * rng.lognormal(0, 0.6, len(inv_idx)), 2)
        else:
            p = np.full(len(inv_idx), fixed_price)
        _append(lines, inv_idx, code, desc, np.asarray(qty, np.int64), p)


def _with_exact_duplicates(rng, table: pa.Table) -> pa.Table:
    """Exact duplicate lines (as in the real export): ~1% of lines written twice, then every
    line in time order (stable: a duplicate follows the lines before it)."""
    dup = np.flatnonzero(rng.random(table.num_rows) < 0.01)
    table = pa.concat_tables([table, table.take(dup)])
    order = np.lexsort(
        (
            np.concatenate([np.arange(table.num_rows - len(dup)), dup]),
            pc.cast(table["InvoiceDate"], pa.int64()).to_numpy(),
        )
    )
    return table.take(order)


def _truth(customer_id, archetype, theme, country, converted) -> pa.Table:
    """The planted ground truth per customer; with a campaign (`converted` not None), who
    bought in its window only because of it."""
    truth = pa.table(
        {
            "customer_id": pa.array(customer_id.astype(str)),
            "archetype": pa.array([_ALL_ARCHETYPES[i].name for i in archetype]),
            "favourite_theme": pa.array([list(THEMES)[i] for i in theme]),
            "country": pa.array([COUNTRIES[i][0] for i in country]),
        }
    )
    if converted is not None:
        truth = truth.append_column("bought_because_of_campaign", pa.array(converted))
    return truth


def _append(lines, inv_idx, code, desc, qty, price):
    n = len(inv_idx)
    lines["inv"] = np.concatenate([lines["inv"], inv_idx])
    lines["code"] = np.concatenate([lines["code"], np.full(n, code, dtype=object)])
    lines["desc"] = np.concatenate([lines["desc"], np.full(n, desc, dtype=object)])
    lines["qty"] = np.concatenate([lines["qty"], qty])
    lines["price"] = np.concatenate([lines["price"], price])


def _finish(lines, inv_no, ts, inv_customer, inv_country, prefix, inv_ts_offset=None):
    li = lines["inv"]
    stamps = ts[li] if inv_ts_offset is None else inv_ts_offset
    numbers = pc.cast(pa.array(inv_no[li]), pa.string())
    if prefix:
        numbers = pc.binary_join_element_wise(prefix, numbers, "")
    return pa.table(
        {
            "InvoiceNo": numbers,
            "StockCode": pa.array(lines["code"], pa.string()),
            "Description": pa.array(lines["desc"], pa.string()),
            "Quantity": pa.array(lines["qty"], pa.int64()),
            "InvoiceDate": pa.array(stamps, pa.timestamp("us")),
            "UnitPrice": pa.array(lines["price"], pa.float64()),
            "CustomerID": pa.array(inv_customer[li], pa.float64(), from_pandas=True),
            "Country": pa.array([COUNTRIES[i][0] for i in inv_country[li]], pa.string()),
        },
        schema=RAW_SCHEMA,
    )


def _cancellations(
    rng, catalogue: Catalogue, lines: dict, n_lines: np.ndarray, invoices: _Invoices, next_no
):
    """C invoices: partial or full returns of earlier purchases, returns of purchases made
    before the data starts, discounts and commission lines; and A invoices, bad-debt
    adjustments. Returns them and the next invoice number."""
    cancels, next_no = _returns(rng, lines, n_lines, invoices, next_no)
    early_cancels, next_no = _returns_from_before_the_data(rng, catalogue, invoices, next_no)
    adjustments, next_no = _bad_debt_adjustments(rng, len(invoices.days), next_no)
    return pa.concat_tables([cancels, early_cancels, adjustments]), next_no


def _returns(rng, lines: dict, n_lines: np.ndarray, invoices: _Invoices, next_no):
    """Partial or full returns of 1-3 product lines of earlier purchases (by each invoice's
    cancel rate), with discount and commission lines on some of the C invoices."""
    days, inv_customer, inv_country = invoices.days, invoices.customer, invoices.country
    n_inv = len(days)
    # cancel 1-30 days after the purchase, so always strictly later
    cancelled_inv = np.flatnonzero(
        (rng.random(n_inv) < invoices.cancel_rate) & (days < DATA_DAYS - 2)
    )
    c_days = _trading_day(
        np.minimum(days[cancelled_inv] + rng.integers(1, 31, len(cancelled_inv)), DATA_DAYS - 1)
    )
    c_ts = _timestamps(rng, c_days)
    c_no = next_no + np.arange(len(cancelled_inv))
    next_no += len(cancelled_inv)

    # pick 1-3 product lines from each cancelled invoice
    line_start = np.concatenate([[0], np.cumsum(n_lines)[:-1]])
    k = np.minimum(rng.integers(1, 4, len(cancelled_inv)), n_lines[cancelled_inv])
    owner = np.repeat(np.arange(len(cancelled_inv)), k)
    pick = line_start[cancelled_inv[owner]] + np.floor(
        rng.random(len(owner)) * n_lines[cancelled_inv[owner]]
    ).astype(int)
    bought = lines["qty"][pick]
    full = rng.random(len(pick)) < 0.55
    partial = np.maximum(1, np.floor(bought * rng.uniform(0.2, 0.9, len(pick)))).astype(np.int64)
    c_qty = -np.where(full, bought, np.minimum(partial, bought))

    c_lines = {
        "inv": owner,
        "code": lines["code"][pick],
        "desc": lines["desc"][pick],
        "qty": c_qty.astype(np.int64),
        "price": lines["price"][pick],
    }
    # discounts on some cancellation invoices
    disc = np.flatnonzero(rng.random(len(cancelled_inv)) < 0.08)
    _append(
        c_lines,
        disc,
        "D",
        "Discount",
        -np.ones(len(disc), np.int64),
        np.round(15 * rng.lognormal(0, 0.7, len(disc)), 2),
    )
    cruk = np.flatnonzero(rng.random(len(cancelled_inv)) < 0.02)
    _append(
        c_lines,
        cruk,
        "CRUK",
        "CRUK Commission",
        -np.ones(len(cruk), np.int64),
        np.round(30 * rng.lognormal(0, 0.5, len(cruk)), 2),
    )
    cancels = _finish(
        c_lines,
        c_no,
        c_ts,
        inv_customer[cancelled_inv],
        inv_country[cancelled_inv],
        prefix="C",
    )
    return cancels, next_no


def _returns_from_before_the_data(rng, catalogue: Catalogue, invoices: _Invoices, next_no):
    """Returns of purchases made before the data starts: customers' first weeks, products
    they have not bought in the data (never a one-off buyer's: they bought only once)."""
    days, inv_customer, inv_country = invoices.days, invoices.customer, invoices.country
    customers = np.flatnonzero(~np.isnan(inv_customer) & (days < 60) & ~invoices.one_off)
    early = customers[rng.random(len(customers)) < 0.03]
    e_days = _trading_day(np.minimum(days[early] + rng.integers(0, 5, len(early)), DATA_DAYS - 1))
    e_ts = _timestamps(rng, e_days)
    e_no = next_no + np.arange(len(early))
    next_no += len(early)
    product = rng.integers(0, len(catalogue.prices), len(early))
    e_lines = {
        "inv": np.arange(len(early)),
        "code": catalogue.stock_codes[product],
        "desc": catalogue.descriptions[product],
        "qty": -rng.choice([1, 2, 6, 12], len(early)).astype(np.int64),
        "price": catalogue.prices[product],
    }
    early_cancels = _finish(
        e_lines, e_no, e_ts, inv_customer[early], inv_country[early], prefix="C"
    )
    return early_cancels, next_no


def _bad_debt_adjustments(rng, n_invoices: int, next_no):
    """Bad-debt adjustments: 'A' invoices with a negative price and no customer, one per
    20,000 invoices (at least one)."""
    n_adj = max(1, n_invoices // 20000)
    a_days = _trading_day(rng.integers(200, DATA_DAYS - 1, n_adj))
    adj = {
        "inv": np.arange(n_adj),
        "code": np.full(n_adj, "B", dtype=object),
        "desc": np.full(n_adj, "Adjust bad debt", dtype=object),
        "qty": np.ones(n_adj, np.int64),
        "price": -np.round(rng.uniform(1000, 12000, n_adj), 2),
    }
    adjustments = _finish(
        adj,
        next_no + np.arange(n_adj),
        _timestamps(rng, a_days),
        np.full(n_adj, np.nan),
        np.zeros(n_adj, int),
        prefix="A",
    )
    next_no += n_adj
    return adjustments, next_no


def generate(
    out: str | Path,
    customers: int = DEFAULT_CUSTOMERS,
    seed: int = DEFAULT_SEED,
    chunk_customers: int = 50_000,
    progress: bool = False,
    campaign: PlantedCampaign | None = None,
    one_off_share: float | None = None,
) -> tuple[Path, Path]:
    """Write raw lines to `out` (Parquet) and ground truth to `<stem>_truth.parquet`; with
    `one_off_share` (in [0, 1)) that share of the customers are one-off buyers."""
    _check_one_off_share(one_off_share, campaign)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    truth_path = truth_path_for(out)
    rng = np.random.default_rng(seed)
    catalogue = build_catalogue(np.random.default_rng(seed + 1))
    next_no, next_customer, written, lines = FIRST_INVOICE_NO, FIRST_CUSTOMER_ID, 0, 0
    tmp_out, tmp_truth = out.with_suffix(".tmp"), truth_path.with_suffix(".tmp")
    started = time.monotonic()
    with (
        pq.ParquetWriter(tmp_out, RAW_SCHEMA) as raw_writer,
        pq.ParquetWriter(
            tmp_truth,
            pa.schema(
                [
                    (n, pa.string())
                    for n in ("customer_id", "archetype", "favourite_theme", "country")
                ]
                + ([("bought_because_of_campaign", pa.bool_())] if campaign else [])
            ),
        ) as truth_writer,
    ):
        while written < customers:
            n = min(chunk_customers, customers - written)
            table, truth, next_no = generate_chunk(
                rng,
                catalogue,
                n,
                next_customer,
                next_no,
                campaign=campaign,
                one_off_share=one_off_share,
            )
            raw_writer.write_table(table, row_group_size=1_000_000)
            truth_writer.write_table(truth)
            written += n
            next_customer += n
            lines += table.num_rows
            if progress:
                print(
                    f"  generated {written:,}/{customers:,} customers, {lines:,} lines "
                    f"({time.monotonic() - started:.0f}s)",
                    file=sys.stderr,
                    flush=True,
                )
    tmp_out.replace(out)
    tmp_truth.replace(truth_path)
    write_product_themes(catalogue, product_themes_path_for(out))
    return out, truth_path


def truth_path_for(raw_path: str | Path) -> Path:
    raw_path = Path(raw_path)
    return raw_path.with_name(raw_path.stem + "_truth.parquet")


def product_themes_path_for(raw_path: str | Path) -> Path:
    """The products' planted themes, beside the customers' ground truth."""
    raw_path = Path(raw_path)
    return raw_path.with_name(raw_path.stem + "_product_themes.parquet")


def write_product_themes(catalogue: Catalogue, path: Path) -> None:
    """The theme the generator gave each product: what product categories should recover."""
    table = pa.table(
        {
            "stock_code": pa.array(catalogue.stock_codes.tolist(), pa.string()),
            "description": pa.array(catalogue.descriptions.tolist(), pa.string()),
            "theme": pa.array([list(THEMES)[i] for i in catalogue.themes], pa.string()),
        }
    )
    tmp = path.with_suffix(".tmp")
    pq.write_table(table, tmp)
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m retail_segments.synthetic",
        description="Generate deterministic Online-Retail-like invoice lines (Parquet).",
    )
    parser.add_argument(
        "--customers", type=int, default=DEFAULT_CUSTOMERS, help="number of customers"
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", required=True, help="output .parquet path")
    parser.add_argument("--chunk-customers", type=int, default=50_000)
    parser.add_argument(
        "--campaign",
        metavar="KEY:START:FACTOR[:CONTROL_SHARE[:WINDOW_DAYS]]",
        help="plant a campaign's effect: the customers a campaign targeting everyone "
        "contacts buy in its window at FACTOR times their rate (e.g. spring:2011-08-01:1.2)",
    )
    parser.add_argument(
        "--one-off-share",
        type=float,
        metavar="SHARE",
        help="a marketplace-like shop: SHARE (in [0, 1), e.g. 0.9) of the customers buy "
        "exactly once; the rest keep the default mix of archetypes",
    )
    args = parser.parse_args(argv)
    if args.customers < 1:
        parser.error("--customers must be at least 1")
    campaign = None
    if args.campaign:
        parts = args.campaign.split(":")
        try:
            key, start, factor = parts[0], str(np.datetime64(parts[1], "D")), float(parts[2])
            campaign = PlantedCampaign(
                key, start, factor, *map(float, parts[3:4]), *map(int, parts[4:5])
            )
        except (IndexError, ValueError) as problem:
            parser.error(f"--campaign {args.campaign}: {problem}")
        if len(parts) > 5 or factor < 1 or not 0 < campaign.control_share <= 0.5:
            parser.error(
                f"--campaign {args.campaign}: want KEY:START:FACTOR>=1[:SHARE in (0, 0.5][:DAYS]]"
            )
    try:
        _check_one_off_share(args.one_off_share, campaign)
    except ValueError as problem:
        parser.error(str(problem))
    raw, truth = generate(
        args.out,
        args.customers,
        args.seed,
        args.chunk_customers,
        progress=True,
        campaign=campaign,
        one_off_share=args.one_off_share,
    )
    print(f"wrote {raw} and {truth}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
