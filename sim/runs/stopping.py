"""Adaptive stopping: run rounds of chunks until an escalation probability is precise enough."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from sim.analysis import stats
from sim.core.ladder import MAX_RUNG

__all__ = ["StoppingRule"]


@dataclass(frozen=True)
class StoppingRule:
    """Stop once P(max rung >= `rung` within `within` days) is known to +- `half_width`.

    Chunks run in rounds of `round_chunks` chunks, in index order; after each whole round the
    interval of the probability over all chunks so far is computed, and the run stops when its
    half-width is at most `half_width` (or when the replications asked for, the cap, are done).
    Deciding only between whole rounds makes the set of chunks run, hence the outcomes, the same
    whatever the executor and the number of workers.

    Parameters
    ----------
    rung : int
        Rung of the ladder, 0..5.
    half_width : float
        Target half-width of the interval, ``(high - low) / 2``, in (0, 0.5].
    within : float, optional
        Days; None means by the horizon.
    round_chunks : int
        Chunks per round, >= 1; a round of at least the number of workers keeps them busy.
        Decisions come every ``round_chunks * chunk_size`` replications, the first one too:
        32,768 with the defaults, however loose the target.
    method : str
        Binomial interval method (:data:`sim.analysis.stats.BINOMIAL_METHODS`), ``"wilson"`` by
        default.
    confidence : float
        Confidence level of the interval, in (0, 1).
    """

    rung: int
    half_width: float
    within: float | None = None
    round_chunks: int = 4
    method: str = "wilson"
    confidence: float = 0.95

    def __post_init__(self) -> None:
        if self.rung not in range(MAX_RUNG + 1):
            raise ValueError(f"stop.rung must be an integer in 0..{MAX_RUNG}, got {self.rung}")
        if not 0 < self.half_width <= 0.5:
            raise ValueError(f"stop.half_width must be in (0, 0.5], got {self.half_width}")
        if self.within is not None and not 0 <= self.within < float("inf"):
            raise ValueError(f"stop.within must be a finite number >= 0 of days, got {self.within}")
        if self.round_chunks < 1:
            raise ValueError(f"stop.round_chunks must be >= 1, got {self.round_chunks}")
        if self.method not in stats.BINOMIAL_METHODS:
            raise ValueError(
                f"stop.method must be one of {stats.BINOMIAL_METHODS}, got {self.method!r}"
            )
        if not 0 < self.confidence < 1:
            raise ValueError(f"stop.confidence must be in (0, 1), got {self.confidence}")

    def successes(self, outcomes: pd.DataFrame) -> int:
        """Replications of `outcomes` that reached the rung within the days."""
        return stats.escalation_probability(outcomes, self.rung, self.within).successes

    def estimate(self, successes: int, n: int) -> stats.Estimate:
        """The probability with its interval, from `successes` of `n` replications."""
        return stats.binomial_interval(successes, n, self.method, self.confidence)


def _stopping_rule(
    stop: StoppingRule | Mapping[str, Any] | None, horizon: int
) -> StoppingRule | None:
    if stop is None or isinstance(stop, StoppingRule):
        rule = stop
    elif isinstance(stop, Mapping):
        try:
            rule = StoppingRule(**dict(stop))
        except TypeError as exc:
            raise ValueError(
                f"stop: {exc}; keys: rung, half_width, within, round_chunks, method, confidence"
            ) from None
    else:
        raise ValueError(f"stop must be a StoppingRule or a mapping, got {stop!r}")
    if rule is not None and rule.within is not None and rule.within > horizon:
        raise ValueError(f"stop.within={rule.within} is beyond the horizon of {horizon} days")
    return rule
