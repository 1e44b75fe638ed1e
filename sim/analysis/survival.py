"""Kaplan-Meier curve of the time to first reach a rung, right-censored at the horizon.

:func:`survival` reads the ``day_rung_<k>`` column of an outcomes table (``docs/outcomes.md``) and
returns a :class:`~sim.analysis.results.SurvivalResult`; SciPy does the estimate
(``scipy.stats.ecdf``).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from sim.analysis.results import SurvivalResult, _check_confidence
from sim.analysis.stats import _day_column

__all__ = ["survival"]


def survival(outcomes: pd.DataFrame, rung: int, confidence: float = 0.95) -> SurvivalResult:
    """Kaplan-Meier estimate of the time to first reach `rung`, right-censored at the horizon.

    Parameters
    ----------
    outcomes : pd.DataFrame
        Outcome table with column ``day_rung_{rung}`` and ``attrs["horizon"]``. A day of 0 (the
        start rung is already at least `rung`) is an event at time 0; NaN is censored at the
        horizon.
    rung : int
        Rung of the ladder, 0..5.
    confidence : float
        Confidence level of the pointwise interval, in (0, 1).

    Returns
    -------
    SurvivalResult
        S(t) at each distinct event day, with log-log limits, and the one-sided exact limit
        before the first event. If no replication reaches the rung, the arrays are empty, S = 1
        throughout and its band is ``[low_before_first, 1]``.

    Notes
    -----
    The curve is ``scipy.stats.ecdf`` of ``scipy.stats.CensoredData`` and its interval
    ``sf.confidence_interval(method="log-log")``, the exponential Greenwood interval [1]_, which
    stays inside [0, 1]. Because every replication is censored at the same day T, S(t) for
    t <= T equals the plain share of replications not yet at the rung; the estimator matters for
    the interval and for tables joined across runs with different horizons.

    Before the first event day the estimate is S = 1 and the log-log formula gives no interval
    (SciPy returns [1, 1] there, which claims a certainty no finite run has). There the band is
    the one-sided exact binomial bound ``[low_before_first, 1]``: with n of n replications short
    of the rung, S >= ``((1 - confidence) / 2) ** (1 / n)`` (Clopper and Pearson, 1934).

    References
    ----------
    .. [1] Sawyer, S. (2003). "The Greenwood and exponential Greenwood confidence intervals in
       survival analysis." https://www.math.wustl.edu/~sawyer/handouts/greenwood.pdf
    """
    _check_confidence(confidence)
    horizon = outcomes.attrs.get("horizon")
    if horizon is None:
        raise ValueError(
            "survival needs outcomes.attrs['horizon'], the day replications are censored"
        )
    day = _day_column(outcomes, rung).to_numpy(dtype=float)
    if day.size == 0:
        raise ValueError("outcomes has no rows")
    events = day[~np.isnan(day)]
    if np.any((events < 0) | (events > horizon)):
        raise ValueError(f"day_rung_{rung} has days outside [0, horizon={horizon}]")
    days = np.unique(events)
    # Before the first event every replication is short of the rung: n successes in n trials.
    first = stats.binomtest(day.size, day.size).proportion_ci(confidence, method="exact").low
    if days.size == 0:
        empty = np.empty(0)
        return SurvivalResult(
            empty, empty, empty, empty, float(first), rung, day.size, float(horizon), confidence
        )
    data = stats.CensoredData(uncensored=events, right=np.full(day.size - events.size, horizon))
    sf = stats.ecdf(data).sf
    with warnings.catch_warnings():
        # Where S = 0 the log-log formula takes log(0); SciPy warns and returns NaN, which we keep.
        warnings.filterwarnings(
            "ignore", message="The confidence interval is undefined", category=RuntimeWarning
        )
        ci = sf.confidence_interval(confidence, method="log-log")
    return SurvivalResult(
        days=days,
        survival=sf.evaluate(days),
        low=ci.low.evaluate(days),
        high=ci.high.evaluate(days),
        low_before_first=float(first),
        rung=rung,
        n=day.size,
        horizon=float(horizon),
        confidence=confidence,
    )
