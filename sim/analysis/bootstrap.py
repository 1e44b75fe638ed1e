"""A bootstrap interval for a statistic of a per-replication quantity (scipy.stats.bootstrap)."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from functools import partial

import numpy as np
from scipy import stats

from sim.analysis.results import BootstrapResult, _check_confidence

__all__ = ["bootstrap_interval"]


def _statistic(statistic: str | float | Callable[..., float]) -> tuple[Callable[..., float], str]:
    if callable(statistic):
        return statistic, getattr(statistic, "__name__", "statistic")
    if statistic == "mean":
        return np.mean, "mean"
    if statistic == "median":
        return np.median, "median"
    if isinstance(statistic, float) and 0 < statistic < 1:
        return partial(np.quantile, q=statistic), f"quantile {statistic:g}"
    raise ValueError(
        f"statistic must be 'mean', 'median', a quantile in (0, 1) or a callable, got {statistic!r}"
    )


def bootstrap_interval(
    values: np.ndarray,
    statistic: str | float | Callable[..., float] = "mean",
    confidence: float = 0.95,
    n_resamples: int = 2000,
    seed: int = 0,
    method: str = "BCa",
) -> BootstrapResult:
    """Estimate a statistic of a sample with a bootstrap confidence interval.

    Parameters
    ----------
    values : np.ndarray
        Finite sample, shape (n,) with n >= 2, e.g. one value per replication.
    statistic : str, float or callable
        ``"mean"``, ``"median"``, a quantile level q in (0, 1), or a function of a 1-D array
        (taking ``axis`` as well makes it faster).
    confidence : float
        Confidence level, in (0, 1).
    n_resamples : int
        Number of bootstrap resamples.
    seed : int
        Seed of the PCG64 generator drawing the resamples.
    method : str
        ``"BCa"`` (default), ``"percentile"`` or ``"basic"``, as in ``scipy.stats.bootstrap``.

    Returns
    -------
    BootstrapResult
        The statistic of `values` with its interval; ``method`` says which interval was used.

    Notes
    -----
    Degenerate data does not raise. A constant sample gives the point with zero width and method
    ``"degenerate"`` (every resample equals the sample). If BCa is undefined although the sample is
    not constant (e.g. the median of a sample whose jackknife medians all coincide), SciPy's warning
    is caught and the percentile interval of the same resamples is returned, with method
    ``"percentile"``.
    """
    _check_confidence(confidence)
    func, name = _statistic(statistic)
    sample = np.asarray(values, dtype=float)
    if sample.ndim != 1 or sample.size < 2:
        raise ValueError(f"values must be 1-D with at least 2 elements, got shape {sample.shape}")
    if not np.all(np.isfinite(sample)):
        raise ValueError("values must be finite (no NaN or inf)")
    estimate = float(func(sample))
    result = partial(
        BootstrapResult, estimate=estimate, n=sample.size, statistic=name, confidence=confidence
    )
    if np.all(sample == sample[0]):
        return result(low=estimate, high=estimate, method="degenerate")
    boot = partial(stats.bootstrap, (sample,), func, confidence_level=confidence)
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        # BCa divides by the spread of the jackknife values; when that is 0 SciPy returns NaN.
        warnings.simplefilter("ignore", stats.DegenerateDataWarning)
        res = boot(
            n_resamples=n_resamples, method=method, rng=np.random.Generator(np.random.PCG64(seed))
        )
    if not np.all(np.isfinite([res.confidence_interval.low, res.confidence_interval.high])):
        method = "percentile"
        res = boot(n_resamples=0, method=method, bootstrap_result=res)
    ci = res.confidence_interval
    return result(low=float(ci.low), high=float(ci.high), method=method)
