"""Result objects of the statistics, frozen and printable, built by :mod:`sim.analysis.stats`.

An estimate or a statistic with its interval, a survival curve, a paired comparison.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.core.intervals import format_interval

__all__ = ["BootstrapResult", "Estimate", "PairedComparison", "SurvivalResult"]


@dataclass(frozen=True)
class _Interval:
    """A number with its confidence interval; the fields every interval result starts with.

    Parameters
    ----------
    estimate : float
        The point estimate.
    low, high : float
        Confidence limits, ``low <= estimate <= high``.
    n : int
        Sample size (replications).
    """

    estimate: float
    low: float
    high: float
    n: int

    @property
    def half_width(self) -> float:
        """Half the width of the interval, ``(high - low) / 2``."""
        return (self.high - self.low) / 2

    def __str__(self) -> str:
        return f"{format_interval(self.estimate, self.low, self.high)} (n={self.n})"


@dataclass(frozen=True)
class Estimate(_Interval):
    """A proportion ``successes / n`` with its confidence interval.

    Parameters
    ----------
    estimate, low, high, n
        As in every interval result: ``successes / n`` in [0, 1], its confidence limits
        ``0 <= low <= estimate <= high <= 1``, the number of trials (replications) >= 1.
    successes : int
        Number of trials with the event, in [0, n].
    method : str
        Interval method, one of :data:`sim.analysis.stats.BINOMIAL_METHODS`.
    confidence : float
        Confidence level of the interval, in (0, 1).
    """

    successes: int
    method: str
    confidence: float


@dataclass(frozen=True)
class BootstrapResult(_Interval):
    """A statistic of a sample with its bootstrap confidence interval.

    Parameters
    ----------
    estimate, low, high, n
        As in every interval result: the statistic of the whole sample, its confidence limits
        (equal to `estimate` when the sample is constant), the sample size >= 2.
    statistic : str
        What was estimated: ``"mean"``, ``"median"``, ``"quantile 0.9"`` or a callable's name.
    method : str
        Interval method actually used: the one asked for, ``"percentile"`` if BCa was undefined,
        or ``"degenerate"`` for a constant sample.
    confidence : float
        Confidence level of the interval, in (0, 1).
    """

    statistic: str
    method: str
    confidence: float


@dataclass(frozen=True, eq=False)
class SurvivalResult:
    """Kaplan-Meier estimate of S(t) = P(rung not yet reached by day t), a right-continuous step.

    Parameters
    ----------
    days : np.ndarray
        Distinct days on which some replication first reached the rung, increasing, shape (m,).
        Empty if no replication reached it.
    survival : np.ndarray
        S at each of `days`, shape (m,). S is 1 before the first of `days`.
    low, high : np.ndarray
        Pointwise log-log ("exponential Greenwood") confidence limits at `days`, shape (m,).
        NaN where S is 0, where the formula is undefined.
    low_before_first : float
        Lower confidence limit of S on the days before the first of `days` (all of them if no
        replication reached the rung), where the estimate is S = 1 and the band is one-sided,
        ``[low_before_first, 1]``: all `n` replications were still short of the rung, and
        ``low_before_first`` is the exact (Clopper-Pearson) lower limit for n successes in n
        trials, ``((1 - confidence) / 2) ** (1 / n)``. The log-log formula has no band there.
    rung : int
        The rung, 0..5.
    n : int
        Number of replications.
    horizon : float
        Last simulated day T; every replication not reaching the rung is censored there.
    confidence : float
        Confidence level of `low` and `high`, in (0, 1).
    """

    days: np.ndarray
    survival: np.ndarray
    low: np.ndarray
    high: np.ndarray
    low_before_first: float
    rung: int
    n: int
    horizon: float
    confidence: float

    def at(self, day: float) -> float:
        """S on `day`: the chance the rung has not been reached by then.

        Parameters
        ----------
        day : float
            A day in [0, horizon].

        Returns
        -------
        float
            The step function S evaluated at `day`, 1 before the first event.
        """
        if not 0 <= day <= self.horizon:
            raise ValueError(f"day must be in [0, horizon={self.horizon}], got {day}")
        steps = np.concatenate(([1.0], self.survival))
        return float(steps[np.searchsorted(self.days, day, side="right")])

    def band(self, day: float) -> tuple[float, float]:
        """Pointwise confidence limits of S on `day`.

        Parameters
        ----------
        day : float
            A day in [0, horizon].

        Returns
        -------
        (float, float)
            The log-log limits of the step S holds on `day`; before the first event day the
            one-sided ``(low_before_first, 1.0)``.
        """
        if not 0 <= day <= self.horizon:
            raise ValueError(f"day must be in [0, horizon={self.horizon}], got {day}")
        step = int(np.searchsorted(self.days, day, side="right"))
        if step == 0:
            return self.low_before_first, 1.0
        return float(self.low[step - 1]), float(self.high[step - 1])

    def to_frame(self) -> pd.DataFrame:
        """Return the curve as a table with columns ``day, survival, ci_low, ci_high``."""
        return pd.DataFrame(
            {"day": self.days, "survival": self.survival, "ci_low": self.low, "ci_high": self.high}
        )


@dataclass(frozen=True)
class PairedComparison:
    """Difference ``p_b - p_a`` between two runs on the same seeds, paired by replication.

    Parameters
    ----------
    p_a, p_b : float
        Share of replications with the event in run `a` and run `b`.
    difference : float
        ``p_b - p_a``, equal to ``(b_only - a_only) / n``.
    low, high : float
        Paired score confidence limits of `difference` (Newcombe's method 10,
        :func:`paired_score_interval`), inside [-1, 1]; never of zero width, even with no
        discordant replication.
    independent_low, independent_high : float
        The same score construction had the runs been independent samples of the same size
        (Newcombe's method 10 for unpaired data: no correlation term).
    width_ratio : float
        Paired width over independent width; below 1 when common random numbers help.
    a_only, b_only : int
        Discordant replications: event in `a` only, event in `b` only. With few of them (under
        about ten) the difference rests on those few replications, whatever `n` is.
    both : int
        Replications with the event in both runs.
    n : int
        Number of paired replications.
    rung : int
        The rung, 0..5.
    within : float
        Days within which the rung counts as reached (``inf``: any time before the horizon).
    confidence : float
        Confidence level, in (0, 1).
    """

    p_a: float
    p_b: float
    difference: float
    low: float
    high: float
    independent_low: float
    independent_high: float
    width_ratio: float
    a_only: int
    b_only: int
    both: int
    n: int
    rung: int
    within: float
    confidence: float

    @property
    def discordant(self) -> int:
        """Replications where exactly one run has the event, ``a_only + b_only``."""
        return self.a_only + self.b_only

    def __str__(self) -> str:
        pct = round(100 * self.confidence)
        return (
            f"P(rung >= {self.rung} within {self.within:g} days): {self.p_a:.3f} -> "
            f"{self.p_b:.3f}, difference "
            f"{format_interval(self.difference, self.low, self.high, signed=True)} "
            f"({pct}% paired, n={self.n}, "
            f"discordant {self.a_only} a-only / {self.b_only} b-only); "
            f"interval width {self.width_ratio:.2f}x that of independent runs"
        )


def _check_confidence(confidence: float) -> None:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
