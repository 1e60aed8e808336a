"""Product categories from descriptions, and customer interest segments from what
customers buy. Called by the dbt Python models in models/intermediate/interests/.

Honest by construction for the new-customer prediction: every model here is fitted only on
data before the prediction cut-off (the SQL inputs carry pre-cut-off columns for fitting),
then applied to everything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import silhouette_score

from . import settings as model_settings
from .clustering import _sample  # the same seeded bounded sampling


@dataclass(frozen=True)
class CategorySettings:
    k_min: int = 6
    k_max: int = 20
    k_step: int = 2
    min_category_products: int = 15
    silhouette_tolerance: float = 0.005
    silhouette_sample: int = 2_000
    label_terms: int = 3
    random_state: int = 42

    @classmethod
    def from_meta(cls, meta_get) -> CategorySettings:
        return model_settings.from_meta(cls, meta_get)


def normalise_description(text: str | None) -> str:
    """Lower case, letters only: words are then matched whole (ART never matches HEART)."""
    return re.sub(r"[^a-z]+", " ", (text or "").lower()).strip()


def vectoriser(stopwords: list[str]) -> TfidfVectorizer:
    return TfidfVectorizer(
        preprocessor=normalise_description,
        token_pattern=r"(?u)\b[a-z]{2,}\b",  # whole words of two or more letters
        stop_words=sorted(set(stopwords)),
        min_df=2,
        sublinear_tf=True,
    )


def _fit_products(catalogue: pd.DataFrame) -> pd.DataFrame:
    """The products the categories are learnt from: sold before the cut-off."""
    fit = catalogue[catalogue["fit_description"].notna()].copy()
    return fit.sort_values("stock_code", kind="stable").reset_index(drop=True)


def category_candidates(
    catalogue: pd.DataFrame, stopwords: list[str], settings: CategorySettings
) -> pd.DataFrame:
    """One row per candidate number of categories, with the chosen one flagged. Rule:
    eligible when the smallest category has at least min_category_products products; the
    best cosine silhouette wins, preferring fewer categories within silhouette_tolerance."""
    fit = _fit_products(catalogue)
    matrix = vectoriser(stopwords).fit_transform(fit["fit_description"])
    rng = np.random.default_rng(settings.random_state)
    sample = _sample(matrix.shape[0], settings.silhouette_sample, rng)
    rows = []
    for k in range(settings.k_min, settings.k_max + 1, settings.k_step):
        if k >= matrix.shape[0]:
            break
        model = KMeans(n_clusters=k, n_init=2, random_state=settings.random_state).fit(matrix)
        sizes = np.bincount(model.labels_, minlength=k)
        rows.append(
            {
                "n_categories": k,
                "silhouette": float(
                    silhouette_score(matrix[sample], model.labels_[sample], metric="cosine")
                ),
                "smallest_category_products": int(sizes.min()),
                "largest_category_products": int(sizes.max()),
                "inertia": float(model.inertia_),
                "fit_products": int(matrix.shape[0]),
            }
        )
    table = pd.DataFrame(rows)
    eligible = table[table["smallest_category_products"] >= settings.min_category_products]
    if eligible.empty:
        eligible = table
    best = eligible["silhouette"].max()
    close = eligible[eligible["silhouette"] >= best - settings.silhouette_tolerance]
    table["is_chosen"] = table.index == close.sort_values("n_categories").index[0]
    return table


def assign_categories(
    catalogue: pd.DataFrame,
    stopwords: list[str],
    selection: pd.DataFrame,
    settings: CategorySettings,
) -> pd.DataFrame:
    """Refit the chosen number of categories on the pre-cut-off products and give every
    product a category (products first sold later: nearest category of their text), a label
    from the category's top terms, and a price band (tertiles of pre-cut-off prices)."""
    k = int(selection.loc[selection["is_chosen"], "n_categories"].iloc[0])
    fit = _fit_products(catalogue)
    vectors = vectoriser(stopwords)
    matrix = vectors.fit_transform(fit["fit_description"])
    model = KMeans(n_clusters=k, n_init=2, random_state=settings.random_state).fit(matrix)

    everyone = catalogue.sort_values("stock_code", kind="stable").reset_index(drop=True)
    text = everyone["fit_description"].fillna(everyone["description"])
    labels = model.predict(vectors.transform(text))

    terms = np.array(vectors.get_feature_names_out())
    names = [
        " / ".join(terms[np.argsort(-centre)[: settings.label_terms]])
        for centre in model.cluster_centers_
    ]
    # category ids by pre-cut-off revenue, largest first, so they do not depend on the
    # algorithm's label order
    revenue = np.bincount(labels, weights=everyone["revenue_before_cutoff"].fillna(0), minlength=k)
    rank = np.empty(k, dtype=int)
    rank[np.argsort(-revenue, kind="stable")] = np.arange(1, k + 1)

    low, high = np.quantile(fit["fit_median_price"], [1 / 3, 2 / 3])
    price = everyone["fit_median_price"].fillna(everyone["median_price"])
    band = np.where(price <= low, "low", np.where(price <= high, "mid", "high"))
    return pd.DataFrame(
        {
            "stock_code": everyone["stock_code"],
            "description": everyone["description"],
            "category_id": rank[labels],
            "category_label": [names[label] for label in labels],
            "price_band": band,
            "median_unit_price": price,
            "is_fit_product": everyone["fit_description"].notna(),
            "price_band_low_max": float(low),
            "price_band_mid_max": float(high),
        }
    )


# ------------------------------------------------------------------ interest segments


@dataclass(frozen=True)
class InterestSettings:
    k_min: int = 3
    k_max: int = 10
    min_cluster_share: float = 0.03
    silhouette_tolerance: float = 0.01
    silhouette_sample: int = 3_000
    fit_sample: int = 50_000
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
        # shares carry the interest; the basket size is one extra, down-weighted, axis
        return np.column_stack([shares.to_numpy(float), 0.25 * basket])

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
    data = data[_sample(len(data), settings.fit_sample, rng)]
    sample = _sample(len(data), settings.silhouette_sample, rng)
    rows, models = [], {}
    for k in range(settings.k_min, settings.k_max + 1):
        if k >= len(data):
            break
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

    # segment ids by size, largest first; names from the categories where the segment's
    # mean share most exceeds the population's
    sizes = np.bincount(raw_labels, minlength=model.k)
    rank = np.empty(model.k, dtype=int)
    rank[np.argsort(-sizes, kind="stable")] = np.arange(1, model.k + 1)
    population = shares.mean(axis=0)
    names, dominant = {}, {}
    for raw in range(model.k):
        members = shares[raw_labels == raw]
        mean_share = members.mean(axis=0) if len(members) else population * 0
        lift = (mean_share - population).sort_values(ascending=False)
        top = [c for c in lift.index[:2] if mean_share[c] > 0]
        first_words = [labels_by_id[c].split(" / ")[0] for c in top]
        if top and mean_share[top[0]] >= 0.5:
            name = f"Mostly {labels_by_id[top[0]]}"
        elif len(top) == 2 and lift[top[0]] > 0.05:
            name = f"{first_words[0].capitalize()} & {first_words[1]} lovers"
        else:
            name = "Broad mix"
        names[raw] = name
        dominant[raw] = "; ".join(
            f"{labels_by_id[c]} {mean_share[c]:.0%}"
            for c in mean_share.sort_values(ascending=False).index[:3]
        )
    repeated = {name for name in names.values() if list(names.values()).count(name) > 1}
    seen: dict[str, int] = {}
    for raw in np.argsort(rank):  # disambiguate repeated names in id order
        if names[raw] in repeated:
            base = names[raw]
            seen[base] = seen.get(base, 0) + 1
            names[raw] = f"{base} ({seen[base]})"
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
