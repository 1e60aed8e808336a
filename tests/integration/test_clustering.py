"""Behavioural clustering, selection of k, profiles and SQL scoring."""

from __future__ import annotations

import pandas as pd
from conftest import build_warehouse, query
from retail_segments import clustering
from sklearn.metrics import adjusted_rand_score


def _truth(db):
    (truth,) = (db.parent / "synthetic").glob("*_truth.parquet")
    return truth


def test_chosen_clustering_recovers_planted_archetypes(synthetic_db):
    rows = query(
        synthetic_db,
        f"select s.cluster_id, t.archetype from marts.customer_segments s "
        f"join '{_truth(synthetic_db)}' t using (customer_id)",
    )
    clusters, archetypes = zip(*rows, strict=True)
    assert len(rows) == query(synthetic_db, "select count(*) from marts.customer_rfm")[0][0]
    assert adjusted_rand_score(archetypes, clusters) >= 0.6


def test_selection_table_follows_the_written_rule(synthetic_db):
    table = pd.DataFrame(
        query(
            synthetic_db,
            "select algorithm, n_clusters, silhouette, smallest_cluster_share, stability, "
            "is_chosen, calinski_harabasz, davies_bouldin, inertia, bic, is_statistical_best "
            "from marts.segment_model_selection",
        ),
        columns=[
            "algorithm",
            "k",
            "silhouette",
            "smallest",
            "stability",
            "chosen",
            "ch",
            "db",
            "inertia",
            "bic",
            "best",
        ],
    )
    assert len(table) == 3 * 9
    assert set(table.algorithm) == {"kmeans", "gaussian_mixture", "agglomerative_ward"}
    assert table.chosen.sum() == 1
    assert table.bic.notna().sum() == 9  # only the mixture has a BIC
    assert table.stability.between(-0.5, 1.0).all() and table.ch.gt(0).all()
    # the rule from the YAML description, re-applied here independently with the
    # thresholds the build wrote beside the candidates: the chosen one from k =
    # choose_k_min..choose_k_max, the statistically best from every k
    ((k_min, k_max, choose_min, choose_max, min_share, min_stability, tolerance),) = query(
        synthetic_db,
        "select distinct k_min, k_max, choose_k_min, choose_k_max, min_cluster_share, "
        "min_stability, silhouette_tolerance from marts.segment_model_selection",
    )
    # the embedded build overrides none: the settings' own defaults
    defaults = clustering.ClusteringSettings()
    assert (k_min, k_max, choose_min, choose_max, min_share, min_stability, tolerance) == tuple(
        getattr(defaults, name) for name in clustering.RULE_SETTINGS
    )
    assert sorted(set(table.k)) == list(range(k_min, k_max + 1))
    in_range = table[table.k.between(choose_min, choose_max)]
    for flag, candidates in (("chosen", in_range), ("best", table)):
        eligible = candidates[
            (candidates.smallest >= min_share) & (candidates.stability >= min_stability)
        ]
        close = eligible[eligible.silhouette >= eligible.silhouette.max() - tolerance]
        fewest = close[close.k == close.k.min()].assign(
            algorithm_order=lambda t: t.algorithm.map(clustering.ALGORITHMS.index)
        )
        # ties: higher stability, then the declared algorithm order (a stable sort, not the
        # order the rows happen to arrive in)
        expected = fewest.sort_values(
            ["stability", "algorithm_order"], ascending=[False, True], kind="stable"
        ).iloc[0]
        picked = table[table[flag]]
        assert len(picked) == 1
        assert (picked.iloc[0].algorithm, picked.iloc[0].k) == (expected.algorithm, expected.k)


def test_real_data_segmentation_is_actionable(real_allocate_db):
    """The chosen behavioural segmentation on the real data has 3 to 8 clusters,
    each at least 3% of customers, stable, with unique names."""
    chosen = query(
        real_allocate_db,
        "select n_clusters, stability, smallest_cluster_share, choose_k_min, choose_k_max, "
        "min_stability, min_cluster_share from marts.segment_model_selection where is_chosen",
    )
    assert len(chosen) == 1
    k, stability, smallest, choose_min, choose_max, min_stability, min_share = chosen[0]
    assert (choose_min, choose_max, min_stability, min_share) == (3, 8, 0.8, 0.03)
    assert choose_min <= k <= choose_max and stability >= min_stability and smallest >= min_share
    profiles = query(
        real_allocate_db, "select segment_name, customer_share from marts.segment_profiles"
    )
    assert len(profiles) == k
    assert len({name for name, _ in profiles}) == k
    assert min(share for _, share in profiles) >= 0.03


def test_every_customer_gets_a_segment_and_profiles_add_up(synthetic_db):
    missing = query(
        synthetic_db,
        "select count(*) from marts.customer_rfm r left join marts.customer_segments s "
        "using (customer_id) where s.cluster_id is null or s.segment_name is null",
    )
    assert missing == [(0,)]
    outliers = query(synthetic_db, "select count(*) from marts.customer_segments where is_outlier")[
        0
    ][0]
    assert outliers > 0
    profiles = query(
        synthetic_db,
        "select cluster_id, customers, customer_share, mean_monetary, segment_name, "
        "recommended_action from marts.segment_profiles order by cluster_id",
    )
    assert (
        sum(p[1] for p in profiles)
        == query(synthetic_db, "select count(*) from marts.customer_rfm")[0][0]
    )
    assert abs(sum(p[2] for p in profiles) - 1) < 1e-9
    # ids ordered by a business quantity: mean monetary value, highest first
    means = [p[3] for p in profiles]
    assert means == sorted(means, reverse=True)
    assert all(p[4] and p[5] for p in profiles)


def test_sql_scoring_agrees_with_python(synthetic_db):
    algorithm, disagree, total = query(
        synthetic_db,
        "select any_value(p.algorithm), count(*) filter (where p.cluster_id != s.cluster_id), "
        "count(*) from intermediate.int_customer_clusters p "
        "join intermediate.int_customer_clusters__sql_scored s using (customer_id)",
    )[0]
    agreement = query(
        synthetic_db,
        "select parameter_value from marts.segment_model_parameters "
        "where parameter = 'nearest_centroid_agreement'",
    )[0][0]
    assert total == query(synthetic_db, "select count(*) from marts.customer_rfm")[0][0]
    # the mart's share is avg() over 0/1 values, (n - d) / n: compared as a count, since
    # 1 - d / n can differ from it in the last bit
    assert round(agreement * total) == total - disagree
    if algorithm == "kmeans":
        assert disagree == 0


def test_two_builds_give_identical_segments(synthetic_db, tmp_path):
    again = tmp_path / "again.duckdb"
    build_warehouse(again)
    sql = (
        "select customer_id, cluster_id, segment_name, rfm_segment, "
        "round(distance_to_centroid, 9) from marts.customer_segments order by customer_id"
    )
    assert query(again, sql) == query(synthetic_db, sql)
    sql = (
        "select algorithm, n_clusters, seed, round(silhouette, 9), round(stability, 9), "
        "is_chosen from marts.segment_model_selection order by algorithm, n_clusters"
    )
    assert query(again, sql) == query(synthetic_db, sql)
