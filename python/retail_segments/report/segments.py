"""Section "Segments and what to do" of the report."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .. import report_format as fmt
from ..publish import export_dir as export_dir_of
from .common import (
    Col,
    _figure,
    _is_num,
    _legend_above,
    _percent_axis,
    _table,
    esc,
)
from .page import ReportPage


class SegmentsSection(ReportPage):
    ANCHOR = "segments"
    TITLE = "Segments and what to do"
    BUILD = "section_segments"
    # the marts this section reads
    MARTS = frozenset(
        {
            "rfm_segment_summary",
            "segment_overview",
        }
    )

    def _segment_numbers(self, kind: str) -> pd.DataFrame:
        """Behavioural (`kind` = 'behavioural') or RFM segments as segment_overview gives
        them: numbers, CLV, export-list size, verdict, headline and action."""
        segment_type = "behavioural_segment" if kind == "behavioural" else "rfm_segment"
        return self.w.df(
            "segment_overview",
            "select segment as name, * from marts.segment_overview "
            f"where segment_type = '{segment_type}' order by display_order",
        )

    @staticmethod
    def _dropout_note(dropout_identified: bool) -> str:
        if dropout_identified:
            return ""
        return (
            '<p class="note-plain">“Still active” is not shown: over this data the lifetime '
            "model cannot tell a customer who left from one who buys rarely, so it puts "
            'every segment near 100% (see <a href="#clv">the lifetime-value check</a>). Read '
            "the churn risk (the chance of no order within 90 days) instead.</p>"
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
        # segment_overview says whether the lifetime model tells leaving from buying rarely
        dropout_identified = bool(frame["dropout_identified"].fillna(True).all())
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
                    "Churn risk (no order in 90 days)",
                    f"{fmt.percent(row.get('mean_churn_risk_90d'))} · "
                    f"{fmt.percent(row.get('high_churn_risk_share'))} of them High"
                    if _is_num(row.get("mean_churn_risk_90d"))
                    else fmt.DASH,
                ),
                (
                    "Days between orders (median of repeat buyers)",
                    fmt.days(row.get("median_days_between_purchases"))
                    if _is_num(row.get("median_days_between_purchases"))
                    else "none yet: one order each",
                ),
                (
                    "Still active (probability)",
                    fmt.percent(row.get("mean_probability_active"))
                    if dropout_identified
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
        return f'<div class="cards">{"".join(cards)}</div>' + self._dropout_note(dropout_identified)

    def rfm_table(self) -> str:
        frame = self._segment_numbers("rfm")
        columns = [
            Col("Segment", lambda r: self.swatch(r["name"], True) + esc(r["name"]), raw_html=True),
            Col("Customers", lambda r: fmt.count(r["customers"]), True),
            Col("Share of customers", lambda r: fmt.percent(r["customer_share"]), True),
            Col("Share of revenue", lambda r: fmt.percent(r["revenue_share"]), True),
            Col("Mean 12-month CLV", lambda r: fmt.money(r.get("mean_clv_12m")), True),
            Col(
                "Churn risk (no order in 90 days)",
                lambda r: fmt.percent(r.get("mean_churn_risk_90d")),
                True,
            ),
            Col(
                "At High churn risk",
                lambda r: fmt.percent(r.get("high_churn_risk_share")),
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
        nav = " · ".join(
            f'<a href="#{anchor}">{esc(title)}</a>' for anchor, title in self.sections[1:]
        )
        return (
            self.part(self.headlines)
            + f'<nav class="toc"><b>The evidence:</b> {nav}</nav>'
            + self.part(self.cards)
            + self.part(self.rfm_table)
            + self.part(self.glance_chart)
        )

    # -- 2. how the segments were chosen
