"""Predict the behavioural segment and the interest segment of new customers from their
first invoice, and measure it on customers never seen in training.

Honest by construction (see int_prediction_customers):
- every fitted artefact (product categories, the interest model, the window-segment
  scaler and clusterer, the classifiers) sees only data before the cut-off;
- a customer's label is their segment over a fixed window after the first purchase, given
  by the frozen models; features describe only the first invoice;
- training customers' windows close before the cut-off; test customers first bought on or
  after it with their whole window observed, so none of them is in training.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    f1_score,
    log_loss,
    silhouette_score,
)
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from . import interests
from . import settings as model_settings

TARGETS = ("behavioural_segment", "interest_segment")
NEW_CUSTOMER_PROTOCOL = "first_invoice_features_time_split"
RANDOM_SPLIT_PROTOCOL = "random_80_20_split_on_own_rfm"
MIN_TRAIN, MIN_TEST = 50, 10
EVALUATION_COLUMNS = {
    "target": "object",
    "model": "object",
    "protocol": "object",
    "accuracy": "float64",
    "balanced_accuracy": "float64",
    "macro_f1": "float64",
    "log_loss": "float64",
    "n_train": "int64",
    "n_test": "int64",
    "cutoff_date": "datetime64[us]",
    "window_days": "int64",
}
PREDICTION_COLUMNS = {
    "customer_id": "object",
    "first_purchase_at": "datetime64[us]",
    "predicted_behaviour_segment_id": "int64",
    "predicted_behaviour_segment_name": "object",
    "behaviour_probability": "float64",
    "behaviour_model": "object",
    "predicted_interest_segment_id": "int64",
    "predicted_interest_segment_name": "object",
    "interest_probability": "float64",
    "interest_model": "object",
}


def _empty(columns: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype=kind) for name, kind in columns.items()})


@dataclass(frozen=True)
class PredictionSettings:
    behaviour_k_min: int = 2
    behaviour_k_max: int = 6
    min_cluster_share: float = 0.03
    max_countries: int = 8
    # training and test customers beyond these are left out by a seeded sample: the
    # classifiers' cost stays bounded on very large data
    max_train_customers: int = 20_000
    max_test_customers: int = 20_000
    random_state: int = 42

    @classmethod
    def from_meta(cls, meta_get) -> PredictionSettings:
        return model_settings.from_meta(cls, meta_get)


def classifiers(random_state: int) -> dict:
    return {
        "majority_baseline": DummyClassifier(strategy="most_frequent"),
        "logistic_regression": make_pipeline(
            StandardScaler(), LogisticRegression(max_iter=2000, class_weight="balanced")
        ),
        "random_forest": RandomForestClassifier(
            n_estimators=100,
            min_samples_leaf=3,
            class_weight="balanced_subsample",
            random_state=random_state,
            n_jobs=1,
        ),
        # shallow and short: a few thousand customers, and the build's time budget
        "gradient_boosting": HistGradientBoostingClassifier(
            max_iter=40,
            learning_rate=0.15,
            max_depth=3,
            # few bins: with class weights, each bin edge is a weighted percentile
            max_bins=32,
            class_weight="balanced",
            early_stopping=False,
            random_state=random_state,
        ),
    }


def _fit(model, x, y):
    # tens of thousands of customers at most: starting OpenMP threads costs more than it
    # saves (HistGradientBoosting bins each feature in a thread of its own)
    with threadpool_limits(limits=1, user_api="openmp"):
        return model.fit(x, y)


# ------------------------------------------------------------------------------ features


def first_invoice_features(
    customers: pd.DataFrame, spend: pd.DataFrame, categories: list[int], countries: list[str]
) -> pd.DataFrame:
    """Only what the first invoice shows: basket size and value, category and price-band
    shares of its spend, country, weekday and hour."""
    index = pd.Index(customers["customer_id"])
    features = pd.DataFrame(index=index)
    for column in ("basket_value", "basket_lines", "basket_items", "basket_products"):
        features[f"log_{column}"] = np.log1p(customers[column].clip(lower=0).to_numpy(float))
    by_category = interests.share_matrix(spend, "first_invoice_spend", index, categories)
    features[[f"category_{c}_share" for c in categories]] = by_category.to_numpy()
    bands = ["low", "mid", "high"]
    by_band = spend.pivot_table(
        index="customer_id",
        columns="price_band",
        values="first_invoice_spend",
        aggfunc="sum",
        fill_value=0.0,
    )
    by_band = by_band.reindex(index=index, columns=bands, fill_value=0.0)
    totals = by_band.sum(axis=1).replace(0, np.nan)
    features[[f"price_band_{b}_share" for b in bands]] = by_band.div(totals, axis=0).fillna(0.0)
    country = customers["country"].where(customers["country"].isin(countries), "other")
    for name in [*countries, "other"]:
        features[f"country_{name}"] = (country == name).to_numpy(float)
    for day in range(1, 8):
        features[f"weekday_{day}"] = (customers["first_weekday"] == day).to_numpy(float)
    features["hour"] = customers["first_hour"].to_numpy(float)
    return features


# --------------------------------------------------------------------------------- labels


@dataclass
class WindowSegments:
    """The behavioural segment over the label window: log RFM over the window,
    standardised with the training customers' statistics, clustered by KMeans fitted on
    the training customers only."""

    mean: np.ndarray
    scale: np.ndarray
    model: KMeans
    rank: np.ndarray
    names: dict[int, str]

    @staticmethod
    def raw(customers: pd.DataFrame) -> np.ndarray:
        return np.log1p(
            customers[["window_recency_days", "window_frequency", "window_monetary"]]
            .clip(lower=0)
            .to_numpy(float)
        )

    def label(self, customers: pd.DataFrame) -> np.ndarray:
        return self.rank[self.model.predict((self.raw(customers) - self.mean) / self.scale)]


def fit_window_segments(
    train: pd.DataFrame, settings: PredictionSettings, window_days: int
) -> WindowSegments:
    raw = WindowSegments.raw(train)
    mean, scale = raw.mean(axis=0), raw.std(axis=0)
    scale[scale == 0] = 1.0
    data = (raw - mean) / scale
    best = None
    for k in range(settings.behaviour_k_min, settings.behaviour_k_max + 1):
        if k >= len(data):
            break
        model = KMeans(n_clusters=k, n_init=5, random_state=settings.random_state).fit(data)
        sizes = np.bincount(model.labels_, minlength=k)
        if sizes.min() / sizes.sum() < settings.min_cluster_share:
            continue
        score = silhouette_score(
            data,
            model.labels_,
            sample_size=min(3000, len(data)),
            random_state=settings.random_state,
        )
        if best is None or score > best[0] + 0.01:  # fewer clusters unless clearly better
            best = (score, model)
    model = best[1]
    monetary = train["window_monetary"].to_numpy(float)
    frequency = train["window_frequency"].to_numpy(float)
    k = model.n_clusters
    means = [
        (monetary[model.labels_ == c].mean(), frequency[model.labels_ == c].mean())
        for c in range(k)
    ]
    rank = np.empty(k, dtype=int)
    rank[np.argsort([-m for m, _ in means], kind="stable")] = np.arange(1, k + 1)
    names = {
        int(rank[c]): f"{f:.1f} invoices, {m:,.0f} spent in the first {window_days} days"
        for c, (m, f) in enumerate(means)
    }
    return WindowSegments(mean, scale, model, rank, names)


# ----------------------------------------------------------------------------- the study


@dataclass
class Study:
    customers: pd.DataFrame
    features: pd.DataFrame
    labels: dict[str, pd.Series]
    names: dict[str, dict[int, str]]
    cutoff_date: object
    window_days: int


def prepare_study(
    customers: pd.DataFrame,
    spend: pd.DataFrame,
    interest_spend: pd.DataFrame,
    baskets: pd.DataFrame,
    categories: pd.DataFrame,
    settings: PredictionSettings,
) -> Study:
    customers = customers.sort_values("customer_id", kind="stable").reset_index(drop=True)
    rng = np.random.default_rng(settings.random_state)
    for role, limit in (
        ("train", settings.max_train_customers),
        ("test", settings.max_test_customers),
    ):
        rows = np.flatnonzero(customers["prediction_role"].to_numpy() == role)
        if len(rows) > limit:
            dropped = np.setdiff1d(rows, rng.choice(rows, size=limit, replace=False))
            customers = customers.drop(index=dropped).reset_index(drop=True)
    train = customers[customers["prediction_role"] == "train"]
    n_test = int((customers["prediction_role"] == "test").sum())
    if len(train) < MIN_TRAIN or n_test < MIN_TEST:
        # a small file still builds: the prediction marts stay empty, and say why here
        print(
            f"new-customer prediction skipped: {len(train)} training and {n_test} test "
            f"customers (at least {MIN_TRAIN} and {MIN_TEST} needed); move the var "
            "prediction_cutoff or shorten prediction_window_days",
            flush=True,
        )
        return None
    window_days = int(customers["window_days"].iloc[0])
    category_ids = sorted(categories["category_id"].tolist())
    countries = train["country"].value_counts().index[: settings.max_countries].tolist()
    features = first_invoice_features(customers, spend, category_ids, countries)

    labelled = customers[customers["prediction_role"].isin(["train", "test"])]
    window = fit_window_segments(train, settings, window_days)
    behaviour = pd.Series(window.label(labelled), index=labelled["customer_id"])

    segmentation, _, _ = interests.interest_segmentation(
        interest_spend, baskets, categories, interests.InterestSettings()
    )
    index = pd.Index(labelled["customer_id"])
    window_shares = interests.share_matrix(spend, "window_spend", index, category_ids)
    window_basket = labelled.set_index("customer_id")["window_monetary"] / labelled.set_index(
        "customer_id"
    )["window_frequency"].clip(lower=1)
    interest = pd.Series(segmentation.segment_ids(window_shares, window_basket), index=index)
    interest_names = {int(i): segmentation.name_of(int(i)) for i in np.unique(segmentation.rank)}
    return Study(
        customers,
        features,
        {"behavioural_segment": behaviour, "interest_segment": interest},
        {"behavioural_segment": window.names, "interest_segment": interest_names},
        customers["cutoff_date"].iloc[0],
        window_days,
    )


STUDY_COLUMNS = {
    "customer_id": "object",
    "prediction_role": "object",
    "first_purchase_at": "datetime64[us]",
    "cutoff_date": "datetime64[us]",
    "window_days": "int64",
    "behavioural_segment": "Int64",
    "behavioural_segment_name": "object",
    "interest_segment": "Int64",
    "interest_segment_name": "object",
}
FEATURE_PREFIX = "feature__"


def study_table(study: Study | None) -> pd.DataFrame:
    """The study as one table (int_prediction_study): a row per customer with its role,
    labels and first-invoice features, so the labels are made (and the interest model is
    fitted) once, and the evaluation and the newcomers' predictions read them."""
    if study is None:
        return _empty(STUDY_COLUMNS)
    ids = study.customers["customer_id"]
    table = pd.DataFrame(
        {
            "customer_id": ids.to_numpy(),
            "prediction_role": study.customers["prediction_role"].to_numpy(),
            "first_purchase_at": study.customers["first_purchase_at"].to_numpy(),
            "cutoff_date": pd.to_datetime(study.cutoff_date),
            "window_days": study.window_days,
        }
    )
    for target in TARGETS:
        labels = study.labels[target].reindex(ids).astype("Int64").reset_index(drop=True)
        table[target] = labels
        names = labels.map(study.names[target]).astype(object)
        table[f"{target}_name"] = names.where(names.notna(), None)
    features = study.features.loc[ids].add_prefix(FEATURE_PREFIX).reset_index(drop=True)
    return pd.concat([table, features], axis=1)


def study_from_table(table: pd.DataFrame) -> Study | None:
    """The Study written by study_table, in the same customer order (None when empty)."""
    if table.empty:
        return None
    table = table.sort_values("customer_id", kind="stable").reset_index(drop=True)
    feature_columns = [c for c in table.columns if c.startswith(FEATURE_PREFIX)]
    features = table[feature_columns].set_axis(
        [c.removeprefix(FEATURE_PREFIX) for c in feature_columns], axis=1
    )
    features.index = pd.Index(table["customer_id"])
    labelled = table[table["prediction_role"].isin(["train", "test"])]
    labels, names = {}, {}
    for target in TARGETS:
        labels[target] = pd.Series(
            labelled[target].astype(int).to_numpy(), index=labelled["customer_id"]
        )
        pairs = labelled[[target, f"{target}_name"]].drop_duplicates()
        names[target] = {int(i): name for i, name in pairs.itertuples(index=False)}
    return Study(
        table[["customer_id", "prediction_role", "first_purchase_at"]],
        features,
        labels,
        names,
        table["cutoff_date"].iloc[0],
        int(table["window_days"].iloc[0]),
    )


def _split(study: Study, target: str):
    roles = study.customers.set_index("customer_id")["prediction_role"]
    labels = study.labels[target]
    train_ids = labels.index[roles.reindex(labels.index).to_numpy() == "train"]
    test_ids = labels.index[roles.reindex(labels.index).to_numpy() == "test"]
    return (
        study.features.loc[train_ids],
        labels.loc[train_ids],
        study.features.loc[test_ids],
        labels.loc[test_ids],
    )


def _scores(model, x_test, y_test) -> dict:
    predicted = model.predict(x_test)
    probabilities = model.predict_proba(x_test)
    known = np.isin(y_test, model.classes_)  # log loss is defined on classes seen in training
    return {
        "accuracy": float(accuracy_score(y_test, predicted)),
        "balanced_accuracy": float(balanced_accuracy_score(y_test, predicted)),
        "macro_f1": float(f1_score(y_test, predicted, average="macro", zero_division=0)),
        "log_loss": float(log_loss(y_test[known], probabilities[known], labels=model.classes_))
        if known.sum() and len(model.classes_) > 1
        else None,
    }


def evaluate(
    study: Study | None, own_rfm: pd.DataFrame, settings: PredictionSettings
) -> pd.DataFrame:
    """One row per target x model on never-seen customers, the majority baseline included,
    plus the common random-split protocol on the customers' own RFM, labelled as such."""
    if study is None:
        return _empty(EVALUATION_COLUMNS)
    rows = []
    for target in TARGETS:
        x_train, y_train, x_test, y_test = _split(study, target)
        for name, model in classifiers(settings.random_state).items():
            _fit(model, x_train, y_train)
            rows.append(
                {
                    "target": target,
                    "model": name,
                    "protocol": NEW_CUSTOMER_PROTOCOL,
                    **_scores(model, x_test, y_test.to_numpy()),
                    "n_train": len(x_train),
                    "n_test": len(x_test),
                }
            )
    # the usual notebook protocol: a random split of customers described by their own
    # full-history RFM, predicting the cluster computed from those same features - it
    # scores near-perfect, and says nothing about customers who just arrived
    limit = settings.max_train_customers + settings.max_test_customers
    if len(own_rfm) > limit:
        own_rfm = own_rfm.sample(n=limit, random_state=settings.random_state)
    x = own_rfm[["z_recency", "z_frequency", "z_monetary"]].to_numpy(float)
    y = own_rfm["cluster_id"].to_numpy()
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.2, random_state=settings.random_state
    )
    forest = _fit(classifiers(settings.random_state)["random_forest"], x_train, y_train)
    rows.append(
        {
            "target": "behavioural_segment",
            "model": "random_forest",
            "protocol": RANDOM_SPLIT_PROTOCOL,
            **_scores(forest, x_test, y_test),
            "n_train": len(x_train),
            "n_test": len(x_test),
        }
    )
    table = pd.DataFrame(rows)
    table["cutoff_date"] = pd.to_datetime(study.cutoff_date)
    table["window_days"] = study.window_days
    return table


def predict_newcomers(
    study: Study, evaluation: pd.DataFrame, settings: PredictionSettings
) -> pd.DataFrame:
    """For customers whose first purchase is in the latest window: the predicted segments
    with their probabilities, from the model with the best balanced accuracy on the test
    customers in `evaluation` (trained before the cut-off, exactly as evaluated)."""
    if study is None:
        return _empty(PREDICTION_COLUMNS)
    newcomers = study.customers[study.customers["prediction_role"] == "newcomer"]
    out = pd.DataFrame(
        {
            "customer_id": newcomers["customer_id"].to_numpy(),
            "first_purchase_at": newcomers["first_purchase_at"].to_numpy(),
        }
    )
    x_new = study.features.loc[newcomers["customer_id"]]
    candidates = evaluation[evaluation["protocol"] == NEW_CUSTOMER_PROTOCOL]
    for target, prefix in (("behavioural_segment", "behaviour"), ("interest_segment", "interest")):
        rows = candidates[candidates["target"] == target]
        best_name = rows.sort_values(["balanced_accuracy", "model"], ascending=[False, True])[
            "model"
        ].iloc[0]
        x_train, y_train, _, _ = _split(study, target)
        model = _fit(classifiers(settings.random_state)[best_name], x_train, y_train)
        if len(x_new):
            probabilities = model.predict_proba(x_new)
            chosen = model.classes_[probabilities.argmax(axis=1)]
            confidence = probabilities.max(axis=1)
        else:
            chosen, confidence = np.array([], dtype=int), np.array([])
        out[f"predicted_{prefix}_segment_id"] = chosen.astype(int)
        out[f"predicted_{prefix}_segment_name"] = [study.names[target][int(c)] for c in chosen]
        out[f"{prefix}_probability"] = confidence
        out[f"{prefix}_model"] = best_name
    return out
