"""The page's levers: a policy (one state's retaliation rule, mediators' leverage, militant tempo).

Everything here comes from the chosen scenario: its states, mediators and militant groups, with
their names and starting values; nothing is tied to one crisis. A :class:`Policy` holds what the
page's controls show; :func:`apply_policy` turns it into a checked scenario, and the policy read
from a scenario (:func:`scenario_policy`) applied back gives that scenario unchanged.

No Solara here: the policy logic is tested and used without a browser.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from sim.core.errors import ConfigError
from sim.core.paths import CONFIG_DIR
from sim.rules import rule_name
from sim.rules.retaliation import RETALIATION_RULES
from sim.scenario.loading import load_scenario, scenario_from_dict
from sim.scenario.schema import Scenario

__all__ = [
    "RULE_CHOICES",
    "Policy",
    "apply_policy",
    "differences",
    "lever_labels",
    "scenario_policy",
    "shipped_scenarios",
]

# Rules a user can pick; the constant-probability rule exists for validation only.
RULE_CHOICES = tuple(name for name in RETALIATION_RULES if name != "constant_probability")
# Slider values for a rule that does not read them (the controls still need a number).
_P_ACT, _LEVEL = 0.5, 1.0


@dataclass(frozen=True)
class Policy:
    """One policy as the page's controls set it.

    Parameters
    ----------
    rule : str
        Short name of the acting state's retaliation rule (one of :data:`RULE_CHOICES`).
    p_act : float
        Chance per day that the state answers an unanswered provocation, in [0, 1] (rules with a
        ``p_act`` field only).
    level : float
        Pressure above which the state may act, >= 0 (the threshold rule only).
    leverage : tuple of (str, float)
        Each mediator's leverage, in [0, 1], by mediator id.
    tempo : tuple of (str, float)
        Each militant group's attack tempo as a multiple of the scenario's (1 = as the scenario),
        by group id; it scales the group's attacks per day on every target.
    """

    rule: str
    p_act: float = _P_ACT
    level: float = _LEVEL
    leverage: tuple[tuple[str, float], ...] = ()
    tempo: tuple[tuple[str, float], ...] = ()

    def reads(self, lever: str) -> bool:
        """Whether the chosen rule reads `lever` (``"p_act"`` or ``"level"``)."""
        return lever in {f.name for f in dataclasses.fields(RETALIATION_RULES[self.rule])}

    def with_value(self, lever: str, value: Any, key: str | None = None) -> Policy:
        """A copy with one lever changed; `key` names the mediator or group of a keyed lever."""
        if key is None:
            return dataclasses.replace(self, **{lever: value})
        pairs = tuple((k, float(value) if k == key else v) for k, v in getattr(self, lever))
        return dataclasses.replace(self, **{lever: pairs})


def shipped_scenarios() -> list[str]:
    """Names of the scenarios in ``configs/scenario/`` a policy can be compared on.

    Scenarios whose states follow the constant-probability rule exist to validate the engine
    against exact answers and are left out.
    """
    names = []
    for path in sorted((CONFIG_DIR / "scenario").glob("*.yaml")):
        scenario = load_scenario(path.stem)
        if all(rule_name(s.retaliation) in RULE_CHOICES for s in scenario.states.values()):
            names.append(path.stem)
    return names


def _check_actor(scenario: Scenario, actor: str) -> None:
    if actor not in scenario.states:
        raise ConfigError(
            "actor",
            f"no state '{actor}' in scenario {scenario.name}; choose one of "
            f"{', '.join(scenario.states)}",
        )


def scenario_policy(scenario: Scenario, actor: str) -> Policy:
    """The policy the scenario itself holds for state `actor`: every lever at its value there."""
    _check_actor(scenario, actor)
    rule = scenario.states[actor].retaliation
    return Policy(
        rule=rule_name(rule),
        p_act=float(getattr(rule, "p_act", _P_ACT)),
        level=float(getattr(rule, "level", _LEVEL)),
        leverage=tuple((key, float(m.leverage)) for key, m in scenario.mediators.items()),
        tempo=tuple((key, 1.0) for key in scenario.militants),
    )


def apply_policy(scenario: Scenario, actor: str, policy: Policy) -> Scenario:
    """The scenario with `policy` in force for state `actor`.

    The state's rule becomes ``policy.rule``; a new rule keeps the parameters it shares with the
    scenario's rule (the same rule keeps them all), then takes ``p_act`` and ``level`` from the
    policy where it has them. Mediators' leverage is set, militant tempos are scaled.

    Returns
    -------
    Scenario
        Checked like any loaded scenario: a bad value raises ``ConfigError`` naming its key.
    """
    _check_actor(scenario, actor)
    if policy.rule not in RETALIATION_RULES:
        raise ConfigError(
            "rule", f"unknown retaliation rule '{policy.rule}'; one of {', '.join(RULE_CHOICES)}"
        )
    data = scenario.to_dict()
    old = dict(data["states"][actor]["retaliation"])
    fields = {f.name for f in dataclasses.fields(RETALIATION_RULES[policy.rule])}
    rule: dict[str, Any] = {"name": policy.rule}
    rule.update({k: v for k, v in old.items() if k in fields})
    for key, value in (("p_act", policy.p_act), ("level", policy.level)):
        if key in fields:
            rule[key] = value
    data["states"][actor]["retaliation"] = rule
    for key, leverage in policy.leverage:
        data["mediators"][key]["leverage"] = leverage
    for key, factor in policy.tempo:
        targets = scenario.militants[key].targets
        data["militants"][key]["targets"] = {t: rate * factor for t, rate in targets.items()}
    return scenario_from_dict(data)


def lever_labels(scenario: Scenario, actor: str, policy: Policy) -> dict[str, str]:
    """Each lever's label with its value, as the page shows it (keys as in :func:`differences`).

    The tempo label gives the multiple and the attacks per day it means, so a slider never
    hides what it is set to.
    """
    state = scenario.states[actor].name
    labels = {
        "rule": f"{state}'s retaliation rule: {policy.rule}",
        "p_act": f"{state} answers, chance/day: {policy.p_act:.2f}",
        "level": f"{state}'s pressure threshold: {policy.level:.1f}",
    }
    for key, value in policy.leverage:
        labels[f"leverage.{key}"] = f"leverage of {scenario.mediators[key].name}: {value:.2f}"
    for key, factor in policy.tempo:
        group = scenario.militants[key]
        rates = ", ".join(
            f"{rate * factor:.2f}/day on {scenario.states[t].name if t in scenario.states else t}"
            for t, rate in group.targets.items()
        )
        labels[f"tempo.{key}"] = f"{group.name} tempo x{factor:.2f} ({rates})"
    return labels


def differences(scenario: Scenario, actor: str, a: Policy, b: Policy) -> list[str]:
    """The levers on which two policies differ, as "label A -> value B" lines.

    Levers a policy's rule does not read are left out (they change nothing in the model).
    """
    first, second = lever_labels(scenario, actor, a), lever_labels(scenario, actor, b)
    out = []
    for key, label in first.items():
        if key in ("p_act", "level") and not (a.reads(key) or b.reads(key)):
            continue
        if label != second[key]:
            out.append(f"{label} -> {second[key].rsplit(': ', 1)[-1]}")
    return out
