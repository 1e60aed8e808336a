"""Predict what a new customer will do after their first purchase, from that first invoice
alone, and measure it on customers never seen in training.

Three targets, every one measured strictly after the first purchase day (that day's
invoices are never read by a label; see int_prediction_labels):
- will_return: any further invoice within the horizon (binary);
- value_tier: the behavioural segment of the customer's RFM over those later invoices at
  the end of the horizon, scored in SQL with the stored clustering parameters;
- next_interest: for customers who return, the interest segment of what they buy later.

Honest by construction (see int_prediction_customers): every fitted artefact (product
categories, the interest model, the classifiers) sees only data before the cut-off;
training customers' horizons close before it; test customers first bought on or after it,
with their whole horizon observed, so none of them is in training.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from . import bootstrap, interest_segments
from . import settings as model_settings

TARGETS = ("will_return", "value_tier", "next_interest")
BINARY_TARGET = "will_return"
NEW_CUSTOMER_PROTOCOL = "first_invoice_features_time_split"
RANDOM_SPLIT_PROTOCOL = "random_80_20_split_on_own_rfm"
MIN_TRAIN, MIN_TEST = 50, 10
# what decides the model used for newcomers, per target
PRIMARY_METRIC = {"will_return": "roc_auc", "value_tier": "balanced_accuracy"}
PRIMARY_METRIC["next_interest"] = "balanced_accuracy"
EVALUATION_COLUMNS = {
    "target": "object",
    "model": "object",
    "model_kind": "object",
    "protocol": "object",
    "metric": "object",
    "value": "float64",
    "ci_low": "float64",
    "ci_high": "float64",
    "n_train": "int64",
    "n_test": "int64",
    "cutoff_date": "datetime64[us]",
    "horizon_days": "int64",
}
PREDICTION_COLUMNS = {
    "customer_id": "object",
    "first_purchase_at": "datetime64[us]",
    "return_probability": "float64",
    "return_outlook": "object",
    "return_model": "object",
    "predicted_value_tier_id": "int64",
    "predicted_value_tier_name": "object",
    "value_tier_probability": "float64",
    "value_tier_model": "object",
    "predicted_next_interest_id": "int64",
    "predicted_next_interest_name": "object",
    "next_interest_probability": "float64",
    "next_interest_model": "object",
}
# newcomers are ranked by their probability of return; the bands are quantiles of the
# test customers' probabilities (top 20% likely, bottom 40% unlikely)
OUTLOOK_BANDS = (("likely", 0.8), ("possible", 0.4), ("unlikely", 0.0))


def _empty(columns: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype=kind) for name, kind in columns.items()})


@dataclass(frozen=True)
class PredictionSettings:
    max_countries: int = 8
    # training and test customers beyond these are left out by a seeded sample: the
    # classifiers' cost stays bounded on very large data
    max_train_customers: int = 20_000
    max_test_customers: int = 20_000
    bootstrap_resamples: int = 1000
    random_state: int = 42

    @classmethod
    def from_meta(cls, meta) -> PredictionSettings:
        return model_settings.from_meta(cls, meta)


class BasketValueRule:
    """The one-feature baseline: logistic regression on the log basket value alone (a
    monotone rule: its ranking is the basket value's)."""

    def __init__(self, balanced: bool):
        weights = "balanced" if balanced else None
        self.model = LogisticRegression(max_iter=2000, class_weight=weights)

    def fit(self, x, y):
        self.model.fit(x[["log_basket_value"]], y)
        self.classes_ = self.model.classes_
        return self

    def predict_proba(self, x):
        return self.model.predict_proba(x[["log_basket_value"]])

    def predict(self, x):
        return self.model.predict(x[["log_basket_value"]])


class FirstInvoiceInterestRule:
    """next_interest baseline: the interest segment of the first invoice itself, with the
    probability that this rule was right among the training customers (the rest spread
    evenly over the other segments)."""

    def __init__(self, first_interest: pd.Series):
        self.first_interest = first_interest

    def fit(self, x, y):
        self.classes_ = np.unique(np.concatenate([y.to_numpy(), self.first_interest.unique()]))
        guess = self.first_interest.reindex(x.index).to_numpy()
        self.hit_rate = float(np.clip((guess == y.to_numpy()).mean(), 0.01, 0.99))
        return self

    def predict(self, x):
        return self.first_interest.reindex(x.index).to_numpy()

    def predict_proba(self, x):
        guess = self.predict(x)
        k = len(self.classes_)
        probabilities = np.full((len(x), k), (1 - self.hit_rate) / max(k - 1, 1))
        probabilities[np.arange(len(x)), np.searchsorted(self.classes_, guess)] = self.hit_rate
        return probabilities


def classifiers(random_state: int, balanced: bool) -> dict:
    """The learners compared, baselines first. Multiclass targets weight classes equally
    (balanced accuracy is their measure); the return probability stays unweighted so that
    it is a calibrated probability a marketer can read."""
    weights = "balanced" if balanced else None
    return {
        "majority_baseline": DummyClassifier(strategy="prior"),
        "basket_value_rule": BasketValueRule(balanced),
        "logistic_regression": make_pipeline(
            StandardScaler(), LogisticRegression(max_iter=2000, class_weight=weights)
        ),
        "random_forest": RandomForestClassifier(
            n_estimators=100,
            min_samples_leaf=5,
            class_weight="balanced_subsample" if balanced else None,
            random_state=random_state,
            n_jobs=1,
        ),
        # shallow and short: a few thousand customers, and the build's time budget
        "gradient_boosting": HistGradientBoostingClassifier(
            max_iter=40,
            learning_rate=0.1,
            max_depth=3,
            # few bins: with class weights, each bin edge is a weighted percentile
            max_bins=32,
            class_weight=weights,
            early_stopping=False,
            random_state=random_state,
        ),
    }


BASELINES = ("majority_baseline", "basket_value_rule", "first_invoice_interest")


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
    by_category = interest_segments.share_matrix(spend, "first_invoice_spend", index, categories)
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


# ----------------------------------------------------------------------------- the study


@dataclass
class Study:
    customers: pd.DataFrame
    features: pd.DataFrame
    labels: dict[str, pd.Series]  # over the labelled customers (next_interest: returners)
    names: dict[str, dict[int, str]]
    first_interest: pd.Series  # interest segment of every customer's first invoice
    cutoff_date: object
    horizon_days: int


def prepare_study(
    customers: pd.DataFrame,
    labels: pd.DataFrame,
    spend: pd.DataFrame,
    interest_spend: pd.DataFrame,
    baskets: pd.DataFrame,
    categories: pd.DataFrame,
    settings: PredictionSettings,
) -> Study | None:
    """customers: int_prediction_customers; labels: int_prediction_labels (will_return,
    value_tier_id, later_invoices, later_revenue); spend: int_prediction_category_spend."""
    customers = _study_customers(customers, settings)
    # the spend of the customers left: each table below is summed for these alone, so
    # summing every customer's rows first (4.5 M at 100x the sample, four times) is waste
    spend = spend[spend["customer_id"].isin(customers["customer_id"])]
    cutoff = customers["cutoff_date"].iloc[0] if len(customers) else None
    if not _enough_customers(customers, cutoff):
        return None
    horizon = int(customers["horizon_days"].iloc[0])
    category_ids = sorted(categories["category_id"].tolist())
    train = customers[customers["prediction_role"] == "train"]
    countries = train["country"].value_counts().index[: settings.max_countries].tolist()
    features = first_invoice_features(customers, spend, category_ids, countries)

    segmentation, _, _ = interest_segments.interest_segmentation(
        interest_spend, baskets, categories, interest_segments.InterestSettings()
    )
    index = pd.Index(customers["customer_id"])
    first_shares = interest_segments.share_matrix(spend, "first_invoice_spend", index, category_ids)
    first_interest = pd.Series(
        segmentation.segment_ids(first_shares, customers.set_index("customer_id")["basket_value"]),
        index=index,
    )
    labelled = labels.set_index("customer_id").reindex(
        customers.loc[customers["prediction_role"].isin(["train", "test"]), "customer_id"]
    )
    returners = labelled[labelled["will_return"].astype(bool)]
    later_shares = interest_segments.share_matrix(
        spend, "later_spend", returners.index, category_ids
    )
    later_basket = returners["later_revenue"] / returners["later_invoices"].clip(lower=1)
    interest_names = {int(i): segmentation.name_of(int(i)) for i in np.unique(segmentation.rank)}
    tier_names = (
        labelled.dropna(subset=["value_tier_id"])
        .drop_duplicates("value_tier_id")
        .set_index("value_tier_id")["value_tier_name"]
    )
    return Study(
        customers,
        features,
        {
            "will_return": labelled["will_return"].astype(int),
            "value_tier": labelled["value_tier_id"].astype(int),
            "next_interest": pd.Series(
                segmentation.segment_ids(later_shares, later_basket), index=returners.index
            ),
        },
        {
            "will_return": {0: "does not return", 1: f"returns within {horizon} days"},
            "value_tier": {int(k): str(v) for k, v in tier_names.items()},
            "next_interest": interest_names,
        },
        first_interest,
        cutoff,
        horizon,
    )


def _study_customers(customers: pd.DataFrame, settings: PredictionSettings) -> pd.DataFrame:
    """The training, test and newcomer customers, sorted by id, with the training and test
    customers beyond max_train_customers and max_test_customers left out (a seeded draw)."""
    # excluded customers play no part: leaving them out bounds the study's memory
    customers = customers[customers["prediction_role"].isin(["train", "test", "newcomer"])]
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
    return customers


def _enough_customers(customers: pd.DataFrame, cutoff) -> bool:
    """Whether there are enough training and test customers to study; the build's output
    says how many there are either way."""
    roles = customers["prediction_role"].value_counts()
    n_train, n_test = int(roles.get("train", 0)), int(roles.get("test", 0))
    if n_train < MIN_TRAIN or n_test < MIN_TEST:
        # a small file still builds: the prediction marts stay empty, and say why here
        print(
            f"new-customer prediction skipped: {n_train} training and {n_test} test "
            f"customers (at least {MIN_TRAIN} and {MIN_TEST} needed); the data is too short "
            "for the horizon (var prediction_horizon_days) or the cut-off (prediction_cutoff)",
            flush=True,
        )
        return False
    print(
        f"new-customer prediction: {n_train:,} training customers (horizons closed before "
        f"{pd.Timestamp(cutoff):%Y-%m-%d}), {n_test:,} test customers, "
        f"{int(roles.get('newcomer', 0)):,} newcomers to predict",
        flush=True,
    )
    return True


STUDY_COLUMNS = {
    "customer_id": "object",
    "prediction_role": "object",
    "first_purchase_at": "datetime64[us]",
    "cutoff_date": "datetime64[us]",
    "horizon_days": "int64",
    "will_return": "Int64",
    "will_return_name": "object",
    "value_tier": "Int64",
    "value_tier_name": "object",
    "next_interest": "Int64",
    "next_interest_name": "object",
    "first_invoice_interest": "Int64",
    "first_invoice_interest_name": "object",
}
FEATURE_PREFIX = "feature__"


def study_table(study: Study | None) -> pd.DataFrame:
    """The study as one table (int_prediction_study): a row per customer with its role,
    labels, the first invoice's interest segment and the first-invoice features, so the
    labels are made (and the interest model is fitted) once, and the evaluation and the
    newcomers' predictions read them."""
    if study is None:
        return _empty(STUDY_COLUMNS)
    ids = study.customers["customer_id"]
    table = pd.DataFrame(
        {
            "customer_id": ids.to_numpy(),
            "prediction_role": study.customers["prediction_role"].to_numpy(),
            "first_purchase_at": study.customers["first_purchase_at"].to_numpy(),
            "cutoff_date": pd.to_datetime(study.cutoff_date),
            "horizon_days": study.horizon_days,
        }
    )
    columns = {
        **{t: study.labels[t] for t in TARGETS},
        "first_invoice_interest": study.first_interest,
    }
    all_names = {**study.names, "first_invoice_interest": study.names["next_interest"]}
    for column, values in columns.items():
        labels = values.reindex(ids).astype("Int64").reset_index(drop=True)
        table[column] = labels
        names = labels.map(all_names[column]).astype(object)
        table[f"{column}_name"] = names.where(names.notna(), None)
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
    labels, names = {}, {}
    for target in TARGETS:
        known = table[table[target].notna()]
        labels[target] = pd.Series(known[target].astype(int).to_numpy(), index=known["customer_id"])
        pairs = known[[target, f"{target}_name"]].drop_duplicates()
        names[target] = {int(i): name for i, name in pairs.itertuples(index=False)}
    first = pd.Series(
        table["first_invoice_interest"].astype(int).to_numpy(), index=table["customer_id"]
    )
    pairs = table[["first_invoice_interest", "first_invoice_interest_name"]].drop_duplicates()
    names["next_interest"].update({int(i): n for i, n in pairs.itertuples(index=False)})
    return Study(
        table[["customer_id", "prediction_role", "first_purchase_at"]],
        features,
        labels,
        names,
        first,
        table["cutoff_date"].iloc[0],
        int(table["horizon_days"].iloc[0]),
    )


def _split(study: Study, target: str):
    roles = study.customers.set_index("customer_id")["prediction_role"]
    labels = study.labels[target]
    role = roles.reindex(labels.index).to_numpy()
    train_ids, test_ids = labels.index[role == "train"], labels.index[role == "test"]
    return (
        study.features.loc[train_ids],
        labels.loc[train_ids],
        study.features.loc[test_ids],
        labels.loc[test_ids],
    )


def _candidates(study: Study, target: str, settings: PredictionSettings) -> dict:
    models = classifiers(settings.random_state, balanced=target != BINARY_TARGET)
    if target == "next_interest":
        models["first_invoice_interest"] = FirstInvoiceInterestRule(study.first_interest)
    return models


def _metric_rows(target, model, x_test, y_test, settings) -> list[dict]:
    """Every metric of one fitted model on the test customers, with bootstrap intervals."""
    y = y_test.to_numpy()
    probabilities = model.predict_proba(x_test)
    interval = {"resamples": _resamples(len(y), settings), "seed": settings.random_state}
    rows = []

    def add(metric, function, *args):
        value, low, high = bootstrap.with_interval(function, *args, **interval)
        rows.append({"metric": metric, "value": value, "ci_low": low, "ci_high": high})

    if target == BINARY_TARGET:
        classes = list(model.classes_)
        score = probabilities[:, classes.index(1)] if 1 in classes else np.zeros(len(y))
        add("roc_auc", bootstrap.roc_auc, y, score)
        add("pr_auc", bootstrap.average_precision, y, score)
        add("brier_score", bootstrap.brier, y, score)
        top = score >= np.quantile(score, 0.9)
        add("top_decile_return_rate", bootstrap.rate_where, y, top)
        add("return_rate", bootstrap.rate_where, y, np.ones(len(y), dtype=bool))
        bands = _outlook(score, score)
        for band, _ in OUTLOOK_BANDS:
            if (bands == band).any():  # a model that scores everyone alike fills one band
                add(f"return_rate_{band}", bootstrap.rate_where, y, bands == band)
    else:
        predicted = np.asarray(model.predict(x_test))
        add("balanced_accuracy", bootstrap.balanced_accuracy, y, predicted)
        add("macro_f1", bootstrap.macro_f1, y, predicted)
        add("log_loss", bootstrap.log_loss, y, probabilities, np.asarray(model.classes_))
        add("accuracy", bootstrap.accuracy, y, predicted)
    return rows


def evaluate(
    study: Study | None, own_rfm: pd.DataFrame, settings: PredictionSettings
) -> pd.DataFrame:
    """One row per target x model x metric on never-seen customers, baselines included,
    plus the common random-split protocol on the customers' own RFM, labelled as such."""
    if study is None:
        return _empty(EVALUATION_COLUMNS)
    rows = []
    for target in TARGETS:
        x_train, y_train, x_test, y_test = _split(study, target)
        if y_train.nunique() < 2 or len(y_test) < MIN_TEST:
            print(f"new-customer prediction: {target} not evaluated (too few labels)")
            continue
        for name, model in _candidates(study, target, settings).items():
            _fit(model, x_train, y_train)
            for row in _metric_rows(target, model, x_test, y_test, settings):
                rows.append(
                    {
                        "target": target,
                        "model": name,
                        "model_kind": "baseline" if name in BASELINES else "model",
                        "protocol": NEW_CUSTOMER_PROTOCOL,
                        **row,
                        "n_train": len(x_train),
                        "n_test": len(x_test),
                    }
                )
    # the usual notebook protocol, kept to show why its score misleads: a random split of
    # customers described by their own full-history RFM, predicting the cluster computed
    # from those same features - near-perfect, and it says nothing about new customers
    limit = settings.max_train_customers + settings.max_test_customers
    if len(own_rfm) > limit:
        own_rfm = own_rfm.sample(n=limit, random_state=settings.random_state)
    x = own_rfm[["z_recency", "z_frequency", "z_monetary"]]
    y = own_rfm["cluster_id"]
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.2, random_state=settings.random_state
    )
    forest = _fit(classifiers(settings.random_state, True)["random_forest"], x_train, y_train)
    predicted = forest.predict(x_test)
    value, low, high = bootstrap.with_interval(
        bootstrap.balanced_accuracy,
        y_test.to_numpy(),
        predicted,
        resamples=_resamples(len(y_test), settings),
        seed=settings.random_state,
    )
    rows.append(
        {
            "target": "behavioural_segment",
            "model": "random_forest",
            "model_kind": "model",
            "protocol": RANDOM_SPLIT_PROTOCOL,
            "metric": "balanced_accuracy",
            "value": value,
            "ci_low": low,
            "ci_high": high,
            "n_train": len(x_train),
            "n_test": len(x_test),
        }
    )
    table = pd.DataFrame(rows)
    table["cutoff_date"] = pd.to_datetime(study.cutoff_date)
    table["horizon_days"] = study.horizon_days
    return table


def best_models(evaluation: pd.DataFrame) -> dict[str, str]:
    """Per target, the model (baselines included) with the best primary metric on the test
    customers - but only when the lower end of its 95% interval beats the majority baseline;
    otherwise the first invoice does not tell, and newcomers get the majority baseline's
    answer (the most common outcome with its share as probability), which does not pretend."""
    rows = evaluation[evaluation["protocol"] == NEW_CUSTOMER_PROTOCOL]
    best = {}
    for target, metric in PRIMARY_METRIC.items():
        scores = rows[(rows["target"] == target) & (rows["metric"] == metric)]
        if scores.empty:
            continue
        ordered = scores.sort_values(["value", "model"], ascending=[False, True])
        winner = ordered.iloc[0]
        majority = scores.loc[scores["model"] == "majority_baseline", "value"]
        beats = majority.empty or winner["ci_low"] > float(majority.iloc[0])
        best[target] = winner["model"] if beats else "majority_baseline"
    return best


def predict_newcomers(
    study: Study | None, evaluation: pd.DataFrame, settings: PredictionSettings
) -> pd.DataFrame:
    """For customers whose horizon is not over yet: the probability of return (and its
    outlook band), the predicted value tier and next interest, each from the model chosen by
    best_models (trained before the cut-off, exactly as evaluated)."""
    if study is None:
        return _empty(PREDICTION_COLUMNS)
    best = best_models(evaluation)
    if set(best) != set(TARGETS):
        return _empty(PREDICTION_COLUMNS)
    newcomers = study.customers[study.customers["prediction_role"] == "newcomer"]
    x_new = study.features.loc[newcomers["customer_id"]]
    out = pd.DataFrame(
        {
            "customer_id": newcomers["customer_id"].to_numpy(),
            "first_purchase_at": newcomers["first_purchase_at"].to_numpy(),
        }
    )
    for target, prefix in (
        ("will_return", "return"),
        ("value_tier", "value_tier"),
        ("next_interest", "next_interest"),
    ):
        x_train, y_train, x_test, _ = _split(study, target)
        model = _fit(_candidates(study, target, settings)[best[target]], x_train, y_train)
        classes = np.asarray(model.classes_)
        probabilities = model.predict_proba(x_new) if len(x_new) else np.zeros((0, len(classes)))
        if target == BINARY_TARGET:
            score = probabilities[:, list(classes).index(1)]
            reference = model.predict_proba(x_test)[:, list(classes).index(1)]
            out["return_probability"] = score
            out["return_outlook"] = _outlook(score, reference)
            out["return_model"] = best[target]
            continue
        chosen = classes[probabilities.argmax(axis=1)] if len(x_new) else classes[:0]
        out[f"predicted_{prefix}_id"] = chosen.astype(int)
        out[f"predicted_{prefix}_name"] = [study.names[target].get(int(c)) for c in chosen]
        out[f"{prefix}_probability"] = probabilities.max(axis=1) if len(x_new) else []
        out[f"{prefix}_model"] = best[target]
    return out


def _resamples(n: int, settings: PredictionSettings) -> int:
    """Bootstrap resamples for n test customers: the setting (1,000), fewer on very large test
    sets (never below 200), so the cost - resamples x customers - stays bounded at 100x the
    sample. The price is a coarser estimate of the interval's ends (Monte Carlo error of a
    percentile of 200 resamples), not a wrong one."""
    return int(min(settings.bootstrap_resamples, max(200, 5_000_000 // max(n, 1))))


def _outlook(score: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """likely / possible / unlikely by where a score falls among the test customers' scores:
    its mid-rank position (ties count half), so equal scores always share a band and a model
    that gives everyone the same score puts everyone in the middle band."""
    ordered = np.sort(reference)
    below = np.searchsorted(ordered, score, side="left")
    at_most = np.searchsorted(ordered, score, side="right")
    position = (below + at_most) / 2 / max(len(ordered), 1)
    outlook = np.full(len(score), OUTLOOK_BANDS[-1][0], dtype=object)
    for name, quantile in reversed(OUTLOOK_BANDS[:-1]):
        outlook[position >= quantile] = name
    return outlook
