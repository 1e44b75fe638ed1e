"""Two policies run on common random numbers, and what the page reads from them.

:func:`run_comparison` runs the chosen scenario under policy A and under policy B with the engine's
own Monte Carlo (:func:`sim.simulate`), same seed and replications, so replication ``g`` meets the
same attacks, casualty draws and decisions' uniforms under both, and the paired difference is far
narrower than that of independent runs. The fan charts are drawn once, when the runs finish; the
per-day trajectories are then dropped (they are 365 rows per replication), the outcomes kept, so
any rung and horizon can be read at once without running again.

No Solara here: the comparison is tested and used without a browser.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass, field

import pandas as pd

from sim import plots
from sim.analysis.results import Estimate, PairedComparison
from sim.core.intervals import format_interval
from sim.core.ladder import MAX_RUNG, RUNG_NAMES
from sim.runs.montecarlo import SimulationResult, simulate
from sim.scenario.loading import load_scenario
from sim.viz.levers import Policy, apply_policy, differences, scenario_policy

__all__ = [
    "REPLICATION_CHOICES",
    "Comparison",
    "Settings",
    "changes",
    "default_settings",
    "run_comparison",
]

# A few thousand replications: intervals of about +-2 points at 2,000, a few seconds a policy.
REPLICATION_CHOICES = (500, 1000, 2000, 4000)
HORIZON = 365
FAN_DPI = 70


@dataclass(frozen=True)
class Settings:
    """Everything a comparison's numbers depend on (the rung and horizon read are not in it).

    Parameters
    ----------
    scenario : str
        A shipped scenario's name (``configs/scenario/NAME.yaml``).
    actor : str
        Id of the state whose retaliation rule the policies set.
    a, b : Policy
        The two policies.
    replications : int
        Replications per policy, >= 1.
    seed : int
        The seed both policies share, >= 0.
    horizon : int
        Days simulated.
    """

    scenario: str
    actor: str
    a: Policy
    b: Policy
    replications: int = 2000
    seed: int = 0
    horizon: int = HORIZON


@dataclass
class Comparison:
    """The two runs of a comparison, their fan charts and how long they took.

    Parameters
    ----------
    settings : Settings
        What was run.
    a, b : SimulationResult
        The runs under policy A and policy B (outcomes only; trajectories dropped).
    fans : dict
        PNG bytes of each policy's fan chart, keyed ``"a"`` and ``"b"``.
    seconds : dict
        Wall-clock seconds of each policy's run (fan chart included).
    """

    settings: Settings
    a: SimulationResult
    b: SimulationResult
    fans: dict[str, bytes] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def estimates(self, rung: int, within: float) -> tuple[Estimate, Estimate, PairedComparison]:
        """P(rung >= `rung` within `within` days) under A and B, and the paired B - A."""
        return (
            self.a.escalation_probability(rung, within),
            self.b.escalation_probability(rung, within),
            self.a.compare(self.b, rung, within),
        )

    def table(self, within: float) -> pd.DataFrame:
        """One row per rung 1..5 within `within` days: A, B and B - A with 95 % intervals.

        Returns
        -------
        pd.DataFrame
            Columns ``rung, policy A, policy B, B - A, A only / B only`` as display strings;
            the difference is paired (common random numbers), the last column counts replications
            reaching the rung under one policy only (A only / B only).
        """
        rows = []
        for rung in range(1, MAX_RUNG + 1):
            a, b, d = self.estimates(rung, within)
            rows.append(
                {
                    "rung": f">= {rung} {RUNG_NAMES[rung]}",
                    "policy A": format_interval(a.estimate, a.low, a.high),
                    "policy B": format_interval(b.estimate, b.low, b.high),
                    "B - A": format_interval(d.difference, d.low, d.high, signed=True),
                    "A only / B only": f"{d.a_only} / {d.b_only}",
                }
            )
        return pd.DataFrame(rows)


def _run(settings: Settings, policy: Policy, label: str) -> tuple[SimulationResult, bytes, float]:
    began = time.perf_counter()
    scenario = apply_policy(load_scenario(settings.scenario), settings.actor, policy)
    result = simulate(
        scenario,
        replications=settings.replications,
        horizon=settings.horizon,
        seed=settings.seed,
        record_events=False,
        record_trajectory=True,
        progress=False,
    )
    figure = plots.fan_chart(result)
    figure.suptitle(
        f"Policy {label}: where the crisis stands each day ({result.replications:,} replications)",
        fontsize="medium",
    )
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=FAN_DPI)
    result.trajectory = None  # 365 rows per replication: the fan chart is all the page needs
    return result, buffer.getvalue(), time.perf_counter() - began


def run_comparison(settings: Settings) -> Comparison:
    """Run both policies of `settings` on the same seed and draw their fan charts.

    Parameters
    ----------
    settings : Settings
        Scenario, acting state, policies, replications, seed and horizon.

    Returns
    -------
    Comparison
        Its estimates equal those of ``sim.simulate(scenario_under_policy, replications, horizon,
        seed)`` for each policy: the page shows the engine's own numbers.
    """
    a, fan_a, seconds_a = _run(settings, settings.a, "A")
    b, fan_b, seconds_b = _run(settings, settings.b, "B")
    return Comparison(settings, a, b, {"a": fan_a, "b": fan_b}, {"a": seconds_a, "b": seconds_b})


def default_settings(scenario: str, replications: int = 2000, seed: int = 0) -> Settings:
    """The page's first comparison on `scenario`: its first state's rule as given, or none.

    Policy A is the scenario as written; policy B has the scenario's first state not retaliating
    at all (or answering tit for tat, if the scenario's rule is already none). Mediators and
    militant groups are as in the scenario in both.
    """
    spec = load_scenario(scenario)
    actor = next(iter(spec.states))
    a = scenario_policy(spec, actor)
    b = a.with_value("rule", "none" if a.rule != "none" else "tit_for_tat")
    return Settings(scenario, actor, a, b, replications, seed)


def changes(old: Settings, new: Settings) -> list[str]:
    """What differs between the settings of a run and the settings now on the page, in words."""
    if old.scenario != new.scenario:
        return [f"scenario: {old.scenario} -> {new.scenario}"]
    out = []
    if old.actor != new.actor:
        out.append(f"acting state: {old.actor} -> {new.actor}")
    else:
        spec = load_scenario(new.scenario)
        for label, before, after in (("A", old.a, new.a), ("B", old.b, new.b)):
            out += [
                f"policy {label}: {line}" for line in differences(spec, new.actor, before, after)
            ]
    for key in ("replications", "seed", "horizon"):
        if getattr(old, key) != getattr(new, key):
            out.append(f"{key}: {getattr(old, key)} -> {getattr(new, key)}")
    return out
