"""Section "Campaigns" of the report: per declared campaign, what it could detect before it
was sent, and what it did against its control group."""

from __future__ import annotations

import pandas as pd

from .. import report_format as fmt
from .common import Col, _table, esc
from .page import ReportPage
from .warehouse import EmptyMart

METRICS = {"purchase_rate": "Share who bought", "revenue_per_customer": "Revenue per customer"}
TARGET_TYPES = {
    "behavioural_segment": "behavioural segment",
    "rfm_segment": "RFM segment",
    "churn_band": "churn-risk band",
    "interest_segment": "interest segment",
    "all": "every customer",
}
# the one line a marketer reads, per verdict
VERDICTS = {
    "worked": "Worked",
    "backfired": "Backfired: the contacted customers did worse than the control group",
    "no measurable effect": "No measurable effect",
    "too early": "Too early to tell",
    "too small to tell": "Too small to tell: a group has too few customers",
    "unknown segment": "Unknown segment",
}


def _value(metric: str, value) -> str:
    return fmt.percent(value) if metric == "purchase_rate" else fmt.money(value)


def _uplift(metric: str, value) -> str:
    return fmt.points(value) if metric == "purchase_rate" else fmt.signed_money(value)


class CampaignsSection(ReportPage):
    ANCHOR = "campaigns"
    TITLE = "Campaigns"
    BUILD = "section_campaigns"
    # the marts this section reads
    MARTS = frozenset({"campaign_plan", "campaign_results"})

    def _verdict_line(self, row: pd.Series, unknown: list[str]) -> str:
        metric = row["metric"]
        name = METRICS[metric].lower()
        verdict = VERDICTS[row["verdict"]]
        if row["status"] == "unknown segment":
            return (
                f"{verdict}: this build has no segment named {', '.join(unknown)}, so nothing "
                "is measured (check the name in the campaigns file against segment_overview)."
            )
        if row["status"] == "not started":
            return (
                f"{verdict}: it starts after the data ends; its window closes on "
                f"{fmt.day_label(row['window_end'])}."
            )
        if row["status"] == "too small to tell" or pd.isna(row["uplift"]):
            return f"{verdict} ({name})."
        values = (
            f"{name} {_value(metric, row['treatment_value'])} contacted vs "
            f"{_value(metric, row['control_value'])} held out: "
            f"{_uplift(metric, row['uplift'])}"
        )
        if row["status"] == "running":
            return (
                f"{verdict}, {fmt.plural(row['days_left'], 'day')} of the window to come; so "
                f"far {values} (no interval or p-value until the window has passed)."
            )
        p_value = (
            "p < 0.001"
            if row["p_value"] <= 0.001
            # twice the smaller tail, capped at 1: a difference at the centre of the splits
            else "p = 1"
            if row["p_value"] >= 0.9995
            else f"p = {fmt.number(row['p_value'], 3)}"
        )
        return (
            f"{verdict}: {values} (95% interval {_uplift(metric, row['uplift_low'])} to "
            f"{_uplift(metric, row['uplift_high'])}; "
            f"{fmt.signed_percent(row['relative_uplift'])} relative), {p_value}."
        )

    def _plan_line(self, plan: pd.Series) -> str:
        line = (
            f"To contact: {fmt.count(plan['treatment_customers'])} customers "
            f"(campaign_contacts); held out: {fmt.count(plan['control_customers'])} "
            f"({fmt.percent(plan['realised_control_share'])}; declared "
            f"{fmt.percent(plan['control_share'])})."
        )
        if pd.isna(plan["detectable_purchase_rate_uplift"]):
            return line + " No earlier window in the data to say what it could detect."
        return (
            line + " Before the start it could detect, with 80% power, a rise in the share "
            f"who buy of {fmt.points(plan['detectable_purchase_rate_uplift'])} "
            f"({fmt.signed_percent(plan['detectable_purchase_rate_uplift_relative'])} on the "
            f"{fmt.percent(plan['baseline_purchase_rate'])} of the same "
            f"{'listed customers' if isinstance(plan['sent_list'], str) else 'segments'} who "
            "bought in "
            f"a {fmt.count(plan['window_days'])}-day window before the start)"
            + (
                f" and of {fmt.signed_money(plan['detectable_revenue_uplift'])} in revenue per "
                "customer"
                if plan["outcome"] != "purchase"
                else ""
            )
            + "; a smaller true effect most likely reads as no measurable effect."
        )

    def _segment_table(self, results: pd.DataFrame) -> str:
        columns = [
            Col("Segment", lambda r: r["target_segment"]),
            Col("Measure", lambda r: METRICS[r["metric"]]),
            Col("Contacted", lambda r: fmt.count(r["treatment_customers"]), True),
            Col("Held out", lambda r: fmt.count(r["control_customers"]), True),
            Col(
                "Uplift (95% interval)",
                lambda r: fmt.interval(
                    r["uplift"],
                    r["uplift_low"],
                    r["uplift_high"],
                    lambda v, m=r["metric"]: _uplift(m, v),
                ),
                True,
            ),
            Col("Verdict (this segment alone)", lambda r: VERDICTS[r["verdict"]].split(":")[0]),
        ]
        return (
            _table(results, columns)
            + '<p class="note">Per segment, for looking: with several segments and two '
            "measures, one crossing zero by chance is likely; the campaign line above is the "
            "test.</p>"
        )

    def campaign_list(self) -> str:
        plan = self.w.df("campaign_plan")
        results = self.w.df("campaign_results")
        parts = []
        for key, campaign_plan in plan.groupby("campaign_key", sort=True):
            whole = campaign_plan[campaign_plan["level"] == "campaign"].iloc[0]
            segments = campaign_plan.loc[campaign_plan["level"] == "segment", "target_segment"]
            target = TARGET_TYPES[whole["target_type"]]
            if isinstance(whole["sent_list"], str):
                target = f"the customers of the list sent ({whole['sent_list']})"
            elif whole["target_type"] != "all":
                target = "the " + target + " " + ", ".join(sorted(segments))
            mine = results[results["campaign_key"] == key]
            unknown = sorted(
                mine.loc[
                    (mine["level"] == "segment") & (mine["status"] == "unknown segment"),
                    "target_segment",
                ].unique()
            )
            # one line per measure; one for the campaign where there are no numbers yet
            lines = list(
                dict.fromkeys(
                    self._verdict_line(row, unknown)
                    for _, row in mine[mine["level"] == "campaign"].sort_values("metric").iterrows()
                )
            )
            parts.append(
                f"<h3>{esc(key)}</h3>"
                f"<p>Targets {esc(target)}, starting {fmt.day_label(whole['start_date'])}; "
                f"purchases counted until {fmt.day_label(whole['window_end'])}.</p>"
                + ("" if len(unknown) == len(segments) else f"<p>{esc(self._plan_line(whole))}</p>")
                + "".join(f'<p class="bottom-line">{esc(line)}</p>' for line in lines)
            )
            by_segment = mine[mine["level"] == "segment"]
            if len(segments) > 1 and not by_segment.empty:
                parts.append(
                    self._segment_table(by_segment.sort_values(["target_segment", "metric"]))
                )
        if not parts:
            raise EmptyMart("marts.campaign_plan has no campaigns")
        return "".join(parts)

    def section_campaigns(self) -> str:
        intro = (
            "<p>Each campaign declared in the campaigns file (docs/methods/campaigns.md) holds out "
            "a random control group in every targeted segment (campaign_audiences). Once "
            "its window has passed, what the contacted customers bought is compared with "
            "what the held-out ones bought: the difference is what the campaign did. Upload "
            "campaign_contacts, which leaves the held-out customers out.</p>"
        )
        if (
            not self.w.has("campaign_plan")
            or self.w.df("campaign_plan", "select count(*) as n from marts.campaign_plan")[
                "n"
            ].iloc[0]
            == 0
        ):
            return intro + (
                '<p class="note">No campaigns are declared: add them to seeds/campaigns.csv '
                "or pass a file with <code>segments build --campaigns FILE</code>.</p>"
            )
        return intro + self.part(self.campaign_list)
