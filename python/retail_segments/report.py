"""A self-contained HTML report of the published warehouse, for the people who act on it.

    segments report [--db warehouse.duckdb] [--out report.html]

The first screen answers the business question: who the customers are, what each
behavioural segment is worth and what to do with it (the RFM segments one click away).
Then the evidence, one section each, skippable: how the segments were chosen, product
categories, what a new customer's first invoice tells, the lifetime-value check, movement
between segments, exploration charts and the data-quality audit.

One HTML file, charts embedded as PNG (matplotlib), nothing fetched from the network. Reads
the warehouse read-only, so it can run while BI tools have it open. A part whose mart is
missing or empty becomes a note, never a crash; one progress line per section.
Numbers and colours: `report_format` (money in `SEGMENTS_CURRENCY`, default £).
"""

from __future__ import annotations

import base64
import html
import io
import struct
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from . import report_format as fmt  # noqa: E402
from .publish import export_dir as export_dir_of  # noqa: E402

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


class MissingMart(Exception):
    """A mart a part of the report needs is not in the warehouse."""


class EmptyMart(Exception):
    """A mart a part of the report needs has no rows (e.g. too little history)."""


class Warehouse:
    def __init__(self, path: Path):
        self.conn = duckdb.connect(str(path), read_only=True)
        self.tables = {
            row[0]
            for row in self.conn.sql(
                "select table_name from duckdb_tables() where schema_name = 'marts' "
                "union all select view_name from duckdb_views() where schema_name = 'marts'"
            ).fetchall()
        }

    def df(self, table: str, sql: str | None = None, *, rows: bool = True) -> pd.DataFrame:
        """The query's rows; `MissingMart` if `table` is absent, `EmptyMart` if it returns
        nothing and `rows` (rows required)."""
        if table not in self.tables:
            raise MissingMart(f"marts.{table} is not in this warehouse")
        frame = self.conn.sql(sql or f"select * from marts.{table}").df()
        if rows and frame.empty:
            raise EmptyMart(f"marts.{table} has no rows")
        return frame

    def has(self, table: str) -> bool:
        return table in self.tables


# ------------------------------------------------------------------------------ helpers


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

SECTIONS: list[tuple[str, str]] = [
    ("segments", "Segments and what to do"),
    ("choice", "How the segments were chosen"),
    ("categories", "Product categories"),
    ("new-customers", "New customers: what the first invoice tells"),
    ("clv", "Lifetime value: forecast against what happened"),
    ("movement", "Movement between segments"),
    ("exploration", "Exploration"),
    ("data-quality", "Data quality"),
]


# ------------------------------------------------------------------------------- report


class Report:
    def __init__(self, warehouse: Warehouse, db: Path):
        self.w = warehouse
        self.db = db
        self.charts = 0
        self.gaps: list[str] = []  # what the current section could not show
        self.behavioural: dict[str, str] = {}
        self.rfm: dict[str, str] = {}
        # colours from the segment tables; a table of an older build leaves them grey
        try:
            if warehouse.has("segment_profiles"):
                names = warehouse.conn.sql(
                    "select segment_name from marts.segment_profiles order by cluster_id"
                ).fetchall()
                self.behavioural = fmt.segment_colours(
                    [n for (n,) in names], fmt.BEHAVIOURAL_PALETTE
                )
            if warehouse.has("rfm_segment_summary"):
                names = warehouse.conn.sql(
                    "select rfm_segment from marts.rfm_segment_summary order by segment_order"
                ).fetchall()
                self.rfm = fmt.segment_colours([n for (n,) in names], fmt.RFM_PALETTE)
        except duckdb.Error:
            pass

    # -- building blocks

    def part(self, build: Callable[[], str]) -> str:
        """One part of a section; a missing or empty mart becomes a note."""
        try:
            return build()
        except (MissingMart, EmptyMart) as gap:
            self.gaps.append(str(gap))
            return f'<p class="note">Not shown: {esc(gap)}.</p>'
        except Exception as problem:  # noqa: BLE001 - e.g. a mart of an older build: a note
            first_line = (str(problem).splitlines() or [type(problem).__name__])[0]
            reason = f"cannot read it ({first_line})"
            self.gaps.append(reason)
            return f'<p class="note">Not shown: {esc(reason)}.</p>'

    def figure(self, title: str, fig, segments: Sequence[str] = (), rfm: bool = False) -> str:
        """The chart as an embedded PNG with its title (and unit) as caption; a chart that
        shows `segments` names them and their colours on the image, for checking."""
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
        plt.close(fig)
        data = buffer.getvalue()
        width, height = _png_size(data)
        self.charts += 1
        marks = ""
        if len(segments):
            colours = ",".join(self.colour(name, rfm) for name in segments)
            marks = f' data-segments="{esc("|".join(segments))}" data-segment-colours="{colours}"'

        return (
            f'<figure><img alt="{esc(title)}" width="{width}" height="{height}"{marks} '
            f'src="data:image/png;base64,{base64.b64encode(data).decode()}">'
            f"<figcaption>{esc(title)}</figcaption></figure>"
        )

    def colour(self, name: str, rfm: bool = False) -> str:
        return (self.rfm if rfm else self.behavioural).get(name, fmt.OTHER_COLOUR)

    def swatch(self, name: str, rfm: bool = False) -> str:
        return (
            f'<span class="swatch" data-segment="{esc(name)}" '
            f'style="background:{self.colour(name, rfm)}"></span>'
        )

    # -- page top

    def lead(self) -> str:
        try:
            customers, revenue, first, last = self.w.df(
                "fct_invoices",
                "select count(distinct customer_id) as c, sum(revenue) as r, "
                "min(invoiced_at) as f, max(invoiced_at) as l from marts.fct_invoices",
            ).iloc[0]
        except (MissingMart, EmptyMart, duckdb.Error):
            return ""
        if not customers:
            return ""
        return (
            f"{fmt.count(customers)} customers bought {fmt.money_compact(revenue)} between "
            f"{fmt.day_label(first)} and {fmt.day_label(last)}."
        )

    # -- 1. segments and what to do

    def _segment_numbers(self, kind: str) -> pd.DataFrame:
        """Behavioural (`kind` = 'behavioural') or RFM segments as segment_overview gives
        them: numbers, CLV, export-list size, verdict, headline and action."""
        segment_type = "behavioural_segment" if kind == "behavioural" else "rfm_segment"
        return self.w.df(
            "segment_overview",
            "select segment as name, * from marts.segment_overview "
            f"where segment_type = '{segment_type}' order by display_order",
        )

    def _dropout_identified(self) -> bool:
        """Whether the lifetime model could tell customers who left from rare buyers (True
        when it does not say)."""
        if not hasattr(self, "_dropout"):
            self._dropout = True
            if self.w.has("clv_model_parameters"):
                try:
                    frame = self.w.conn.sql(
                        "select dropout_identified from marts.clv_model_parameters "
                        "where fit_window = 'full'"
                    ).df()
                    self._dropout = frame.empty or bool(frame["dropout_identified"].iloc[0])
                except duckdb.Error:
                    pass
        return self._dropout

    def _dropout_note(self) -> str:
        if self._dropout_identified():
            return ""
        return (
            '<p class="note-plain">“Still active” is not shown: over this data the lifetime '
            "model cannot tell a customer who left from one who buys rarely, so it puts "
            'every segment near 100% (see <a href="#clv">the lifetime-value check</a>). Read '
            "the chance to buy within 90 days instead.</p>"
        )

    def headlines(self) -> str:
        frame = self._segment_numbers("behavioural")
        items = [
            f'<li class="headline" data-segment="{esc(row["name"])}">'
            f"{self.swatch(row['name'])}<b>{esc(row['name'])}</b>: {esc(row['headline'])}</li>"
            for _, row in frame.iterrows()
        ]
        return f'<ul class="headlines">{"".join(items)}</ul>'

    def cards(self) -> str:
        frame = self._segment_numbers("behavioural")
        export_dir = export_dir_of(self.db)
        export_name = (
            f"{export_dir.name}/customer_segments.csv"
            if (export_dir / "customer_segments.csv").exists() or not export_dir.exists()
            else "the customer_segments export"
        )
        cards = []
        for _, row in frame.iterrows():
            name = row["name"]
            stats = [
                (
                    "Customers",
                    f"{fmt.count(row['customers'])} ({fmt.percent(row['customer_share'])})",
                ),
                (
                    "Share of revenue",
                    f"{fmt.percent(row['revenue_share'])} ({fmt.money_compact(row['revenue'])})",
                ),
                ("Mean 12-month CLV", fmt.money(row.get("mean_clv_12m"))),
                (
                    "Chance to buy within 90 days",
                    fmt.percent(row.get("mean_probability_purchase_90d")),
                ),
                (
                    "Still active (probability)",
                    fmt.percent(row.get("mean_probability_active"))
                    if self._dropout_identified()
                    else "not measurable (below)",
                ),
            ]
            stat_html = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in stats)
            typical = (
                f"last order {fmt.plural(row['median_recency_days'], 'day')} ago · "
                f"{fmt.plural(row['median_frequency'], 'order')} · "
                f"{fmt.money(row['median_monetary'])} spent in all (medians)"
            )
            exported = row.get("export_customers")
            cards.append(
                f'<article class="card" data-segment="{esc(name)}" '
                f'style="--seg:{self.colour(name)}">'
                f"<h3>{self.swatch(name)}{esc(name)}</h3>"
                f'<dl class="stats">{stat_html}</dl>'
                f'<p class="who"><b>Who:</b> {esc(row["description"])} '
                f'<span class="typical">Typically {esc(typical)}.</span></p>'
                f'<p class="action"><b>Do:</b> {esc(row["recommended_action"])}</p>'
                f'<p class="export"><b>Export list:</b> '
                f'<span class="export-count">{fmt.count(exported)}</span> customers '
                f"(<code>{esc(export_name)}</code>, segment_name “{esc(name)}”)</p>"
                "</article>"
            )
        return f'<div class="cards">{"".join(cards)}</div>' + self._dropout_note()

    def rfm_table(self) -> str:
        frame = self._segment_numbers("rfm")
        columns = [
            Col("Segment", lambda r: self.swatch(r["name"], True) + esc(r["name"]), raw_html=True),
            Col("Customers", lambda r: fmt.count(r["customers"]), True),
            Col("Share of customers", lambda r: fmt.percent(r["customer_share"]), True),
            Col("Share of revenue", lambda r: fmt.percent(r["revenue_share"]), True),
            Col("Mean 12-month CLV", lambda r: fmt.money(r.get("mean_clv_12m")), True),
            Col(
                "Chance to buy within 90 days",
                lambda r: fmt.percent(r.get("mean_probability_purchase_90d")),
                True,
            ),
            Col("In short", lambda r: r["verdict"] if isinstance(r["verdict"], str) else fmt.DASH),
            Col("Who", lambda r: r["description"]),
            Col("Recommended action", lambda r: r["recommended_action"]),
            Col("Export list", lambda r: fmt.count(r.get("export_customers")), True),
        ]
        return (
            '<details class="rfm"><summary>The same for the '
            f"{len(frame)} RFM segments (rule-based: recency, frequency and spend scores; "
            "export column rfm_segment)</summary>"
            + _table(frame, columns, "rfm-table")
            + self.part(self.rfm_chart)
            + "</details>"
        )

    def glance_chart(self) -> str:
        frame = self._segment_numbers("behavioural")
        measures = [("Customers", "customer_share"), ("Revenue so far", "revenue_share")]
        if "clv_share" in frame and frame["clv_share"].notna().any():
            measures.append(("Forecast 12-month CLV", "clv_share"))
        fig, ax = _figure(6, 4)
        width = 0.8 / len(frame)
        for i, (_, row) in enumerate(frame.iterrows()):
            values = [float(row[c]) * 100 if _is_num(row[c]) else 0 for _, c in measures]
            positions = np.arange(len(measures)) + (i - (len(frame) - 1) / 2) * width
            bars = ax.bar(
                positions, values, width, color=self.colour(row["name"]), label=row["name"]
            )
            ax.bar_label(bars, labels=[fmt.percent(v / 100) for v in values], fontsize=9)
        ax.set_xticks(np.arange(len(measures)), [m for m, _ in measures])
        ax.set_ylabel("share of the total (%)")
        _percent_axis(ax)
        _legend_above(ax, len(frame))
        return self.figure(
            "Each segment's share of customers, revenue and forecast value (%)",
            fig,
            list(frame["name"]),
        )

    def rfm_chart(self) -> str:
        data = self.w.df("rfm_segment_summary").sort_values("segment_order").iloc[::-1]
        colours = [self.colour(n, True) for n in data["rfm_segment"]]
        fig, axes = plt.subplots(1, 2, figsize=(8, 5.5), sharey=True)
        for ax, column, title in (
            (axes[0], "customer_share", "share of customers (%)"),
            (axes[1], "revenue_share", "share of revenue (%)"),
        ):
            values = data[column].fillna(0) * 100
            bars = ax.barh(data["rfm_segment"], values, color=colours)
            ax.bar_label(bars, labels=[fmt.percent(v / 100) for v in values], fontsize=9, padding=2)
            ax.set_xlabel(title)
            _percent_axis(ax, "x")
            ax.spines[["top", "right"]].set_visible(False)
        return self.figure(
            "RFM segments: share of customers and of revenue (%)",
            fig,
            list(data["rfm_segment"]),
            rfm=True,
        )

    def section_segments(self) -> str:
        nav = " · ".join(f'<a href="#{anchor}">{esc(title)}</a>' for anchor, title in SECTIONS[1:])
        return (
            self.part(self.headlines)
            + f'<nav class="toc"><b>The evidence:</b> {nav}</nav>'
            + self.part(self.cards)
            + self.part(self.rfm_table)
            + self.part(self.glance_chart)
        )

    # -- 2. how the segments were chosen

    def choice_text(self) -> str:
        data = self.w.df("cluster_model_selection")
        chosen = data[data["is_chosen"]]
        if chosen.empty:
            return '<p class="note">No candidate segmentation was chosen.</p>'
        c = chosen.iloc[0]
        text = (
            f"<b>Chosen: {esc(ALGORITHMS.get(c['algorithm'], c['algorithm']))} with "
            f"{fmt.count(c['n_clusters'])} segments</b> — silhouette "
            f"{fmt.number(c['silhouette'])} (how clearly customers sit in their own segment, "
            f"−1 to 1), stability {fmt.number(c['stability'])} (agreement between refits on "
            f"subsamples, 0 to 1), smallest segment {fmt.percent(c['smallest_cluster_share'])} "
            f"of customers. Only {fmt.count(c['choose_k_min'])} to "
            f"{fmt.count(c['choose_k_max'])} segments compete (a marketer runs programmes on a "
            "handful of groups); among those with a stability of at least "
            f"{fmt.number(c['min_stability'])} and no segment under "
            f"{fmt.percent(c['min_cluster_share'])} of customers, the clearest wins."
        )
        best = data[data["is_statistical_best"]]
        if not best.empty and not bool(best.iloc[0]["is_chosen"]):
            b = best.iloc[0]
            text += (
                f" Over {fmt.count(b['k_min'])} to {fmt.count(b['k_max'])} segments the "
                "clearest split is "
                f"{esc(ALGORITHMS.get(b['algorithm'], b['algorithm']))} with "
                f"{fmt.count(b['n_clusters'])} (silhouette {fmt.number(b['silhouette'])}): "
                "“bought a lot” against “did not”, too coarse to act on."
            )
        return f'<p class="bottom-line">{text}</p>'

    def k_chart(self) -> str:
        data = self.w.df("cluster_model_selection")
        metrics = [
            ("silhouette", "silhouette (higher is better)"),
            ("stability", "bootstrap stability, ARI (higher is better)"),
            ("davies_bouldin", "Davies-Bouldin (lower is better)"),
            ("calinski_harabasz", "Calinski-Harabasz (higher is better)"),
        ]
        fig, axes = plt.subplots(2, 2, figsize=(8.5, 7))
        chosen = data[data["is_chosen"]]
        for ax, (column, title) in zip(axes.flat, metrics, strict=True):
            for algorithm, group in data.groupby("algorithm"):
                group = group.sort_values("n_clusters")
                colour, style, marker = ALGORITHM_STYLES.get(algorithm, (fmt.NEUTRAL, "-", "o"))
                ax.plot(
                    group["n_clusters"],
                    group[column],
                    color=colour,
                    linestyle=style,
                    marker=marker,
                    label=ALGORITHMS.get(algorithm, algorithm),
                )
            ax.scatter(
                chosen["n_clusters"],
                chosen[column],
                s=180,
                facecolors="none",
                edgecolors="black",
                linewidths=2,
                label="chosen",
                zorder=5,
            )
            ax.set_title(title)
            ax.set_xlabel("number of segments (k)")
            ax.grid(alpha=0.3)
            ax.spines[["top", "right"]].set_visible(False)
            if column == "calinski_harabasz":
                _count_axis(ax)
        axes[0, 0].legend(fontsize=9, frameon=False)
        fig.tight_layout()
        return self.figure(
            "Quality of every candidate segmentation by number of segments (scores, unitless)",
            fig,
        )

    def k_table(self) -> str:
        data = self.w.df(
            "cluster_model_selection",
            "select * from marts.cluster_model_selection order by algorithm, n_clusters",
        )

        def verdict(r):
            marks = []
            if r["is_chosen"]:
                marks.append("chosen")
            if r["is_statistical_best"]:
                marks.append(f"best over {fmt.count(r['k_min'])}–{fmt.count(r['k_max'])}")
            return ", ".join(marks)

        columns = [
            Col("Algorithm", lambda r: ALGORITHMS.get(r["algorithm"], r["algorithm"])),
            Col("Segments (k)", lambda r: fmt.count(r["n_clusters"]), True),
            Col("Silhouette", lambda r: fmt.number(r["silhouette"]), True),
            Col("Stability", lambda r: fmt.number(r["stability"]), True),
            Col("Smallest segment", lambda r: fmt.percent(r["smallest_cluster_share"]), True),
            Col("Davies-Bouldin", lambda r: fmt.number(r["davies_bouldin"]), True),
            Col("Calinski-Harabasz", lambda r: fmt.count(r["calinski_harabasz"]), True),
            Col("Customers fitted", lambda r: fmt.count(r["fit_customers"]), True),
            Col("", verdict),
        ]
        return (
            "<details><summary>Every candidate (table)</summary>"
            + _table(data, columns, "k-table")
            + "</details>"
        )

    def profile_chart(self) -> str:
        data = self.w.df("segment_profiles", "select * from marts.segment_profiles order by 1")
        measures = [
            ("recency_z", "recency\n(below 0 = more recent)"),
            ("frequency_z", "frequency\n(orders)"),
            ("monetary_z", "monetary\n(spend)"),
        ]
        fig, ax = _figure(7, 4.2)
        width = 0.8 / len(data)
        for i, (_, row) in enumerate(data.iterrows()):
            positions = np.arange(len(measures)) + (i - (len(data) - 1) / 2) * width
            ax.bar(
                positions,
                [row[c] for c, _ in measures],
                width,
                color=self.colour(row["segment_name"]),
                label=row["segment_name"],
            )
        ax.axhline(0, color="black", linewidth=0.8)
        ax.set_xticks(np.arange(len(measures)), [label for _, label in measures])
        ax.set_ylabel("standard deviations from the average customer")
        _legend_above(ax, len(data))
        return self.figure(
            "What sets each segment apart: recency, frequency and spend against the average "
            "customer (standard deviations of the log values)",
            fig,
            list(data["segment_name"]),
        )

    def _scatter(self, x: str, y: str, title: str, sample_only: bool) -> str:
        data = self.w.df("customer_projections").dropna(subset=[x, y])
        if sample_only and "is_tsne_sample" in data:
            data = data[data["is_tsne_sample"].fillna(False).astype(bool)]
        if data.empty:
            raise EmptyMart(f"marts.customer_projections has no {x} values")
        names = self.w.df("segment_profiles").set_index("cluster_id")["segment_name"]
        fig, ax = _figure(6, 5)
        ax.grid(alpha=0.2)
        handles, shown = [], []
        for cluster_id, group in data.groupby("cluster_id"):
            name = names.get(cluster_id, f"segment {cluster_id}")
            colour = self.colour(name)
            ax.scatter(group[x], group[y], s=5, alpha=0.55, color=colour, linewidths=0)
            handles.append(Patch(color=colour, label=f"{name} ({fmt.count(len(group))})"))
            shown.append(name)
        ax.legend(handles=handles, fontsize=9, frameon=False)
        ax.set_xticks([])
        ax.set_yticks([])
        return self.figure(title, fig, shown)

    def section_choice(self) -> str:
        scatters = (
            '<div class="figures">'
            + self.part(
                lambda: self._scatter(
                    "pca_1",
                    "pca_2",
                    "Customers on the first two principal components of log R, F, M, by "
                    "segment (PCA units; customers per segment in brackets)",
                    False,
                )
            )
            + self.part(
                lambda: self._scatter(
                    "tsne_1",
                    "tsne_2",
                    "A sample of customers in t-SNE space, by segment (t-SNE units; "
                    "sampled customers per segment in brackets)",
                    True,
                )
            )
            + "</div>"
        )
        return (
            self.part(self.choice_text)
            + '<div class="figures">'
            + self.part(self.profile_chart)
            + self.part(self.k_chart)
            + "</div>"
            + self.part(self.k_table)
            + scatters
        )

    # -- 3. product categories

    def categories_text(self) -> str:
        lift = self.w.df("product_category_basket_lift").iloc[0]
        return (
            f'<p class="bottom-line"><b>{fmt.count(lift["categories"])} categories of products '
            f"bought together.</b> Two different products in one basket share a category "
            f"{fmt.number(lift['basket_lift'])} times as often as chance would have it (basket "
            f"lift; 1.00 = categories unrelated to baskets), over "
            f"{fmt.count(lift['invoices'])} invoices.</p>"
        )

    def categories_table(self) -> str:
        data = self.w.df(
            "product_category_summary",
            "select * from marts.product_category_summary order by revenue desc",
        )
        if self.w.has("product_category_examples"):
            examples = self.w.df(
                "product_category_examples",
                "select category_id, string_agg(description, '; ' order by example_rank) "
                "as examples from marts.product_category_examples group by all",
                rows=False,
            )
            data = data.merge(examples, how="left", on="category_id")
        else:
            data["examples"] = data["top_products"]
        columns = [
            Col("Category (its most distinctive words)", lambda r: r["category_label"]),
            Col("Products", lambda r: fmt.count(r["products"]), True),
            Col("Share of revenue", lambda r: fmt.percent(r["revenue_share"]), True),
            Col("Revenue", lambda r: fmt.money(r["revenue"]), True),
            Col("Customers", lambda r: fmt.count(r["customers"]), True),
            Col("Best sellers", lambda r: r["examples"] if _is_num_or_text(r["examples"]) else ""),
        ]
        shown = 10
        if len(data) <= shown + 2:
            return _table(data, columns, "categories-table")
        return (
            f'<p class="caption">The {shown} largest by revenue; all {len(data)} below.</p>'
            + _table(data.head(shown), columns, "categories-table")
            + f"<details><summary>The other {len(data) - shown} categories</summary>"
            + _table(data.iloc[shown:], columns, "categories-table")
            + "</details>"
        )

    def lift_table(self) -> str:
        data = self.w.df("product_category_basket_lift")
        columns = [
            Col("Basket lift", lambda r: fmt.number(r["basket_lift"]), True),
            Col("Categories", lambda r: fmt.count(r["categories"]), True),
            Col("Invoices", lambda r: fmt.count(r["invoices"]), True),
            Col("Pairs of products in one basket", lambda r: fmt.count(r["product_pairs"]), True),
            Col(
                "Pairs in the same category",
                lambda r: fmt.percent(r["same_category_pair_share"]),
                True,
            ),
            Col("Expected by chance", lambda r: fmt.percent(r["expected_pair_share"]), True),
        ]
        return "<h3>Basket lift</h3>" + _table(data, columns)

    def interests_table(self) -> str:
        data = self.w.df(
            "interest_segment_profiles",
            "select * from marts.interest_segment_profiles order by interest_segment_id",
        )
        columns = [
            Col("Interest segment", lambda r: r["interest_segment_name"]),
            Col("Customers", lambda r: fmt.count(r["customers"]), True),
            Col("Share of customers", lambda r: fmt.percent(r["customer_share"]), True),
            Col("Revenue", lambda r: fmt.money(r["revenue"]), True),
            Col("Median invoice", lambda r: fmt.money(r["median_invoice_value"]), True),
            Col("Share of their spend by category", lambda r: r["dominant_categories"]),
        ]
        return (
            "<h3>Customers by what they buy (interest segments)</h3>"
            '<p class="caption">Column interest segment in marts.customer_interest_segments; '
            "shares in percent of the segment's spend.</p>" + _table(data, columns)
        )

    def section_categories(self) -> str:
        return (
            self.part(self.categories_text)
            + self.part(self.categories_table)
            + self.part(self.interests_table)
            + self.part(self.lift_table)
        )

    # -- 4. new customers

    def _evaluation(self) -> pd.DataFrame:
        return self.w.df(
            "prediction_evaluation",
            "select * from marts.prediction_evaluation "
            "where protocol = 'first_invoice_features_time_split'",
        )

    def prediction_text(self) -> str:
        data = self._evaluation()
        first = data.iloc[0]
        lines = [
            f"Measured on {fmt.count(first['n_test'])} customers who first bought on or after "
            f"{fmt.day_label(pd.Timestamp(first['cutoff_date']))}, never seen in training "
            f"({fmt.count(first['n_train'])} training customers); horizon "
            f"{fmt.days(first['horizon_days'])} days; 95% bootstrap intervals."
        ]
        for target, metric, label in (
            ("will_return", "roc_auc", "ROC AUC"),
            ("value_tier", "balanced_accuracy", "balanced accuracy"),
            ("next_interest", "balanced_accuracy", "balanced accuracy"),
        ):
            rows = data[(data["target"] == target) & (data["metric"] == metric)]
            if rows.empty:
                continue
            best = rows.sort_values("value", ascending=False).iloc[0]
            guess = rows[rows["model"] == "majority_baseline"]
            guess_value = float(guess["value"].iloc[0]) if len(guess) else None
            if guess_value is None:
                verdict = ""
            elif best["ci_low"] <= guess_value:
                verdict = "not reliably better than the most common answer"
            elif best["value"] - guess_value < 0.1:
                verdict = "barely better than the most common answer"
            else:
                verdict = "clearly better than the most common answer"
            lines.append(
                f"<b>{esc(TARGETS[target])}</b>: best {label} "
                f"{fmt.interval(best['value'], best['ci_low'], best['ci_high'])} from "
                f"{esc(MODELS.get(best['model'], best['model']).lower())}, against "
                f"{fmt.number(guess_value)} for the most common answer: {verdict}."
            )
        return '<ul class="bottom-line">' + "".join(f"<li>{x}</li>" for x in lines) + "</ul>"

    def prediction_chart(self) -> str:
        data = self._evaluation()
        panels = [
            ("will_return", "roc_auc", "returns: ROC AUC"),
            ("value_tier", "balanced_accuracy", "value tier: balanced accuracy"),
            ("next_interest", "balanced_accuracy", "next interest: balanced accuracy"),
        ]
        panels = [p for p in panels if ((data["target"] == p[0]) & (data["metric"] == p[1])).any()]
        fig, axes = plt.subplots(len(panels), 1, figsize=(6.5, 2.7 * len(panels)), squeeze=False)
        for ax, (target, metric, title) in zip(axes[:, 0], panels, strict=True):
            rows = data[(data["target"] == target) & (data["metric"] == metric)]
            rows = rows.sort_values("value")
            y = np.arange(len(rows))
            colours = [
                fmt.NEUTRAL_LIGHT if k == "baseline" else fmt.NEUTRAL_DARK
                for k in rows["model_kind"]
            ]
            ax.errorbar(
                rows["value"],
                y,
                xerr=[rows["value"] - rows["ci_low"], rows["ci_high"] - rows["value"]],
                fmt="none",
                ecolor="#555555",
                capsize=3,
            )
            ax.scatter(rows["value"], y, color=colours, s=40, zorder=3)
            ax.set_yticks(y, [MODELS.get(m, m).replace(" (baseline)", "*") for m in rows["model"]])
            ax.set_title(title)
            ax.set_xlabel("score (0 to 1; * = baseline)")
            ax.grid(axis="x", alpha=0.3)
            ax.spines[["top", "right"]].set_visible(False)
        fig.tight_layout()
        return self.figure(
            "How well the first invoice predicts, by model, with 95% intervals (score, 0 to 1; "
            "light grey and * = baseline)",
            fig,
        )

    def prediction_table(self) -> str:
        data = self._evaluation()
        parts = []
        for target, metrics in (
            (
                "will_return",
                [
                    ("roc_auc", "ROC AUC", fmt.number),
                    ("pr_auc", "PR AUC", fmt.number),
                    ("top_decile_return_rate", "Top tenth returned", fmt.percent),
                    ("brier_score", "Brier score (lower is better)", _three),
                ],
            ),
            (
                "value_tier",
                [
                    ("balanced_accuracy", "Balanced accuracy", fmt.number),
                    ("macro_f1", "Macro F1", fmt.number),
                    ("log_loss", "Log loss (lower is better)", fmt.number),
                ],
            ),
            (
                "next_interest",
                [
                    ("balanced_accuracy", "Balanced accuracy", fmt.number),
                    ("macro_f1", "Macro F1", fmt.number),
                    ("log_loss", "Log loss (lower is better)", fmt.number),
                ],
            ),
        ):
            rows = data[data["target"] == target]
            if rows.empty:
                continue
            wide = {}
            for _, r in rows.iterrows():
                wide.setdefault(r["model"], {"model": r["model"], "kind": r["model_kind"]})
                wide[r["model"]][r["metric"]] = (r["value"], r["ci_low"], r["ci_high"])
            frame = pd.DataFrame(list(wide.values()))
            frame["order"] = frame["kind"].map({"baseline": 0}).fillna(1)
            frame = frame.sort_values(["order", "model"])
            columns = [Col("Model", lambda r: MODELS.get(r["model"], r["model"]))]
            for metric, label, number in metrics:
                columns.append(
                    Col(
                        label,
                        lambda r, m=metric, n=number: (
                            fmt.interval(*r[m], fmt=n) if isinstance(r.get(m), tuple) else fmt.DASH
                        ),
                        True,
                    )
                )
            parts.append(f"<h3>{esc(TARGETS[target])}</h3>" + _table(frame, columns))
        return (
            "<details><summary>Every model and baseline (tables, 95% intervals)</summary>"
            + "".join(parts)
            + "</details>"
        )

    def newcomers_table(self) -> str:
        data = self.w.df(
            "new_customer_predictions",
            "select return_outlook, has_returned, any_value(return_model) as model, "
            "count(*) as customers, any_value(recommended_first_action) as action, "
            "median(days_since_first_purchase) as days "
            "from marts.new_customer_predictions group by all",
        )
        rates = {}
        if self.w.has("prediction_evaluation"):
            for _, r in self._evaluation().iterrows():
                if r["metric"].startswith("return_rate_"):
                    rates[(r["model"], r["metric"].removeprefix("return_rate_"))] = r["value"]
        order = {"likely": 0, "possible": 1, "unlikely": 2}
        data["o"] = data["return_outlook"].map(order).fillna(3)
        data = data.sort_values(["has_returned", "o"])
        columns = [
            Col("Outlook", lambda r: r["return_outlook"]),
            Col("Already back?", lambda r: "yes" if r["has_returned"] else "not yet"),
            Col("Newcomers", lambda r: fmt.count(r["customers"]), True),
            Col("Days since first order (median)", lambda r: fmt.days(r["days"]), True),
            Col(
                "Test customers in this band who returned",
                lambda r: fmt.percent(rates.get((r["model"], r["return_outlook"]))),
                True,
            ),
            Col("First action", lambda r: r["action"]),
        ]
        total = fmt.count(data["customers"].sum())
        return (
            f"<h3>The {total} newcomers whose horizon is not over yet</h3>"
            '<p class="caption">marts.new_customer_predictions: one row per newcomer with the '
            "probability of return, outlook, value tier, next interest and first action.</p>"
            + _table(data, columns)
        )

    def leakage_note(self) -> str:
        data = self.w.df(
            "prediction_evaluation",
            "select value from marts.prediction_evaluation "
            "where protocol = 'random_80_20_split_on_own_rfm'",
        )
        return (
            '<p class="note-plain">Why not the usual notebook score: predicting a customer\'s '
            "segment from their own recency, frequency and spend on a random 80/20 split "
            f"scores {fmt.number(data['value'].iloc[0])} — it predicts a segment from the very "
            "numbers that define it, and says nothing about new customers.</p>"
        )

    def section_new_customers(self) -> str:
        return (
            self.part(self.prediction_text)
            + self.part(self.newcomers_table)
            + self.part(self.prediction_chart)
            + self.part(self.prediction_table)
            + self.part(self.leakage_note)
        )

    # -- 5. lifetime value

    def clv_text(self) -> str:
        data = self.w.df("clv_evaluation")
        overall = data[data["group_type"] == "all"]
        if overall.empty:
            raise EmptyMart("marts.clv_evaluation has no overall row")
        r = overall.iloc[0]
        error = r["predicted_relative_error"]
        direction = "too low" if error < 0 else "too high"
        text = (
            f"<b>Checked on a {fmt.days(r['holdout_days'])}-day holdout</b>: the model, fitted "
            f"before it, forecast {fmt.count(r['predicted_purchases'])} purchase days for "
            f"{fmt.count(r['customers'])} customers; they made {fmt.count(r['actual_purchases'])} "
            f"(forecast {fmt.percent(abs(error))} {direction}; a naive rate rule forecast "
            f"{fmt.count(r['naive_purchases'])}). Mean error per customer "
            f"{fmt.number(r['mae_model'])} purchase days (naive rule "
            f"{fmt.number(r['mae_naive'])})."
        )
        if self.w.has("clv_model_parameters"):
            params = self.w.df(
                "clv_model_parameters",
                "select note from marts.clv_model_parameters where fit_window = 'full'",
                rows=False,
            )
            if len(params) and isinstance(params["note"].iloc[0], str):
                text += f" <i>Model note:</i> {esc(params['note'].iloc[0])}."
        return f'<p class="bottom-line">{text}</p>'

    def clv_holdout_chart(self) -> str:
        """The classic BTYD check: holdout purchases per customer, actual against forecast,
        by the number of repeat purchases in the calibration window."""
        data = self.w.df(
            "clv_evaluation",
            "select * from marts.clv_evaluation order by group_type, group_value",
        )
        data = data[data["group_type"] == "calibration_repeat_purchases"]
        if data.empty:
            raise EmptyMart("marts.clv_evaluation has no calibration groups")
        positions = np.arange(len(data))
        fig, ax = _figure(7, 4.5)
        for offset, column, label, colour in (
            (-0.27, "actual_purchases", "actual", fmt.NEUTRAL_DARK),
            (0.0, "predicted_purchases", "BG/NBD forecast", fmt.NEUTRAL),
            (0.27, "naive_purchases", "naive rate rule", fmt.NEUTRAL_LIGHT),
        ):
            ax.bar(
                positions + offset,
                data[column] / data["customers"],
                0.27,
                label=label,
                color=colour,
            )
        ax.set_xticks(positions, data["group_value"])
        ax.set_xlabel("repeat purchases before the holdout")
        ax.set_ylabel("purchase days per customer")
        ax.legend(frameon=False)
        days = fmt.days(data["holdout_days"].iloc[0])
        return self.figure(
            f"Purchases in the {days}-day holdout, actual against forecast, by earlier repeat "
            "purchases (purchase days per customer)",
            fig,
        )

    def clv_segment_chart(self) -> str:
        data = self.w.df("clv_evaluation")
        data = data[data["group_type"] == "rfm_segment"].copy()
        if data.empty:
            raise EmptyMart("marts.clv_evaluation has no segment groups")
        data["actual"] = data["actual_purchases"] / data["customers"]
        data["predicted"] = data["predicted_purchases"] / data["customers"]
        fig, ax = _figure(6.5, 6)
        ax.grid(alpha=0.3)
        top = float(max(data["actual"].max(), data["predicted"].max())) * 1.1
        ax.plot([0, top], [0, top], color="#999999", linewidth=1, label="forecast = actual")
        for _, row in data.iterrows():
            colour = self.colour(row["group_value"], True)
            ax.scatter(
                row["predicted"],
                row["actual"],
                s=30 + 150 * row["customers"] / data["customers"].max(),
                color=colour,
                label=f"{row['group_value']} ({fmt.count(row['customers'])})",
                zorder=3,
            )
        ax.set_xlim(0, top)
        ax.set_ylim(0, top)
        ax.set_xlabel("forecast purchase days per customer")
        ax.set_ylabel("actual purchase days per customer")
        ax.legend(fontsize=8, frameon=False, loc="upper left")
        return self.figure(
            "Holdout purchases by RFM segment at the calibration end: forecast against actual "
            "(purchase days per customer; customers in brackets)",
            fig,
            list(data["group_value"]),
            rfm=True,
        )

    def clv_segment_table(self) -> str:
        data = self.w.df(
            "clv_by_segment",
            "select * from marts.clv_by_segment order by segment_type, total_clv_12m desc",
        )
        columns = [
            Col(
                "Segment",
                lambda r: (
                    self.swatch(r["segment"], r["segment_type"] == "rfm_segment")
                    + esc(r["segment"])
                ),
                raw_html=True,
            ),
            Col(
                "Kind",
                lambda r: "behavioural" if r["segment_type"] == "behavioural_segment" else "RFM",
            ),
            Col("Customers", lambda r: fmt.count(r["customers"]), True),
            Col("Total 12-month CLV", lambda r: fmt.money(r["total_clv_12m"]), True),
            Col("Mean 12-month CLV", lambda r: fmt.money(r["mean_clv_12m"]), True),
            Col("Share of total CLV", lambda r: fmt.percent(r["clv_share"]), True),
            Col(
                "Chance to buy within 90 days",
                lambda r: fmt.percent(r["mean_probability_purchase_90d"]),
                True,
            ),
            Col(
                "Expected purchases in 12 months",
                lambda r: fmt.number(r["mean_expected_purchases_365d"], 1),
                True,
            ),
        ]
        return "<h3>Forecast 12-month value by segment (discounted, net revenue)</h3>" + _table(
            data, columns
        )

    def section_clv(self) -> str:
        return (
            self.part(self.clv_text)
            + '<div class="figures">'
            + self.part(self.clv_holdout_chart)
            + self.part(self.clv_segment_chart)
            + "</div>"
            + self.part(self.clv_segment_table)
        )

    # -- 6. movement

    def _transitions(self) -> tuple[pd.DataFrame, list[str]]:
        data = self.w.df("segment_transitions")
        order = list(self.rfm) or sorted(set(data["to_segment"]))
        return data, order

    def movement_text(self) -> str:
        data, _ = self._transitions()
        known = data[data["from_segment"] != "(not yet a customer)"]
        stayed = known.loc[known["from_segment"] == known["to_segment"], "customers"].sum()
        total = known["customers"].sum()
        if total == 0:
            raise EmptyMart("marts.segment_transitions has no month-to-month moves")
        months = data["snapshot_month"].nunique()
        return (
            f'<p class="bottom-line">From one month end to the next, '
            f"{fmt.percent(stayed / total)} of customers stay in their RFM segment "
            f"({fmt.count(total)} customer-months over {fmt.count(months)} months); the "
            "others move to another segment.</p>"
        )

    def transition_chart(self) -> str:
        data, order = self._transitions()
        table = data.pivot_table(
            index="from_segment",
            columns="to_segment",
            values="customers",
            aggfunc="sum",
            fill_value=0,
        )
        rows = [s for s in ["(not yet a customer)", *order] if s in table.index]
        columns = [s for s in order if s in table.columns]
        table = table.loc[rows, columns]
        fig, ax = plt.subplots(figsize=(9, 7.5))
        image = ax.imshow(np.log10(table.to_numpy() + 1), cmap="Blues")
        ax.set_xticks(range(len(columns)), columns, rotation=45, ha="right")
        ax.set_yticks(range(len(rows)), rows)
        for label in [*ax.get_xticklabels(), *ax.get_yticklabels()]:
            if label.get_text() in self.rfm:
                label.set_color(self.colour(label.get_text(), True))
                label.set_fontweight("bold")
        ax.set_xlabel("to segment (this month end)")
        ax.set_ylabel("from segment (previous month end)")
        top = np.log10(table.to_numpy().max() + 1)
        for i in range(len(rows)):
            for j in range(len(columns)):
                value = int(table.iat[i, j])
                shade = np.log10(value + 1) / top if top else 0
                ax.text(
                    j,
                    i,
                    fmt.count(value),
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if shade > 0.6 else "#222222",
                )
        bar = fig.colorbar(image, ax=ax, shrink=0.8)
        bar.set_label("customer-months (log scale)")
        counts = [n for n in (0, 10, 100, 1_000, 10_000, 100_000) if n <= 10**top]
        bar.set_ticks([np.log10(n + 1) for n in counts], labels=[fmt.count(n) for n in counts])
        return self.figure(
            "Moves between RFM segments from one month end to the next, all months "
            "(customer-months)",
            fig,
        )

    def last_moves_table(self) -> str:
        data, _ = self._transitions()
        last = data["snapshot_month"].max()
        moves = data[
            (data["snapshot_month"] == last)
            & (data["from_segment"] != data["to_segment"])
            & (data["from_segment"] != "(not yet a customer)")
        ].sort_values("customers", ascending=False)
        if moves.empty:
            raise EmptyMart("marts.segment_transitions has no moves in the last month")
        columns = [
            Col(
                "From",
                lambda r: self.swatch(r["from_segment"], True) + esc(r["from_segment"]),
                raw_html=True,
            ),
            Col(
                "To",
                lambda r: self.swatch(r["to_segment"], True) + esc(r["to_segment"]),
                raw_html=True,
            ),
            Col("Customers", lambda r: fmt.count(r["customers"]), True),
        ]
        return (
            f"<h3>The largest moves into {esc(pd.Timestamp(last).strftime('%B %Y'))}</h3>"
            + _table(moves.head(10), columns, "narrow")
        )

    def section_movement(self) -> str:
        return (
            self.part(self.movement_text)
            + self.part(self.transition_chart)
            + self.part(self.last_moves_table)
        )

    # -- 7. exploration

    def revenue_by_country(self) -> str:
        data = self.w.df("sales_by_country").sort_values("revenue", ascending=False)
        data = data.head(15).iloc[::-1]
        fig, ax = _figure(7, 5)
        ax.grid(axis="x", alpha=0.3)
        ax.grid(axis="y", visible=False)
        ax.barh(data["country"], data["revenue"], color=fmt.NEUTRAL)
        ax.set_xscale("log")
        _money_axis(ax, "x")
        ax.set_xlabel("revenue (log scale)")
        return self.figure(f"Revenue by country, top 15 ({fmt.currency()}, log scale)", fig)

    def revenue_by_month(self) -> str:
        data = self.w.df("sales_by_month", "select * from marts.sales_by_month order by 1")
        fig, ax = _figure(7, 4)
        ax.bar(
            pd.to_datetime(data["sales_month"]).dt.strftime("%b %Y"),
            data["revenue"],
            color=fmt.NEUTRAL,
        )
        ax.tick_params(axis="x", rotation=60)
        _money_axis(ax)
        ax.set_ylabel("revenue")
        title = f"Revenue by month ({fmt.currency()}"
        if self.w.has("fct_invoices"):
            (last,) = self.w.conn.sql("select max(invoiced_at) from marts.fct_invoices").fetchall()[
                0
            ]
            if last is not None and (last + pd.Timedelta(days=1)).month == last.month:
                title += f"; the last month runs to {fmt.day_label(last)} only"
        return self.figure(title + ")", fig)

    def quantity_by_weekday(self) -> str:
        data = self.w.df(
            "sales_by_weekday", "select * from marts.sales_by_weekday order by iso_weekday"
        )
        fig, ax = _figure(7, 4)
        ax.bar(data["weekday_name"].str[:3], data["revenue"], color=fmt.NEUTRAL)
        _money_axis(ax)
        ax.set_ylabel("revenue")
        return self.figure(
            f"Revenue by weekday over the whole period ({fmt.currency()}; no bar = no trading)",
            fig,
        )

    def quantity_by_hour(self) -> str:
        data = self.w.df("sales_by_hour", "select * from marts.sales_by_hour order by hour_of_day")
        data = data[data["sales_lines"] > 0] if "sales_lines" in data else data
        fig, ax = _figure(7, 4)
        ax.bar(data["hour_of_day"], data["avg_daily_quantity"], color=fmt.NEUTRAL)
        ax.set_xlabel("hour of day")
        ax.set_ylabel("units")
        _count_axis(ax)
        return self.figure("Units sold per hour on an average trading day (units)", fig)

    def rfm_distributions(self) -> str:
        data = self.w.df("customer_rfm")
        fig, axes = plt.subplots(3, 1, figsize=(6.5, 8.5))
        axes[0].hist(data["recency_days"], bins=40, color=fmt.NEUTRAL)
        axes[0].set_xlabel("days since the last order")
        axes[1].hist(data["frequency"].clip(lower=1), bins=np.logspace(0, 3, 30), color=fmt.NEUTRAL)
        axes[1].set_xscale("log")
        _count_axis(axes[1], "x")
        axes[1].set_xlabel("orders (invoices, log scale)")
        axes[2].hist(data["monetary"].clip(lower=1), bins=np.logspace(0, 6, 40), color=fmt.NEUTRAL)
        axes[2].set_xscale("log")
        _money_axis(axes[2], "x")
        axes[2].set_xlabel(f"spend ({fmt.currency()}, log scale)")
        for ax in axes:
            ax.set_ylabel("customers")
            _count_axis(ax)
            ax.spines[["top", "right"]].set_visible(False)
        fig.tight_layout()
        return self.figure(
            f"Customers by recency (days), frequency (orders) and spend ({fmt.currency()})", fig
        )

    def section_exploration(self) -> str:
        return (
            '<div class="figures">'
            + self.part(self.revenue_by_month)
            + self.part(self.revenue_by_country)
            + self.part(self.quantity_by_weekday)
            + self.part(self.quantity_by_hour)
            + self.part(self.rfm_distributions)
            + "</div>"
        )

    # -- 8. data quality

    def audit(self) -> str:
        data = self.w.df(
            "data_quality_audit", "select * from marts.data_quality_audit order by step"
        )
        first, last = data.iloc[0], data.iloc[-1]
        text = (
            f'<p class="bottom-line">{fmt.count(first["rows_in"])} raw lines; '
            f"{fmt.count(last['rows_out'])} kept "
            f"({fmt.percent(last['rows_out'] / first['rows_in'] if first['rows_in'] else None)})"
            " after the cleaning rules below, in this order.</p>"
        )
        columns = [
            Col("Step", lambda r: fmt.count(r["step"]), True),
            Col("Rule", lambda r: r["rule_name"].replace("_", " ")),
            Col("Lines in", lambda r: fmt.count(r["rows_in"]), True),
            Col("Removed", lambda r: fmt.count(r["rows_removed"]), True),
            Col("Lines out", lambda r: fmt.count(r["rows_out"]), True),
            Col("Why", lambda r: r["reason"]),
        ]
        return text + _table(data, columns)

    def removed_codes(self) -> str:
        data = self.w.df(
            "data_quality_removed_codes",
            "select * from marts.data_quality_removed_codes order by lines desc",
        )
        columns = [
            Col("Stock code", lambda r: r["stock_code"]),
            Col("Description in the file", lambda r: r["description_in_file"]),
            Col("Lines removed", lambda r: fmt.count(r["lines"]), True),
            Col("Why", lambda r: r["reason"]),
        ]
        return "<h3>Stock codes that are not products</h3>" + _table(data, columns)

    def section_data_quality(self) -> str:
        return self.part(self.audit) + self.part(self.removed_codes)


def _three(value) -> str:
    return fmt.number(value, 3)


def _is_num_or_text(value) -> bool:
    return isinstance(value, str) or _is_num(value)


STYLE = """
:root { --ink: #1f2328; --muted: #57606a; --line: #d8dee4; --soft: #f6f8fa; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; color: var(--ink); background: #fff;
  font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: .9rem 1.25rem 3rem; }
h1 { font-size: 1.55rem; line-height: 1.2; margin: 0 0 .3rem; }
h2 { font-size: 1.3rem; border-bottom: 1px solid var(--line); padding-bottom: .2rem;
  margin: 2.2rem 0 .7rem; }
#segments h2 { margin-top: .6rem; }
h3 { font-size: 1.05rem; margin: 1.2rem 0 .4rem; }
p { margin: .4rem 0; }
a { color: #0b5cad; }
.lead { color: var(--muted); margin: 0 0 .2rem; }
.headlines { list-style: none; padding: 0; margin: .4rem 0 .5rem; }
.headlines li { margin: .3rem 0; }
.swatch { display: inline-block; width: .8em; height: .8em; border-radius: 2px;
  margin-right: .4em; vertical-align: -.05em; }
nav.toc { font-size: .85rem; margin: .4rem 0 .8rem; color: var(--muted); }
.cards { display: grid; gap: .8rem;
  grid-template-columns: repeat(auto-fit, minmax(min(100%, 250px), 1fr)); }
.card { border: 1px solid var(--line); border-top: 5px solid var(--seg); border-radius: 6px;
  padding: .5rem .75rem .6rem; font-size: .86rem; line-height: 1.35; }
.card h3 { margin: .1rem 0 .35rem; font-size: 1.05rem; }
.stats { display: grid; grid-template-columns: auto auto; gap: .05rem .6rem; margin: 0 0 .35rem; }
.stats dt { color: var(--muted); }
.stats dd { margin: 0; text-align: right; font-weight: 600; font-variant-numeric: tabular-nums; }
.card p { margin: .3rem 0; }
.typical { color: var(--muted); }
.note { color: #a00; font-style: italic; }
.note-plain { color: var(--muted); font-size: .88rem; }
.bottom-line { background: var(--soft); border-left: 4px solid #4e79a7; padding: .5rem .8rem;
  margin: .5rem 0 1rem; }
ul.bottom-line { list-style: none; }
ul.bottom-line li { margin: .25rem 0; }
.caption { color: var(--muted); font-size: .85rem; }
code { font-size: .85em; overflow-wrap: anywhere; }
details { margin: .8rem 0; }
summary { cursor: pointer; font-weight: 600; color: #0b5cad; }
figure { margin: 1rem 0; min-width: 0; }
figure img { display: block; max-width: 100%; height: auto; }
figcaption { font-size: .9rem; font-weight: 600; margin-top: .3rem; }
.figures { display: grid; gap: 1rem;
  grid-template-columns: repeat(auto-fit, minmax(min(100%, 500px), 1fr)); }
table { border-collapse: collapse; width: 100%; font-size: .84rem; margin: .3rem 0 1rem; }
table.narrow { width: auto; }
th, td { border-bottom: 1px solid var(--line); padding: .3rem .45rem; text-align: left;
  vertical-align: top; overflow-wrap: break-word; }
th { background: var(--soft); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; overflow-wrap: normal; }
td.num { white-space: nowrap; }
footer { color: var(--muted); font-size: .8rem; margin-top: 3rem; }
@media (max-width: 700px) {
  main { padding: .7rem .8rem 2rem; }
  h1 { font-size: 1.3rem; }
  table.responsive, table.responsive tbody, table.responsive tr, table.responsive td {
    display: block; width: 100%; }
  table.responsive thead { display: none; }
  table.responsive tr { border: 1px solid var(--line); border-radius: 6px;
    margin: 0 0 .6rem; padding: .3rem .5rem; }
  table.responsive td { border: 0; padding: .12rem 0; display: flex; gap: .6rem;
    text-align: left; white-space: normal; }
  table.responsive td::before { content: attr(data-label); flex: 0 0 42%; color: var(--muted); }
  table.responsive td:empty { display: none; }
}
"""

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Customer segments: who your customers are and what to do</title>
<style>{style}</style></head>
<body data-charts="{charts}" data-sections="{sections}">
<main>
<h1>Customer segments: who your customers are and what to do</h1>
<p class="lead">{lead}</p>
{body}
<footer>Rendered {when} from the warehouse <code>{db}</code> by <code>segments report</code>.
Money in {currency}; CLV = forecast net revenue over 12 months, discounted.</footer>
</main>
<script>
window.addEventListener("load", function () {{
  var images = document.querySelectorAll("img");
  var broken = 0;
  images.forEach(function (img) {{ if (!img.complete || img.naturalWidth === 0) broken++; }});
  document.body.setAttribute("data-images-loaded", String(images.length - broken));
  document.body.setAttribute("data-images-broken", String(broken));
}});
</script>
</body></html>
"""


def render(db: Path, out: Path) -> tuple[int, int]:
    """Write the report; returns (charts drawn, parts not shown)."""
    report = Report(Warehouse(db), db)
    builders = {
        "segments": report.section_segments,
        "choice": report.section_choice,
        "categories": report.section_categories,
        "new-customers": report.section_new_customers,
        "clv": report.section_clv,
        "movement": report.section_movement,
        "exploration": report.section_exploration,
        "data-quality": report.section_data_quality,
    }
    sections, gaps = [], 0
    for number, (anchor, title) in enumerate(SECTIONS, start=1):
        started = time.monotonic()
        report.gaps = []
        content = builders[anchor]()
        sections.append(f'<section id="{anchor}"><h2>{esc(title)}</h2>\n{content}\n</section>')
        gaps += len(report.gaps)
        status = f"ok ({time.monotonic() - started:.1f}s)"
        if report.gaps:
            status += "; not shown: " + "; ".join(dict.fromkeys(report.gaps))
        print(f"[{number}/{len(SECTIONS)}] {title}: {status}", flush=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        PAGE.format(
            style=STYLE,
            charts=report.charts,
            sections=len(sections),
            lead=esc(report.lead()),
            db=esc(db),
            currency=esc(fmt.currency()),
            when=time.strftime("%Y-%m-%d %H:%M"),
            body="\n".join(sections),
        ),
        encoding="utf-8",
    )
    return report.charts, gaps


def main(db: Path, out: Path) -> int:
    if not db.exists():
        print(f"error: warehouse not found: {db} (run `segments build` first)", file=sys.stderr)
        return 2
    started = time.monotonic()
    try:
        drawn, gaps = render(db, out)
    except duckdb.Error as problem:
        print(f"error: cannot read {db}: {str(problem).splitlines()[0]}", file=sys.stderr)
        return 2
    size = out.stat().st_size / 1e6
    print(
        f"wrote {out} ({drawn} charts, {size:.1f} MB, {time.monotonic() - started:.1f}s"
        f"{f'; {gaps} parts not shown' if gaps else ''})"
    )
    return 0
