"""Estimates with confidence intervals from outcome tables, with SciPy doing the statistics.

Every function takes the ``outcomes`` table of a run (one row per replication, columns as in
``docs/outcomes.md``) or plain arrays, and returns a frozen result object:

- :func:`binomial_interval`, :func:`escalation_probability`, :func:`summary_table`: P(max rung >= k
  within t days) with a binomial interval (``scipy.stats.binomtest``).
- :func:`bootstrap_interval`: interval for a mean, median or quantile of a per-replication quantity
  such as deaths (``scipy.stats.bootstrap``).
- :func:`paired_difference`: difference between two runs on the same seeds (common random numbers),
  with its paired score interval, the discordant counts, and the wider interval independent runs
  would have given (:func:`paired_score_interval` from the counts of the 2 x 2 table).

The result objects are :mod:`sim.analysis.results` and the bootstrap :mod:`sim.analysis.bootstrap`;
their names are re-exported here. The Kaplan-Meier curve is :func:`sim.analysis.survival.survival`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy import stats

from sim.analysis.bootstrap import bootstrap_interval
from sim.analysis.results import (
    BootstrapResult,
    Estimate,
    PairedComparison,
    SurvivalResult,
    _check_confidence,
)
from sim.core.ladder import RUNG_NAMES

__all__ = [
    "BINOMIAL_METHODS",
    "RUNG_NAMES",
    "BootstrapResult",
    "Estimate",
    "PairedComparison",
    "SurvivalResult",
    "binomial_interval",
    "bootstrap_interval",
    "escalation_probability",
    "paired_difference",
    "paired_score_interval",
    "pooled_summary",
    "summary_table",
]

BINOMIAL_METHODS = ("wilson", "exact", "wilsoncc")
"""Interval methods of ``scipy.stats.BinomTestResult.proportion_ci`` accepted here."""

_SUMMARY_COLUMNS = (
    "rung",
    "rung_name",
    "within_days",
    "probability",
    "ci_low",
    "ci_high",
    "replications",
    "successes",
)


def _day_column(outcomes: pd.DataFrame, rung: int) -> pd.Series:
    if rung not in range(len(RUNG_NAMES)):
        raise ValueError(f"rung must be an integer in 0..{len(RUNG_NAMES) - 1}, got {rung}")
    column = f"day_rung_{rung}"
    if column not in outcomes.columns:
        raise ValueError(f"outcomes has no column {column!r}")
    return outcomes[column]


def _resolve_within(outcomes: pd.DataFrame, within: float | None) -> float:
    horizon = outcomes.attrs.get("horizon")
    if within is None:
        return math.inf if horizon is None else float(horizon)
    if not within >= 0:
        raise ValueError(f"within must be >= 0 days, got {within}")
    if horizon is not None and within > horizon:
        raise ValueError(
            f"within={within} exceeds the horizon {horizon}: outcomes are censored at the horizon"
        )
    return float(within)


def _reached(outcomes: pd.DataFrame, rung: int, within: float | None) -> np.ndarray:
    """Whether each replication reached `rung` by day `within`, bool array of shape (R,)."""
    day = _day_column(outcomes, rung)
    # NaN (not reached by the horizon) compares False.
    return (day <= _resolve_within(outcomes, within)).to_numpy(dtype=bool)


def binomial_interval(
    successes: int, n: int, method: str = "wilson", confidence: float = 0.95
) -> Estimate:
    """Estimate a proportion with a binomial confidence interval.

    Parameters
    ----------
    successes : int
        Number of trials with the event, in [0, n].
    n : int
        Number of trials, >= 1.
    method : str
        ``"wilson"`` (score interval, the default), ``"exact"`` (Clopper-Pearson) or ``"wilsoncc"``
        (Wilson with continuity correction).
    confidence : float
        Confidence level, in (0, 1).

    Returns
    -------
    Estimate
        ``successes / n`` with its interval.

    Notes
    -----
    The interval is ``scipy.stats.binomtest(successes, n).proportion_ci``. Wilson is close to
    nominal coverage even for proportions near 0 or 1, where the Wald interval fails [1]_.

    References
    ----------
    .. [1] Brown, L. D., Cai, T. T. and DasGupta, A. (2001). "Interval estimation for a binomial
       proportion." Statistical Science 16(2), 101-133.

    Examples
    --------
    >>> print(binomial_interval(246, 2000))
    0.123 [0.109, 0.138] (n=2000)
    """
    if n <= 0:
        raise ValueError(f"n must be >= 1, got {n}")
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be in [0, n={n}], got {successes}")
    if method not in BINOMIAL_METHODS:
        raise ValueError(f"unknown method {method!r}; valid methods: {', '.join(BINOMIAL_METHODS)}")
    _check_confidence(confidence)
    ci = stats.binomtest(int(successes), int(n)).proportion_ci(
        confidence_level=confidence, method=method
    )
    return Estimate(
        estimate=successes / n,
        low=float(ci.low),
        high=float(ci.high),
        n=int(n),
        successes=int(successes),
        method=method,
        confidence=confidence,
    )


def escalation_probability(
    outcomes: pd.DataFrame,
    rung: int,
    within: float | None = None,
    method: str = "wilson",
    confidence: float = 0.95,
) -> Estimate:
    """Estimate P(max rung >= `rung` within `within` days), the share of rows reaching it by then.

    Parameters
    ----------
    outcomes : pd.DataFrame
        Outcome table, one row per replication, with column ``day_rung_{rung}`` (NaN = not reached).
    rung : int
        Rung of the ladder, 0..5 (see `RUNG_NAMES`).
    within : float or None
        Days from the start, >= 0 and at most ``outcomes.attrs["horizon"]`` if that is set. None
        means by the horizon (any non-NaN day).
    method : str
        Binomial interval method, one of `BINOMIAL_METHODS`.
    confidence : float
        Confidence level, in (0, 1).

    Returns
    -------
    Estimate
        The proportion with its interval, ``n`` = number of replications.

    Examples
    --------
    >>> table = pd.DataFrame({"day_rung_3": [1.0, 5.0, float("nan"), 10.0]})
    >>> escalation_probability(table, rung=3, within=5).successes
    2
    """
    reached = _reached(outcomes, rung, within)
    return binomial_interval(int(reached.sum()), reached.size, method, confidence)


def summary_table(
    outcomes: pd.DataFrame,
    horizons: tuple[float, ...] = (7, 30, 90, 365),
    rungs: tuple[int, ...] = (1, 2, 3, 4, 5),
    method: str = "wilson",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Tabulate P(max rung >= k within t days) for each rung k and horizon t.

    Parameters
    ----------
    outcomes : pd.DataFrame
        Outcome table, one row per replication.
    horizons : tuple of float
        Days t. Those beyond ``outcomes.attrs["horizon"]`` (if set) are dropped: the run says
        nothing about them.
    rungs : tuple of int
        Rungs k, each in 0..5.
    method : str
        Binomial interval method, one of `BINOMIAL_METHODS`.
    confidence : float
        Confidence level, in (0, 1).

    Returns
    -------
    pd.DataFrame
        One row per (rung, horizon), rung-major, with columns ``rung, rung_name, within_days,
        probability, ci_low, ci_high, replications, successes``.
    """
    horizon = outcomes.attrs.get("horizon")
    kept = [t for t in horizons if horizon is None or t <= horizon]
    rows = []
    for rung in rungs:
        for t in kept:
            est = escalation_probability(outcomes, rung, t, method, confidence)
            rows.append(
                (rung, RUNG_NAMES[rung], t, est.estimate, est.low, est.high, est.n, est.successes)
            )
    return pd.DataFrame(rows, columns=list(_SUMMARY_COLUMNS))


def pooled_summary(
    parts: Iterable[pd.DataFrame],
    horizons: tuple[float, ...] = (7, 30, 90, 365),
    rungs: tuple[int, ...] = (1, 2, 3, 4, 5),
    method: str = "wilson",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """:func:`summary_table` of all the rows of `parts`, holding one part in memory at a time.

    Successes and replications are added over the parts, and each interval computed once from
    the totals, so the table equals ``summary_table(pd.concat(parts))`` while memory is bounded
    by the largest part (a run streamed to disk is read one chunk at a time).

    Parameters
    ----------
    parts : iterable of pd.DataFrame
        Outcome tables of disjoint sets of replications, at least one; each with the
        ``day_rung_{k}`` columns and ``attrs["horizon"]`` as :func:`summary_table` reads them.
    horizons, rungs, method, confidence
        As in :func:`summary_table`.

    Returns
    -------
    pd.DataFrame
        As :func:`summary_table`.

    Examples
    --------
    >>> table = pd.DataFrame({"day_rung_3": [1.0, 5.0, float("nan"), 10.0]}, dtype=float)
    >>> pooled = pooled_summary([table[:1], table[1:]], horizons=(5,), rungs=(3,))
    >>> pooled.equals(summary_table(table, horizons=(5,), rungs=(3,)))
    True
    """
    total: pd.DataFrame | None = None
    for part in parts:
        table = summary_table(part, horizons, rungs, method, confidence)
        if total is None:
            total = table
        else:
            total[["replications", "successes"]] += table[["replications", "successes"]]
    if total is None:
        raise ValueError("no outcomes: give at least one table")
    rows = []
    for row in total.itertuples(index=False):
        est = binomial_interval(int(row.successes), int(row.replications), method, confidence)
        rows.append(
            (row.rung, row.rung_name, row.within_days, est.estimate, est.low, est.high, est.n,
             est.successes)
        )  # fmt: skip
    return pd.DataFrame(rows, columns=list(_SUMMARY_COLUMNS))


def _paired_order(a: pd.DataFrame, b: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Row orders that put `a` and `b` in the same replication order."""
    replications = []
    for name, table in (("a", a), ("b", b)):
        if "replication" not in table.columns:
            raise ValueError(f"{name} has no 'replication' column to pair on")
        rep = table["replication"].to_numpy()
        if np.unique(rep).size != rep.size:
            raise ValueError(f"{name} has duplicate replication indices")
        replications.append(rep)
    order_a, order_b = (np.argsort(rep, kind="stable") for rep in replications)
    if not np.array_equal(replications[0][order_a], replications[1][order_b]):
        raise ValueError("a and b must hold the same replication indices (runs on the same seeds)")
    return order_a, order_b


def paired_score_interval(
    both: int,
    a_only: int,
    b_only: int,
    neither: int,
    confidence: float = 0.95,
    paired: bool = True,
) -> tuple[float, float]:
    """Score confidence interval for ``p_b - p_a`` from the counts of a paired 2 x 2 table.

    Parameters
    ----------
    both, a_only, b_only, neither : int
        Replications with the event in both runs, in run `a` only, in run `b` only, in neither;
        each >= 0, summing to n >= 1.
    confidence : float
        Confidence level, in (0, 1).
    paired : bool
        True: the interval for matched pairs (Newcombe's method 10 for paired data). False: the
        interval the same proportions would get from two independent samples of size n
        (Newcombe's method 10 for independent samples), for comparison.

    Returns
    -------
    (float, float)
        Lower and upper limits, ``-1 <= low < high <= 1`` (each square root is at most the
        distance to -1 or 1), with ``low <= p_b - p_a <= high``.

    Notes
    -----
    With ``p_b = (both + b_only) / n``, ``p_a = (both + a_only) / n``, their Wilson score
    intervals ``(l_b, u_b)`` and ``(l_a, u_a)`` (``scipy.stats.binomtest(...).proportion_ci``)
    and ``d = p_b - p_a``, Newcombe's method 10 [1]_ squares and adds the distances from each
    estimate to its limits, less a correlation term:

    ``low  = d - sqrt((p_b - l_b)**2 - 2 phi (p_b - l_b)(u_a - p_a) + (u_a - p_a)**2)``

    ``high = d + sqrt((u_b - p_b)**2 - 2 phi (u_b - p_b)(p_a - l_a) + (p_a - l_a)**2)``

    ``phi`` is the correlation of the two indicators, with Newcombe's correction: for
    ``A = both * neither - a_only * b_only``, ``phi = (A - n/2) / sqrt(product of the four
    margins)`` if ``A > n/2``, 0 if ``0 <= A <= n/2``, ``A / sqrt(...)`` if ``A < 0``, and 0
    when a margin is 0. ``paired=False`` sets ``phi = 0``, which is method 10 of [2]_ for two
    independent samples of size n.

    Unlike the Wald interval for matched pairs, whose width is ``2 z sqrt(a_only + b_only -
    (b_only - a_only)**2 / n) / n`` and which collapses to [0, 0] without discordant pairs, the
    Wilson limits never have zero width, so the interval stays honest with 0-10 discordant
    pairs, the case of a rare outcome compared between similar policies. Newcombe found its
    coverage close to nominal over a wide range of tables [1]_.

    References
    ----------
    .. [1] Newcombe, R. G. (1998). "Improved confidence intervals for the difference between
       binomial proportions based on paired data." Statistics in Medicine 17(22), 2635-2650.
    .. [2] Newcombe, R. G. (1998). "Interval estimation for the difference between independent
       proportions: comparison of eleven methods." Statistics in Medicine 17(8), 873-890.

    Examples
    --------
    No discordant pair still gives an interval around 0 (Newcombe's table 53, 0, 0, 1):

    >>> low, high = paired_score_interval(53, 0, 0, 1)
    >>> print(f"[{low:.4f}, {high:.4f}]")
    [-0.0729, 0.0729]
    """
    counts = {"both": both, "a_only": a_only, "b_only": b_only, "neither": neither}
    for name, count in counts.items():
        if count < 0 or count != int(count):
            raise ValueError(f"{name} must be a count >= 0, got {count}")
    _check_confidence(confidence)
    n = both + a_only + b_only + neither
    if n == 0:
        raise ValueError("the table is empty: both + a_only + b_only + neither must be >= 1")
    p_b, p_a = (both + b_only) / n, (both + a_only) / n
    wilson_b = binomial_interval(both + b_only, n, "wilson", confidence)
    wilson_a = binomial_interval(both + a_only, n, "wilson", confidence)
    phi = 0.0
    margins = (both + b_only) * (a_only + neither) * (both + a_only) * (b_only + neither)
    if paired and margins > 0:
        cross = both * neither - a_only * b_only
        # Newcombe's correction shrinks a positive correlation by n/2 (towards independence).
        if cross > n / 2:
            phi = (cross - n / 2) / math.sqrt(margins)
        elif cross < 0:
            phi = cross / math.sqrt(margins)
    below_b, above_b = p_b - wilson_b.low, wilson_b.high - p_b
    below_a, above_a = p_a - wilson_a.low, wilson_a.high - p_a
    difference = p_b - p_a
    low = difference - math.sqrt(below_b**2 - 2 * phi * below_b * above_a + above_a**2)
    high = difference + math.sqrt(above_b**2 - 2 * phi * above_b * below_a + below_a**2)
    return low, high


def paired_difference(
    a: pd.DataFrame,
    b: pd.DataFrame,
    rung: int,
    within: float | None = None,
    confidence: float = 0.95,
) -> PairedComparison:
    """Compare P(max rung >= `rung` within `within` days) between two runs on the same seeds.

    Parameters
    ----------
    a, b : pd.DataFrame
        Outcome tables of two runs with common random numbers: the same ``replication`` indices
        (rows may be in any order) and the same ``attrs["horizon"]``.
    rung : int
        Rung of the ladder, 0..5.
    within : float or None
        Days from the start, as in :func:`escalation_probability`.
    confidence : float
        Confidence level, in (0, 1).

    Returns
    -------
    PairedComparison
        ``p_b - p_a`` with its paired score interval, the discordant counts, the interval for
        independent runs and the ratio of their widths.

    Notes
    -----
    The replications are cross-tabulated (event in both runs, in `a` only, in `b` only, in
    neither) and :func:`paired_score_interval` gives the paired interval (Newcombe's method 10
    for matched pairs [1]_) and, with the correlation term dropped, the interval independent
    runs would have given, so `width_ratio` isolates the gain from pairing. A Wald interval for
    matched pairs covers too rarely when few replications disagree (and is [0, 0] when none
    does); the score interval does not, which ``tests/statistical/test_coverage.py`` checks at
    0-10 discordant replications.

    References
    ----------
    .. [1] Newcombe, R. G. (1998). "Improved confidence intervals for the difference between
       binomial proportions based on paired data." Statistics in Medicine 17(22), 2635-2650.
    """
    _check_confidence(confidence)
    if a.attrs.get("horizon") != b.attrs.get("horizon"):
        horizons = a.attrs.get("horizon"), b.attrs.get("horizon")
        raise ValueError(f"a and b have different horizons: {horizons[0]} and {horizons[1]}")
    order_a, order_b = _paired_order(a, b)
    x_a = _reached(a, rung, within)[order_a]
    x_b = _reached(b, rung, within)[order_b]
    n = x_a.size
    if n == 0:
        raise ValueError("a and b have no rows")
    both = int(np.sum(x_a & x_b))
    a_only = int(np.sum(x_a & ~x_b))
    b_only = int(np.sum(x_b & ~x_a))
    table = (both, a_only, b_only, n - both - a_only - b_only)
    low, high = paired_score_interval(*table, confidence=confidence)
    independent_low, independent_high = paired_score_interval(
        *table, confidence=confidence, paired=False
    )
    return PairedComparison(
        p_a=(both + a_only) / n,
        p_b=(both + b_only) / n,
        difference=(b_only - a_only) / n,
        low=low,
        high=high,
        independent_low=independent_low,
        independent_high=independent_high,
        width_ratio=(high - low) / (independent_high - independent_low),
        a_only=a_only,
        b_only=b_only,
        both=both,
        n=n,
        rung=rung,
        within=_resolve_within(a, within),
        confidence=confidence,
    )
