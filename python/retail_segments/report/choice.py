"""Section "How the segments were chosen" of the report."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Patch

from .. import report_format as fmt
from .common import (
    ALGORITHM_STYLES,
    ALGORITHMS,
    Col,
    _count_axis,
    _figure,
    _legend_above,
    _table,
    esc,
)
from .page import ReportPage
from .warehouse import EmptyMart


class ChoiceSection(ReportPage):
    ANCHOR = "choice"
    TITLE = "How the segments were chosen"
    BUILD = "section_choice"
    # the marts this section reads
    MARTS = frozenset(
        {
            "segment_model_selection",
            "customer_projections",
            "segment_profiles",
        }
    )

    def choice_text(self) -> str:
        data = self.w.df("segment_model_selection")
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
        data = self.w.df("segment_model_selection")
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
            "segment_model_selection",
            "select * from marts.segment_model_selection order by algorithm, n_clusters",
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
