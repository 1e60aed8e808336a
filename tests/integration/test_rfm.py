"""RFM marts, rule-based segments, history and exploratory marts."""

from __future__ import annotations

import pytest
from conftest import build_warehouse, query

SEGMENTS = {
    "Champions",
    "Loyal",
    "Potential Loyalist",
    "New Customers",
    "Promising",
    "Need Attention",
    "About to Sleep",
    "At Risk",
    "Can't Lose Them",
    "Hibernating",
    "Lost",
}


def test_real_data_reproduces_the_reference_rfm(real_reference_db):
    db = real_reference_db
    assert query(db, "select count(*) from marts.customer_rfm") == [(4_334,)]
    row = query(
        db,
        "select recency_days, frequency, monetary from marts.customer_rfm "
        "where customer_id = '12347'",
    )
    assert row == [(2, 7, 4_310.00)]
    assert query(
        db, "select frequency, monetary from marts.customer_rfm where customer_id = '12346'"
    ) == [(1, 0.0)]
    assert query(
        db,
        "select count(*) filter (where is_outlier), count(*) filter (where not is_outlier) "
        "from marts.customer_rfm",
    ) == [(290, 4_044)]
    q_frequency, q_monetary = query(
        db,
        "select quantile_cont(frequency, 0.95), quantile_cont(monetary, 0.95) "
        "from marts.customer_rfm",
    )[0]
    assert q_frequency == 13
    assert q_monetary == pytest.approx(5_659.852, abs=0.001)


def test_real_data_weekday_pattern(real_reference_db):
    rows = {
        name: (lines, avg)
        for name, lines, avg in query(
            real_reference_db,
            "select weekday_name, sales_lines, avg_quantity_per_line from marts.sales_by_weekday",
        )
    }
    assert rows["Saturday"] == (0, None)
    assert rows["Sunday"][1] == pytest.approx(7.54, abs=0.005)
    assert rows["Tuesday"][1] == pytest.approx(15.31, abs=0.005)
    assert rows["Sunday"][1] == min(avg for _, avg in rows.values() if avg is not None)


def test_scores_are_consistent_and_segments_complete(real_reference_db):
    db = real_reference_db
    for value, score in (
        ("recency_days", "r_score"),
        ("frequency", "f_score"),
        ("monetary", "m_score"),
    ):
        ties = query(
            db,
            f"select count(*) from (select {value} from marts.customer_rfm_scores "
            f"group by {value} having count(distinct {score}) > 1)",
        )
        assert ties == [(0,)], f"equal {value} got different {score}"
    # 5 is best: the most recent quintile has the smallest recency
    best, worst = query(
        db,
        "select max(recency_days) filter (where r_score = 5), "
        "min(recency_days) filter (where r_score = 1) from marts.customer_rfm_scores",
    )[0]
    assert best < worst
    summary = query(
        db, "select rfm_segment, customers, recommended_action from marts.rfm_segment_summary"
    )
    assert {row[0] for row in summary} == SEGMENTS
    assert sum(row[1] for row in summary) == 4_334
    assert all(row[2] for row in summary)
    thresholds = query(db, "select count(*) from marts.rfm_score_thresholds")
    assert thresholds == [(15,)]


def test_history_is_set_based_and_lapsing_customers_drift_down(real_reference_db):
    db = real_reference_db
    months = query(db, "select count(distinct snapshot_month) from marts.customer_rfm_history")
    assert months == [(13,)]
    # a customer is absent before the first purchase
    early = query(
        db,
        "select count(*) from marts.customer_rfm_history h join marts.customer_rfm r "
        "using (customer_id) where h.as_of_date < cast(r.first_purchase_at as date)",
    )
    assert early == [(0,)]
    # with no purchase between two month ends, the R score can only fall
    rising = query(
        db,
        "select count(*) from (select customer_id, frequency, r_score, "
        "lag(frequency) over w as prev_frequency, lag(r_score) over w as prev_r "
        "from marts.customer_rfm_history window w as (partition by customer_id "
        "order by snapshot_month)) where frequency = prev_frequency and r_score > prev_r",
    )
    assert rising == [(0,)]
    # customers silent for the last half year end in the lapsed segments
    lapsed = query(
        db,
        "select count(*) filter (where rfm_segment in "
        "('At Risk', 'Can''t Lose Them', 'Hibernating', 'Lost')), count(*) "
        "from marts.customer_rfm_scores where recency_days > 180",
    )[0]
    assert lapsed[1] > 500 and lapsed[0] == lapsed[1]
    moves = query(
        db,
        "select sum(customers) from marts.rfm_segment_transitions "
        "where snapshot_month = date '2011-12-01'",
    )
    assert moves == [(4_334,)]


def _archetype_shares(db, truth):
    rows = query(
        db,
        f"select t.archetype, s.rfm_segment, count(*) from marts.customer_rfm_scores s "
        f"join '{truth}' t using (customer_id) group by all",
    )
    totals: dict[str, int] = {}
    for archetype, _, n in rows:
        totals[archetype] = totals.get(archetype, 0) + n

    def share(archetype, segments):
        hits = sum(n for a, s, n in rows if a == archetype and s in segments)
        return hits / totals[archetype]

    return share


def test_planted_archetypes_land_in_expected_segments(synthetic_db):
    (truth,) = (synthetic_db.parent / "synthetic").glob("*_truth.parquet")
    share = _archetype_shares(synthetic_db, truth)
    assert share("champion", {"Champions", "Loyal"}) >= 0.9
    assert share("wholesale", {"Champions", "Loyal"}) >= 0.9
    assert share("loyal", {"Loyal", "Champions", "Potential Loyalist"}) >= 0.9
    assert share("new", {"New Customers", "Promising", "Potential Loyalist"}) >= 0.9
    assert share("lost", {"Lost", "Hibernating"}) >= 0.75
    assert share("lost", {"Lost", "Hibernating", "About to Sleep"}) >= 0.95
    assert share("at_risk", {"At Risk", "Can't Lose Them"}) >= 0.4
    assert share("at_risk", {"Champions", "New Customers", "Promising"}) == 0


def test_custom_cut_points(tmp_path):
    db = tmp_path / "custom.duckdb"
    build_warehouse(
        db,
        "--vars",
        "{rfm_score_method: custom, rfm_custom_cut_points: "
        "{recency_days: [10, 20, 40, 80], frequency: [1, 2, 3, 5], "
        "monetary: [100, 200, 400, 800]}}",
    )
    bounds = query(
        db,
        "select metric, score, lower_bound, upper_bound from marts.rfm_score_thresholds "
        "where method = 'custom' order by metric, value_bin",
    )
    assert ("recency_days", 5, None, 10.0) in bounds
    assert ("recency_days", 1, 80.0, None) in bounds
    assert ("monetary", 3, 200.0, 400.0) in bounds
    wrong = query(
        db,
        "select count(*) from marts.customer_rfm_scores where "
        "r_score != case when recency_days <= 10 then 5 when recency_days <= 20 then 4 "
        "when recency_days <= 40 then 3 when recency_days <= 80 then 2 else 1 end",
    )
    assert wrong == [(0,)]
