"""Retaliation rules: how a state chooses its rung toward an opponent each day.

Each rule is a frozen dataclass whose fields are its parameters, with one method
``decide(inputs, u) -> rung``. ``inputs`` is a :class:`~sim.rules.inputs.DecisionInputs` and ``u``
an array of uniforms on [0, 1), both of shape (R,); the result is the rung of the state's action in
each replication (0 = no action). Rules never loop over replications and never draw random numbers.
A user's own rule is any importable class with the same ``decide``.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from sim.core.ladder import MAX_RUNG
from sim.rules.inputs import DecisionInputs


def _check_finite(rule: object) -> None:
    """Refuse NaN and infinite parameters (NaN fails no comparison, inf passes lower bounds)."""
    for f in dataclasses.fields(rule):  # type: ignore[arg-type]
        value = getattr(rule, f.name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            if not math.isfinite(value):
                raise ValueError(f"{f.name} must be a finite number, got {value}")


def _check_probability(name: str, value: float) -> None:
    # Written so that NaN fails it.
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be a probability in [0, 1], got {value}")


def _answer(acts: np.ndarray, rung: np.ndarray) -> np.ndarray:
    return np.where(acts, rung, 0).astype(np.int8)


@dataclass(frozen=True)
class NoRetaliation:
    """Never act: the state absorbs every provocation."""

    def decide(self, inputs: DecisionInputs, u: np.ndarray) -> np.ndarray:
        """Rung chosen in each replication: always 0."""
        return np.zeros(u.shape, dtype=np.int8)


@dataclass(frozen=True)
class _Answering:
    """Base of the rules that answer an unanswered provocation with chance `p_act` a day."""

    p_act: float = 1.0

    def __post_init__(self) -> None:
        _check_finite(self)
        _check_probability("p_act", self.p_act)

    def _acts(self, inputs: DecisionInputs, u: np.ndarray) -> np.ndarray:
        return (inputs.received > 0) & (u < self.p_act)


@dataclass(frozen=True)
class TitForTat(_Answering):
    """Answer at the rung received.

    Parameters
    ----------
    p_act : float
        Chance of answering on a day with an unanswered provocation, in [0, 1].
    """

    def decide(self, inputs: DecisionInputs, u: np.ndarray) -> np.ndarray:
        """Rung chosen in each replication; arrays have shape (R,)."""
        return _answer(self._acts(inputs, u), inputs.received)


@dataclass(frozen=True)
class Graduated(_Answering):
    """Answer one rung above the rung received (capped at war).

    Parameters
    ----------
    p_act : float
        Chance of answering on a day with an unanswered provocation, in [0, 1].
    """

    def decide(self, inputs: DecisionInputs, u: np.ndarray) -> np.ndarray:
        """Rung chosen in each replication; arrays have shape (R,)."""
        return _answer(self._acts(inputs, u), np.minimum(inputs.received + 1, MAX_RUNG))


@dataclass(frozen=True)
class Proportional(_Answering):
    """Answer at a rung scaled by the harm suffered: one rung per `deaths_per_rung` deaths.

    Parameters
    ----------
    deaths_per_rung : float
        Deaths attributed to the opponent that justify each rung of response, > 0.
    p_act : float
        Chance of answering on a day with an unanswered provocation, in [0, 1].
    max_rung : int
        Highest rung the state answers at, 1..5 (what it can or will do).

    Notes
    -----
    The response rung is ``clip(ceil(harm / deaths_per_rung), 1, max_rung)``: a provocation
    without deaths is answered at rung 1 (diplomatic protest).
    """

    deaths_per_rung: float = 10.0
    max_rung: int = MAX_RUNG

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.deaths_per_rung <= 0:
            raise ValueError(f"deaths_per_rung must be > 0, got {self.deaths_per_rung}")
        if not 1 <= self.max_rung <= MAX_RUNG:
            raise ValueError(f"max_rung must be in 1..{MAX_RUNG}, got {self.max_rung}")

    def decide(self, inputs: DecisionInputs, u: np.ndarray) -> np.ndarray:
        """Rung chosen in each replication; arrays have shape (R,)."""
        scaled = np.clip(np.ceil(inputs.harm / self.deaths_per_rung), 1, self.max_rung)
        return _answer(self._acts(inputs, u), scaled)


@dataclass(frozen=True)
class Threshold(_Answering):
    """Answer at the rung received (or `step` above it), once domestic pressure passes `level`.

    Parameters
    ----------
    level : float
        Domestic pressure above which the state may act, >= 0.
    p_act : float
        Chance of acting on a day when it may, in [0, 1].
    step : int
        Rungs above the provocation, 0 (tit for tat under pressure) or 1 (graduated under
        pressure); capped at war.
    """

    p_act: float = 0.5
    level: float = 1.0
    step: int = 0

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.level < 0:
            raise ValueError(f"level must be >= 0, got {self.level}")
        if self.step not in (0, 1):
            raise ValueError(f"step must be 0 or 1, got {self.step}")

    def decide(self, inputs: DecisionInputs, u: np.ndarray) -> np.ndarray:
        """Rung chosen in each replication; arrays have shape (R,)."""
        acts = (inputs.pressure > self.level) & self._acts(inputs, u)
        return _answer(acts, np.minimum(inputs.received + self.step, MAX_RUNG))


@dataclass(frozen=True)
class Logistic:
    """Act with a probability that is logistic in pressure, grievance, resolve and restraint.

    The chance of acting is ``expit(intercept + pressure_weight * pressure + grievance_weight *
    grievance + resolve_weight * resolve - restraint_weight * restraint - weariness_weight *
    weariness)``; an acting state answers at ``min(max(received, 1) + step, 5)``.

    Parameters
    ----------
    intercept : float
        Log-odds of acting with every input at zero.
    pressure_weight, grievance_weight, resolve_weight, restraint_weight, weariness_weight : float
        Log-odds per unit of each input, >= 0 (signs are fixed by the formula).
    step : int
        Rungs above the provocation (or above rung 1 without one), 0 or 1.
    """

    intercept: float = -4.0
    pressure_weight: float = 1.0
    grievance_weight: float = 0.5
    resolve_weight: float = 1.0
    restraint_weight: float = 1.0
    weariness_weight: float = 1.0
    step: int = 0

    def __post_init__(self) -> None:
        _check_finite(self)
        for name in (
            "pressure_weight",
            "grievance_weight",
            "resolve_weight",
            "restraint_weight",
            "weariness_weight",
        ):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        if self.step not in (0, 1):
            raise ValueError(f"step must be 0 or 1, got {self.step}")

    def decide(self, inputs: DecisionInputs, u: np.ndarray) -> np.ndarray:
        """Rung chosen in each replication; arrays have shape (R,)."""
        log_odds = (
            self.intercept
            + self.pressure_weight * inputs.pressure
            + self.grievance_weight * inputs.grievance
            + self.resolve_weight * inputs.resolve
            - self.restraint_weight * inputs.restraint
            - self.weariness_weight * inputs.weariness
        )
        response = np.minimum(np.maximum(inputs.received, 1) + self.step, MAX_RUNG)
        return _answer(u < expit(log_odds), response)


@dataclass(frozen=True)
class OrderedLogit(_Answering):
    """Answer at a rung drawn from an ordered logit that moves smoothly with the situation.

    A state with an unanswered provocation acts with chance `p_act` a day; an acting state's
    response rung ``Y`` follows an ordered logit over rungs ``1..top`` with
    ``top = min(received + 1, max_rung)``,

    ``mu = intercept + received_weight * received + harm_weight * log(1 + harm)
    + resolve_weight * resolve - restraint_weight * restraint`` (in rungs) and
    ``P(Y <= k) = expit((k + 1/2 - mu) / scale)`` for ``1 <= k < top``, ``P(Y <= top) = 1``.

    This is the latent-variable form of the ordered logit: a logistic intention of location
    ``mu`` (in rungs) and scale `scale`, cut at the half-rungs, with everything above ``top``
    answered at ``top``. Escalation one rung above the rung received therefore happens with
    probability ``1 - expit((received + 1/2 - mu) / scale)``, never with certainty, and never
    above `max_rung`. Every probability is a smooth function of harm, resolve, restraint and the
    rung received, so a small change in a death count makes a small change in the decision.

    The rung is sampled from the day's one uniform ``u`` by inverse CDF: the state acts when
    ``u < p_act``; then ``v = u / p_act`` (uniform on [0, 1) given acting) and the rung is the
    smallest ``k`` with ``v < P(Y <= k)``. No other random number is drawn.

    Parameters
    ----------
    p_act : float
        Chance of answering on a day with an unanswered provocation, in [0, 1].
    intercept : float
        Shift of the location, in rungs (any real).
    received_weight : float
        Rungs of location per rung received, >= 0.
    harm_weight : float
        Rungs of location per unit of ``log(1 + harm)``, >= 0 (harm: deaths attributed to the
        opponent since the state last answered).
    resolve_weight, restraint_weight : float
        Rungs of location per unit of resolve (raises it) and of restraint (lowers it), >= 0.
    scale : float
        Scale of the logistic intention in rungs, > 0: small values concentrate the response
        on the rung nearest ``mu``, large ones spread it over ``1..top``.
    max_rung : int
        Highest rung the state answers at, 1..5 (its cap).
    """

    p_act: float = 0.5
    intercept: float = 0.0
    received_weight: float = 1.0
    harm_weight: float = 0.25
    resolve_weight: float = 1.0
    restraint_weight: float = 1.0
    scale: float = 0.5
    max_rung: int = MAX_RUNG

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in ("received_weight", "harm_weight", "resolve_weight", "restraint_weight"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        if not np.isfinite(self.intercept):
            raise ValueError(f"intercept must be a finite number, got {self.intercept}")
        if not self.scale > 0:
            raise ValueError(f"scale must be > 0, got {self.scale}")
        if not 1 <= self.max_rung <= MAX_RUNG:
            raise ValueError(f"max_rung must be in 1..{MAX_RUNG}, got {self.max_rung}")

    def location(self, inputs: DecisionInputs) -> np.ndarray:
        """The location ``mu`` of the intention in each replication, in rungs; shape (R,)."""
        return (
            self.intercept
            + self.received_weight * inputs.received
            + self.harm_weight * np.log1p(inputs.harm)
            + self.resolve_weight * inputs.resolve
            - self.restraint_weight * inputs.restraint
        )

    def cumulative(self, inputs: DecisionInputs) -> np.ndarray:
        """``P(Y <= k | acting)`` for k = 0..5 (rows) in each replication (columns), shape (6, R).

        Row 0 is 0; rows at and above ``top`` are 1.
        """
        mu = self.location(inputs)
        top = np.minimum(inputs.received.astype(np.int64) + 1, self.max_rung)
        k = np.arange(MAX_RUNG + 1)[:, None]
        cdf = expit((k + 0.5 - mu) / self.scale)
        cdf = np.where(k >= top, 1.0, cdf)
        cdf[0] = 0.0
        return cdf

    def decide(self, inputs: DecisionInputs, u: np.ndarray) -> np.ndarray:
        """Rung chosen in each replication; arrays have shape (R,)."""
        acts = self._acts(inputs, u)
        v = u / self.p_act if self.p_act > 0 else np.zeros_like(u)
        # Inverse CDF: the rung is the number of cumulative levels at or below v (row 0 is 0).
        rung = (v >= self.cumulative(inputs)).sum(axis=0)
        return _answer(acts, np.minimum(rung, MAX_RUNG))


@dataclass(frozen=True)
class ConstantProbability:
    """Escalate one rung above the pair's current rung with a fixed daily probability.

    Used for exact validation: with every state on this rule the ladder is a Markov chain whose
    finite-horizon probabilities :mod:`sim.validation.exact` computes exactly.

    Parameters
    ----------
    p_escalate : float
        Chance per day of acting at ``min(rung + 1, 5)``, in [0, 1].
    """

    p_escalate: float = 0.05

    def __post_init__(self) -> None:
        _check_finite(self)
        _check_probability("p_escalate", self.p_escalate)

    def decide(self, inputs: DecisionInputs, u: np.ndarray) -> np.ndarray:
        """Rung chosen in each replication; arrays have shape (R,)."""
        return _answer(u < self.p_escalate, np.minimum(inputs.rung + 1, MAX_RUNG))


RETALIATION_RULES: dict[str, type] = {
    "none": NoRetaliation,
    "tit_for_tat": TitForTat,
    "graduated": Graduated,
    "proportional": Proportional,
    "threshold": Threshold,
    "logistic": Logistic,
    "ordered_logit": OrderedLogit,
    "constant_probability": ConstantProbability,
}
