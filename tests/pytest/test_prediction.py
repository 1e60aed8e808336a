"""Issue: product categories, interest segments, and predicting new customers' segments."""

from __future__ import annotations

import numpy as np
import pandas as pd
from conftest import query
from retail_segments import interests, prediction


def _evaluation(db):
    rows = query(
        db,
        "select target, model, protocol, balanced_accuracy, n_train, n_test "
        "from marts.prediction_evaluation",
    )
    return pd.DataFrame(rows, columns=["target", "model", "protocol", "balanced", "train", "test"])


def test_best_model_beats_the_majority_baseline_on_synthetic_data(synthetic_db):
    table = _evaluation(synthetic_db)
    new = table[table.protocol == "first_invoice_features_time_split"]
    assert set(new.model) == {
        "majority_baseline",
        "logistic_regression",
        "random_forest",
        "gradient_boosting",
    }
    margins = {"behavioural_segment": 0.05, "interest_segment": 0.3}
    for target, margin in margins.items():
        rows = new[new.target == target].set_index("model")["balanced"]
        assert rows.drop("majority_baseline").max() >= rows["majority_baseline"] + margin
    leaky = table[table.protocol == "random_80_20_split_on_own_rfm"]
    assert len(leaky) == 1 and leaky.balanced.iloc[0] > 0.95  # why it is not the measure


def test_train_and_test_customers_are_disjoint_and_split_by_the_cutoff(synthetic_db):
    roles = query(
        synthetic_db,
        "select prediction_role, count(*), max(window_end_date), min(first_purchase_at), "
        "any_value(cutoff_date) from intermediate.int_prediction_customers group by 1",
    )
    by_role = {row[0]: row for row in roles}
    cutoff = by_role["train"][4]
    assert by_role["train"][2] <= cutoff
    assert by_role["test"][3].date() >= cutoff
    assert by_role["train"][1] > 1000 and by_role["test"][1] > 50
    n_train, n_test = query(
        synthetic_db,
        "select any_value(n_train), any_value(n_test) from marts.prediction_evaluation "
        "where protocol = 'first_invoice_features_time_split'",
    )[0]
    assert (n_train, n_test) == (by_role["train"][1], by_role["test"][1])
    newcomers = query(synthetic_db, "select count(*) from marts.new_customer_predictions")[0][0]
    assert newcomers == by_role["newcomer"][1] > 0


def test_study_table_round_trips_and_labels_only_train_and_test(synthetic_db):
    table = _frame(synthetic_db, "select * from intermediate.int_prediction_study")
    labelled = table.prediction_role.isin(["train", "test"])
    for target in prediction.TARGETS:
        assert table.loc[labelled, target].notna().all()
        assert table.loc[~labelled, target].isna().all()
    assert any(c.startswith(prediction.FEATURE_PREFIX) for c in table.columns)
    # what the evaluation and the predictions read back is what was written (a missing
    # label is NULL in the table, whether pandas holds it as None or NaN)
    again = prediction.study_table(prediction.study_from_table(table))
    expected = table.sort_values("customer_id").reset_index(drop=True)

    def values(frame):
        frame = frame.astype(object)
        return frame.where(frame.notna(), None)

    pd.testing.assert_frame_equal(values(again), values(expected), check_dtype=False)


def _frame(db, sql):
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        return con.sql(sql).df()


def test_fitted_artefacts_ignore_everything_after_the_cutoff(synthetic_db):
    catalogue = _frame(synthetic_db, "select * from intermediate.int_product_catalogue")
    stopwords = [
        r[0] for r in query(synthetic_db, "select word from reference.product_text_stopwords")
    ]
    purchases = _frame(synthetic_db, "select * from intermediate.int_product_basket_items")
    settings = interests.CategorySettings()
    selection = interests.category_candidates(catalogue, purchases, stopwords, settings)
    categories = interests.assign_categories(catalogue, purchases, stopwords, selection, settings)
    # scramble everything measured after the cut-off: the fitted categories must not move
    scrambled = catalogue.assign(
        description="ZZZ " + catalogue["description"].str[::-1],
        median_price=catalogue["median_price"] * 97,
        revenue=0.0,
    )
    before = purchases[purchases["is_before_cutoff"]]
    after = purchases[~purchases["is_before_cutoff"]]
    shuffled_after = pd.concat(
        [
            before,
            after.assign(stock_code=after["stock_code"].sample(frac=1, random_state=0).to_numpy()),
            after.assign(invoice_no="X" + after["invoice_no"], customer_id="Y"),
        ]
    )
    again_selection = interests.category_candidates(scrambled, shuffled_after, stopwords, settings)
    pd.testing.assert_frame_equal(again_selection, selection)
    again = interests.assign_categories(
        scrambled, shuffled_after, stopwords, again_selection, settings
    )
    fit = categories["is_fit_product"]
    assert (again.loc[fit, "category_id"] == categories.loc[fit, "category_id"]).all()
    assert (again.loc[fit, "category_label"] == categories.loc[fit, "category_label"]).all()
    warehouse = _frame(synthetic_db, "select stock_code, category_id from marts.product_categories")
    merged = categories.merge(warehouse, on="stock_code", suffixes=("", "_mart"))
    assert (merged.category_id == merged.category_id_mart).all()

    # the interest model: spend after the cut-off changes nothing in the fitted model
    spend = _frame(synthetic_db, "select * from intermediate.int_customer_category_spend")
    baskets = _frame(synthetic_db, "select * from intermediate.int_customer_baskets")
    ids = sorted(categories["category_id"].unique().tolist())
    model = interests.fit_interest_model(spend, baskets, ids, interests.InterestSettings())
    other = interests.fit_interest_model(
        spend.assign(spend=spend["spend"] * 3 + 1),
        baskets.assign(avg_invoice_value=1.0),
        ids,
        interests.InterestSettings(),
    )
    assert np.array_equal(model.model.cluster_centers_, other.model.cluster_centers_)

    # the window-segment clusterer sees training customers only
    customers = _frame(synthetic_db, "select * from intermediate.int_prediction_customers")
    train = customers[customers.prediction_role == "train"]
    segments = prediction.fit_window_segments(train, prediction.PredictionSettings(), 30)
    noisy = customers.copy()
    outside = noisy.prediction_role != "train"
    noisy.loc[outside, "window_monetary"] = 1e9
    again_segments = prediction.fit_window_segments(
        noisy[noisy.prediction_role == "train"], prediction.PredictionSettings(), 30
    )
    assert np.array_equal(segments.label(train), again_segments.label(train))


def test_product_category_words_match_whole_words():
    vectoriser = interests.vectoriser(["red"])
    vectoriser.fit(["RED HEART T-LIGHT HOLDER", "ART DECO LAMP", "HEART OF WICKER", "ART SET"])
    vocabulary = set(vectoriser.get_feature_names_out())
    assert "art" in vocabulary and "heart" in vocabulary and "red" not in vocabulary
    row = vectoriser.transform(["SWEETHEART CARD"]).toarray()[0]
    assert row[vectoriser.vocabulary_["heart"]] == 0  # HEART inside SWEETHEART is no match
    row = vectoriser.transform(["HEART"]).toarray()[0]
    assert row[vectoriser.vocabulary_["art"]] == 0


def test_interest_marts_are_consistent(synthetic_db):
    shares = query(
        synthetic_db,
        "select max(abs(total - 1)) from (select customer_id, sum(spend_share) as total "
        "from marts.customer_interest_profiles group by 1)",
    )[0][0]
    assert shares < 1e-9
    segments = query(
        synthetic_db,
        "select count(*), count(distinct interest_segment_id) "
        "from marts.customer_interest_segments",
    )[0]
    assert segments[0] == query(synthetic_db, "select count(*) from marts.customer_rfm")[0][0]
    chosen = query(
        synthetic_db, "select count(*) from marts.product_category_selection where is_chosen"
    )
    assert chosen == [(1,)]
    profiles = query(
        synthetic_db, "select sum(customers), count(*) from marts.interest_segment_profiles"
    )[0]
    assert profiles == segments


def test_real_data_prediction_beats_the_baseline(real_reference_db):
    table = _evaluation(real_reference_db)
    new = table[table.protocol == "first_invoice_features_time_split"]
    for target in ("behavioural_segment", "interest_segment"):
        rows = new[new.target == target].set_index("model")["balanced"]
        assert rows.drop("majority_baseline").max() > rows["majority_baseline"]
