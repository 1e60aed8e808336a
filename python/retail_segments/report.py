"""A self-contained static HTML report of the published warehouse (charts embedded as PNG).

    segments report [--db warehouse.duckdb] [--out report.html]

Reads the warehouse read-only, so it can run while BI tools have it open. Each chart is
one function below; a chart whose mart is missing becomes a note, not a crash.
"""

from __future__ import annotations

import base64
import html
import io
import sys
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402


class MissingMart(Exception):
    """A mart the chart needs is not in the warehouse."""


class Warehouse:
    def __init__(self, path: Path):
        self.conn = duckdb.connect(str(path), read_only=True)
        self.tables = {
            row[0]
            for row in self.conn.sql(
                "select table_name from duckdb_tables() where schema_name = 'marts'"
            ).fetchall()
        }

    def df(self, table: str, sql: str | None = None) -> pd.DataFrame:
        if table not in self.tables:
            raise MissingMart(f"marts.{table} is not in this warehouse")
        return self.conn.sql(sql or f"select * from marts.{table}").df()


def _png(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()


def _figure(width=8.0, height=4.0):
    fig, ax = plt.subplots(figsize=(width, height))
    ax.grid(axis="y", alpha=0.3)
    return fig, ax


# ------------------------------------------------------------------------------- charts


def revenue_by_country(w: Warehouse):
    data = w.df("sales_by_country").head(15).iloc[::-1]
    fig, ax = _figure(8, 5)
    ax.barh(data["country"], data["revenue"], color="#4c72b0")
    ax.set_xlabel("revenue")
    ax.set_title("Revenue by country (top 15)")
    return _png(fig)


def revenue_by_month(w: Warehouse):
    data = w.df("sales_by_month")
    fig, ax = _figure()
    ax.bar(
        pd.to_datetime(data["sales_month"]).dt.strftime("%Y-%m"), data["revenue"], color="#55a868"
    )
    ax.tick_params(axis="x", rotation=60)
    ax.set_title("Revenue by month")
    return _png(fig)


def quantity_by_weekday(w: Warehouse):
    data = w.df("sales_by_weekday")
    fig, ax = _figure()
    ax.bar(data["weekday_name"], data["avg_quantity_per_line"].fillna(0), color="#c44e52")
    ax.set_ylabel("average quantity per line")
    ax.set_title("Average quantity per line by weekday (no bar = no trading)")
    return _png(fig)


def quantity_by_hour(w: Warehouse):
    data = w.df("sales_by_hour")
    fig, ax = _figure()
    ax.bar(data["hour_of_day"], data["avg_daily_quantity"], color="#8172b2")
    ax.set_xlabel("hour of day")
    ax.set_ylabel("units on an average trading day")
    ax.set_title("Quantity by hour of day")
    return _png(fig)


def rfm_distributions(w: Warehouse):
    data = w.df("customer_rfm")
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.5))
    axes[0].hist(data["recency_days"], bins=40, color="#4c72b0")
    axes[0].set_title("Recency (days)")
    axes[1].hist(np.log10(data["frequency"].clip(lower=1)), bins=30, color="#55a868")
    axes[1].set_title("Frequency (log10 invoices)")
    axes[2].hist(np.log10(data["monetary"].clip(lower=1)), bins=40, color="#c44e52")
    axes[2].set_title("Monetary (log10)")
    return _png(fig)


def rfm_segments(w: Warehouse):
    data = w.df("rfm_segment_summary").iloc[::-1]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5), sharey=True)
    axes[0].barh(data["rfm_segment"], data["customer_share"] * 100, color="#4c72b0")
    axes[0].set_title("Share of customers (%)")
    axes[1].barh(data["rfm_segment"], data["revenue_share"].fillna(0) * 100, color="#dd8452")
    axes[1].set_title("Share of revenue (%)")
    return _png(fig)


def clv_holdout_check(w: Warehouse):
    """The classic BTYD check: holdout purchases per customer, actual against forecast, by
    the number of repeat purchases in the calibration window."""
    data = w.df("clv_evaluation")
    data = data[data["group_type"] == "calibration_repeat_purchases"]
    positions = np.arange(len(data))
    fig, ax = _figure()
    for offset, column, label, colour in (
        (-0.27, "actual_purchases", "actual", "#333333"),
        (0.0, "predicted_purchases", "BG/NBD forecast", "#4c72b0"),
        (0.27, "naive_purchases", "naive rate rule", "#c7c7c7"),
    ):
        ax.bar(
            positions + offset, data[column] / data["customers"], 0.27, label=label, color=colour
        )
    ax.set_xticks(positions, data["group_value"])
    ax.set_xlabel("repeat purchases in the calibration window")
    ax.set_ylabel("purchase days per customer in the holdout")
    days = int(data["holdout_days"].iloc[0]) if len(data) else 0
    ax.set_title(f"Lifetime-value forecast checked on the {days}-day holdout")
    ax.legend()
    return _png(fig)


def k_selection(w: Warehouse):
    data = w.df("cluster_model_selection")
    metrics = [
        ("silhouette", "silhouette (higher better)"),
        ("calinski_harabasz", "Calinski-Harabasz (higher better)"),
        ("davies_bouldin", "Davies-Bouldin (lower better)"),
        ("stability", "bootstrap stability (ARI)"),
    ]
    fig, axes = plt.subplots(1, 4, figsize=(16, 3.6))
    for ax, (column, title) in zip(axes, metrics, strict=True):
        for algorithm, group in data.groupby("algorithm"):
            ax.plot(group["n_clusters"], group[column], marker="o", label=algorithm)
        chosen = data[data["is_chosen"]]
        ax.scatter(
            chosen["n_clusters"],
            chosen[column],
            s=180,
            facecolors="none",
            edgecolors="black",
            linewidths=2,
            label="chosen",
        )
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("k")
    axes[0].legend(fontsize=7)
    return _png(fig)


def _scatter(w: Warehouse, x: str, y: str, title: str):
    data = w.df("customer_projections").dropna(subset=[x, y])
    names = w.df("segment_profiles").set_index("cluster_id")["segment_name"]
    fig, ax = _figure(7, 5.5)
    for cluster_id, group in data.groupby("cluster_id"):
        ax.scatter(
            group[x], group[y], s=6, alpha=0.6, label=f"{cluster_id}: {names.get(cluster_id, '')}"
        )
    ax.legend(fontsize=7, markerscale=3)
    ax.set_title(title)
    return _png(fig)


def pca_scatter(w: Warehouse):
    return _scatter(w, "pca_1", "pca_2", "Customers in PCA space, by behavioural segment")


def tsne_scatter(w: Warehouse):
    return _scatter(w, "tsne_1", "tsne_2", "Customers in t-SNE space (sample), by segment")


def cluster_profiles(w: Warehouse):
    data = w.df("segment_profiles")
    fig, ax = _figure(9, 4)
    width = 0.25
    x = np.arange(len(data))
    for offset, (column, label) in enumerate(
        [
            ("recency_z", "recency (low = recent)"),
            ("frequency_z", "frequency"),
            ("monetary_z", "monetary"),
        ]
    ):
        ax.bar(x + (offset - 1) * width, data[column], width, label=label)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(
        x,
        [f"{c}: {n}" for c, n in zip(data["cluster_id"], data["segment_name"], strict=True)],
        rotation=20,
        ha="right",
    )
    ax.set_ylabel("mean standardised log value (0 = population)")
    ax.set_title("Cluster profiles: normalised R, F, M")
    ax.legend(fontsize=8)
    return _png(fig)


def transition_heatmap(w: Warehouse):
    data = w.df("segment_transitions")
    order = list(w.df("rfm_segment_summary")["rfm_segment"])
    table = data.pivot_table(
        index="from_segment", columns="to_segment", values="customers", aggfunc="sum", fill_value=0
    )
    rows = [s for s in ["(not yet a customer)", *order] if s in table.index]
    columns = [s for s in order if s in table.columns]
    table = table.loc[rows, columns]
    fig, ax = plt.subplots(figsize=(10, 7))
    image = ax.imshow(np.log10(table.to_numpy() + 1), cmap="viridis")
    ax.set_xticks(range(len(columns)), columns, rotation=45, ha="right")
    ax.set_yticks(range(len(rows)), rows)
    ax.set_xlabel("to segment")
    ax.set_ylabel("from segment")
    for i in range(len(rows)):
        for j in range(len(columns)):
            ax.text(j, i, int(table.iat[i, j]), ha="center", va="center", fontsize=6, color="white")
    fig.colorbar(image, ax=ax, label="log10(customer-months + 1)")
    ax.set_title("RFM segment transitions between month ends (all months)")
    return _png(fig)


TABLES: list[tuple[str, str, str]] = [
    (
        "Data quality audit",
        "data_quality_audit",
        "select step, rule_name, rows_in, rows_removed, rows_out, reason "
        "from marts.data_quality_audit order by step",
    ),
    (
        "Behavioural segments",
        "segment_profiles",
        "select cluster_id, segment_name, customers, "
        "round(customer_share * 100, 1) as pct_customers, "
        "round(revenue_share * 100, 1) as pct_revenue, median_recency_days, median_frequency, "
        "round(median_monetary) as median_monetary, recommended_action "
        "from marts.segment_profiles order by cluster_id",
    ),
    (
        "RFM segments",
        "rfm_segment_summary",
        "select rfm_segment, customers, round(customer_share * 100, 1) as pct_customers, "
        "round(revenue_share * 100, 1) as pct_revenue, recommended_action "
        "from marts.rfm_segment_summary order by segment_order",
    ),
    (
        "Lifetime value by segment (12 months, discounted)",
        "clv_by_segment",
        "select segment_type, segment, customers, total_clv_12m, mean_clv_12m, "
        "round(clv_share * 100, 1) as pct_clv, "
        "round(mean_probability_purchase_90d * 100, 1) as pct_buying_in_90_days "
        "from marts.clv_by_segment order by segment_type, total_clv_12m desc",
    ),
    (
        "Product categories (what is bought together)",
        "product_category_summary",
        "select category_id, category_label, products, "
        "round(revenue_share * 100, 1) as pct_revenue, revenue, customers, "
        "top_products as best_sellers from marts.product_category_summary order by category_id",
    ),
    (
        "Basket lift of the categories (1.0 = categories unrelated to baskets)",
        "product_category_basket_lift",
        "select round(basket_lift, 2) as basket_lift, categories, invoices, product_pairs, "
        "round(same_category_pair_share * 100, 1) as pct_pairs_same_category, "
        "round(expected_pair_share * 100, 1) as pct_expected_by_chance "
        "from marts.product_category_basket_lift",
    ),
    (
        "What the first invoice tells about a new customer (test customers, 95% intervals)",
        "prediction_evaluation",
        "select target, metric, model, model_kind, round(value, 3) as value, "
        "round(ci_low, 3) as ci_low, round(ci_high, 3) as ci_high, n_test "
        "from marts.prediction_evaluation "
        "where protocol = 'first_invoice_features_time_split' and metric in "
        "('roc_auc', 'pr_auc', 'top_decile_return_rate', 'return_rate', "
        "'balanced_accuracy', 'macro_f1') order by target, metric, value desc",
    ),
]

CHARTS: list[tuple[str, Callable[[Warehouse], str]]] = [
    ("Revenue by country", revenue_by_country),
    ("Revenue by month", revenue_by_month),
    ("Quantity by weekday", quantity_by_weekday),
    ("Quantity by hour of day", quantity_by_hour),
    ("RFM distributions", rfm_distributions),
    ("RFM segment sizes and revenue share", rfm_segments),
    ("Choice of the number of clusters", k_selection),
    ("Customers in PCA space", pca_scatter),
    ("Customers in t-SNE space", tsne_scatter),
    ("Cluster profiles", cluster_profiles),
    ("Segment transitions", transition_heatmap),
    ("Lifetime value: forecast against the holdout", clv_holdout_check),
]

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Customer segmentation report</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1200px; color: #222; }}
h2 {{ border-bottom: 1px solid #ddd; padding-bottom: .2rem; margin-top: 2rem; }}
img {{ max-width: 100%; }} table {{ border-collapse: collapse; font-size: .85rem; }}
td, th {{ border: 1px solid #ddd; padding: .25rem .5rem; text-align: left; }}
.note {{ color: #a00; font-style: italic; }}
</style></head>
<body data-charts="{charts}">
<h1>Customer segmentation report</h1>
<p>Warehouse <code>{db}</code>, rendered {when}.</p>
{body}
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
    """Write the report; returns (charts drawn, notes for missing parts)."""
    warehouse = Warehouse(db)
    sections, drawn, notes = [], 0, 0
    total = len(CHARTS) + len(TABLES)
    for number, (title, chart) in enumerate(CHARTS, start=1):
        started = time.monotonic()
        try:
            image = chart(warehouse)
            sections.append(
                f"<h2>{html.escape(title)}</h2>\n"
                f'<img alt="{html.escape(title)}" src="data:image/png;base64,{image}">'
            )
            drawn += 1
            status = f"ok ({time.monotonic() - started:.1f}s)"
        except MissingMart as missing:
            sections.append(
                f"<h2>{html.escape(title)}</h2>\n"
                f'<p class="note">Not shown: {html.escape(str(missing))}.</p>'
            )
            notes += 1
            status = f"skipped: {missing}"
        print(f"[{number}/{total}] {title}: {status}", flush=True)
    for number, (title, table, sql) in enumerate(TABLES, start=len(CHARTS) + 1):
        try:
            frame = warehouse.df(table, sql)
            sections.append(
                f"<h2>{html.escape(title)}</h2>\n"
                + frame.to_html(index=False, float_format=lambda v: f"{v:,.3f}")
            )
            status = f"ok ({len(frame)} rows)"
        except MissingMart as missing:
            sections.append(
                f"<h2>{html.escape(title)}</h2>\n"
                f'<p class="note">Not shown: {html.escape(str(missing))}.</p>'
            )
            notes += 1
            status = f"skipped: {missing}"
        print(f"[{number}/{total}] {title}: {status}", flush=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        PAGE.format(
            charts=drawn,
            db=html.escape(str(db)),
            when=time.strftime("%Y-%m-%d %H:%M"),
            body="\n".join(sections),
        ),
        encoding="utf-8",
    )
    return drawn, notes


def main(db: Path, out: Path) -> int:
    if not db.exists():
        print(f"error: warehouse not found: {db} (run `segments build` first)", file=sys.stderr)
        return 2
    try:
        drawn, notes = render(db, out)
    except duckdb.Error as problem:
        print(f"error: cannot read {db}: {str(problem).splitlines()[0]}", file=sys.stderr)
        return 2
    print(f"wrote {out} ({drawn} charts{f', {notes} parts missing' if notes else ''})")
    return 0
