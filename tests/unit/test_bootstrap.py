"""The vectorised bootstrap metrics equal scikit-learn's on unit weights, and a resample's
weights give the same value as scikit-learn on the resampled rows."""

from __future__ import annotations

import numpy as np
from retail_segments import bootstrap
from sklearn import metrics


def _binary(n=400, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    scores = np.round(np.clip(0.3 * y + rng.normal(0.35, 0.25, n), 0, 1), 2)  # with ties
    return y, scores


def _multiclass(n=500, seed=1):
    rng = np.random.default_rng(seed)
    y = rng.integers(1, 5, n)
    predicted = np.where(rng.random(n) < 0.5, y, rng.integers(1, 6, n))  # class 5 never true
    probabilities = rng.dirichlet(np.ones(5), n)
    return y, predicted, probabilities, np.arange(1, 6)


def test_binary_metrics_equal_scikit_learn():
    y, scores = _binary()
    ones = np.ones((1, len(y)))
    assert np.isclose(bootstrap.roc_auc(ones, y, scores)[0], metrics.roc_auc_score(y, scores))
    assert np.isclose(
        bootstrap.average_precision(ones, y, scores)[0],
        metrics.average_precision_score(y, scores),
    )
    assert np.isclose(bootstrap.brier(ones, y, scores)[0], metrics.brier_score_loss(y, scores))
    # a resample as weights is the metric of the resampled rows
    rng = np.random.default_rng(5)
    rows = rng.integers(0, len(y), len(y))
    weights = np.bincount(rows, minlength=len(y))[None, :].astype(float)
    assert np.isclose(
        bootstrap.roc_auc(weights, y, scores)[0], metrics.roc_auc_score(y[rows], scores[rows])
    )
    assert np.isclose(
        bootstrap.average_precision(weights, y, scores)[0],
        metrics.average_precision_score(y[rows], scores[rows]),
    )


def test_multiclass_metrics_equal_scikit_learn():
    y, predicted, probabilities, classes = _multiclass()
    ones = np.ones((1, len(y)))
    assert np.isclose(
        bootstrap.balanced_accuracy(ones, y, predicted)[0],
        metrics.balanced_accuracy_score(y, predicted),
    )
    assert np.isclose(
        bootstrap.macro_f1(ones, y, predicted)[0],
        metrics.f1_score(y, predicted, average="macro", zero_division=0),
    )
    assert np.isclose(
        bootstrap.log_loss(ones, y, probabilities, classes)[0],
        metrics.log_loss(y, probabilities, labels=classes),
    )
    assert np.isclose(
        bootstrap.accuracy(ones, y, predicted)[0], metrics.accuracy_score(y, predicted)
    )


def test_intervals_cover_the_truth_and_shrink_with_data():
    rng = np.random.default_rng(3)
    widths = []
    for n in (200, 3200):
        y = rng.integers(0, 2, n)
        scores = y * 0.2 + rng.random(n)  # true AUC = 0.68
        point, low, high = bootstrap.with_interval(
            bootstrap.roc_auc, y, scores, resamples=400, seed=0
        )
        assert low < point < high
        assert low < 0.68 < high
        widths.append(high - low)
    assert widths[1] < widths[0] / 2.5  # about 1/sqrt(16) = 1/4
