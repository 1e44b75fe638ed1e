"""The shipped rules once more, for one replication: plain Python numbers in, a decision out.

These re-state the rules of :mod:`sim.rules` from their documented definitions, one replication
at a time, and draw their own random numbers from the model's ``random.Random``. They read the
rule's parameters from the rule object, so both implementations share one scenario. A user's own
rule class (``_target_``) has no scalar twin here: :func:`retaliation` and :func:`ceasefire`
refuse it by name.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sim.core.ladder import MAX_RUNG
from sim.rules import rule_name


@dataclass(slots=True)
class Situation:
    """What a state weighs toward one opponent on one day (scalars; see DecisionInputs)."""

    pressure: float
    received: int
    harm: float
    grievance: float
    weariness: float
    rung: int
    resolve: float
    restraint: float


Decide = Callable[[Situation, random.Random], int]


def _expit(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


def retaliation(rule: Any) -> Decide:
    """Return the scalar decision function of a shipped retaliation rule."""
    name = rule_name(rule)
    p = getattr(rule, "p_act", 1.0)
    if name == "none":
        return lambda s, rng: 0
    if name == "tit_for_tat":
        return lambda s, rng: s.received if s.received > 0 and rng.random() < p else 0
    if name == "graduated":
        return lambda s, rng: (
            min(s.received + 1, MAX_RUNG) if s.received > 0 and rng.random() < p else 0
        )
    if name == "proportional":

        def proportional(s: Situation, rng: random.Random) -> int:
            if s.received > 0 and rng.random() < p:
                return min(max(math.ceil(s.harm / rule.deaths_per_rung), 1), rule.max_rung)
            return 0

        return proportional
    if name == "threshold":
        return lambda s, rng: (
            min(s.received + rule.step, MAX_RUNG)
            if s.pressure > rule.level and s.received > 0 and rng.random() < p
            else 0
        )
    if name == "logistic":

        def logistic(s: Situation, rng: random.Random) -> int:
            odds = (
                rule.intercept
                + rule.pressure_weight * s.pressure
                + rule.grievance_weight * s.grievance
                + rule.resolve_weight * s.resolve
                - rule.restraint_weight * s.restraint
                - rule.weariness_weight * s.weariness
            )
            if rng.random() < _expit(odds):
                return min(max(s.received, 1) + rule.step, MAX_RUNG)
            return 0

        return logistic
    if name == "ordered_logit":

        def ordered_logit(s: Situation, rng: random.Random) -> int:
            # Acting, then the rung by walking the ordered logit's cumulative probabilities
            # with a fresh uniform (the engine reuses one; the law is the same).
            if not (s.received > 0 and rng.random() < p):
                return 0
            mu = (
                rule.intercept
                + rule.received_weight * s.received
                + rule.harm_weight * math.log1p(s.harm)
                + rule.resolve_weight * s.resolve
                - rule.restraint_weight * s.restraint
            )
            top = min(s.received + 1, rule.max_rung)
            v = rng.random()
            for k in range(1, top):
                if v < _expit((k + 0.5 - mu) / rule.scale):
                    return k
            return top

        return ordered_logit
    if name == "constant_probability":
        return lambda s, rng: min(s.rung + 1, MAX_RUNG) if rng.random() < rule.p_escalate else 0
    raise ValueError(
        f"the Mesa reference mirrors the registered rules only, not retaliation rule {name}"
    )


class Ceasefire:
    """A ceasefire rule for one replication: `agree` to an attempt, `ends` on a day.

    ``ends(days_in, violations, recent, rng)`` gets the days the ceasefire has lasted before
    today, today's violations and the violations of each day of this ceasefire within the
    rule's window (today's included), newest last.
    """

    def __init__(self, rule: Any) -> None:
        self.rule = rule
        self.name = rule_name(rule)
        known = (
            "none",
            "mediated",
            "grim_trigger",
            "forgiving",
            "fixed_duration",
            "constant_probability",
        )
        if self.name not in known:
            raise ValueError(
                "the Mesa reference mirrors the registered rules only, not ceasefire rule "
                f"{self.name}"
            )
        self.window = int(getattr(rule, "window", 1))

    def agree(
        self, leverage: float, trust: float, cost: float, rung: int, rng: random.Random
    ) -> bool:
        """Whether a mediator's attempt today produces a ceasefire."""
        rule = self.rule
        if self.name == "none":
            return False
        if self.name == "mediated":
            odds = (
                rule.intercept
                + rule.leverage_weight * leverage
                + rule.trust_weight * trust
                + rule.cost_weight * cost
            )
            return rng.random() < _expit(odds - rule.rung_weight * (rung - 3))
        return rng.random() < rule.p_agree

    def ends(self, days_in: int, violations: int, recent: list[int], rng: random.Random) -> bool:
        """Whether the ceasefire ends today."""
        rule = self.rule
        if self.name == "none":
            return True
        if self.name == "mediated":
            # Each violation breaks the ceasefire with its own chance.
            return any(rng.random() < rule.break_per_violation for _ in range(violations))
        if self.name == "grim_trigger":
            return violations > 0
        if self.name == "forgiving":
            return sum(recent) > rule.tolerance
        if self.name == "fixed_duration":
            return days_in > 0 and days_in % rule.duration == 0 and rng.random() >= rule.p_renew
        return rng.random() < rule.p_break
