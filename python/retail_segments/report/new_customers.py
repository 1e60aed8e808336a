"""Section "New customers: what the first invoice tells" of the report."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .. import report_format as fmt
from .common import (
    MODELS,
    TARGETS,
    Col,
    _table,
    _three,
    esc,
)
from .page import ReportPage


class NewCustomersSection(ReportPage):
    ANCHOR = "new-customers"
    TITLE = "New customers: what the first invoice tells"
    BUILD = "section_new_customers"
    # the marts this section reads
    MARTS = frozenset(
        {
            "new_customer_outlook_summary",
            "new_customer_prediction_evaluation",
        }
    )

    def _evaluation(self) -> pd.DataFrame:
        return self.w.df(
            "new_customer_prediction_evaluation",
            "select * from marts.new_customer_prediction_evaluation "
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
            "new_customer_outlook_summary",
            "select * from marts.new_customer_outlook_summary order by display_order",
        )
        columns = [
            Col("Outlook", lambda r: r["return_outlook"]),
            Col("Already back?", lambda r: "yes" if r["has_returned"] else "not yet"),
            Col("Newcomers", lambda r: fmt.count(r["customers"]), True),
            Col(
                "Days since first order (median)",
                lambda r: fmt.days(r["median_days_since_first_purchase"]),
                True,
            ),
            Col(
                "Test customers in this band who returned",
                lambda r: fmt.percent(r["test_return_rate"]),
                True,
            ),
            Col("First action", lambda r: r["recommended_first_action"]),
        ]
        total = fmt.count(data["customers"].sum())
        return (
            f"<h3>The {total} newcomers whose horizon is not over yet</h3>"
            '<p class="caption">marts.new_customer_outlook_summary; one row per newcomer, with '
            "the probability of return, outlook, value tier, next interest and first action, "
            "in marts.new_customer_predictions.</p>" + _table(data, columns)
        )

    def leakage_note(self) -> str:
        data = self.w.df(
            "new_customer_prediction_evaluation",
            "select value from marts.new_customer_prediction_evaluation "
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
