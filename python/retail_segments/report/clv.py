"""Section "Lifetime value: forecast against what happened" of the report."""

from __future__ import annotations

import numpy as np

from .. import report_format as fmt
from .common import (
    Col,
    _figure,
    _table,
    esc,
)
from .page import ReportPage
from .warehouse import EmptyMart


class LifetimeValueSection(ReportPage):
    ANCHOR = "clv"
    TITLE = "Lifetime value: forecast against what happened"
    BUILD = "section_clv"
    # the marts this section reads
    MARTS = frozenset(
        {
            "clv_churn_risk_calibration",
            "clv_by_segment",
            "clv_evaluation",
            "clv_model_parameters",
            "clv_ranking_evaluation",
        }
    )

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
            (0.0, "predicted_purchases", "model forecast", fmt.NEUTRAL),
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
                "Churn risk (no order in 90 days)",
                lambda r: fmt.percent(r["mean_churn_risk_90d"]),
                True,
            ),
            Col(
                "Expected purchases in 12 months",
                lambda r: fmt.number(r["mean_expected_purchases_365d"], 1),
                True,
            ),
        ]
        basis = "net revenue"
        if self.w.has("clv_model_parameters"):
            values = self.w.df(
                "clv_model_parameters",
                "select any_value(value_basis) as basis from marts.clv_model_parameters",
            )["basis"]
            basis = "gross margin" if values.iloc[0] == "margin" else basis
        return f"<h3>Forecast 12-month value by segment (discounted, {basis})</h3>" + _table(
            data, columns
        )

    def churn_table(self) -> str:
        """Churn risk made at each cut (the calibration end, the day before the busy season)
        against who then bought nothing for 90 days, per band: can the export's
        churn_risk_band be trusted, in the quiet months and before the busy ones?"""
        data = self.w.df(
            "clv_churn_risk_calibration",
            "select * from marts.clv_churn_risk_calibration where group_type in ('band', 'all') "
            "and observed_churn_share is not null order by cut_date, group_order",
        )
        if data.empty:
            raise EmptyMart("the holdout is shorter than 90 days: churn risk not checked")
        columns = [
            Col("Made on", lambda r: f"{fmt.day_label(r['cut_date'])} ({r['cut_kind']})"),
            Col("Churn-risk band", lambda r: r["group_value"]),
            Col("Customers", lambda r: fmt.count(r["customers"]), True),
            Col(
                "Predicted: no order in 90 days",
                lambda r: fmt.percent(r["mean_predicted_churn_risk"]),
                True,
            ),
            Col("Observed", lambda r: fmt.percent(r["observed_churn_share"]), True),
            Col(
                "Difference (points)",
                lambda r: f"{100 * r['calibration_error']:+.1f}",
                True,
            ),
        ]
        return (
            "<h3>Can the churn risk be trusted? Predicted on a day, from the purchases up to "
            "it, against the next 90 days</h3>" + _table(data, columns)
        )

    def ranking_table(self) -> str:
        """The model's ranking against the simple rules a marketer could use instead."""
        data = self.w.df(
            "clv_ranking_evaluation",
            "select * from marts.clv_ranking_evaluation order by spearman_purchases desc",
        )
        columns = [
            Col("Ranked by", lambda r: r["forecast"]),
            Col(
                "Rank correlation with holdout purchases",
                lambda r: fmt.number(r["spearman_purchases"]),
                True,
            ),
            Col(
                "Top 10%: share of purchases",
                lambda r: fmt.percent(r["top_decile_purchase_share"]),
                True,
            ),
            Col(
                "Top 10%: share of revenue",
                lambda r: fmt.percent(r["top_decile_revenue_share"]),
                True,
            ),
        ]
        return (
            "<h3>Does the forecast rank customers better than a simple rule? (same holdout)</h3>"
            + _table(data, columns)
        )

    def section_clv(self) -> str:
        return (
            self.part(self.clv_text)
            + '<div class="figures">'
            + self.part(self.clv_holdout_chart)
            + self.part(self.clv_segment_chart)
            + "</div>"
            + self.part(self.churn_table)
            + self.part(self.ranking_table)
            + self.part(self.clv_segment_table)
        )

    # -- 6. movement
