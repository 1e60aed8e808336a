"""Customer lifetime value in the warehouse - the planted archetypes on the
synthetic data, the forecasts checked on time on the real data, and the marts' consistency.
The literature checks (CDNOW) are in tests/unit/test_clv.py."""

from __future__ import annotations

import glob
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import build_warehouse, copy_warehouse, frame, query, rerun_models, write_raw
from retail_segments import clv, publish


def test_planted_archetypes_rank_as_designed(synthetic_db):
    (truth,) = glob.glob(str(synthetic_db.parent / "synthetic" / "*_truth.parquet"))
    by_archetype = frame(
        synthetic_db,
        f"select archetype, avg(probability_active) as active, avg(clv_12m) as clv, "
        f"avg(probability_purchase_90d) as buys "
        f"from marts.customer_lifetime_value join '{truth}' using (customer_id) group by 1",
    ).set_index("archetype")
    assert by_archetype.loc["lost", "active"] < by_archetype.loc["champion", "active"]
    buys = by_archetype["buys"]
    assert buys["champion"] > buys["loyal"] > max(buys["lost"], buys["at_risk"])
    clv = by_archetype["clv"]
    # by design: wholesale and champions buy most and keep buying, loyal customers keep
    # buying less, at-risk and lost customers stopped; new customers are worth more than
    # those who left
    churned = max(clv["lost"], clv["at_risk"])
    assert clv["wholesale"] > clv["champion"] > clv["loyal"] > churned
    assert clv["new"] > churned


def test_real_six_month_holdout_beats_the_naive_rule(real_allocate_db):
    rows = frame(
        real_allocate_db,
        "select * from marts.clv_evaluation where group_type = 'all'",
    )
    assert len(rows) == 1
    row = rows.iloc[0]
    # the holdout is the last half of the data's span (2010-12-01 .. 2011-12-09)
    assert 180 <= row["holdout_days"] <= 190
    assert abs(row["predicted_purchases"] / row["actual_purchases"] - 1) <= 0.15
    assert row["mae_model"] < row["mae_naive"]
    by_count = frame(
        real_allocate_db,
        "select * from marts.clv_evaluation where group_type = 'calibration_repeat_purchases'",
    )
    assert list(by_count["group_value"]) == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    assert by_count["customers"].sum() == row["customers"]
    assert by_count["actual_purchases"].sum() == row["actual_purchases"]


def test_real_three_month_christmas_holdout_is_under_forecast(real_allocate_db, tmp_path):
    """September to December is the Christmas peak; BG/NBD assumes steady purchase rates and
    one year of history shows no earlier Christmas to learn from, so it under-forecasts.
    docs/methods/lifetime-value.md reports these figures; this test keeps them honest."""
    copy = copy_warehouse(real_allocate_db, tmp_path / "three_months")
    rerun_models(
        copy,
        ["int_clv_histories+"],
        {"clv_calibration_end": "2011-09-09"},
    )
    row = frame(copy, "select * from marts.clv_evaluation where group_type = 'all'").iloc[0]
    assert 85 <= row["holdout_days"] <= 95
    assert -0.35 < row["predicted_relative_error"] < -0.15
    # and the churn risk made in September expects more churn than the Christmas quarter
    # brings: the caveat in docs/methods/lifetime-value.md (measured 5.8, 11.2 and 13.8 points)
    bands = frame(
        copy,
        "select * from marts.clv_churn_risk_calibration where group_type = 'band' "
        "and cut_kind = 'calibration end'",
    ).set_index("group_value")
    assert (bands["calibration_error"] > 0).all()
    assert bands.loc[["Medium", "High"], "calibration_error"].min() > 0.08


def test_churn_risk_is_calibrated_on_the_real_mid_year_holdout(real_allocate_db):
    """The churn risk made at the calibration end (2011-06-06, the middle of the
    span) against who then bought nothing for 90 days, counted here from fct_invoices."""
    db = real_allocate_db
    rows = frame(
        db,
        "select * from marts.clv_churn_risk_calibration where cut_kind = 'calibration end' "
        "order by group_type, group_order",
    )
    assert set(rows["cut_date"].astype(str)) == {"2011-06-06"}
    bands = rows[rows["group_type"] == "band"].set_index("group_value")
    assert list(bands.index) == ["Low", "Medium", "High"]
    # every band within 5 points (measured: +2.6, -0.7, +1.1)
    assert (bands["calibration_error"].abs() <= 0.05).all(), bands
    observed = bands["observed_churn_share"]
    assert observed["Low"] < 0.25 and 0.4 < observed["Medium"] < 0.6 and observed["High"] > 0.66
    deciles = rows[rows["group_type"] == "decile"]
    assert list(deciles["group_order"]) == list(range(1, 11))
    assert deciles["observed_churn_share"].iloc[-1] > deciles["observed_churn_share"].iloc[0] + 0.5
    everyone = rows[rows["group_type"] == "all"].iloc[0]
    assert deciles["customers"].sum() == bands["customers"].sum() == everyone["customers"]
    # the observed share, counted independently from the invoices
    (independent,) = query(
        db,
        """
        with cut as (
            select window_end_date as calibration_end from marts.clv_model_parameters
            where fit_window = 'calibration'
        ),
        customers as (
            select customer_id,
                bool_or(cast(invoiced_at as date) > calibration_end
                    and cast(invoiced_at as date) <= calibration_end + 90) as bought
            from marts.fct_invoices cross join cut
            group by customer_id, calibration_end
            having min(cast(invoiced_at as date)) <= calibration_end
        )
        select count(*), avg(case when bought then 0.0 else 1.0 end) from customers
        """,
    )
    assert independent[0] == everyone["customers"]
    assert independent[1] == pytest.approx(everyone["observed_churn_share"], abs=1e-12)


def test_churn_risk_before_the_busy_season_is_refitted_on_the_purchases_up_to_it(
    real_allocate_db,
):
    """The second cut: the day before the three whole months with the most repeat purchase
    days among those with 90 days of data after them (September to November 2011, so
    2011-08-31), every figure recounted here from fct_invoices: the purchase days up to the
    cut, a BG/NBD (the family chosen on this data, clv_model_candidates) fitted on them
    alone, the chance of no purchase in the next 90 days, and who then bought. Eight
    months of history before the cut teach no season, and the steady-rate model overstates
    churn before Christmas (measured: +10 points over all, +13 in the High band) - the
    finding the cut is there to show."""
    db = real_allocate_db
    invoices = frame(
        db,
        "select customer_id, cast(invoiced_at as date) as day from marts.fct_invoices "
        "where customer_id is not null",
    ).drop_duplicates()
    invoices["day"] = pd.to_datetime(invoices["day"])
    first = invoices.groupby("customer_id")["day"].transform("min")
    repeats = invoices[invoices["day"] > first]
    per_month = repeats.groupby(repeats["day"].dt.to_period("M")).size()
    last_day = invoices["day"].max()
    stretches = {
        month: per_month.get(month, 0) + per_month.get(month + 1, 0) + per_month.get(month + 2, 0)
        for month in per_month.index
        if (month + 2).end_time.normalize() <= last_day
        and month.start_time - pd.Timedelta(days=1) + pd.Timedelta(days=90) <= last_day
    }
    busiest = max(stretches, key=lambda month: (stretches[month], month))
    cut = busiest.start_time - pd.Timedelta(days=1)
    assert cut == pd.Timestamp("2011-08-31")

    before = invoices[invoices["day"] <= cut]
    per = before.groupby("customer_id")["day"].agg(["min", "max", "nunique"]).sort_index()
    x = per["nunique"].to_numpy(float) - 1
    t_x = (per["max"] - per["min"]).dt.days.to_numpy(float)
    t = (cut - per["min"]).dt.days.to_numpy(float)
    fitted = t > 0
    (family,) = query(db, "select model_family from marts.clv_model_candidates where is_chosen")
    bg = clv.fit_bgnbd(x[fitted], t_x[fitted], t[fitted], family=family[0])
    risk = 1 - clv.prob_purchase_within(bg, 90, x, t_x, t)
    after = invoices[(invoices["day"] > cut) & (invoices["day"] <= cut + pd.Timedelta(days=90))]
    churned = ~per.index.isin(after["customer_id"])

    rows = frame(
        db,
        "select * from marts.clv_churn_risk_calibration where cut_kind = 'before the busy season'",
    )
    assert set(rows["cut_date"].astype(str)) == {"2011-08-31"}
    everyone = rows[rows["group_type"] == "all"].iloc[0]
    assert everyone["customers"] == len(per)
    assert everyone["observed_churn_share"] == pytest.approx(churned.mean(), abs=1e-12)
    assert everyone["mean_predicted_churn_risk"] == pytest.approx(risk.mean(), rel=1e-6)
    bands = rows[rows["group_type"] == "band"].set_index("group_value")
    high = risk >= 0.66
    assert bands.loc["High", "customers"] == high.sum()
    assert bands.loc["High", "observed_churn_share"] == pytest.approx(churned[high].mean())
    # the steady-rate model before the busy season: more churn expected than happened
    assert 0.05 < everyone["calibration_error"] < 0.2


def test_customer_outlook_follows_its_definitions(real_allocate_db):
    """Historic, predicted and total value, churn risk and band, days between
    purchases and the expected next order, each checked against its definition; the
    histories recounted from fct_invoices, so a wrong age or count shows; the next order
    date through the purchase probability it inverts."""
    db = real_allocate_db
    outlook = frame(
        db,
        "select v.*, r.monetary from marts.customer_lifetime_value as v "
        "join marts.customer_rfm as r using (customer_id)",
    )
    assert len(outlook) == 4334
    assert (outlook["historic_value"].astype(float) == outlook["monetary"].round(2)).all()
    (unequal,) = query(
        db,
        "select count(*) from marts.customer_lifetime_value "
        "where total_value != historic_value + clv_12m",  # decimals: exact
    )[0]
    assert unequal == 0
    np.testing.assert_allclose(
        outlook["churn_risk_90d"], 1 - outlook["probability_purchase_90d"], atol=1e-12
    )
    risk = outlook["churn_risk_90d"]
    expected_band = np.where(risk < 0.33, "Low", np.where(risk < 0.66, "Medium", "High"))
    assert (outlook["churn_risk_band"] == expected_band).all()
    assert set(outlook["churn_risk_band"].value_counts().index) == {"Low", "Medium", "High"}
    repeat = outlook["repeat_purchases"] > 0
    np.testing.assert_allclose(
        outlook.loc[repeat, "average_days_between_purchases"],
        outlook.loc[repeat, "days_first_to_last_purchase"]
        / outlook.loc[repeat, "repeat_purchases"],
    )
    assert outlook.loc[~repeat, "average_days_between_purchases"].isna().all()
    # each customer's history recounted from the invoices: purchase days (several invoices
    # on one day are one purchase), ages to the RFM date
    fit = frame(db, "select * from marts.clv_model_parameters where fit_window = 'full'").iloc[0]
    as_of = pd.Timestamp(fit["window_end_date"])
    days_bought = frame(
        db, "select distinct customer_id, cast(invoiced_at as date) as day from marts.fct_invoices"
    )
    days_bought["day"] = pd.to_datetime(days_bought["day"])
    # the RFM date: the day after the last invoice (the default) or var rfm_as_of
    assert as_of - days_bought["day"].max() in (pd.Timedelta(0), pd.Timedelta(days=1))
    per = days_bought.groupby("customer_id")["day"].agg(["min", "max", "count"])
    per = per.reindex(outlook["customer_id"])
    x = per["count"].to_numpy(float) - 1
    t_x = (per["max"] - per["min"]).dt.days.to_numpy(float)
    t = (as_of - per["min"]).dt.days.to_numpy(float)
    np.testing.assert_array_equal(outlook["repeat_purchases"], x)
    np.testing.assert_array_equal(outlook["days_first_to_last_purchase"], t_x)
    np.testing.assert_array_equal(outlook["days_since_first_purchase"], t)
    # the purchase probability from them (prob_purchase_within is held against simulated
    # futures of the model in tests/unit/test_clv.py)
    bg = clv.BgNbdParams(r=fit["r"], alpha=fit["alpha"], a=fit["a"], b=fit["b"])
    np.testing.assert_allclose(
        outlook["probability_purchase_90d"], clv.prob_purchase_within(bg, 90, x, t_x, t)
    )
    # the next order date: the first whole day on which a purchase is more likely than not
    dated = outlook["expected_next_order_date"].notna().to_numpy()
    days = outlook["days_to_next_order"].to_numpy(float)
    assert (clv.prob_purchase_within(bg, days[dated], x[dated], t_x[dated], t[dated]) >= 0.5).all()
    assert (
        clv.prob_purchase_within(bg, days[dated] - 1, x[dated], t_x[dated], t[dated]) < 0.5
    ).all()
    assert (
        pd.to_datetime(outlook.loc[dated, "expected_next_order_date"])
        == as_of + pd.to_timedelta(days[dated], unit="D")
    ).all()
    # no date exactly where a purchase within a year is not more likely than not
    within_year = clv.prob_purchase_within(bg, 365, x, t_x, t) >= 0.5
    assert (dated == within_year).all()
    assert (outlook["next_order_date_missing_reason"].isna() == dated).all()
    assert 0 < (~dated).sum() < len(outlook) / 4  # measured: 572 of 4,334
    # the export carries the outlook as the mart has it
    (exported,) = glob.glob(str(publish.default_export_dir(db) / "customer_segments.parquet"))
    (differ,) = query(
        db,
        f"select count(*) from '{exported}' as e join marts.customer_lifetime_value as v "
        "using (customer_id) where e.total_value != v.total_value "
        "or e.churn_risk_band != v.churn_risk_band "
        "or e.expected_next_order_date is distinct from v.expected_next_order_date",
    )[0]
    assert differ == 0


def test_ranking_table_agrees_with_the_holdout(real_allocate_db):
    """clv_ranking_evaluation's five forecasts rank the same customers as clv_evaluation; the
    model's Spearman is clv_evaluation's; the top-decile shares are shares."""
    db = real_allocate_db
    ranking = frame(db, "select * from marts.clv_ranking_evaluation").set_index("forecast")
    evaluation = frame(db, "select * from marts.clv_evaluation where group_type = 'all'").iloc[0]
    assert set(ranking.index) == {
        "model",
        "naive rate",
        "repeat purchases",
        "revenue so far",
        "purchases in the last 90 days",
    }
    assert (ranking["customers"] == evaluation["customers"]).all()
    assert ranking.loc["model", "spearman_purchases"] == pytest.approx(
        evaluation["spearman_model"], abs=1e-9
    )
    assert ranking.loc["naive rate", "spearman_purchases"] == pytest.approx(
        evaluation["spearman_naive"], abs=1e-9
    )
    shares = ranking[["top_decile_purchase_share", "top_decile_revenue_share"]]
    # a tenth of the customers make far more than a tenth of the purchases and revenue
    assert ((shares > 0.3) & (shares < 0.7)).all().all()
    # ties at the cut count in proportion: the repeat-purchase count, recomputed by hand
    holdout = frame(db, "select x, actual_purchases from intermediate.int_clv_holdout")
    places = 0.1 * len(holdout)
    by_count = (
        holdout.groupby("x")["actual_purchases"].agg(["size", "sum"]).sort_index(ascending=False)
    )
    before = by_count["size"].cumsum() - by_count["size"]
    share_in = ((places - before) / by_count["size"]).clip(0, 1)
    expected = (share_in * by_count["sum"]).sum() / holdout["actual_purchases"].sum()
    assert ranking.loc["repeat purchases", "top_decile_purchase_share"] == pytest.approx(expected)


# what the model reaches on the six-month holdout of the real data (measured: Spearman 0.526,
# top-decile purchases 36.3%, top-decile revenue 59.0%, total 12.3% low), less a margin:
# a regression below them fails here, whatever the target test below says
RANKING_FLOORS = {
    "spearman_purchases": 0.50,
    "top_decile_purchase_share": 0.35,
    "top_decile_revenue_share": 0.57,
}
MOST_FORECAST_ERROR = 0.15


def test_the_models_ranking_and_total_do_not_regress(real_allocate_db):
    ranking = frame(real_allocate_db, "select * from marts.clv_ranking_evaluation").set_index(
        "forecast"
    )
    model = ranking.loc["model"]
    for measure, floor in RANKING_FLOORS.items():
        assert model[measure] >= floor, (measure, model[measure])
        # and within a few hundredths of the best simple rule
        assert model[measure] >= ranking.drop(index="model")[measure].max() - 0.04, measure
    assert abs(model["forecast_relative_error"]) <= MOST_FORECAST_ERROR, model


@pytest.mark.xfail(
    strict=True,
    reason="not met: on the six-month holdout the BG/NBD ranks below the "
    "repeat-purchase count (Spearman 0.526 vs 0.555, top-decile purchases 36.3% vs 36.5%), "
    "its top decile's revenue share is below the revenue-so-far rule's (59.0% vs 59.3%) and "
    "its total is 12.3% low (docs/methods/lifetime-value.md, the holdout's ranking); the "
    "floors of test_the_models_ranking_and_total_do_not_regress catch a regression",
)
def test_model_ranks_at_least_as_well_as_the_best_simple_rule(real_allocate_db):
    ranking = frame(real_allocate_db, "select * from marts.clv_ranking_evaluation").set_index(
        "forecast"
    )
    rules = ranking.drop(index="model")
    for measure in ("spearman_purchases", "top_decile_purchase_share", "top_decile_revenue_share"):
        assert ranking.loc["model", measure] >= rules[measure].max(), measure
    assert abs(ranking.loc["model", "forecast_relative_error"]) <= 0.10


def test_dropout_that_the_data_cannot_identify_is_said_so(real_allocate_db):
    rows = frame(real_allocate_db, "select * from marts.clv_model_parameters")
    assert set(rows["fit_window"]) == {"full", "calibration"}
    assert rows[["r", "alpha", "a", "b", "p", "q", "gamma"]].notna().all().all()
    # the finding on this data: a/(a+b) collapses, and the table says so in words
    full = rows.set_index("fit_window").loc["full"]
    assert full["mean_dropout_probability"] < 0.01 and not full["dropout_identified"]
    for _, row in rows.iterrows():
        # after the model and why it was chosen, the dropout first
        model, rest = row["note"].split("; ", 1)
        assert model == "model: BG/NBD, chosen on the holdout (clv_model_candidates)"
        assert rest.startswith("dropout not identified") == (not row["dropout_identified"])
    # what the spend model set aside, counted here from the histories: repeat customers
    # whose repeat purchases net to zero or below (measured: 3 on the full history)
    set_aside = frame(
        real_allocate_db,
        "select fit_window, count(*) as n from intermediate.int_clv_histories "
        "where t > 0 and x > 0 and (repeat_spend_mean <= 0 or repeat_spend_mean is null) "
        "group by fit_window",
    ).set_index("fit_window")["n"]
    by_window = rows.set_index("fit_window")
    for window in ("full", "calibration"):
        assert by_window.loc[window, "gamma_gamma_set_aside"] == set_aside.get(window, 0)
        assert (by_window.loc[window, "gamma_gamma_set_aside"] > 0) == (
            "the spend model set aside" in by_window.loc[window, "note"]
        )
    assert by_window["gamma_gamma_set_aside"].sum() > 0
    # the calibration fit's dropout stopped at the bound, and the bound is named
    assert by_window.loc["calibration", "dropout_at_bound"]
    assert by_window.loc["calibration", "parameters_at_bound"].startswith("BG/NBD a")
    assert "edge of the parameter space" in by_window.loc["calibration", "note"]
    # a year and nine days of history (no month seen twice): no season can be learnt, the
    # steady-rate model stays, and says so
    assert not rows["follows_season"].any()
    assert rows["note"].str.contains("assumes a steady purchase rate").all()
    notes = rows.set_index("fit_window")["note"]
    assert "374 days, 12 whole months; the season is learnt from 13" in notes["full"]
    assert "whole months; the season is learnt from 13" in notes["calibration"]
    index = frame(real_allocate_db, "select * from marts.clv_seasonal_index")
    assert len(index) == 24 and (index["seasonal_index"] == 1.0).all()
    assert not index["is_seasonal"].any()
    # so probability_active is flat, while the probability of a purchase in 90 days still
    # tells Champions from Lost customers
    by_segment = frame(
        real_allocate_db,
        "select segment, mean_probability_active as active, "
        "mean_probability_purchase_90d as buys from marts.clv_by_segment "
        "where segment_type = 'rfm_segment'",
    ).set_index("segment")
    assert by_segment["active"].min() > 0.95
    assert by_segment.loc["Champions", "buys"] > 2 * by_segment.loc["Lost", "buys"]


def test_clv_marts_agree_with_each_other(synthetic_db):
    db = synthetic_db
    (customers,) = query(db, "select count(*) from marts.customer_rfm")[0]
    deciles = frame(
        db, "select clv_decile, count(*) as n from marts.customer_lifetime_value group by 1"
    )
    assert sorted(deciles["clv_decile"]) == list(range(1, 11))
    assert deciles["n"].sum() == customers and deciles["n"].max() - deciles["n"].min() <= 1
    # the top decile holds the highest values
    (ordered,) = query(
        db,
        "select min(clv_12m) filter (where clv_decile = 1) "
        ">= max(clv_12m) filter (where clv_decile = 2) from marts.customer_lifetime_value",
    )[0]
    assert ordered
    totals = frame(
        db,
        "select segment_type, sum(total_clv_12m) as total, sum(customers) as n "
        "from marts.clv_by_segment group by 1",
    )
    (total,) = query(db, "select sum(clv_12m) from marts.customer_lifetime_value")[0]
    assert (totals["n"] == customers).all()
    assert (abs(totals["total"].astype(float) - float(total)) < 1.0).all()
    # one row per customer with segment, CLV and probability active, and in the export
    (mismatch,) = query(
        db,
        "select count(*) from marts.customer_segments s join marts.customer_lifetime_value c "
        "using (customer_id) where s.clv_12m != c.clv_12m or s.clv_decile != c.clv_decile",
    )[0]
    assert mismatch == 0
    # where plain dbt wrote (macro activation_export_dir) is where the command publishes
    (exported,) = glob.glob(str(publish.default_export_dir(db) / "customer_segments.parquet"))
    (in_export,) = query(db, f"select count(clv_decile) from '{exported}'")[0]
    assert in_export == customers


CDNOW_SAMPLE = Path(__file__).resolve().parents[1] / "data" / "cdnow" / "CDNOW_sample.txt"
# Fader, Hardie & Lee (2005), BG/NBD on the 39-week calibration period of this sample, and
# Fader & Hardie (2013), Gamma-Gamma on its customers with a repeat purchase
PUBLISHED_BGNBD = {"r": 0.243, "alpha_weeks": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "gamma": 15.44}


@pytest.fixture(scope="module")
def cdnow_db(tmp_path_factory) -> Path:
    """The CDNOW sample written as invoices (one line per purchase, its dollar value as the
    price) and built with the papers' calibration end: 1997-09-30, the last day of week 39."""
    folder = tmp_path_factory.mktemp("cdnow")
    sample = pd.read_csv(
        CDNOW_SAMPLE,
        sep=r"\s+",
        header=None,
        names=["customer", "full_id", "date", "cds", "dollars"],
        dtype={"date": str},
    )
    invoices = pd.DataFrame(
        {
            "InvoiceNo": [f"{i + 1}" for i in range(len(sample))],
            "StockCode": "CD",
            "Description": "CDs",
            "Quantity": 1,
            "InvoiceDate": pd.to_datetime(sample["date"]) + pd.Timedelta(hours=12),
            "UnitPrice": sample["dollars"],
            "CustomerID": sample["customer"].astype(str),
            "Country": "United States",
        }
    )
    raw = write_raw(invoices, folder / "cdnow_invoices.csv")
    db = folder / "cdnow.duckdb"
    build_warehouse(db, "--raw", str(raw), "--vars", "{clv_calibration_end: '1997-09-30'}")
    return db


def test_cdnow_holdout_is_every_purchase_day_after_the_calibration_end(cdnow_db):
    """The calibration end is the last day of the calibration window. The holdout
    is recounted here from fct_invoices alone: 1,882 purchase days after 1997-09-30 (the
    raw sample gives the same, see tests/data/cdnow/README.md)."""
    (recounted,) = query(
        cdnow_db,
        "select count(distinct (customer_id, cast(invoiced_at as date))) "
        "from marts.fct_invoices where cast(invoiced_at as date) > date '1997-09-30'",
    )[0]
    assert recounted == 1_882
    row = frame(cdnow_db, "select * from marts.clv_evaluation where group_type = 'all'").iloc[0]
    assert row["actual_purchases"] == recounted
    # all first bought in the first quarter of 1997; the 8 whose every purchase was worth
    # $0 are removed by the cleaning rule non_positive_price
    (customers,) = query(cdnow_db, "select count(distinct customer_id) from marts.fct_invoices")[0]
    assert row["customers"] == customers == 2_357 - 8
    # 1997-10-01 .. 1998-06-30, the last day of the data: the papers' 39-week holdout
    assert row["holdout_days"] == (pd.Timestamp("1998-06-30") - pd.Timestamp("1997-09-30")).days
    assert row["holdout_days"] == 39 * 7


def test_cdnow_calibration_fit_through_the_warehouse_matches_the_paper(cdnow_db):
    """The whole path (raw lines, cleaning, purchase days, the calibration window) gives the
    published estimates within 1%: the window ends on 1997-09-30 included, as in the papers
    (without the 8 customers whose only purchases were worth $0, which the cleaning removes;
    the papers fit 2,357)."""
    fit = frame(
        cdnow_db, "select * from marts.clv_model_parameters where fit_window = 'calibration'"
    ).iloc[0]
    assert fit["n_customers"] == 2_357 - 8
    # the BG/NBD is chosen: its holdout total is the closer (-12.1% against -16.3%), and the
    # MBG/NBD's Brier score is lower by 0.00003 only, well within its noise
    candidates = frame(cdnow_db, "select * from marts.clv_model_candidates").set_index(
        "model_family"
    )
    assert fit["model_family"] == "bgnbd" and candidates.loc["bgnbd", "is_chosen"]
    assert candidates.loc["bgnbd", "total_error"] == pytest.approx(-0.121, abs=0.001)
    assert candidates.loc["mbgnbd", "total_error"] == pytest.approx(-0.163, abs=0.001)
    # and the MBG/NBD through the warehouse is BTYDplus's on the same sample, within 1%
    mbgnbd = candidates.loc["mbgnbd"]
    assert mbgnbd["r"] == pytest.approx(0.525, rel=0.01)
    assert mbgnbd["alpha"] == pytest.approx(7 * 6.183, rel=0.01)
    assert mbgnbd["a"] == pytest.approx(0.891, rel=0.01)
    assert mbgnbd["b"] == pytest.approx(1.614, rel=0.01)
    assert fit["r"] == pytest.approx(PUBLISHED_BGNBD["r"], rel=0.01)
    assert fit["alpha"] == pytest.approx(7 * PUBLISHED_BGNBD["alpha_weeks"], rel=0.01)
    assert fit["a"] == pytest.approx(PUBLISHED_BGNBD["a"], rel=0.01)
    assert fit["b"] == pytest.approx(PUBLISHED_BGNBD["b"], rel=0.01)
    for name, value in PUBLISHED_GAMMA_GAMMA.items():
        assert fit[name] == pytest.approx(value, rel=0.01)
