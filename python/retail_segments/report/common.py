"""Helpers every section shares: HTML escaping and tables, chart set-up, and the names
shown for algorithms, models and targets."""

from __future__ import annotations

import html
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from .. import report_format as fmt  # noqa: E402

# Charts are drawn about 650-850 px wide and scale down to a phone's width, so their text
# starts larger than matplotlib's default.
plt.rcParams.update(
    {
        "font.size": 11,
        "axes.titlesize": 11,
        "axes.labelsize": 11,
        "xtick.labelsize": 10,
        "ytick.labelsize": 10,
        "legend.fontsize": 10,
    }
)


def esc(value) -> str:
    return html.escape("" if value is None else str(value))


def _png_size(data: bytes) -> tuple[int, int]:
    return struct.unpack(">II", data[16:24])


def _money_axis(ax, axis: str = "y") -> None:
    formatter = FuncFormatter(lambda value, _: fmt.money_compact(value))
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(formatter)


def _count_axis(ax, axis: str = "y") -> None:
    formatter = FuncFormatter(lambda value, _: fmt.count(value))
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(formatter)


def _percent_axis(ax, axis: str = "y") -> None:
    formatter = FuncFormatter(lambda value, _: f"{value:.0f}%")
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(formatter)


def _figure(width=8.0, height=4.0):
    fig, ax = plt.subplots(figsize=(width, height))
    ax.grid(axis="y", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def _legend_above(ax, entries: int) -> None:
    """The legend above the plot, in two columns: never over the bars."""
    ax.legend(
        loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
        ncols=min(2, entries),
        frameon=False,
        fontsize=10,
    )


def _is_num(value) -> bool:
    return value is not None and not pd.isna(value)


@dataclass
class Col:
    """A table column: header, how to get the cell from a row, numeric (right-aligned)."""

    header: str
    cell: Callable[[pd.Series], str]
    numeric: bool = False
    raw_html: bool = False  # the cell is already HTML (e.g. a swatch)


def _table(frame: pd.DataFrame, columns: Sequence[Col], css: str = "") -> str:
    """A table that fits the page: text wraps; below 700 px each row becomes a card."""
    head = "".join(
        f'<th class="{"num" if c.numeric else ""}" scope="col">{esc(c.header)}</th>'
        for c in columns
    )
    body = []
    for _, row in frame.iterrows():
        cells = []
        for column in columns:
            value = column.cell(row)
            text = value if column.raw_html else esc(value)
            cls = "num" if column.numeric else ""
            cells.append(f'<td class="{cls}" data-label="{esc(column.header)}">{text}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f'<table class="responsive {css}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


ALGORITHMS = {
    "kmeans": "KMeans",
    "gaussian_mixture": "Gaussian mixture",
    "agglomerative_ward": "Ward (hierarchical)",
}

# algorithms are not segments: greys told apart by line and marker
ALGORITHM_STYLES = {
    "kmeans": (fmt.NEUTRAL_DARK, "-", "o"),
    "gaussian_mixture": (fmt.NEUTRAL, "--", "s"),
    "agglomerative_ward": ("#a0a0a0", ":", "^"),
}

MODELS = {
    "majority_baseline": "Most common answer (baseline)",
    "basket_value_rule": "First basket's value (baseline)",
    "first_invoice_interest": "Interest of the first invoice (baseline)",
    "logistic_regression": "Logistic regression",
    "random_forest": "Random forest",
    "gradient_boosting": "Gradient boosting",
}

TARGETS = {
    "will_return": "Returns within the horizon",
    "value_tier": "Value tier at the horizon's end",
    "next_interest": "What a returner buys next",
}


def _three(value) -> str:
    return fmt.number(value, 3)


def _is_num_or_text(value) -> bool:
    return isinstance(value, str) or _is_num(value)
