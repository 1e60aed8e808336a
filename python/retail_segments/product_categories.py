"""Product categories from what is bought together and what the description says: the text
space of the descriptions, the products' co-purchase vectors, the candidate numbers of
categories and the chosen one, and the categories' labels. Called by the dbt Python models
in models/intermediate/product_categories/; the customer interest segments built on these
categories are in retail_segments.interest_segments.

Honest by construction for the new-customer prediction: the categories are fitted only on
data before the prediction cut-off (the SQL inputs carry pre-cut-off columns and rows for
fitting), then applied to every product.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.linalg import eigsh
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfTransformer, TfidfVectorizer
from sklearn.metrics import adjusted_rand_score, silhouette_score
from sklearn.neighbors import kneighbors_graph
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

from . import frames
from . import settings as model_settings
from .clustering import seeded_sample


@dataclass(frozen=True)
class CategorySettings:
    k_min: int = 8
    k_max: int = 28
    k_step: int = 4
    # the written selection rule (product_category_selection; docs/methods/
    # categories-interests-prediction.md)
    min_category_products: int = 15
    max_category_product_share: float = 0.15
    max_category_revenue_share: float = 0.25
    min_seed_agreement: float = 0.7
    lift_tolerance: float = 0.05
    # products bought by fewer customers before the cut-off get their category from text
    min_product_customers: int = 3
    copurchase_dims: int = 32
    text_dims: int = 100
    text_weight: float = 1.0
    graph_neighbours: int = 30
    kmeans_init: int = 10
    silhouette_sample: int = 2_000
    label_terms: int = 3
    # co-purchase is learnt from at most this many customers' baskets (a seeded sample by
    # a hash of the customer id): the structure is clear long before, and the cost is bounded
    max_customers: int = 50_000
    random_state: int = 42

    @classmethod
    def from_meta(cls, meta) -> CategorySettings:
        return model_settings.from_meta(cls, meta)


def fit_purchases(relation, settings: CategorySettings) -> pd.DataFrame:
    """The pre-cut-off baskets the category model learns from (the ref
    int_product_basket_items, on either engine), as a frame: every customer's when there
    are at most max_customers of them, else a deterministic sample of customers by a hash
    of their id."""
    before = frames.filtered(relation, "is_before_cutoff")
    customers = frames.count_distinct(before, "customer_id")
    if customers > settings.max_customers:
        before = frames.sample_by_key(
            before, "customer_id", settings.max_customers, customers, str(settings.random_state)
        )
    return frames.to_pandas(before)


def normalise_description(text: str | None) -> str:
    """Lower case, letters only: words are then matched whole (ART never matches HEART)."""
    return re.sub(r"[^a-z]+", " ", (text or "").lower()).strip()


def vectoriser(stopwords: list[str], min_df: int = 2) -> TfidfVectorizer:
    return TfidfVectorizer(
        preprocessor=normalise_description,
        token_pattern=r"(?u)\b[a-z]{2,}\b",  # whole words of two or more letters
        stop_words=sorted(set(stopwords)),
        min_df=min_df,
        sublinear_tf=True,
    )


def _fit_products(catalogue: pd.DataFrame) -> pd.DataFrame:
    """The products the categories are learnt from: sold before the cut-off."""
    fit = catalogue[catalogue["fit_description"].notna()].copy()
    return fit.sort_values("stock_code", kind="stable").reset_index(drop=True)


def _svd(matrix, dims: int, seed: int) -> np.ndarray | None:
    """Row-normalised truncated SVD (LSA). ARPACK, not the randomised solver: it converges
    to the same subspace whatever the seed, so categories do not depend on luck."""
    dims = min(dims, matrix.shape[0] - 1, matrix.shape[1] - 1)
    if dims < 1:
        return None
    svd = TruncatedSVD(dims, algorithm="arpack", random_state=seed)
    return normalize(svd.fit_transform(matrix))


_NO_TEXT_NORM = 1e-9  # a description vector shorter than this has no word in the LSA space


@dataclass
class TextSpace:
    """LSA of the descriptions, fitted on the pre-cut-off products; maps any description."""

    vectors: TfidfVectorizer | None
    svd: TruncatedSVD | None

    @classmethod
    def fit(cls, descriptions: pd.Series, stopwords: list[str], settings: CategorySettings):
        for min_df in (2, 1):  # tiny catalogues: keep words that occur once
            try:
                vectors = vectoriser(stopwords, min_df)
                matrix = vectors.fit_transform(descriptions)
                break
            except ValueError:  # no word at all
                vectors = None
        if vectors is None:
            return cls(None, None)
        dims = min(settings.text_dims, matrix.shape[0] - 1, matrix.shape[1] - 1)
        if dims < 1:
            return cls(vectors, None)
        svd = TruncatedSVD(dims, algorithm="arpack", random_state=settings.random_state)
        svd.fit(matrix)
        return cls(vectors, svd)

    def transform(self, descriptions: pd.Series) -> np.ndarray:
        """Unit vectors; a description with no word the space knows, or whose words lie
        outside the LSA dimensions, gets exactly zero (its projection is rounding noise, which
        would point anywhere after normalising, and differently on another processor)."""
        if self.vectors is None:
            return np.zeros((len(descriptions), 1))
        matrix = self.vectors.transform(descriptions)
        projected = self.svd.transform(matrix) if self.svd is not None else matrix.toarray()
        # TF-IDF rows have norm 1 (or 0): a projection this short carries no text evidence
        projected[np.linalg.norm(projected, axis=1) < _NO_TEXT_NORM] = 0.0
        return normalize(projected)


def _incidence(codes: np.ndarray, keys: pd.Series, n_products: int):
    """Sparse product x key (invoice or customer) 0/1 matrix, TF-IDF weighted so that
    baskets with many products count less than small ones."""
    key_index, _ = pd.factorize(keys)
    matrix = sp.csr_matrix(
        (np.ones(len(codes)), (codes, key_index)), shape=(n_products, key_index.max() + 1)
    )
    matrix.data[:] = 1.0
    return TfidfTransformer().fit_transform(matrix)


def _spectral_embedding(space: np.ndarray, neighbours: int, dims: int, seed: int) -> np.ndarray:
    """Leading eigenvectors of the normalised affinity of a sparse, symmetric k-nearest-
    neighbour graph (cosine): products bought with the same products end up together.
    Sparse throughout: n x neighbours edges, never n x n."""
    n = space.shape[0]
    neighbours = max(1, min(neighbours, n - 1))
    dims = max(1, min(dims, n - 1))
    distances = kneighbors_graph(space, neighbours, metric="cosine", include_self=False)
    affinity = distances.copy()
    affinity.data = np.clip(1.0 - distances.data / 2.0, 1e-6, None)  # cosine similarity in (0,1]
    affinity = (0.5 * (affinity + affinity.T)).tocsr()
    inverse_root_degree = 1.0 / np.sqrt(np.asarray(affinity.sum(axis=1)).ravel())
    scaling = sp.diags(inverse_root_degree)
    normalised = scaling @ affinity @ scaling
    if n <= 600:
        values, vectors = np.linalg.eigh(normalised.toarray())
    else:
        start = np.random.default_rng(seed).uniform(-1, 1, n)
        values, vectors = eigsh(normalised, k=dims, which="LA", v0=start, tol=1e-6)
    order = np.argsort(-values, kind="stable")[:dims]
    return vectors[:, order] * inverse_root_degree[:, None]


@dataclass
class ProductSpace:
    """Where products are clustered: for products with enough purchase history, their
    co-purchase vectors (invoices and customers, LSA of the incidence matrices) beside
    their description vectors, turned into a spectral embedding of the nearest-neighbour
    graph; every product also has description vectors (text), which place the products
    with too little history."""

    products: pd.DataFrame  # the pre-cut-off products, by stock code
    text: TextSpace
    text_vectors: np.ndarray  # one row per product
    has_history: np.ndarray  # bool per product
    embedding: np.ndarray  # one row per product with history


def product_space(
    catalogue: pd.DataFrame,
    purchases: pd.DataFrame,
    stopwords: list[str],
    settings: CategorySettings,
    seed: int,
) -> ProductSpace:
    """`purchases`: distinct (stock_code, invoice_no, customer_id, is_before_cutoff) of the
    kept sales lines; only rows before the cut-off are used."""
    products = _fit_products(catalogue)
    text = TextSpace.fit(products["fit_description"], stopwords, settings)
    text_vectors = text.transform(products["fit_description"])
    before = purchases[purchases["is_before_cutoff"].astype(bool)]
    index = pd.Index(products["stock_code"])
    codes = index.get_indexer(before["stock_code"])
    before, codes = before[codes >= 0], codes[codes >= 0]
    buyer_pairs = pd.DataFrame({"product": codes, "customer": before["customer_id"].to_numpy()})
    buyers = np.bincount(buyer_pairs.drop_duplicates()["product"], minlength=len(products))
    has_history = buyers >= settings.min_product_customers
    embedding = np.zeros((int(has_history.sum()), 0))
    if has_history.sum() >= 3:
        keep = has_history[codes]
        remap = np.cumsum(has_history) - 1
        rows, n = remap[codes[keep]], int(has_history.sum())
        blocks = [
            _svd(_incidence(rows, before["invoice_no"][keep], n), settings.copurchase_dims, seed),
            _svd(_incidence(rows, before["customer_id"][keep], n), settings.copurchase_dims, seed),
        ]
        blocks = [b for b in blocks if b is not None]
        blocks.append(settings.text_weight * text_vectors[has_history])
        combined = normalize(np.hstack(blocks))
        embedding = _spectral_embedding(combined, settings.graph_neighbours, settings.k_max, seed)
    return ProductSpace(products, text, text_vectors, has_history, embedding)


def _nearest_by_text(space: ProductSpace, labels: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """Each row of `vectors` (description vectors) to the category whose products'
    descriptions it is closest to (cosine to the category's mean vector). A description
    with no text evidence (a zero vector) goes to the category with the most products, the
    lowest label on a tie: a stated rule, where an argmax over zeros would follow rounding."""
    k = int(labels.max()) + 1
    centroids = np.zeros((k, space.text_vectors.shape[1]))
    np.add.at(centroids, labels, space.text_vectors[space.has_history])
    nearest = (vectors @ normalize(centroids).T).argmax(axis=1)
    no_text = ~np.any(vectors != 0, axis=1)
    nearest[no_text] = np.bincount(labels, minlength=k).argmax()
    return nearest


def cluster_products(space: ProductSpace, k: int, settings: CategorySettings, seed: int):
    """Category (0..k-1) of every pre-cut-off product: KMeans on the first k spectral
    coordinates (row-normalised) for products with history, nearest category by
    description for the rest. Also returns the clustered points, for the silhouette."""
    n = len(space.products)
    if k <= 1 or space.embedding.shape[0] < max(k, 3):
        return np.zeros(n, dtype=int), None
    points = normalize(space.embedding[:, :k])
    model = KMeans(n_clusters=k, n_init=settings.kmeans_init, random_state=seed).fit(points)
    labels = np.empty(n, dtype=int)
    labels[space.has_history] = model.labels_
    rest = ~space.has_history
    if rest.any():
        labels[rest] = _nearest_by_text(space, model.labels_, space.text_vectors[rest])
    return labels, (points, model.labels_)


def basket_lift(invoices: np.ndarray, categories: np.ndarray) -> float:
    """Over each invoice's distinct products (one (invoice, category) entry per product):
    the share of pairs of different products on one invoice that share a category, over
    the share expected by chance, sum of s_c^2 (s_c: category c's share of the entries).
    1.0 = categories unrelated to baskets."""
    if len(invoices) == 0:
        return float("nan")
    k = int(categories.max()) + 1
    _, per_invoice_category = np.unique(invoices * k + categories, return_counts=True)
    _, per_invoice = np.unique(invoices, return_counts=True)
    pairs = (per_invoice * (per_invoice - 1) / 2).sum()
    if pairs == 0:
        return float("nan")
    same = (per_invoice_category * (per_invoice_category - 1) / 2).sum()
    shares = np.bincount(categories, minlength=k) / len(categories)
    return float(same / pairs / (shares**2).sum())


def _basket_entries(space: ProductSpace, purchases: pd.DataFrame):
    """(invoice index, product index) of the distinct pre-cut-off basket entries."""
    before = purchases[purchases["is_before_cutoff"].astype(bool)]
    codes = pd.Index(space.products["stock_code"]).get_indexer(before["stock_code"])
    keep = codes >= 0
    entries = pd.DataFrame({"invoice": before["invoice_no"][keep], "product": codes[keep]})
    entries = entries.drop_duplicates()
    return pd.factorize(entries["invoice"])[0].astype(np.int64), entries["product"].to_numpy()


def category_candidates(
    catalogue: pd.DataFrame,
    purchases: pd.DataFrame,
    stopwords: list[str],
    settings: CategorySettings,
) -> pd.DataFrame:
    """One row per candidate number of categories with its figures, the chosen one flagged.
    The rule (also in the model's YAML and docs/methods/categories-interests-prediction.md): a
    candidate is eligible when its smallest category has at least min_category_products
    products, its largest holds at most max_category_product_share of the products and
    max_category_revenue_share of the revenue,
    and two seeds agree (adjusted Rand index >= min_seed_agreement); among the eligible, the
    best basket lift wins, preferring fewer categories within lift_tolerance of it."""
    with threadpool_limits(limits=1):  # small dense algebra: threads only contend
        return _category_candidates(catalogue, purchases, stopwords, settings)


def _category_candidates(catalogue, purchases, stopwords, settings) -> pd.DataFrame:
    seeds = (settings.random_state, settings.random_state + 1)
    spaces = [product_space(catalogue, purchases, stopwords, settings, s) for s in seeds]
    first = spaces[0]
    invoices, entry_products = _basket_entries(first, purchases)
    revenue = first.products["revenue_before_cutoff"].fillna(0).clip(lower=0).to_numpy(float)
    n = len(first.products)
    rng = np.random.default_rng(settings.random_state)
    rows = []
    for k in range(settings.k_min, settings.k_max + 1, settings.k_step):
        if first.embedding.shape[0] < 2 * k:
            break
        labels, (points, point_labels) = cluster_products(first, k, settings, seeds[0])
        other, _ = cluster_products(spaces[1], k, settings, seeds[1])
        sizes = np.bincount(labels, minlength=k)
        revenue_shares = np.bincount(labels, weights=revenue, minlength=k) / max(
            revenue.sum(), 1e-12
        )
        sample = seeded_sample(len(points), settings.silhouette_sample, rng)
        silhouette = (
            float(silhouette_score(points[sample], point_labels[sample]))
            if len(np.unique(point_labels[sample])) > 1
            else float("nan")
        )
        rows.append(
            {
                "n_categories": k,
                "basket_lift": basket_lift(invoices, labels[entry_products]),
                "largest_category_products": int(sizes.max()),
                "largest_category_product_share": float(sizes.max() / n),
                "largest_category_revenue_share": float(revenue_shares.max()),
                "smallest_category_products": int(sizes.min()),
                "smallest_category_revenue_share": float(revenue_shares.min()),
                "silhouette": silhouette,
                "seed_agreement_ari": float(adjusted_rand_score(labels, other)),
            }
        )
    if not rows:  # too few products with purchase history to split: one category
        rows.append(
            {
                "n_categories": 1,
                "basket_lift": 1.0 if len(invoices) else float("nan"),
                "largest_category_products": n,
                "largest_category_product_share": 1.0,
                "largest_category_revenue_share": 1.0,
                "smallest_category_products": n,
                "smallest_category_revenue_share": 1.0,
                "silhouette": float("nan"),
                "seed_agreement_ari": 1.0,
            }
        )
    table = pd.DataFrame(rows)
    table["fit_products"] = n
    table["products_with_history"] = int(first.has_history.sum())
    return _choose_categories(table, settings)


def _choose_categories(table: pd.DataFrame, settings: CategorySettings) -> pd.DataFrame:
    checks = {
        "smallest category too small": table["smallest_category_products"]
        < settings.min_category_products,
        "largest category too many products": table["largest_category_product_share"]
        > settings.max_category_product_share,
        "largest category too much revenue": table["largest_category_revenue_share"]
        > settings.max_category_revenue_share,
        "seeds disagree": table["seed_agreement_ari"] < settings.min_seed_agreement,
    }
    failed = pd.DataFrame(checks)
    table["failed_checks"] = failed.sum(axis=1)
    table["is_eligible"] = table["failed_checks"] == 0
    # no candidate passes every check (small or odd data): those failing fewest compete
    pool = table[table["failed_checks"] == table["failed_checks"].min()]
    lift = pool["basket_lift"].fillna(0)
    close = pool[lift >= lift.max() - settings.lift_tolerance]
    chosen = close.sort_values("n_categories", kind="stable").index[0]
    table["is_chosen"] = table.index == chosen
    reasons = []
    for i, row in table.iterrows():
        failing = [name for name, hit in failed.loc[i].items() if hit]
        if row["is_chosen"]:
            reasons.append(
                "chosen: best basket lift among the eligible, fewest categories within "
                f"{settings.lift_tolerance}"
                if row["is_eligible"]
                else "chosen although not every check passes (none does): " + "; ".join(failing)
            )
        elif failing:
            reasons.append("not eligible: " + "; ".join(failing))
        else:
            reasons.append("eligible, lower basket lift or more categories")
    table["selection_reason"] = reasons
    # the thresholds used, beside every candidate (product_category_selection)
    return table.drop(columns="failed_checks").assign(
        **{name: getattr(settings, name) for name in CATEGORY_RULE_SETTINGS}
    )


CATEGORY_RULE_SETTINGS = (
    "min_category_products",
    "max_category_product_share",
    "max_category_revenue_share",
    "min_seed_agreement",
    "lift_tolerance",
)


def label_terms(descriptions: pd.Series, stopwords: list[str]):
    """Binary product x word matrix of the descriptions, every word of two letters or more
    that is not a stopword (for labels)."""
    try:
        vectors = vectoriser(stopwords, min_df=1)
        matrix = vectors.fit_transform(descriptions.fillna(""))
    except ValueError:  # no word at all
        return sp.csr_matrix((len(descriptions), 0)), np.array([], dtype=object)
    return sp.csr_matrix((matrix > 0).astype(np.float64)), vectors.get_feature_names_out()


def distinctive_labels(
    terms: sp.csr_matrix,
    vocabulary: np.ndarray,
    labels: np.ndarray,
    n_terms: int,
    revenue: np.ndarray | None = None,
    best_sellers: int = 5,
) -> list[str]:
    """A label per category from the words of what it sells: candidate words are those in
    the descriptions of its `best_sellers` best-selling products (by `revenue`), ranked by
    class-based TF-IDF over revenue-weighted word counts (a word's share of the category's
    revenue-weighted words times log(1 + average per category / the word's total over all
    categories)), so words common to every category do not name any and words of products
    that sell little do not name the category. Where the best sellers give fewer than
    `n_terms` words the next distinctive words of the category's other products follow
    (only words on at least two of its products, or a tenth of a small one). Labels are
    made unique by adding the next word. Without `revenue` every product weighs the same."""
    k = int(labels.max()) + 1
    if terms.shape[1] == 0:
        return [f"category {i + 1}" for i in range(k)]
    n = len(labels)
    weight = np.ones(n) if revenue is None else np.clip(np.nan_to_num(revenue), 0, None)
    # a category whose products all sold nothing weighs its products equally
    weight = np.where(np.bincount(labels, weight, minlength=k)[labels] > 0, weight, 1.0)
    membership = sp.csr_matrix((np.ones(n), (labels, np.arange(n))), shape=(k, n))
    on_products = np.asarray((membership @ terms).todense())  # categories x words
    mass = np.asarray((membership @ sp.diags(weight) @ terms).todense())
    order = np.lexsort((np.arange(n), -weight, labels))  # by category, best sellers first
    first = np.searchsorted(labels[order], np.arange(k))
    place = np.arange(n) - first[labels[order]]
    best = order[place < best_sellers]
    in_best_sellers = np.asarray(
        (sp.csr_matrix((np.ones(len(best)), (labels[best], best)), shape=(k, n)) @ terms).todense()
    )
    sizes = np.bincount(labels, minlength=k)
    frequency = mass / np.maximum(mass.sum(axis=1, keepdims=True), 1e-12)
    rarity = np.log1p(mass.sum(axis=1).mean() / np.maximum(mass.sum(axis=0), 1e-12))
    scores = frequency * rarity
    scores[(in_best_sellers == 0) & (on_products < np.minimum(2, np.ceil(sizes / 10))[:, None])] = 0
    # words of the best sellers first, then the rest, each by score
    ranked = np.lexsort((-scores, in_best_sellers == 0), axis=1)
    depth = np.full(k, n_terms)
    while True:
        names = [
            " / ".join(vocabulary[ranked[c, : depth[c]]][scores[c, ranked[c, : depth[c]]] > 0])
            or f"category {c + 1}"
            for c in range(k)
        ]
        repeated = [c for c in range(k) if names.count(names[c]) > 1]
        grow = [c for c in repeated if depth[c] < min(n_terms + 3, scores.shape[1])]
        if not grow:
            break
        depth[grow] += 1
    seen: dict[str, int] = {}
    for c in range(k):  # still equal: number them
        if names.count(names[c]) > 1:
            seen[names[c]] = seen.get(names[c], 0) + 1
            names[c] = f"{names[c]} ({seen[names[c]]})"
    return names


def assign_categories(
    catalogue: pd.DataFrame,
    purchases: pd.DataFrame,
    stopwords: list[str],
    selection: pd.DataFrame,
    settings: CategorySettings,
) -> pd.DataFrame:
    """Refit the chosen number of categories on the pre-cut-off products (the same space and
    seed as the chosen candidate) and give every product a category (products first sold
    later: nearest category by description), a label of the category's distinctive words,
    and a price band (tertiles of pre-cut-off prices)."""
    k = int(selection.loc[selection["is_chosen"], "n_categories"].iloc[0])
    with threadpool_limits(limits=1):
        space = product_space(catalogue, purchases, stopwords, settings, settings.random_state)
        fit_labels, _ = cluster_products(space, k, settings, settings.random_state)
    k = int(fit_labels.max()) + 1

    everyone = catalogue.sort_values("stock_code", kind="stable").reset_index(drop=True)
    position = pd.Index(space.products["stock_code"]).get_indexer(everyone["stock_code"])
    labels = np.empty(len(everyone), dtype=int)
    known = position >= 0
    labels[known] = fit_labels[position[known]]
    if (~known).any():
        later = space.text.transform(everyone.loc[~known, "description"])
        if k > 1 and space.has_history.any():
            labels[~known] = _nearest_by_text(space, fit_labels[space.has_history], later)
        else:
            labels[~known] = 0

    # the labels name what each category sells now: its products' current descriptions
    # weighted by revenue over the whole history (names only: which category a product
    # belongs to was settled before the cut-off above)
    terms, vocabulary = label_terms(everyone["description"], stopwords)
    names = distinctive_labels(
        terms,
        vocabulary,
        labels,
        settings.label_terms,
        revenue=everyone["revenue"].to_numpy(float),
    )
    # category ids by pre-cut-off revenue, largest first, so they do not depend on the
    # algorithm's label order
    revenue = np.bincount(labels, weights=everyone["revenue_before_cutoff"].fillna(0), minlength=k)
    rank = np.empty(k, dtype=int)
    rank[np.argsort(-revenue, kind="stable")] = np.arange(1, k + 1)

    fit = space.products
    low, high = np.quantile(fit["fit_median_price"], [1 / 3, 2 / 3]) if len(fit) else (0, 0)
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
            "is_fit_product": known,
            "has_purchase_history": np.where(
                known, space.has_history[np.where(known, position, 0)], False
            ),
            "price_band_low_max": float(low),
            "price_band_mid_max": float(high),
        }
    )
