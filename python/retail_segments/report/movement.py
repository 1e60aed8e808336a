"""Section "Movement between segments" of the report."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .. import report_format as fmt
from .common import (
    Col,
    _table,
    esc,
)
from .page import ReportPage
from .warehouse import EmptyMart


class MovementSection(ReportPage):
    ANCHOR = "movement"
    TITLE = "Movement between segments"
    BUILD = "section_movement"
    # the marts this section reads
    MARTS = frozenset(
        {
            "rfm_segment_transitions",
        }
    )

    def _transitions(self) -> tuple[pd.DataFrame, list[str]]:
        data = self.w.df("rfm_segment_transitions")
        order = list(self.rfm) or sorted(set(data["to_segment"]))
        return data, order

    def movement_text(self) -> str:
        data, _ = self._transitions()
        known = data[data["from_segment"] != "(not yet a customer)"]
        stayed = known.loc[known["from_segment"] == known["to_segment"], "customers"].sum()
        total = known["customers"].sum()
        if total == 0:
            raise EmptyMart("marts.rfm_segment_transitions has no month-to-month moves")
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
            raise EmptyMart("marts.rfm_segment_transitions has no moves in the last month")
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
