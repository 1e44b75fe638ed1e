"""Solara controls of the page: a lever and the editor of one policy.

A lever is a slider whose label always shows its value; a policy editor is built from the
chosen scenario's actors.
"""

from __future__ import annotations

from collections.abc import Callable

import solara

from sim.scenario.schema import Scenario
from sim.viz.levers import RULE_CHOICES, Policy, lever_labels

__all__ = ["Lever", "PolicyEditor"]

TEMPO_MAX = 3.0


@solara.component
def Lever(
    label: str,
    value: float,
    on_value: Callable[[float], None],
    css: str,
    low: float = 0.0,
    high: float = 1.0,
    step: float = 0.01,
    disabled: bool = False,
    width: str | None = None,
) -> None:
    """A slider under a label that carries its value, in a div of class `css` (for tests).

    Whole-number bounds and step make an integer slider. `width` fixes the lever's width (in a
    row, where a slider would otherwise shrink to nothing).
    """
    style = {"width": width, "flex": "none"} if width else {}
    with solara.Div(classes=["lever", css], style=style):
        solara.Text(label, classes=["lever-label"], style={"opacity": "0.5" if disabled else "1"})
        if all(isinstance(x, int) for x in (value, low, high, step)):
            solara.SliderInt(
                "", value=value, min=low, max=high, step=step, on_value=on_value, disabled=disabled
            )
        else:
            solara.SliderFloat(
                "", value=value, min=low, max=high, step=step, on_value=on_value, disabled=disabled
            )


@solara.component
def PolicyEditor(
    scenario: Scenario,
    actor: str,
    policy: Policy,
    on_policy: Callable[[Policy], None],
    name: str,
) -> None:
    """The controls of one policy, all taken from `scenario`.

    The acting state's rule and its parameters, each mediator's leverage, each militant group's
    tempo.

    Parameters
    ----------
    scenario : Scenario
        The chosen scenario (actors, names and starting values).
    actor : str
        Id of the state whose rule the policy sets.
    policy : Policy
        The values shown.
    on_policy : callable
        Called with the changed policy.
    name : str
        ``"a"`` or ``"b"``: the CSS classes of the controls (``rule-a``, ``lever-a-p_act``, ...).
    """
    labels = lever_labels(scenario, actor, policy)
    state = scenario.states[actor].name

    def set_lever(lever: str, key: str | None = None) -> Callable[[float], None]:
        return lambda value: on_policy(policy.with_value(lever, value, key))

    with solara.Card(f"Policy {name.upper()}", classes=[f"policy-{name}"]):
        solara.Select(
            f"{state}'s retaliation rule",
            values=list(RULE_CHOICES),
            value=policy.rule,
            on_value=set_lever("rule"),
            classes=[f"rule-{name}"],
        )
        for lever, high, step in (("p_act", 1.0, 0.01), ("level", 3.0, 0.1)):
            read = policy.reads(lever)
            Lever(
                labels[lever] + ("" if read else " (not read by this rule)"),
                getattr(policy, lever),
                set_lever(lever),
                f"lever-{name}-{lever}",
                high=high,
                step=step,
                disabled=not read,
            )
        for key, value in policy.leverage:
            Lever(
                labels[f"leverage.{key}"],
                value,
                set_lever("leverage", key),
                f"lever-{name}-leverage-{key}",
            )
        for key, factor in policy.tempo:
            Lever(
                labels[f"tempo.{key}"],
                factor,
                set_lever("tempo", key),
                f"lever-{name}-tempo-{key}",
                high=TEMPO_MAX,
                step=0.05,
            )
