"""The purchase model chosen on the holdout (lifetime_value._choose via candidate_models) and
the settings that reach the dbt Python models. Fast: no warehouse."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import PROJECT
from retail_segments import lifetime_value
from retail_segments.lifetime_value import CHOICE_TOTAL_ERROR_TOLERANCE, LifetimeValueSettings


def _candidates(errors, squared_errors=None, spearmans=(0.5, 0.5)) -> tuple:
    """Two candidates' table and their customers' squared errors (None: a short holdout)."""
    briers = [np.nan, np.nan] if squared_errors is None else np.mean(squared_errors, axis=1)
    table = pd.DataFrame(
        {
            "model_family": ["bgnbd", "mbgnbd"],
            "total_error": errors,
            "brier_purchase_90d": briers,
            "spearman_purchases": list(spearmans),
        }
    )
    return table, None if squared_errors is None else np.asarray(squared_errors)


def _chosen(candidates: tuple, fixed: str = "auto") -> tuple[str, list[str]]:
    table, squared_errors = candidates
    chosen, reasons = lifetime_value._choose(table, fixed, squared_errors)
    assert chosen.sum() == 1
    return table.loc[chosen, "model_family"].iloc[0], reasons


def _squared_errors(bgnbd: float, mbgnbd: float, noise: float, n: int = 2000) -> np.ndarray:
    """Per-customer squared errors around two means, the same customers' noise shared and
    a little of each model's own."""
    rng = np.random.default_rng(1)
    shared = rng.normal(0, noise, n)
    own = rng.normal(0, noise / 10, (2, n))
    return np.array([bgnbd, mbgnbd])[:, None] + shared + own


def test_the_total_decides_first():
    family, reasons = _chosen(_candidates([-0.20, 0.03], _squared_errors(0.10, 0.30, 0.01)))
    assert family == "mbgnbd"  # far better total, whatever its Brier score
    assert reasons[0].startswith("not chosen: holdout total -20.0%, further off")


def test_a_brier_score_better_beyond_its_noise_decides_within_the_band():
    close = CHOICE_TOTAL_ERROR_TOLERANCE - 0.01
    better = _squared_errors(0.0300, 0.0275, 0.01)
    family, reasons = _chosen(_candidates([0.0, close], better))
    assert family == "mbgnbd"
    assert "but a worse Brier score" in reasons[0]
    # just outside the band the closer total wins again
    apart = CHOICE_TOTAL_ERROR_TOLERANCE + 0.01
    assert _chosen(_candidates([0.0, apart], better))[0] == "bgnbd"


def test_a_brier_score_better_only_within_its_noise_leaves_it_to_the_total():
    """CDNOW: Brier 0.109947 against 0.109921, totals -12.1% and -16.3%: the BG/NBD."""
    within_noise = _squared_errors(0.109947, 0.109921, 0.05)
    family, reasons = _chosen(_candidates([-0.121, -0.163], within_noise))
    assert family == "bgnbd"
    assert "as good as the best" in reasons[0] and "closest total" in reasons[0]
    assert "a total further off or tied" in reasons[1]


def test_a_short_holdout_falls_back_to_the_ranking():
    family, reasons = _chosen(_candidates([0.0, 0.01], None, (0.40, 0.45)))
    assert family == "mbgnbd"
    assert "Spearman ranking (the holdout is under 90 days)" in reasons[1]


def test_the_same_model_twice_keeps_the_bgnbd_and_says_so():
    same = _squared_errors(0.2002, 0.2002, 0.1)
    same[1] = same[0] + 1e-15
    family, reasons = _chosen(_candidates([-0.1227, -0.1227], same, (0.526, 0.526)))
    assert family == "bgnbd"
    assert "a tie keeps the first of BG/NBD, MBG/NBD" in reasons[1]


def test_a_holdout_without_purchases_keeps_the_default():
    family, reasons = _chosen(_candidates([np.nan, np.nan], _squared_errors(0, 0, 0.1)))
    assert family == "bgnbd"
    assert "no purchase to judge" in reasons[0]


def test_a_fixed_family_is_the_only_candidate_and_unknown_ones_are_refused():
    settings = LifetimeValueSettings.from_meta({"model_family": "mbgnbd"})
    assert lifetime_value.chosen_family(None, settings)[0] == "mbgnbd"
    assert lifetime_value.chosen_family(None)[0] == "bgnbd"
    with pytest.raises(ValueError, match="clv_model_family is 'pareto'"):
        lifetime_value.chosen_family(None, LifetimeValueSettings(model_family="pareto"))


def test_settings_read_a_mapping_its_get_or_nothing():
    assert (
        LifetimeValueSettings.from_meta({"monthly_discount_rate": "0.05"}).monthly_discount_rate
        == 0.05
    )
    assert (
        LifetimeValueSettings.from_meta({"monthly_discount_rate": ""}.get).monthly_discount_rate
        == 0.01
    )
    assert LifetimeValueSettings.from_meta(None) == LifetimeValueSettings()


def test_every_python_model_asks_dbt_for_its_meta_by_name():
    """dbt hands a Python model only the config keys its parser sees called with a literal
    name: a model that passed `dbt.config.meta_get` on as a function got an empty meta, and
    every override was dropped without a word. Each model that reads settings asks for
    `dbt.config.get("meta")` literally."""
    readers = 0
    for path in sorted((PROJECT / "models").rglob("*.py")):
        tree = ast.parse(Path(path).read_text())
        for call in ast.walk(tree):
            if isinstance(call, ast.Call) and getattr(call.func, "attr", "") == "from_meta":
                readers += 1
                (argument,) = call.args
                assert ast.unparse(argument) == "dbt.config.get('meta')", path
    assert readers >= 10
