"""Ceasefire rules: when a mediator's attempt succeeds, and when a ceasefire ends.

Each rule is a frozen dataclass whose fields are its parameters, with two methods:
``agree(talks, u) -> bool`` (does today's attempt produce a ceasefire?) and
``ends(status, u) -> bool`` (does the ceasefire end today?). ``talks`` is a
:class:`~sim.rules.inputs.TalksInputs`, ``status`` a :class:`~sim.rules.inputs.CeasefireStatus`,
``u`` uniforms on [0, 1) of shape (R,). What counts as a violation (a state acting above the
ceasefire cap) is decided by the model; the rule decides what a violation does. A user's own rule
is any importable class with the same two methods.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from sim.rules.inputs import CeasefireStatus, TalksInputs
from sim.rules.retaliation import _check_finite, _check_probability

RUNG_OF_INTERCEPT = 3
"""The rung at which the `Mediated` rule's rung term is zero: limited armed response."""


@dataclass(frozen=True)
class NoCeasefire:
    """No ceasefire is ever agreed (and one in force at the start ends on the first day)."""

    def agree(self, talks: TalksInputs, u: np.ndarray) -> np.ndarray:
        """Whether each replication's attempt succeeds: never."""
        return np.zeros(u.shape, dtype=bool)

    def ends(self, status: CeasefireStatus, u: np.ndarray) -> np.ndarray:
        """Whether each replication's ceasefire ends today: always."""
        return np.ones(u.shape, dtype=bool)


@dataclass(frozen=True)
class Mediated:
    """Agreement grows with leverage, trust and costs, falls with the rung; violations risk it.

    An attempt succeeds with probability ``expit(intercept + leverage_weight * leverage +
    trust_weight * trust + cost_weight * cost - rung_weight * (rung - 3))``, `rung` being the
    pair's rung after the day's actions (rung 3, limited armed response, is where `intercept`
    applies; a crisis of words, below it, gains what one of clashes or war, above it, loses).
    Each violation ends the ceasefire with probability `break_per_violation`, independently.
    The rung term's basis: across 97 mediated international disputes, those with more
    fatalities saw mediation succeed less often (Bercovitch & Langley, "The Nature of the Dispute
    and the Effectiveness of International Mediation", Journal of Conflict Resolution 37(4),
    1993, https://www.jstor.org/stable/174545); the ladder's rung is the model's measure of a
    dispute's intensity. Its default 0 is the rule without it.

    Parameters
    ----------
    intercept : float
        Log-odds of agreement with no leverage, trust or cost.
    leverage_weight, trust_weight, cost_weight : float
        Log-odds per unit of leverage (0..1), trust (0..1) and summed war weariness, >= 0.
    break_per_violation : float
        Chance that one violation ends the ceasefire, in [0, 1].
    rung_weight : float
        Log-odds lost per rung of the pair's ladder above rung 3 (gained per rung below), >= 0.
    """

    intercept: float = -3.0
    leverage_weight: float = 2.0
    trust_weight: float = 2.0
    cost_weight: float = 1.0
    break_per_violation: float = 0.25
    rung_weight: float = 0.0

    def __post_init__(self) -> None:
        _check_finite(self)
        for name in ("leverage_weight", "trust_weight", "cost_weight", "rung_weight"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        _check_probability("break_per_violation", self.break_per_violation)

    def agree(self, talks: TalksInputs, u: np.ndarray) -> np.ndarray:
        """Whether each replication's attempt succeeds; arrays have shape (R,)."""
        log_odds = (
            self.intercept
            + self.leverage_weight * talks.leverage
            + self.trust_weight * talks.trust
            + self.cost_weight * talks.cost
        )
        # Subtracted last, so that a weight of 0 leaves the log-odds bit for bit as they were.
        log_odds = log_odds - self.rung_weight * (talks.rung.astype(float) - RUNG_OF_INTERCEPT)
        return u < expit(log_odds)

    def ends(self, status: CeasefireStatus, u: np.ndarray) -> np.ndarray:
        """Whether each replication's ceasefire ends today; arrays have shape (R,)."""
        ends = np.zeros(u.shape, dtype=bool)
        hit = np.flatnonzero(status.violations)
        ends[hit] = u[hit] >= (1.0 - self.break_per_violation) ** status.violations[hit]
        return ends


@dataclass(frozen=True)
class _ChanceAgreement:
    """Base of the rules under which a mediator's attempt succeeds with chance `p_agree`."""

    p_agree: float = 0.3

    def __post_init__(self) -> None:
        _check_finite(self)
        _check_probability("p_agree", self.p_agree)

    def agree(self, talks: TalksInputs, u: np.ndarray) -> np.ndarray:
        """Whether each replication's attempt succeeds; arrays have shape (R,)."""
        return u < self.p_agree


@dataclass(frozen=True)
class GrimTrigger(_ChanceAgreement):
    """The first violation ends the ceasefire.

    Parameters
    ----------
    p_agree : float
        Chance that a mediator's attempt produces a ceasefire, in [0, 1].
    """

    def ends(self, status: CeasefireStatus, u: np.ndarray) -> np.ndarray:
        """Whether each replication's ceasefire ends today; arrays have shape (R,)."""
        return status.violations > 0


@dataclass(frozen=True)
class Forgiving(_ChanceAgreement):
    """Tolerate up to `tolerance` violations within any `window` days; one more ends it.

    Parameters
    ----------
    p_agree : float
        Chance that a mediator's attempt produces a ceasefire, in [0, 1].
    tolerance : int
        Violations tolerated within the window, 0..10000 (0 is the grim trigger).
    window : int
        Length of the window in days, 1..365.
    """

    tolerance: int = 2
    window: int = 30

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 0 <= self.tolerance <= 10_000:
            raise ValueError(f"tolerance must be in 0..10000, got {self.tolerance}")
        if not 1 <= self.window <= 365:
            raise ValueError(f"window must be between 1 and 365 days, got {self.window}")

    def ends(self, status: CeasefireStatus, u: np.ndarray) -> np.ndarray:
        """Whether each replication's ceasefire ends today; arrays have shape (R,)."""
        return status.violations_within(self.window) > self.tolerance


@dataclass(frozen=True)
class FixedDuration(_ChanceAgreement):
    """Last `duration` days, then expire unless renewed (violations do not end it).

    Parameters
    ----------
    p_agree : float
        Chance that a mediator's attempt produces a ceasefire, in [0, 1].
    duration : int
        Days the ceasefire runs before it must be renewed, 1..36500.
    p_renew : float
        Chance that it is renewed for another `duration` days when it expires, in [0, 1].
    """

    duration: int = 30
    p_renew: float = 0.5

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_probability("p_renew", self.p_renew)
        if not 1 <= self.duration <= 36_500:
            raise ValueError(f"duration must be 1..36500 days, got {self.duration}")

    def ends(self, status: CeasefireStatus, u: np.ndarray) -> np.ndarray:
        """Whether each replication's ceasefire ends today; arrays have shape (R,)."""
        expires = (status.days_in > 0) & (status.days_in % self.duration == 0)
        return expires & (u >= self.p_renew)


@dataclass(frozen=True)
class ConstantProbability(_ChanceAgreement):
    """Agree and break with fixed daily probabilities, whatever happens (exact validation).

    Parameters
    ----------
    p_agree : float
        Chance that a mediator's attempt produces a ceasefire, in [0, 1].
    p_break : float
        Chance per day that a ceasefire in force ends, in [0, 1].
    """

    p_break: float = 0.05

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_probability("p_break", self.p_break)

    def ends(self, status: CeasefireStatus, u: np.ndarray) -> np.ndarray:
        """Whether each replication's ceasefire ends today; arrays have shape (R,)."""
        return u < self.p_break


CEASEFIRE_RULES: dict[str, type] = {
    "none": NoCeasefire,
    "mediated": Mediated,
    "grim_trigger": GrimTrigger,
    "forgiving": Forgiving,
    "fixed_duration": FixedDuration,
    "constant_probability": ConstantProbability,
}
