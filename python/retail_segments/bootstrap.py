"""Classification metrics with percentile bootstrap intervals, computed for all resamples at
once. A bootstrap resample is a vector of multiplicities (how often each test customer is
drawn), so every metric here is a weighted metric evaluated on a (resamples x customers)
weight matrix: one matrix product instead of a thousand calls to scikit-learn. With unit
weights each function equals its scikit-learn counterpart (tested).
"""

from __future__ import annotations

import functools

import numpy as np
import scipy.sparse as sp

EPS = 1e-15  # probabilities are clipped here before the log, as scikit-learn does


def resample_weights(n: int, resamples: int, seed: int) -> np.ndarray:
    """Multiplicities of each of n items in each resample (rows), drawn with replacement."""
    rng = np.random.default_rng(seed)
    return rng.multinomial(n, np.full(n, 1.0 / n), size=resamples).astype(np.float64)


def _groups(scores: np.ndarray) -> tuple[sp.csr_matrix, int]:
    """Items x distinct-score indicator, distinct scores in descending order."""
    _, inverse = np.unique(-scores, return_inverse=True)
    n_groups = int(inverse.max()) + 1
    indicator = sp.csr_matrix(
        (np.ones(len(scores)), (np.arange(len(scores)), inverse)), shape=(len(scores), n_groups)
    )
    return indicator, n_groups


def roc_auc(weights: np.ndarray, y: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Weighted ROC AUC (ties count one half), per row of weights."""
    groups, _ = _groups(scores)
    positive = (weights * (y == 1)) @ groups  # rows x groups, descending score
    negative = (weights * (y == 0)) @ groups
    negatives_below = negative.sum(axis=1, keepdims=True) - np.cumsum(negative, axis=1)
    pairs = positive.sum(axis=1) * negative.sum(axis=1)
    won = (positive * (negatives_below + 0.5 * negative)).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return won / pairs


def average_precision(weights: np.ndarray, y: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Weighted average precision (PR AUC as scikit-learn computes it: the sum over
    thresholds of the recall step times the precision)."""
    groups, _ = _groups(scores)
    true_positives = np.cumsum((weights * (y == 1)) @ groups, axis=1)
    predicted = np.cumsum(weights @ groups, axis=1)
    positives = true_positives[:, -1:]
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(predicted > 0, true_positives / predicted, 0.0)
        recall = true_positives / positives
    steps = np.diff(recall, axis=1, prepend=0.0)
    return (steps * precision).sum(axis=1)


def brier(weights: np.ndarray, y: np.ndarray, probability: np.ndarray) -> np.ndarray:
    return weights @ (probability - y) ** 2 / weights.sum(axis=1)


def rate_where(weights: np.ndarray, y: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The weighted share of y == 1 among the items in mask (e.g. the top decile)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return (weights @ (y * mask)) / (weights @ mask.astype(float))


def log_loss(
    weights: np.ndarray, y: np.ndarray, probabilities: np.ndarray, classes: np.ndarray
) -> np.ndarray:
    """Weighted mean negative log probability of the true class (0 for a class the model
    never saw, clipped at EPS)."""
    position = {c: i for i, c in enumerate(classes)}
    columns = np.array([position.get(v, -1) for v in y])
    true_probability = np.where(
        columns >= 0, probabilities[np.arange(len(y)), np.maximum(columns, 0)], 0.0
    )
    true_probability = true_probability / np.maximum(probabilities.sum(axis=1), EPS)
    return weights @ -np.log(np.clip(true_probability, EPS, 1.0)) / weights.sum(axis=1)


def _per_class(weights, y, predicted, labels):
    hits = np.column_stack([weights @ ((y == c) & (predicted == c)) for c in labels])
    actual = np.column_stack([weights @ (y == c) for c in labels])
    called = np.column_stack([weights @ (predicted == c) for c in labels])
    return hits, actual, called


def balanced_accuracy(weights: np.ndarray, y: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """Mean recall over the classes present in the (resampled) truth."""
    hits, actual, _ = _per_class(weights, y, predicted, np.unique(y))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.nanmean(np.where(actual > 0, hits / actual, np.nan), axis=1)


def macro_f1(weights: np.ndarray, y: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """Mean F1 over the classes in the truth or the predictions (0 where undefined)."""
    hits, actual, called = _per_class(weights, y, predicted, np.union1d(y, predicted))
    denominator = actual + called
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(denominator > 0, 2 * hits / denominator, 0.0)
    return f1.mean(axis=1)


def accuracy(weights: np.ndarray, y: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    return weights @ (y == predicted) / weights.sum(axis=1)


@functools.lru_cache(maxsize=2)
def _resample_chunks(n: int, resamples: int, seed: int, chunk: int) -> tuple[np.ndarray, ...]:
    """The resamples' multiplicities in chunks of `chunk` rows (chunk i drawn with seed + i),
    drawn once for every metric of one test set: the multinomial draw was 60% of the
    prediction evaluation's time when each of its ~80 metrics drew it anew. Kept as the
    smallest integer type that holds them (one byte each as a rule: 5 MB at 100x)."""
    chunks = []
    for index, start in enumerate(range(0, resamples, chunk)):
        weights = resample_weights(n, min(chunk, resamples - start), seed + index)
        small = weights.astype(np.uint8 if weights.max(initial=0) < 256 else np.uint32)
        small.flags.writeable = False
        chunks.append(small)
    return tuple(chunks)


def with_interval(metric, y, *args, resamples: int, seed: int, chunk: int = 100):
    """(point estimate, 2.5% and 97.5% percentiles over the resamples) of
    metric(weights, y, *args); weights are drawn in chunks so memory stays bounded."""
    n = len(y)
    point = float(metric(np.ones((1, n)), y, *args)[0])
    values = []
    for counts in _resample_chunks(n, resamples, seed, chunk):
        values.append(metric(counts.astype(np.float64), y, *args))
    values = np.concatenate(values)
    values = values[np.isfinite(values)]
    if len(values) == 0:
        return point, float("nan"), float("nan")
    low, high = np.percentile(values, [2.5, 97.5])
    return point, float(low), float(high)
