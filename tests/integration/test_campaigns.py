"""Campaigns measured against a control group.

On the real data (the shared real build declares tests/data/campaigns/real_data_campaigns.csv):
the audience is the segment as of the start, recomputed here from the invoices and the
stored clustering; the control group is the md5 draw, recomputed here with hashlib; the
held-out share is the declared one in every segment; with no treatment the interval covers
zero; the power statement is the 80% point of a simulated two-proportion test. On synthetic
data with a planted 20% uplift (retail_segments.synthetic.PlantedCampaign), the uplift is
recovered in the share who buy, the revenue test is scipy's permutation test, and 40 A/A
campaigns on the same data (no effect, 10% held out) cover zero about 95% of the time. Bad
declarations stop in one line; a typo'd segment is a status and a warning.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import (
    BUILD_OUTPUT,
    build_warehouse,
    copy_warehouse,
    frame,
    needs_real_data,
    rerun_models,
    run_dbt,
    run_segments,
)
from retail_segments import cli, clv, synthetic
from scipy import stats

PLANTED = synthetic.PlantedCampaign("spring", "2011-08-01", factor=1.2, control_share=0.5)
NO_EFFECT_CAMPAIGNS = 40


def _held_out(key: str, customer_id: str, share: float) -> bool:
    """The control-group draw, written here from its definition (docs/methods/campaigns.md)."""
    digest = hashlib.md5(f"{key}:{customer_id}".encode()).hexdigest()
    return int(digest[:13], 16) / 16**13 < share


def _results(db: Path, key: str, level: str = "campaign") -> pd.DataFrame:
    return frame(
        db,
        f"select * from marts.campaign_results where campaign_key = '{key}' "
        f"and level = '{level}' order by target_segment, metric",
    ).set_index("metric" if level == "campaign" else ["target_segment", "metric"])


# ---------------------------------------------------------------------------- real data


def _invoices(db: Path) -> pd.DataFrame:
    return frame(
        db,
        "select customer_id, invoice_no, cast(invoiced_at as date) as day, revenue "
        "from marts.fct_invoices",
    )


@needs_real_data
def test_the_audience_is_the_segment_as_of_the_start(real_allocate_db):
    """Lapsed regulars on 2011-09-01, recomputed from the invoices before that day, scored
    with the stored clustering (nearest centroid in standardised log RFM), named by
    segment_profiles: the same customers as the campaign's audience."""
    start = pd.Timestamp("2011-09-01")
    invoices = _invoices(real_allocate_db)
    before = invoices[pd.to_datetime(invoices["day"]) < start]
    rfm = before.groupby("customer_id").agg(
        last=("day", "max"), frequency=("invoice_no", "nunique"), monetary=("revenue", "sum")
    )
    rfm["recency_days"] = (start - pd.to_datetime(rfm["last"])).dt.days
    rfm["monetary"] = rfm["monetary"].round(2)
    parameters = frame(real_allocate_db, "select * from marts.segment_model_parameters")
    scaling = parameters[parameters["parameter"].isin(["transform_mean", "transform_scale"])]
    scaling = scaling.pivot(index="feature", columns="parameter", values="parameter_value")
    features = ["recency_days", "frequency", "monetary"]
    z = np.column_stack(
        [
            (np.log1p(rfm[f].clip(lower=0)) - scaling.loc[f, "transform_mean"])
            / scaling.loc[f, "transform_scale"]
            for f in features
        ]
    )
    centroids = parameters[parameters["parameter"] == "centroid"].pivot(
        index="cluster_id", columns="feature", values="parameter_value"
    )[features]
    distances = ((z[:, None, :] - centroids.to_numpy()[None, :, :]) ** 2).sum(axis=2)
    cluster = centroids.index.to_numpy()[distances.argmin(axis=1)]
    names = frame(
        real_allocate_db, "select cluster_id, segment_name from marts.segment_profiles"
    ).set_index("cluster_id")["segment_name"]
    expected = set(rfm.index[names.reindex(cluster).to_numpy() == "Lapsed regulars"])
    audience = frame(
        real_allocate_db,
        "select customer_id from marts.campaign_audiences where campaign_key = 'autumn_winback'",
    )
    assert len(expected) > 500
    assert set(audience["customer_id"]) == expected


@needs_real_data
def test_the_control_group_is_the_seeded_draw_and_nobody_new_is_in_it(real_allocate_db):
    audiences = frame(
        real_allocate_db,
        "select a.*, p.control_share from marts.campaign_audiences a "
        "join marts.campaign_plan p on a.campaign_key = p.campaign_key "
        "and p.level = 'campaign'",
    )
    assert set(audiences["campaign_key"]) == {
        "august_list",
        "autumn_winback",
        "late_at_risk",
        "new_year_preview",
        "summer_churn_high",
    }
    expected = [
        _held_out(key, customer, share)
        for key, customer, share in audiences[
            ["campaign_key", "customer_id", "control_share"]
        ].itertuples(index=False)
    ]
    assert audiences["control_group"].tolist() == expected
    # customers who first bought on or after the start are in neither group
    first = _invoices(real_allocate_db).groupby("customer_id")["day"].min()
    first_day = pd.to_datetime(audiences["customer_id"].map(first))
    assert (first_day < pd.to_datetime(audiences["start_date"])).all()
    customers = frame(real_allocate_db, "select count(*) as n from marts.customer_rfm")["n"][0]
    preview = audiences[audiences["campaign_key"] == "new_year_preview"]
    assert len(preview) == customers  # everyone bought before 2011-12-20


@needs_real_data
def test_the_held_out_share_is_the_declared_one_in_every_segment(real_allocate_db):
    plan = frame(real_allocate_db, "select * from marts.campaign_plan where level = 'segment'")
    counted = frame(
        real_allocate_db,
        "select campaign_key, target_segment, count(*) filter (where control_group) as c, "
        "count(*) filter (where not control_group) as t from marts.campaign_audiences "
        "group by all",
    )
    plan = plan.merge(counted, on=["campaign_key", "target_segment"], how="left")
    known = plan[plan["treatment_customers"] + plan["control_customers"] > 0]
    # Lapsed regulars; At Risk, Can't Lose Them; All customers; August buyers; High
    assert len(known) == 6
    assert (known["c"] == known["control_customers"]).all()
    assert (known["t"] == known["treatment_customers"]).all()
    n = known["treatment_customers"] + known["control_customers"]
    share = known["control_share"]
    # within the binomial 99.9% band of the declared share, segment by segment
    band = 3.29 * np.sqrt(share * (1 - share) / n)
    assert ((known["realised_control_share"] - share).abs() <= band).all(), known


@needs_real_data
def test_an_rfm_audience_is_the_segment_a_build_the_day_before_gives(real_allocate_db, tmp_path):
    """At Risk and Can't Lose Them on 2011-11-15: the campaign's audience is exactly the
    customers those segments hold in a build whose RFM date is 2011-11-14 (re-run here on a
    copy of the real build with var rfm_as_of). Cut points taken from the whole data, or
    recency counted to the data's end, would move customers between segments."""
    copy = copy_warehouse(real_allocate_db, tmp_path / "as_of")
    rerun_models(
        copy,
        ["customer_rfm", "rfm_score_thresholds", "customer_rfm_scores"],
        {"rfm_as_of": "2011-11-14"},
    )
    that_day = frame(
        copy,
        "select customer_id, rfm_segment from marts.customer_rfm_scores "
        "where rfm_segment in ('At Risk', 'Can''t Lose Them')",
    )
    audience = frame(
        real_allocate_db,
        "select customer_id, target_segment from marts.campaign_audiences "
        "where campaign_key = 'late_at_risk'",
    )
    assert len(that_day) > 300
    assert dict(zip(audience["customer_id"], audience["target_segment"], strict=True)) == dict(
        zip(that_day["customer_id"], that_day["rfm_segment"], strict=True)
    )
    # and the segments of the data's end are another set: the test can tell them apart
    now = frame(
        real_allocate_db,
        "select customer_id from marts.customer_rfm_scores "
        "where rfm_segment in ('At Risk', 'Can''t Lose Them')",
    )
    assert set(now["customer_id"]) != set(that_day["customer_id"])


@needs_real_data
def test_a_churn_band_campaign_targets_the_band_on_the_start_date(real_allocate_db):
    """High churn risk on 2011-09-01, recomputed here from the invoices before that day
    (purchase days; ages to 2011-08-31), a BG/NBD fitted on them alone (clv.fit_bgnbd,
    checked against the literature in tests/unit/test_clv.py) and the probability of a
    purchase in the next 90 days; High from 66%. The declared band is 'high': case is
    ignored. The fit is not the build's full-window one, which has seen the purchases
    after the start."""
    start = pd.Timestamp("2011-09-01")
    invoices = _invoices(real_allocate_db)
    before = invoices[pd.to_datetime(invoices["day"]) < start]
    days = pd.to_datetime(before["day"])
    per = days.groupby(before["customer_id"]).agg(["min", "max", "nunique"]).sort_index()
    x = per["nunique"].to_numpy(float) - 1
    t_x = (per["max"] - per["min"]).dt.days.to_numpy(float)
    t = (start - pd.Timedelta(days=1) - per["min"]).dt.days.to_numpy(float)
    fitted = t > 0
    bg = clv.fit_bgnbd(x[fitted], t_x[fitted], t[fitted])
    full = frame(
        real_allocate_db,
        "select r, alpha, a, b from marts.clv_model_parameters where fit_window = 'full'",
    ).iloc[0]
    assert abs(bg.r / full["r"] - 1) > 0.01  # another fit than the build's
    risk = 1 - clv.prob_purchase_within(bg, 90, x, t_x, t)
    expected = set(per.index[risk >= 0.66])
    audience = frame(
        real_allocate_db,
        "select customer_id, target_segment from marts.campaign_audiences "
        "where campaign_key = 'summer_churn_high'",
    )
    assert len(expected) > 200
    assert set(audience["customer_id"]) == expected
    assert set(audience["target_segment"]) == {"High"}


@needs_real_data
def test_a_churn_band_audience_is_the_band_a_build_the_day_before_gives(real_allocate_db, tmp_path):
    """The decision: a churn-band campaign's audience is frozen as a build on the day
    before its start would draw it, so it does not move as data arrives. Here the lifetime
    model is re-run on a copy of the real build with var rfm_as_of 2011-08-31: its High
    band is the campaign's audience."""
    copy = copy_warehouse(real_allocate_db, tmp_path / "day_before")
    rerun_models(
        copy, ["int_clv_purchase_days+,+customer_lifetime_value"], {"rfm_as_of": "2011-08-31"}
    )
    high_then = frame(
        copy,
        "select customer_id from marts.customer_lifetime_value where churn_risk_band = 'High'",
    )
    audience = frame(
        real_allocate_db,
        "select customer_id from marts.campaign_audiences where campaign_key = 'summer_churn_high'",
    )
    assert len(high_then) > 200
    assert set(audience["customer_id"]) == set(high_then["customer_id"])


@needs_real_data
def test_an_interest_segment_campaign_scores_the_spend_before_its_start(real_allocate_db, tmp_path):
    """Two campaigns on the largest interest segment, re-run on a copy of the real build:
    starting the day after the data ends, the audience is that segment as
    customer_interest_segments has it (the same model on the same spend, reached through
    the as-of spend); starting 2011-09-01, it is scored on the spend before, so only earlier
    customers are in it and some have moved."""
    copy = copy_warehouse(real_allocate_db, tmp_path / "copy")
    segments = frame(
        copy, "select customer_id, interest_segment_name from marts.customer_interest_segments"
    )
    largest = segments["interest_segment_name"].value_counts().index[0]
    declared = tmp_path / "campaigns.csv"
    declared.write_text(
        "campaign_key,target_type,target_segments,start_date\n"
        f'now,interest_segment,"{largest}",2011-12-10\n'
        f'september,interest_segment,"{largest.upper()}",2011-09-01\n'
    )
    rerun_models(
        copy, ["stg_campaigns+"], {"campaigns": str(declared), "activation_exports": False}
    )
    audiences = frame(copy, "select * from marts.campaign_audiences")
    now = set(audiences.loc[audiences["campaign_key"] == "now", "customer_id"])
    expected = set(segments.loc[segments["interest_segment_name"] == largest, "customer_id"])
    assert len(expected) > 300 and now == expected
    september = audiences[audiences["campaign_key"] == "september"]
    assert set(september["target_segment"]) == {largest}
    first = _invoices(copy).groupby("customer_id")["day"].min()
    assert (pd.to_datetime(september["customer_id"].map(first)) < "2011-09-01").all()
    assert len(september) > 100 and set(september["customer_id"]) - now


@needs_real_data
def test_a_campaign_on_its_sent_list_is_measured_on_that_list(real_allocate_db):
    """august_list declares the file it was sent to (conftest.real_campaigns: the August
    2011 buyers, with rows of another campaign, a repeated customer and one who never
    bought): its audience is exactly the listed customers of that campaign who bought before
    the start, in the list's segment, not the Lapsed regulars it names."""
    sent = pd.read_csv(real_allocate_db.parent / "august_list.csv", dtype=str)
    listed = set(sent.loc[sent["campaign_key"] == "august_list", "customer_id"])
    customers = set(_invoices(real_allocate_db)["customer_id"])
    audience = frame(
        real_allocate_db,
        "select * from marts.campaign_audiences where campaign_key = 'august_list'",
    )
    assert set(audience["customer_id"]) == listed & customers
    assert "99999999" in listed and len(audience) == len(listed) - 1
    assert set(audience["target_segment"]) == {"August buyers"}
    targets = frame(
        real_allocate_db,
        "select target_segment, status from marts.campaign_results "
        "where campaign_key = 'august_list' and level = 'segment'",
    )
    assert set(targets["target_segment"]) == {"August buyers"}
    assert set(targets["status"]) == {"measured"}


@needs_real_data
def test_with_no_treatment_the_interval_covers_zero(real_allocate_db):
    """Nothing was sent on 2011-09-01: the contacted and held-out Lapsed regulars bought
    alike. Their rates are recounted from the invoices in the window."""
    results = _results(real_allocate_db, "autumn_winback")
    assert set(results.index) == {"purchase_rate", "revenue_per_customer"}
    assert (results["status"] == "measured").all()
    assert (results["verdict"] == "no measurable effect").all()
    assert ((results["uplift_low"] < 0) & (results["uplift_high"] > 0)).all()
    assert (results["p_value"] > 0.05).all()
    audience = frame(
        real_allocate_db,
        "select customer_id, control_group from marts.campaign_audiences "
        "where campaign_key = 'autumn_winback'",
    )
    invoices = _invoices(real_allocate_db)
    day = pd.to_datetime(invoices["day"])
    window = invoices[(day >= "2011-09-01") & (day <= "2011-11-29")]
    audience["bought"] = audience["customer_id"].isin(window["customer_id"])
    audience["revenue"] = (
        audience["customer_id"].map(window.groupby("customer_id")["revenue"].sum()).fillna(0)
    )
    groups = audience.groupby("control_group")
    rate = results.loc["purchase_rate"]
    assert rate["treatment_value"] == pytest.approx(groups["bought"].mean()[False])
    assert rate["control_value"] == pytest.approx(groups["bought"].mean()[True])
    revenue = results.loc["revenue_per_customer"]
    assert revenue["control_value"] == pytest.approx(groups["revenue"].mean()[True], abs=0.01)
    assert revenue["treatment_value"] == pytest.approx(groups["revenue"].mean()[False], abs=0.01)
    assert rate["uplift_low"] <= rate["uplift"] <= rate["uplift_high"]


@needs_real_data
def test_running_not_started_and_unknown_campaigns_say_so(real_allocate_db):
    last_day = pd.Timestamp("2011-12-09")
    running = _results(real_allocate_db, "late_at_risk")
    assert (running["status"] == "running").all()
    assert (running["verdict"] == "too early").all()
    assert (running["days_left"] == (pd.Timestamp("2012-01-13") - last_day).days).all()
    assert running["uplift"].notna().all()  # the values so far, but no test yet
    assert running[["uplift_low", "uplift_high", "p_value"]].isna().all().all()
    segments = _results(real_allocate_db, "late_at_risk", "segment")
    assert set(segments.index.get_level_values(0)) == {"At Risk", "Can't Lose Them"}
    preview = _results(real_allocate_db, "new_year_preview")
    assert (preview["status"] == "not started").all()
    assert preview["uplift"].isna().all()
    assert (preview["days_left"] == 30 + (pd.Timestamp("2011-12-20") - last_day).days - 1).all()
    typo = _results(real_allocate_db, "typo_winback", "segment")
    assert (typo["status"] == "unknown segment").all()
    assert "campaign 'typo_winback' targets 'Lapsed regularz'" in BUILD_OUTPUT[real_allocate_db]


@needs_real_data
def test_the_power_statement_is_the_80_percent_point(real_allocate_db):
    """The plan of the campaign to everyone on 2011-12-20: its baseline is the last whole
    30 days before the data ends, recounted here; a simulated two-sided Wald test at 5% (what
    the bootstrap interval approximates) with the plan's group sizes finds a true rise of
    exactly the detectable uplift 80% of the time."""
    plan = frame(
        real_allocate_db,
        "select * from marts.campaign_plan where campaign_key = 'new_year_preview' "
        "and level = 'campaign'",
    ).iloc[0]
    assert str(plan["baseline_window_start"])[:10] == "2011-11-10"
    assert str(plan["baseline_window_end"])[:10] == "2011-12-09"
    invoices = _invoices(real_allocate_db)
    day = pd.to_datetime(invoices["day"])
    cohort = set(invoices.loc[day < "2011-11-10", "customer_id"])
    bought = set(invoices.loc[day >= "2011-11-10", "customer_id"]) & cohort
    assert plan["baseline_customers"] == len(cohort)
    assert plan["baseline_purchase_rate"] == pytest.approx(len(bought) / len(cohort))

    rng = np.random.default_rng(0)
    n_t, n_c = int(plan["treatment_customers"]), int(plan["control_customers"])
    p = plan["baseline_purchase_rate"]
    trials = 40_000
    treated = rng.binomial(n_t, p + plan["detectable_purchase_rate_uplift"], trials) / n_t
    control = rng.binomial(n_c, p, trials) / n_c
    error = np.sqrt(treated * (1 - treated) / n_t + control * (1 - control) / n_c)
    assert np.mean(np.abs(treated - control) / error > 1.959964) == pytest.approx(0.80, abs=0.01)
    assert plan["detectable_purchase_rate_uplift_relative"] == pytest.approx(
        plan["detectable_purchase_rate_uplift"] / p
    )


# ------------------------------------------------------------------ planted synthetic data


@pytest.fixture(scope="module")
def planted_db(tmp_path_factory) -> Path:
    """The default synthetic shop with a planted campaign to everyone on 2011-08-01 (half
    held out, the contacted buy in the 90 days at 1.2 times their rate), and 40 campaigns
    on the same customers and days that nobody sent (A/A tests), each holding out the
    default 10%."""
    folder = tmp_path_factory.mktemp("planted")
    raw, _ = synthetic.generate(folder / "planted.parquet", campaign=PLANTED)
    declared = [
        "campaign_key,target_type,target_segments,start_date,control_share,window_days,outcome",
        f"{PLANTED.key},all,,{PLANTED.start},{PLANTED.control_share},90,both",
    ] + [
        f"no_effect_{i:02d},all,,{PLANTED.start},,90,both"  # the default control share
        for i in range(1, NO_EFFECT_CAMPAIGNS + 1)
    ]
    campaigns = folder / "campaigns.csv"
    campaigns.write_text("\n".join(declared) + "\n")
    db = folder / "planted.duckdb"
    build_warehouse(db, "--raw", str(raw), "--campaigns", str(campaigns))
    return db


def test_a_planted_uplift_is_recovered(planted_db):
    results = _results(planted_db, PLANTED.key)
    rate = results.loc["purchase_rate"]
    assert rate["status"] == "measured" and rate["verdict"] == "worked"
    # the planted 20% more buyers, relative to the held-out group
    assert rate["relative_uplift_low"] < 0.2 < rate["relative_uplift_high"]
    assert rate["uplift_low"] > 0 and rate["p_value"] < 0.01
    revenue = results.loc["revenue_per_customer"]
    assert revenue["status"] == "measured"
    # in points: who bought only because of the campaign (the generator's truth), over the
    # contacted group
    truth = pd.read_parquet(synthetic.truth_path_for(planted_db.parent / "planted.parquet"))
    audience = frame(
        planted_db,
        f"select customer_id, control_group from marts.campaign_audiences "
        f"where campaign_key = '{PLANTED.key}'",
    ).merge(truth, on="customer_id")
    contacted = audience[~audience["control_group"]]
    assert not audience.loc[audience["control_group"], "bought_because_of_campaign"].any()
    planted_points = contacted["bought_because_of_campaign"].mean()
    assert rate["uplift_low"] < planted_points < rate["uplift_high"]
    # revenue: the mart's test is the randomization test of the audience's window revenue,
    # recomputed by scipy on the members (its own 20,000 re-splits)
    spent = frame(
        planted_db,
        f"select customer_id, control_group, window_revenue "
        f"from intermediate.int_campaign_members "
        f"where campaign_key = '{PLANTED.key}' and member_role = 'audience'",
    ).merge(truth, on="customer_id")
    held = spent["control_group"]
    independent = stats.permutation_test(
        (spent.loc[~held, "window_revenue"], spent.loc[held, "window_revenue"]),
        lambda t, c, axis: stats.ttest_ind(t, c, equal_var=False, axis=axis).statistic,
        permutation_type="independent",
        vectorized=True,
        n_resamples=20_000,
        random_state=0,
    )
    assert revenue["p_value"] == pytest.approx(independent.pvalue, abs=0.01)
    # the planted truth in revenue: what the customers who bought only because of the
    # campaign spent in the window, over the contacted (measured: 19 per customer, 1.1%).
    # On this one data set the interval (+80 to +841) misses it: without those customers
    # the contacted half still spent more than the held-out half by chance (2,187 against
    # 1,742 a customer; a few wholesale buyers make revenue this noisy), the 1 in 20 that a
    # 95% interval allows. The rate is held by simulation in test_campaign_statistics.py.
    converted = spent["bought_because_of_campaign"]
    planted_revenue = spent.loc[~held & converted, "window_revenue"].sum() / (~held).sum()
    assert planted_revenue == pytest.approx(19.1, abs=0.1)
    # before the start, the plan said the groups could detect a rise smaller than 20%
    plan = frame(
        planted_db,
        f"select * from marts.campaign_plan where campaign_key = '{PLANTED.key}' "
        "and level = 'campaign'",
    ).iloc[0]
    assert plan["detectable_purchase_rate_uplift_relative"] < 0.2
    assert str(plan["baseline_window_end"])[:10] < PLANTED.start


def test_with_no_effect_the_interval_covers_zero_about_95_percent_of_the_time(planted_db):
    """40 campaigns on the same customers and days, each with its own control-group draw of
    the default 10%, none sent: each interval should cover zero with probability 0.95. At
    least 35 of 40 (the next count down has a chance under 1 in 100 at 0.95). This checks
    the mart end to end on one data set; the rate itself is held to its binomial band by
    1,000 simulated campaigns per group size in tests/unit/test_campaign_statistics.py."""
    results = frame(
        planted_db,
        "select * from marts.campaign_results where campaign_key like 'no_effect_%' "
        "and level = 'campaign'",
    )
    assert len(results) == 2 * NO_EFFECT_CAMPAIGNS
    assert (results["status"] == "measured").all()
    assert results["treatment_customers"].nunique() > 10  # forty different draws
    covered = (results["uplift_low"] <= 0) & (results["uplift_high"] >= 0)
    by_metric = covered.groupby(results["metric"]).sum()
    print(f"no-effect campaigns whose 95% interval covers zero: {by_metric.to_dict()} of 40")
    assert (by_metric >= 35).all()
    # and the p-values are spread as they are under no effect, not piled near 0 or 1
    assert 0.35 < results["p_value"].mean() < 0.65
    # not covering by being too wide: the share who buy's intervals are as wide as the
    # textbook (Wald) interval of a difference of two proportions
    rate = results[results["metric"] == "purchase_rate"]
    wald = (
        2
        * 1.959964
        * np.sqrt(
            rate["treatment_value"] * (1 - rate["treatment_value"]) / rate["treatment_customers"]
            + rate["control_value"] * (1 - rate["control_value"]) / rate["control_customers"]
        )
    )
    width = (rate["uplift_high"] - rate["uplift_low"]) / wald
    assert width.between(0.9, 1.1).all(), width.describe()


def test_results_repeat_on_a_rerun(planted_db, tmp_path):
    copy = copy_warehouse(planted_db, tmp_path / "again")
    before = frame(copy, "select * from marts.campaign_results order by all")
    rerun_models(
        copy,
        ["stg_campaigns+"],
        {"campaigns": str(planted_db.parent / "campaigns.csv"), "activation_exports": False},
    )
    after = frame(copy, "select * from marts.campaign_results order by all")
    pd.testing.assert_frame_equal(before, after)


# --------------------------------------------------------------------------------- bad input

BAD_DECLARATIONS = {
    "control share": (
        "campaign_key,target_type,target_segments,start_date,control_share\n"
        "big,all,,2011-09-01,0.6\n",
        "campaigns: campaign 'big' control_share 0.6 is outside (0, 0.5]",
    ),
    "declared twice": (
        "campaign_key,target_type,target_segments,start_date\n"
        "wave,all,,2011-09-01\nwave,all,,2011-10-01\n",
        "campaigns: campaign 'wave' is declared 2 times (starts 2011-09-01, 2011-10-01): "
        "give each wave its own campaign_key",
    ),
    "target type": (
        "campaign_key,target_type,target_segments,start_date\nx,cluster,Loyal,2011-09-01\n",
        "campaigns: campaign 'x' target_type 'cluster' is not one of behavioural_segment, "
        "rfm_segment, interest_segment, churn_band, all",
    ),
    "no segments": (
        "campaign_key,target_type,target_segments,start_date\nx,rfm_segment,; ;,2011-09-01\n",
        "campaigns: campaign 'x' names no target_segments",
    ),
    "sent list": (
        "campaign_key,target_type,target_segments,start_date,sent_list\n"
        "x,all,,2011-09-01,/no/such/list.csv\n",
        "campaigns: campaign 'x' sent_list /no/such/list.csv: no such file",
    ),
    "date": (
        "campaign_key,target_type,target_segments,start_date\nx,all,,01/09/2011\n",
        "campaigns: campaign 'x' start_date '01/09/2011' is not a date (YYYY-MM-DD)",
    ),
    "column": (
        "campaign_key,target_type,segment,start_date\nx,all,,2011-09-01\n",
        "unknown column(s) segment (columns: campaign_key, target_type, target_segments, "
        "start_date, control_share, window_days, outcome, sent_list)",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_DECLARATIONS))
def test_a_bad_declaration_stops_in_one_line(case, tmp_path):
    """The checks run in the first campaign models; what the command prints is read from
    dbt's run results (cli._failed_checks), here after plain dbt on those models alone."""
    text, message = BAD_DECLARATIONS[case]
    declared = tmp_path / "campaigns.csv"
    declared.write_text(text)
    target = tmp_path / "target"
    result = run_dbt(
        "run",
        "--select",
        "stg_campaigns",
        "int_campaign_sent_lists",
        "--target-path",
        str(target),
        env={"SEGMENTS_DB": str(tmp_path / "w.duckdb")},
        variables={"campaigns": str(declared)},
        timeout=300,
    )
    assert result.returncode != 0
    problems = cli._failed_checks(target)
    assert len(problems) == 1 and problems[0].endswith(message), problems
    assert "\n" not in problems[0]


def test_a_missing_campaigns_file_is_one_line(tmp_path):
    result = run_segments(
        "build", "--db", str(tmp_path / "w.duckdb"), "--campaigns", "nope.csv", cwd=tmp_path
    )
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: --campaigns: no such file: {tmp_path / 'nope.csv'}"
    assert "Traceback" not in result.stdout + result.stderr
    assert not (tmp_path / "w.duckdb").exists()  # nothing built


def test_a_sent_list_of_another_campaign_is_refused(planted_db, tmp_path):
    """A saved list whose control_group flags are not the declared campaign's draw (saved
    under another key) would measure the wrong groups: one line, no measurement."""
    copy = copy_warehouse(planted_db, tmp_path / "copy")
    audience = frame(
        planted_db,
        f"select * from marts.campaign_audiences where campaign_key = '{PLANTED.key}'",
    )
    sent = tmp_path / "sent.csv"
    audience.assign(campaign_key="renamed").to_csv(sent, index=False)
    declared = tmp_path / "campaigns.csv"
    declared.write_text(
        "campaign_key,target_type,target_segments,start_date,control_share,sent_list\n"
        f"renamed,all,,{PLANTED.start},{PLANTED.control_share},{sent}\n"
    )
    target = tmp_path / "target"
    result = run_dbt(
        "run",
        "--select",
        "stg_campaigns",
        "int_campaign_sent_lists",
        "--target-path",
        str(target),
        env={"SEGMENTS_DB": str(copy)},
        variables={"campaigns": str(declared)},
        timeout=300,
    )
    assert result.returncode != 0
    (problem,) = cli._failed_checks(target)
    assert problem.startswith("campaigns: campaign 'renamed' sent_list: customer ")
    assert problem.endswith("(a list saved under another campaign_key?)")
    # under its own key the same list is taken as it is
    audience.to_csv(sent, index=False)
    declared.write_text(
        "campaign_key,target_type,target_segments,start_date,control_share,sent_list\n"
        f"{PLANTED.key},all,,{PLANTED.start},{PLANTED.control_share},{sent}\n"
    )
    rerun_models(copy, ["stg_campaigns", "int_campaign_sent_lists"], {"campaigns": str(declared)})
    listed = frame(copy, "select count(*) as n from intermediate.int_campaign_sent_lists")
    assert listed["n"][0] == len(audience)
