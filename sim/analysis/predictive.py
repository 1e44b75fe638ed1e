"""Posterior-predictive estimates: probabilities over parameter draws, with two intervals.

A run with a posterior (``simulate(..., posterior=...)``) spreads its replications over
parameter draws in proportion to their weights; its outcome table has a ``draw`` column. For an
event such as "rung >= 4 within 90 days" each draw ``k`` has its own probability ``p_k``, the
chance of the event were the parameters those of draw ``k``. This module reports

- the **posterior-predictive probability**: the share of all replications with the event, an
  estimate of the mean of ``p_k`` over the posterior, i.e. the chance of the event once the
  uncertainty about the parameters is averaged in;
- the **posterior-predictive interval** (parameter and Monte Carlo uncertainty): the central
  `level` range (5 % to 95 % by default) of the per-draw estimates ``successes_k / n_k``,
  weighted by the replications each draw received (``scipy.stats.quantile``), widened where
  needed to contain the Monte Carlo interval below. It says how far the probability moves
  across parameter values the calibration finds plausible; each per-draw estimate also carries
  the Monte Carlo error of its ``n_k`` replications, which widens it a little (the more
  replications per draw, the less);
- the **Monte Carlo interval** (Monte Carlo error only): the binomial interval of the pooled
  share over all replications (:func:`~sim.analysis.stats.binomial_interval`), how precisely
  the run pinned down the posterior-predictive probability for these draws. It shrinks with
  more replications; the posterior-predictive interval does not shrink below the parameters'
  own spread.

``docs/posterior.md`` states the same for the user. Paired comparisons across policies
(:func:`predictive_difference`) use the same draws and random numbers for both policies, so each
draw's difference is paired too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as sps

from sim.analysis import stats
from sim.core.intervals import format_interval

__all__ = [
    "DRAW",
    "PREDICTIVE_LEVEL",
    "PredictiveDifference",
    "PredictiveEstimate",
    "draw_probabilities",
    "predictive_difference",
    "predictive_probability",
    "predictive_summary",
]

DRAW = "draw"
"""The outcome column naming each replication's posterior draw."""

PREDICTIVE_LEVEL = 0.9
"""Default central share of the per-draw probabilities the posterior-predictive interval spans."""


@dataclass(frozen=True)
class PredictiveEstimate:
    """A posterior-predictive probability with its two intervals.

    Parameters
    ----------
    estimate : float
        Share of all replications with the event (the posterior-predictive probability).
    low, high : float
        Posterior-predictive interval: the ``(1 - level) / 2`` and ``(1 + level) / 2`` quantiles
        of the per-draw estimates, weighted by replications, widened where needed to contain
        the Monte Carlo interval (parameter and Monte Carlo uncertainty).
    mc_low, mc_high : float
        Monte Carlo interval of `estimate` (binomial, `confidence`): Monte Carlo error only.
    n : int
        Replications.
    draws : int
        Distinct posterior draws the replications used.
    level : float
        Central share of the per-draw estimates in [low, high].
    confidence : float
        Confidence level of the Monte Carlo interval.
    """

    estimate: float
    low: float
    high: float
    mc_low: float
    mc_high: float
    n: int
    draws: int
    level: float
    confidence: float

    def __str__(self) -> str:
        return (
            f"{format_interval(self.estimate, self.low, self.high)} posterior-predictive "
            f"{_pct(self.level)}; [{self.mc_low:.3f}, {self.mc_high:.3f}] Monte Carlo only "
            f"{_pct(self.confidence)} (n={self.n}, draws={self.draws})"
        )


@dataclass(frozen=True)
class PredictiveDifference:
    """A paired difference between two runs over the same draws and random numbers.

    Parameters
    ----------
    difference : float
        ``p_b - p_a`` over all replications.
    low, high : float
        Posterior-predictive interval: weighted quantiles of the per-draw paired differences,
        widened where needed to contain the Monte Carlo interval.
    paired : PairedComparison
        The pooled paired comparison; its ``low`` and ``high`` are the Monte Carlo interval.
    draws : int
        Distinct draws.
    level : float
        Central share of the per-draw differences in [low, high].
    """

    difference: float
    low: float
    high: float
    paired: stats.PairedComparison
    draws: int
    level: float

    @property
    def mc_low(self) -> float:
        """Lower Monte Carlo limit of the difference (paired score interval)."""
        return self.paired.low

    @property
    def mc_high(self) -> float:
        """Upper Monte Carlo limit of the difference (paired score interval)."""
        return self.paired.high

    def __str__(self) -> str:
        return (
            f"{format_interval(self.difference, self.low, self.high, signed=True)} "
            "posterior-predictive "
            f"{_pct(self.level)}; [{self.mc_low:+.3f}, {self.mc_high:+.3f}] Monte Carlo only "
            f"{_pct(self.paired.confidence)} (n={self.paired.n}, draws={self.draws})"
        )


def _pct(share: float) -> str:
    return f"{100 * share:g}%"


def _draws(outcomes: pd.DataFrame) -> np.ndarray:
    if DRAW not in outcomes.columns:
        raise ValueError(
            f"the outcomes have no '{DRAW}' column: posterior-predictive estimates need a run "
            "with a posterior (simulate(..., posterior=PATH))"
        )
    return outcomes[DRAW].to_numpy()


def _check_level(level: float) -> None:
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")


def _spread(values: np.ndarray, weights: np.ndarray, level: float) -> tuple[float, float]:
    """Weighted central `level` range of `values` (inverted CDF: a value that occurs)."""
    q = np.array([(1 - level) / 2, (1 + level) / 2])
    low, high = sps.quantile(values, q, weights=weights, method="inverted_cdf")
    return float(low), float(high)


def draw_probabilities(
    outcomes: pd.DataFrame, rung: int, within: float | None = None
) -> pd.DataFrame:
    """Per-draw estimates of P(max rung >= `rung` within `within` days).

    Returns
    -------
    DataFrame
        One row per draw used, by draw: ``draw``, ``replications``, ``successes``,
        ``probability``.
    """
    reached = stats._reached(outcomes, rung, within)
    frame = pd.DataFrame({DRAW: _draws(outcomes), "reached": reached})
    grouped = frame.groupby(DRAW, sort=True)["reached"].agg(["size", "sum"])
    return pd.DataFrame(
        {
            DRAW: grouped.index.to_numpy(),
            "replications": grouped["size"].to_numpy(np.int64),
            "successes": grouped["sum"].to_numpy(np.int64),
            "probability": (grouped["sum"] / grouped["size"]).to_numpy(float),
        }
    )


def predictive_probability(
    outcomes: pd.DataFrame,
    rung: int,
    within: float | None = None,
    level: float = PREDICTIVE_LEVEL,
    confidence: float = 0.95,
    method: str = "wilson",
) -> PredictiveEstimate:
    """P(max rung >= `rung` within `within` days) over the posterior, with both intervals.

    Parameters
    ----------
    outcomes : DataFrame
        Outcomes of a run with a posterior (a ``draw`` column).
    rung, within
        As in :func:`sim.analysis.stats.escalation_probability`.
    level : float
        Central share of the per-draw estimates the posterior-predictive interval spans.
    confidence, method
        Of the Monte Carlo interval (:func:`sim.analysis.stats.binomial_interval`).

    Returns
    -------
    PredictiveEstimate

    Examples
    --------
    Two draws of 100 replications each, with the event in 20 and in 60 of them:

    >>> day = np.where(np.arange(200) % 100 < np.repeat([20, 60], 100), 1.0, np.nan)
    >>> table = pd.DataFrame({"day_rung_4": day, "draw": np.repeat([0, 1], 100)})
    >>> est = predictive_probability(table, rung=4)
    >>> est.estimate, est.low, est.high, est.draws
    (0.4, 0.2, 0.6, 2)
    >>> print(f"{est.mc_low:.3f} {est.mc_high:.3f}")
    0.335 0.469
    """
    _check_level(level)
    per_draw = draw_probabilities(outcomes, rung, within)
    pooled = stats.binomial_interval(
        int(per_draw["successes"].sum()), int(per_draw["replications"].sum()), method, confidence
    )
    low, high = _spread(per_draw["probability"].to_numpy(), per_draw["replications"], level)
    # It carries the Monte Carlo error too: never narrower than the Monte Carlo interval (which
    # it would be when every draw's estimate is 0, say).
    low, high = min(low, pooled.low), max(high, pooled.high)
    return PredictiveEstimate(
        estimate=pooled.estimate,
        low=low,
        high=high,
        mc_low=pooled.low,
        mc_high=pooled.high,
        n=pooled.n,
        draws=len(per_draw),
        level=level,
        confidence=confidence,
    )


def predictive_difference(
    a: pd.DataFrame,
    b: pd.DataFrame,
    rung: int,
    within: float | None = None,
    level: float = PREDICTIVE_LEVEL,
    confidence: float = 0.95,
) -> PredictiveDifference:
    """Paired difference ``p_b - p_a`` over the posterior, with both intervals.

    Both runs must share the seed, the replications and the posterior (hence each replication's
    draw): the per-draw differences are then paired on common random numbers too.
    """
    _check_level(level)
    paired = stats.paired_difference(a, b, rung, within, confidence)
    order_a, order_b = stats._paired_order(a, b)
    draws_a, draws_b = _draws(a)[order_a], _draws(b)[order_b]
    if not np.array_equal(draws_a, draws_b):
        raise ValueError(
            "a and b used different posterior draws for the same replications: compare runs "
            "with the same seed, posterior and posterior cell"
        )
    gain = _reached(b, rung, within, order_b).astype(np.int64) - _reached(
        a, rung, within, order_a
    ).astype(np.int64)
    grouped = (
        pd.DataFrame({DRAW: draws_a, "gain": gain}).groupby(DRAW)["gain"].agg(["size", "mean"])
    )
    low, high = _spread(grouped["mean"].to_numpy(float), grouped["size"].to_numpy(float), level)
    low, high = min(low, paired.low), max(high, paired.high)
    return PredictiveDifference(
        difference=paired.difference,
        low=low,
        high=high,
        paired=paired,
        draws=len(grouped),
        level=level,
    )


def _reached(
    outcomes: pd.DataFrame, rung: int, within: float | None, order: np.ndarray
) -> np.ndarray:
    return stats._reached(outcomes, rung, within)[order]


def predictive_summary(
    outcomes: pd.DataFrame,
    horizons: tuple[float, ...] = (7, 30, 90, 365),
    rungs: tuple[int, ...] = (1, 2, 3, 4, 5),
    level: float = PREDICTIVE_LEVEL,
    method: str = "wilson",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """:func:`sim.analysis.stats.summary_table` with the posterior-predictive interval beside.

    Returns
    -------
    DataFrame
        The summary's columns (``ci_low``, ``ci_high``: Monte Carlo interval) plus ``pp_low``,
        ``pp_high`` (posterior-predictive interval), ``pp_level`` and ``draws``.
    """
    table = stats.summary_table(outcomes, horizons, rungs, method, confidence)
    extra = []
    for row in table.itertuples(index=False):
        est = predictive_probability(
            outcomes, int(row.rung), float(row.within_days), level, confidence, method
        )
        extra.append((est.low, est.high, level, est.draws))
    extra_frame = pd.DataFrame(extra, columns=["pp_low", "pp_high", "pp_level", "draws"])
    out = pd.concat([table, extra_frame], axis=1)
    order = [*table.columns[:4], "pp_low", "pp_high", "ci_low", "ci_high"]
    return out[order + [c for c in out.columns if c not in order]]
