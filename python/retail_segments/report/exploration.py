"""Section "Exploration" of the report."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .. import report_format as fmt
from .common import (
    _count_axis,
    _figure,
    _money_axis,
)
from .page import ReportPage


class ExplorationSection(ReportPage):
    ANCHOR = "exploration"
    TITLE = "Exploration"
    BUILD = "section_exploration"
    # the marts this section reads
    MARTS = frozenset(
        {
            "customer_rfm",
            "fct_invoices",
            "sales_by_country",
            "sales_by_hour",
            "sales_by_month",
            "sales_by_weekday",
        }
    )

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
            (last,) = self.w.sql("select max(invoiced_at) from marts.fct_invoices").fetchall()[0]
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
