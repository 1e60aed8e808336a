"""Behavioural clustering of customers on their standardised log RFM features.

Called by the dbt Python models in models/intermediate/segments/; the features and
their scaling are computed in SQL (int_customer_rfm_features), so Python and the SQL
scoring macro see identical numbers.

Everything quadratic in customers runs on bounded, seeded samples (agglomerative fitting,
silhouette, stability, t-SNE); everything else is linear, so a million customers fit in
minutes. Fixed seeds and a sorted input make the same data give the same tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from scipy.cluster.hierarchy import fcluster, linkage
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE
from sklearn.metrics import (
    adjusted_rand_score,
    calinski_harabasz_score,
    davies_bouldin_score,
    silhouette_score,
)
from sklearn.mixture import GaussianMixture

from . import settings as model_settings

FEATURES = ("z_recency", "z_frequency", "z_monetary")
# the columns the Python models read from int_customer_rfm_features
INPUT_COLUMNS = ("customer_id", "monetary", "is_outlier", *FEATURES)
ALGORITHMS = ("kmeans", "gaussian_mixture", "agglomerative_ward")


@dataclass(frozen=True)
class ClusteringSettings:
    """Knobs, read from the models' `config.meta` (+meta of intermediate/segments in
    dbt_project.yml, or a model's meta in _int_segments__models.yml)."""

    k_min: int = 2  # every candidate k_min..k_max is scored
    k_max: int = 10
    # the chosen segmentation comes from this range: a marketer runs programmes on 3 to 8
    # groups, and silhouette on skewed RFM data favours k = 2 almost always
    choose_k_min: int = 3
    choose_k_max: int = 8
    seeds: tuple[int, ...] = (0, 1, 2)
    fit_sample: int = 50_000  # KMeans / GMM fit on at most this many customers
    agglomerative_sample: int = 2_000  # Ward is O(n^2) in memory and time
    silhouette_sample: int = 2_000
    stability_sample: int = 1_000
    stability_runs: int = 20
    stability_fraction: float = 0.8
    min_cluster_share: float = 0.03
    min_stability: float = 0.8
    silhouette_tolerance: float = 0.01  # "close": prefer fewer clusters within this
    tsne_sample: int = 1_000
    random_state: int = 42
    # fewer customers to fit on than this: one segment for everyone, and the build says so
    min_customers: int = 20
    # candidates are evaluated in this many worker processes (each is seeded, so the
    # result does not depend on it); 1 evaluates them in the model's own process
    n_jobs: int = 2

    @classmethod
    def from_meta(cls, meta) -> ClusteringSettings:
        return model_settings.from_meta(cls, meta)


@dataclass
class Candidate:
    algorithm: str
    k: int
    seed: int | None
    labels: np.ndarray  # on the fit sample
    metrics: dict = field(default_factory=dict)


def prepare(features: pd.DataFrame) -> pd.DataFrame:
    """Sorted by customer, so that row order (and so every seeded sample) is stable."""
    return features.sort_values("customer_id", kind="stable").reset_index(drop=True)


def seeded_sample(n: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """Sorted positions of a bounded sample of n rows: all of them when n <= size, else
    `size` drawn without replacement by `rng` (one draw, so the caller's seeded generator
    gives the same sample on every run). Shared by the product categories and the interest
    segments, which bound their quadratic steps the same way."""
    if n <= size:
        return np.arange(n)
    return np.sort(rng.choice(n, size=size, replace=False))


class WardTree:
    """Agglomerative clustering with Ward linkage. The merge tree is built once and cut at
    every k, instead of re-clustering for each k."""

    def __init__(self, data: np.ndarray):
        self.tree = linkage(data, method="ward")

    def labels(self, k: int) -> np.ndarray:
        return fcluster(self.tree, t=k, criterion="maxclust") - 1


class _Cut:
    """A cut of a Ward tree, shaped like a fitted scikit-learn clusterer."""

    def __init__(self, tree: WardTree, k: int):
        self.labels_ = tree.labels(k)


def _fit(algorithm: str, k: int, seed: int | None, data: np.ndarray, tree: WardTree | None = None):
    if algorithm == "kmeans":
        return KMeans(n_clusters=k, n_init=1, random_state=seed).fit(data)
    if algorithm == "gaussian_mixture":
        return GaussianMixture(
            n_components=k,
            covariance_type="full",
            random_state=seed,
            reg_covar=1e-4,
            max_iter=60,
            tol=5e-3,
            init_params="k-means++",
        ).fit(data)
    return _Cut(tree if tree is not None else WardTree(data), k)


def _labels(model, data: np.ndarray) -> np.ndarray:
    return model.labels_ if hasattr(model, "labels_") else model.predict(data)


def _centroids(data: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    return np.vstack([data[labels == c].mean(axis=0) for c in range(k)])


def nearest_centroid(data: np.ndarray, centroids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Label and Euclidean distance of each row's nearest centroid (linear in rows)."""
    labels = np.empty(len(data), dtype=int)
    nearest = np.empty(len(data))
    for start in range(0, len(data), 200_000):  # bounded memory on large data
        chunk = data[start : start + 200_000]
        distances = ((chunk[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)
        labels[start : start + len(chunk)] = distances.argmin(axis=1)
        nearest[start : start + len(chunk)] = distances[
            np.arange(len(chunk)), labels[start : start + len(chunk)]
        ]
    return labels, np.sqrt(nearest)


def evaluate_candidates(features: pd.DataFrame, settings: ClusteringSettings) -> pd.DataFrame:
    """One row per algorithm x k with the quality indices, and the chosen row flagged."""
    features = prepare(features)
    fit_rows = features.loc[~features["is_outlier"], list(FEATURES)].to_numpy(float)
    rng = np.random.default_rng(settings.random_state)
    fit_index = seeded_sample(len(fit_rows), settings.fit_sample, rng)
    data = fit_rows[fit_index]
    if len(data) < settings.min_customers:
        return _single_segment(len(data), settings)
    ward_index = seeded_sample(len(data), settings.agglomerative_sample, rng)
    stability = StabilityPlan(
        data[seeded_sample(len(data), settings.stability_sample, rng)], settings
    )
    ward_tree = WardTree(data[ward_index])

    candidates = [
        (algorithm, k)
        for k in range(settings.k_min, min(settings.k_max, len(data) - 1) + 1)
        for algorithm in ALGORITHMS
    ]
    # the fits are many small numpy steps that hold the GIL: processes, not threads
    rows = Parallel(n_jobs=settings.n_jobs, backend="loky")(
        delayed(_evaluate)(algorithm, k, data, ward_index, ward_tree, stability, settings)
        for algorithm, k in candidates
    )
    selection = pd.DataFrame(rows)
    selection["is_chosen"] = choose(selection, settings)
    # the rule over every candidate, whatever the range: shown beside the chosen one
    selection["is_statistical_best"] = choose(
        selection, replace(settings, choose_k_min=0, choose_k_max=10**6)
    )
    return _with_rule(selection, settings)


# the settings of the selection rule, written beside every candidate (segment_model_selection)
# so that the report and the tests read the thresholds used rather than repeat them
RULE_SETTINGS = (
    "k_min",
    "k_max",
    "choose_k_min",
    "choose_k_max",
    "min_cluster_share",
    "min_stability",
    "silhouette_tolerance",
)


def _with_rule(selection: pd.DataFrame, settings: ClusteringSettings) -> pd.DataFrame:
    return selection.assign(**{name: getattr(settings, name) for name in RULE_SETTINGS})


def _single_segment(customers: int, settings: ClusteringSettings) -> pd.DataFrame:
    """Too few customers to compare clusterings: one segment (k = 1) is the only candidate."""
    print(
        f"behavioural clustering: {customers} customers to fit on (at least "
        f"{settings.min_customers} needed to compare clusterings); everyone is one segment",
        flush=True,
    )
    row = {
        "algorithm": "kmeans",
        "n_clusters": 1,
        "seed": settings.seeds[0],
        "fit_customers": customers,
        "silhouette": None,
        "calinski_harabasz": None,
        "davies_bouldin": None,
        "inertia": None,
        "bic": None,
        "smallest_cluster_share": 1.0,
        "stability": None,
        "is_chosen": True,
        "is_statistical_best": True,
    }
    numbers = ["silhouette", "calinski_harabasz", "davies_bouldin", "inertia", "bic", "stability"]
    return _with_rule(pd.DataFrame([row]).astype({name: float for name in numbers}), settings)


def _evaluate(algorithm, k, data, ward_index, ward_tree, stability, settings) -> dict:
    if algorithm == "agglomerative_ward":
        sample, seeds = data[ward_index], (None,)
    else:
        sample, seeds = data, settings.seeds
    best = None
    for seed in seeds:  # several seeds where the algorithm has one; keep the best fit
        model = _fit(algorithm, k, seed, sample, ward_tree)
        quality = (
            model.score(sample)
            if algorithm == "gaussian_mixture"
            else -_inertia(sample, _labels(model, sample), k)
        )
        if best is None or quality > best[0]:
            best = (quality, seed, model)
    _, seed, model = best
    labels = _labels(model, sample)
    sizes = np.bincount(labels, minlength=k)
    silhouette_rng = np.random.default_rng(settings.random_state)
    sil_index = seeded_sample(len(sample), settings.silhouette_sample, silhouette_rng)
    n_labels = len(np.unique(labels))
    return {
        "algorithm": algorithm,
        "n_clusters": k,
        "seed": seed,
        "fit_customers": len(sample),
        "silhouette": float(silhouette_score(sample[sil_index], labels[sil_index]))
        if n_labels > 1 and len(np.unique(labels[sil_index])) > 1
        else None,
        "calinski_harabasz": float(calinski_harabasz_score(sample, labels))
        if n_labels > 1
        else None,
        "davies_bouldin": float(davies_bouldin_score(sample, labels)) if n_labels > 1 else None,
        "inertia": float(_inertia(sample, labels, k)),
        "bic": float(model.bic(sample)) if algorithm == "gaussian_mixture" else None,
        "smallest_cluster_share": float(sizes.min() / sizes.sum()),
        "stability": stability.score(algorithm, k, seed),
    }


def _inertia(data, labels, k) -> float:
    total = 0.0
    for c in range(k):
        members = data[labels == c]
        if len(members):
            total += float(((members - members.mean(axis=0)) ** 2).sum())
    return total


class StabilityPlan:
    """Bootstrap stability: the mean adjusted Rand index between the clustering of a fixed
    sample and the clusterings of random 80% subsamples of it, compared on the customers
    they share. The same subsamples serve every candidate; Ward trees are built once each."""

    def __init__(self, sample: np.ndarray, settings: ClusteringSettings):
        self.sample = sample
        rng = np.random.default_rng(settings.random_state + 1)
        size = int(round(settings.stability_fraction * len(sample)))
        self.subsets = [
            np.sort(rng.choice(len(sample), size=size, replace=False))
            for _ in range(settings.stability_runs)
        ]
        self._trees: dict[int, WardTree] = {}

    def _tree(self, key: int) -> WardTree:
        if key not in self._trees:
            data = self.sample if key < 0 else self.sample[self.subsets[key]]
            self._trees[key] = WardTree(data)
        return self._trees[key]

    def score(self, algorithm: str, k: int, seed: int | None) -> float:
        ward = algorithm == "agglomerative_ward"
        reference = _labels(
            _fit(algorithm, k, seed, self.sample, self._tree(-1) if ward else None), self.sample
        )
        scores = []
        for number, subset in enumerate(self.subsets):
            data = self.sample[subset]
            model = _fit(algorithm, k, seed, data, self._tree(number) if ward else None)
            scores.append(adjusted_rand_score(reference[subset], _labels(model, data)))
        return float(np.mean(scores))


def choose(selection: pd.DataFrame, settings: ClusteringSettings) -> pd.Series:
    """The selection rule (also written in the model's YAML description):
    1. eligible: smallest cluster >= min_cluster_share of customers and stability >=
       min_stability (if nothing is eligible, every candidate is);
    2. among those, the best silhouette; every candidate within silhouette_tolerance of it
       is "close", and among the close ones the fewest clusters win;
    3. ties: higher stability, then the algorithm order kmeans, gaussian_mixture,
       agglomerative_ward.
    Only candidates with choose_k_min <= k <= choose_k_max compete (when there are any).
    Exactly one row is chosen."""
    in_range = selection["n_clusters"].between(settings.choose_k_min, settings.choose_k_max)
    if in_range.any():
        selection = selection[in_range]
    full_index = in_range.index
    eligible = selection[
        (selection["smallest_cluster_share"] >= settings.min_cluster_share)
        & (selection["stability"] >= settings.min_stability)
        & selection["silhouette"].notna()
    ]
    if eligible.empty:
        eligible = selection[selection["silhouette"].notna()]
    best = eligible["silhouette"].max()
    close = eligible[eligible["silhouette"] >= best - settings.silhouette_tolerance].copy()
    close["algorithm_order"] = close["algorithm"].map(ALGORITHMS.index)
    winner = close.sort_values(
        ["n_clusters", "stability", "algorithm_order"], ascending=[True, False, True]
    ).index[0]
    return pd.Series(full_index == winner, index=full_index)


def assign_customers(
    features: pd.DataFrame, selection: pd.DataFrame, settings: ClusteringSettings
) -> pd.DataFrame:
    """Refit the chosen candidate and give every customer (outliers too) a cluster.

    Cluster ids are ordered by mean monetary value of the members, highest first (1 = most
    valuable), so they do not depend on the algorithm's arbitrary label order. Each row
    carries the coordinates of its cluster's centroid, the source of the SQL scoring
    parameters.
    """
    features = prepare(features)
    chosen = selection.loc[selection["is_chosen"]].iloc[0]
    algorithm, k = chosen["algorithm"], int(chosen["n_clusters"])
    seed = None if pd.isna(chosen["seed"]) else int(chosen["seed"])
    everyone = features[list(FEATURES)].to_numpy(float)
    fit_rows = np.flatnonzero(~features["is_outlier"].to_numpy())
    rng = np.random.default_rng(settings.random_state)
    fit_index = fit_rows[seeded_sample(len(fit_rows), settings.fit_sample, rng)]
    ward_positions = seeded_sample(len(fit_index), settings.agglomerative_sample, rng)
    if algorithm == "agglomerative_ward":
        fit_index = fit_index[ward_positions]
    model = _fit(algorithm, k, seed, everyone[fit_index])
    fitted_labels = _labels(model, everyone[fit_index])

    if algorithm == "kmeans":
        centroids = model.cluster_centers_
        labels = model.predict(everyone)
        probability = None
    elif algorithm == "gaussian_mixture":
        centroids = model.means_
        labels = model.predict(everyone)
        probability = model.predict_proba(everyone).max(axis=1)
    else:
        centroids = _centroids(everyone[fit_index], fitted_labels, k)
        labels, _ = nearest_centroid(everyone, centroids)
        labels[fit_index] = fitted_labels  # the customers Ward itself clustered
        probability = None
    surrogate, distance = nearest_centroid(everyone, centroids)

    # order clusters by the members' mean monetary value, highest first
    monetary = features["monetary"].to_numpy(float)
    mean_value = np.array(
        [monetary[labels == c].mean() if (labels == c).any() else -np.inf for c in range(k)]
    )
    rank = np.empty(k, dtype=int)
    rank[np.argsort(-mean_value, kind="stable")] = np.arange(1, k + 1)

    out = pd.DataFrame(
        {
            "customer_id": features["customer_id"],
            "cluster_id": rank[labels],
            "nearest_centroid_cluster_id": rank[surrogate],
            "distance_to_centroid": distance,
            "membership_probability": pd.array(probability, dtype="Float64")
            if probability is not None
            else pd.array([None] * len(features), dtype="Float64"),
            "algorithm": algorithm,
            "n_clusters": k,
            "is_fit_sample": np.isin(np.arange(len(features)), fit_index),
        }
    )
    for position, feature in enumerate(FEATURES):
        out[f"centroid_{feature}"] = centroids[labels, position]
    return out


def project(features: pd.DataFrame, settings: ClusteringSettings) -> pd.DataFrame:
    """2-D coordinates for plots: PCA for everyone, t-SNE on a bounded sample."""
    features = prepare(features)
    data = features[list(FEATURES)].to_numpy(float)
    if len(data) >= 3:
        pca = PCA(n_components=2, random_state=settings.random_state).fit(data)
        coordinates, explained = pca.transform(data), pca.explained_variance_ratio_
    else:  # too few customers for a plane: everyone at the origin
        coordinates, explained = np.zeros((len(data), 2)), np.full(2, np.nan)
    rng = np.random.default_rng(settings.random_state)
    tsne_index = seeded_sample(len(data), settings.tsne_sample, rng)
    tsne = np.full((len(data), 2), np.nan)
    if len(tsne_index) > 5:
        perplexity = min(30.0, (len(tsne_index) - 1) / 3)
        tsne[tsne_index] = TSNE(
            n_components=2,
            perplexity=perplexity,
            init="pca",
            random_state=settings.random_state,
            max_iter=500,
        ).fit_transform(data[tsne_index])
    return pd.DataFrame(
        {
            "customer_id": features["customer_id"],
            "pca_1": coordinates[:, 0],
            "pca_2": coordinates[:, 1],
            "pca_1_explained_variance": float(explained[0]),
            "pca_2_explained_variance": float(explained[1]),
            "tsne_1": tsne[:, 0],
            "tsne_2": tsne[:, 1],
            "is_tsne_sample": np.isin(np.arange(len(data)), tsne_index),
        }
    )
