"""Customer interest segments from what customers buy: each customer's shares of spend over
the product categories (retail_segments.product_categories) and their average basket,
clustered, with the segments named by their distinctive categories. Called by the dbt
Python models in models/intermediate/interests/ (every customer's segment) and
models/intermediate/campaigns/ (the segments as of each campaign's start), and by
retail_segments.prediction.

Honest by construction for the new-customer prediction: the interest model is fitted only
on spend before the prediction cut-off, then applied to everyone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from threadpoolctl import threadpool_limits

from .clustering import seeded_sample


@dataclass(frozen=True)
class InterestSettings:
    k_min: int = 4
    k_max: int = 10
    min_cluster_share: float = 0.03
    silhouette_tolerance: float = 0.01
    silhouette_sample: int = 3_000
    fit_sample: int = 50_000
    min_customers: int = 20  # fewer: one segment for everyone
    # naming: categories that may name a segment
    min_name_share: float = 0.08
    max_name_category_revenue: float = 0.25
    random_state: int = 42


def share_matrix(
    spend: pd.DataFrame, value: str, customers: pd.Index, categories: list[int]
) -> pd.DataFrame:
    """Customers x categories: the share of each customer's net spend in each category."""
    table = spend.pivot_table(
        index="customer_id", columns="category_id", values=value, aggfunc="sum", fill_value=0.0
    )
    table = table.reindex(index=customers, columns=categories, fill_value=0.0)
    totals = table.sum(axis=1).replace(0, np.nan)
    return table.div(totals, axis=0).fillna(0.0)


BASKET_WEIGHT = 0.1


@dataclass
class InterestModel:
    categories: list[int]
    basket_mean: float
    basket_scale: float
    model: KMeans
    k: int
    selection: pd.DataFrame

    def features(self, shares: pd.DataFrame, basket_value: pd.Series) -> np.ndarray:
        basket = np.log1p(basket_value.clip(lower=0).to_numpy(float)) - self.basket_mean
        basket = basket / self.basket_scale
        # square roots of the shares (Hellinger distance): a segment is a mix of interests,
        # not one big category's share; the basket size is one extra, light axis (the
        # behavioural segments carry spend)
        root_shares = np.sqrt(np.clip(shares.to_numpy(float), 0.0, None))  # net spend can be < 0
        return np.column_stack([root_shares, BASKET_WEIGHT * basket])

    def predict(self, shares: pd.DataFrame, basket_value: pd.Series) -> np.ndarray:
        return self.model.predict(self.features(shares, basket_value))


def fit_interest_model(
    spend: pd.DataFrame, baskets: pd.DataFrame, categories: list[int], settings: InterestSettings
) -> InterestModel:
    """Fit on the customers' spend before the cut-off (spend_before_cutoff), choosing k by
    the clustering rule: smallest cluster >= min_cluster_share, best silhouette, fewer
    clusters within silhouette_tolerance."""
    fit_baskets = baskets[baskets["avg_invoice_value_before_cutoff"].notna()]
    fit_baskets = fit_baskets.sort_values("customer_id", kind="stable")
    customers = pd.Index(fit_baskets["customer_id"])
    shares = share_matrix(spend, "spend_before_cutoff", customers, categories)
    basket = np.log1p(fit_baskets["avg_invoice_value_before_cutoff"].clip(lower=0).to_numpy(float))
    holder = InterestModel(
        categories, float(basket.mean()), float(basket.std() or 1.0), None, 0, pd.DataFrame()
    )  # type: ignore[arg-type]
    data = holder.features(
        shares,
        fit_baskets.set_index("customer_id")["avg_invoice_value_before_cutoff"].reindex(customers),
    )
    rng = np.random.default_rng(settings.random_state)
    data = data[seeded_sample(len(data), settings.fit_sample, rng)]
    sample = seeded_sample(len(data), settings.silhouette_sample, rng)
    rows, models = [], {}
    if len(data) < settings.min_customers:
        print(
            f"interest segments: {len(data)} customers bought before the cut-off (at least "
            f"{settings.min_customers} needed to compare segmentations); everyone is one segment",
            flush=True,
        )
        model = KMeans(n_clusters=1, n_init=1, random_state=settings.random_state).fit(data)
        holder.model, holder.k = model, 1
        holder.selection = pd.DataFrame(
            [{"n_clusters": 1, "silhouette": np.nan, "smallest_cluster_share": 1.0}]
        ).assign(is_chosen=True)
        return holder
    for k in range(settings.k_min, settings.k_max + 1):
        if k >= len(data):
            break
        with threadpool_limits(limits=1):  # small dense problem: threads only contend
            model = KMeans(n_clusters=k, n_init=3, random_state=settings.random_state).fit(data)
        sizes = np.bincount(model.labels_, minlength=k)
        models[k] = model
        rows.append(
            {
                "n_clusters": k,
                "silhouette": float(silhouette_score(data[sample], model.labels_[sample])),
                "smallest_cluster_share": float(sizes.min() / sizes.sum()),
            }
        )
    table = pd.DataFrame(rows)
    eligible = table[table["smallest_cluster_share"] >= settings.min_cluster_share]
    if eligible.empty:
        eligible = table
    best = eligible["silhouette"].max()
    close = eligible[eligible["silhouette"] >= best - settings.silhouette_tolerance]
    k = int(close.sort_values("n_clusters")["n_clusters"].iloc[0])
    table["is_chosen"] = table["n_clusters"] == k
    holder.model, holder.k, holder.selection = models[k], k, table
    return holder


@dataclass
class InterestSegmentation:
    """The fitted interest model with its segment ids (by size, largest first) and names."""

    model: InterestModel
    category_ids: list[int]
    rank: np.ndarray  # model label -> segment id
    names: dict[int, str]  # model label -> name
    dominant: dict[int, str]  # model label -> top categories with shares

    def segment_ids(self, shares: pd.DataFrame, basket_value: pd.Series) -> np.ndarray:
        return self.rank[self.model.predict(shares, basket_value)]

    def name_of(self, segment_id: int) -> str:
        return self.names[int(np.flatnonzero(self.rank == segment_id)[0])]


def _short_labels(labels_by_id: dict[int, str]) -> dict[int, str]:
    """A category's first label word, or its first two where another category starts with
    the same word ('christmas tree' and 'christmas vintage')."""
    words = {c: label.split(" / ") for c, label in labels_by_id.items()}
    first = [w[0] for w in words.values()]
    return {c: w[0] if first.count(w[0]) == 1 else " ".join(w[:2]) for c, w in words.items()}


def segment_names(
    segment_shares: pd.DataFrame,
    population_shares: pd.Series,
    labels_by_id: dict[int, str],
    revenue_share: pd.Series,
    settings: InterestSettings,
    rank: np.ndarray,
) -> dict[int, str]:
    """Name every segment by what is distinctive about it: the categories whose mean spend
    share in the segment most exceeds the population's (as a ratio), among those holding at
    least min_name_share of the segment's spend and at most max_name_category_revenue of all
    revenue, so a big category does not name every segment. Names are unique: a repeated
    name takes the next distinctive category, then a number."""
    short = _short_labels(labels_by_id)
    nameable = revenue_share[revenue_share <= settings.max_name_category_revenue].index
    ranked = {}
    for raw in segment_shares.index:
        mean_share = segment_shares.loc[raw, nameable]
        ratio = mean_share / population_shares[nameable].replace(0, np.nan)
        ratio = ratio[(mean_share >= settings.min_name_share) & (ratio >= 1.2)]
        ranked[raw] = list(ratio.sort_values(ascending=False, kind="stable").index)

    def name(raw, depth):
        top = ranked[raw][:depth]
        if not top:
            return "Broad mix"
        words = [short[c] for c in top]
        if len(top) == 1 and segment_shares.loc[raw, top[0]] >= 0.4:
            return f"Mostly {labels_by_id[top[0]]}"
        return " & ".join(w.capitalize() if i == 0 else w for i, w in enumerate(words)) + " buyers"

    depth = {
        raw: 1 if ranked[raw] and segment_shares.loc[raw, ranked[raw][0]] >= 0.4 else 2
        for raw in segment_shares.index
    }
    names = {raw: name(raw, depth[raw]) for raw in segment_shares.index}
    for _ in range(4):  # a repeated name takes the next distinctive category
        repeated = [r for r in names if list(names.values()).count(names[r]) > 1]
        grow = [r for r in repeated if depth[r] < len(ranked[r])]
        if not grow:
            break
        for raw in grow:
            depth[raw] += 1
            names[raw] = name(raw, depth[raw])
    seen: dict[str, int] = {}
    for raw in np.argsort(rank):  # still repeated: number them in id order
        if list(names.values()).count(names[raw]) > 1:
            base = names[raw]
            seen[base] = seen.get(base, 0) + 1
            names[raw] = f"{base} ({seen[base]})"
    return names


def interest_segmentation(
    spend: pd.DataFrame, baskets: pd.DataFrame, categories: pd.DataFrame, settings: InterestSettings
):
    """Fit the interest model (before the cut-off) and name its segments from every
    customer's whole history. `categories`: one row per category (int_product_category_labels).
    Returns the segmentation and the customers' shares."""
    category_ids = sorted(categories["category_id"].tolist())
    labels_by_id = categories.set_index("category_id")["category_label"].to_dict()
    model = fit_interest_model(spend, baskets, category_ids, settings)
    baskets = baskets.sort_values("customer_id", kind="stable").reset_index(drop=True)
    customers = pd.Index(baskets["customer_id"])
    shares = share_matrix(spend, "spend", customers, category_ids)
    basket_value = baskets.set_index("customer_id")["avg_invoice_value"].reindex(customers)
    raw_labels = model.predict(shares, basket_value)

    # segment ids by size, largest first
    sizes = np.bincount(raw_labels, minlength=model.k)
    rank = np.empty(model.k, dtype=int)
    rank[np.argsort(-sizes, kind="stable")] = np.arange(1, model.k + 1)
    segment_shares = pd.DataFrame(
        [shares[raw_labels == raw].mean(axis=0) for raw in range(model.k)],
        columns=shares.columns,
    ).fillna(0.0)
    revenue_share = spend.groupby("category_id")["spend"].sum().reindex(category_ids).fillna(0)
    revenue_share = revenue_share / max(float(revenue_share.sum()), 1e-12)
    names = segment_names(
        segment_shares, shares.mean(axis=0), labels_by_id, revenue_share, settings, rank
    )
    dominant = {
        raw: "; ".join(
            f"{labels_by_id[c]} {segment_shares.loc[raw, c]:.0%}"
            for c in segment_shares.loc[raw].sort_values(ascending=False).index[:3]
        )
        for raw in range(model.k)
    }
    segmentation = InterestSegmentation(model, category_ids, rank, names, dominant)
    return segmentation, shares, raw_labels


def assign_interest_segments(
    spend: pd.DataFrame, baskets: pd.DataFrame, categories: pd.DataFrame, settings: InterestSettings
) -> pd.DataFrame:
    """Every customer's interest segment from their whole history (with the model fitted
    before the cut-off), the segment's readable name and dominant categories."""
    segmentation, shares, raw_labels = interest_segmentation(spend, baskets, categories, settings)
    top_category = shares.to_numpy().argmax(axis=1)
    return pd.DataFrame(
        {
            "customer_id": shares.index,
            "interest_segment_id": segmentation.rank[raw_labels],
            "interest_segment_name": [segmentation.names[r] for r in raw_labels],
            "segment_dominant_categories": [segmentation.dominant[r] for r in raw_labels],
            "top_category_id": [segmentation.category_ids[i] for i in top_category],
            "top_category_share": shares.to_numpy().max(axis=1),
            "n_segments": segmentation.model.k,
        }
    )


AS_OF_COLUMNS = {
    "as_of_date": "datetime64[us]",
    "customer_id": "object",
    "interest_segment_name": "object",
}


def interest_segments_as_of(
    spend: pd.DataFrame | None,
    baskets: pd.DataFrame | None,
    categories: pd.DataFrame | None,
    as_of_spend: pd.DataFrame,
    as_of_baskets: pd.DataFrame | None,
    settings: InterestSettings | None = None,
) -> pd.DataFrame:
    """The interest segment of every customer with spend before each date of `as_of_spend`
    (as_of_date, customer_id, category_id, spend), from the spend shares and average basket
    before it (`as_of_baskets`: as_of_date, customer_id, avg_invoice_value), with the model
    and names assign_interest_segments gives this build's customers."""
    if as_of_spend.empty:
        return pd.DataFrame({name: pd.Series(dtype=kind) for name, kind in AS_OF_COLUMNS.items()})
    segmentation, _, _ = interest_segmentation(
        spend, baskets, categories, settings or InterestSettings()
    )
    names = pd.Series({segmentation.rank[raw]: name for raw, name in segmentation.names.items()})
    parts = []
    for as_of_date, part in as_of_spend.groupby("as_of_date", sort=True):
        # every customer who bought before the date, as the model scores every customer
        basket = as_of_baskets[as_of_baskets["as_of_date"] == as_of_date]
        basket = basket.sort_values("customer_id", kind="stable").set_index("customer_id")
        customers = pd.Index(basket.index)
        shares = share_matrix(part, "spend", customers, segmentation.category_ids)
        ids = segmentation.segment_ids(shares, basket["avg_invoice_value"].fillna(0.0))
        parts.append(
            pd.DataFrame(
                {
                    "as_of_date": as_of_date,
                    "customer_id": customers,
                    "interest_segment_name": names.reindex(ids).to_numpy(),
                }
            )
        )
    return pd.concat(parts, ignore_index=True).astype({"as_of_date": "datetime64[us]"})
