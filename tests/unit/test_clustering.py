"""Choosing the number of behavioural clusters (retail_segments.clustering.choose): fewer
clusters when the scores are close, and the actionable range kept."""

from __future__ import annotations

import pandas as pd
from retail_segments import clustering


def test_choose_prefers_fewer_clusters_when_close():
    table = pd.DataFrame(
        {
            "algorithm": ["kmeans", "kmeans", "gaussian_mixture", "agglomerative_ward"],
            "n_clusters": [3, 5, 4, 2],
            "silhouette": [0.595, 0.60, 0.60, 0.70],
            "smallest_cluster_share": [0.10, 0.10, 0.10, 0.01],  # k=2 too small a cluster
            "stability": [0.9, 0.95, 0.95, 1.0],
        }
    )
    anywhere = clustering.ClusteringSettings(choose_k_min=2, choose_k_max=10)
    chosen = clustering.choose(table, anywhere)
    assert chosen.tolist() == [True, False, False, False]
    strict = clustering.ClusteringSettings(
        silhouette_tolerance=0.001, choose_k_min=2, choose_k_max=10
    )
    # among the two best (k=5 kmeans, k=4 mixture) the fewer clusters win
    assert clustering.choose(table, strict).tolist() == [False, False, True, False]


def test_choose_keeps_to_the_actionable_range():
    table = pd.DataFrame(
        {
            "algorithm": ["kmeans"] * 4,
            "n_clusters": [2, 3, 4, 9],
            "silhouette": [0.45, 0.35, 0.34, 0.50],
            "smallest_cluster_share": [0.4, 0.2, 0.1, 0.05],
            "stability": [0.99, 0.95, 0.9, 0.9],
        }
    )
    assert clustering.choose(table, clustering.ClusteringSettings()).tolist() == [
        False,
        True,
        False,
        False,
    ]
    nothing_in_range = table[table.n_clusters.isin([2, 9])].reset_index(drop=True)
    # no candidate in 3..8 (tiny data): the whole table competes
    assert clustering.choose(nothing_in_range, clustering.ClusteringSettings()).tolist() == [
        False,
        True,
    ]
