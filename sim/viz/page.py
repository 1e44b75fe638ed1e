"""The page: compare two policies on any shipped scenario, and watch one simulated path.

Start it from the repository root (Solara's telemetry switched off)::

    SOLARA_TELEMETRY_MIXPANEL_ENABLE=False .venv/bin/solara run sim.viz.page

and open http://localhost:8765. ``docs/page.md`` describes what it shows. Solara calls
:func:`Page` once per browser session; nothing runs on import but reading the scenario list.
"""

from __future__ import annotations

import dataclasses
import io
import threading
import time
from collections.abc import Callable
from html import escape

import pandas as pd
import solara
from matplotlib.figure import Figure

from sim import plots
from sim.analysis.results import PairedComparison
from sim.core.intervals import format_interval
from sim.core.ladder import MAX_RUNG, RUNG_NAMES
from sim.engine.model import EscalationModel
from sim.plots.policies import escalation_curves
from sim.scenario.loading import load_scenario
from sim.scenario.schema import Scenario
from sim.viz.compare import (
    FAN_DPI,
    HORIZON,
    REPLICATION_CHOICES,
    Comparison,
    Settings,
    changes,
    default_settings,
    run_comparison,
)
from sim.viz.levers import lever_labels, scenario_policy, shipped_scenarios
from sim.viz.path import latest_events, path_model, play_target, status
from sim.viz.widgets import Lever, PolicyEditor

SCENARIOS = shipped_scenarios()
DEFAULT_SCENARIO = "pak_afg_2026" if "pak_afg_2026" in SCENARIOS else SCENARIOS[0]
# Seconds Play takes to run the rest of the year: it draws as often as drawing allows meanwhile.
PLAY_SECONDS = 5
TIMELINE_DPI = 80
_CSS = """
.page-table td, .page-table th { padding: 2px 12px; text-align: right; white-space: nowrap; }
.page-table { border-collapse: collapse; margin: 6px 0 12px 0; }
.page-table tr:nth-child(even) { background: #f3f3f3; }
.event-list .page-table td, .event-list .page-table th { text-align: left; font-size: 0.85em; }
.lever-label { font-size: 0.9em; }
"""
# The rung k and horizon t read, per browser session (kept across runs and tabs).
_RUNG = solara.reactive(min(4, MAX_RUNG))
_WITHIN = solara.reactive(90)
# Dims results that no longer match the controls, until Run.
_STALE_STYLE = {"opacity": "0.45"}


def _png(figure: Figure, dpi: int) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


@solara.component
def SettingsBar(draft: Settings, on_draft: Callable[[Settings], None], scenario: Scenario) -> None:
    """Scenario, acting state, replications and seed: shared by both policies."""

    def set_scenario(name: str) -> None:
        on_draft(default_settings(name, draft.replications, draft.seed))

    def set_actor(actor: str) -> None:
        policy = scenario_policy(scenario, actor)
        on_draft(
            Settings(
                draft.scenario,
                actor,
                policy,
                policy.with_value("rule", draft.b.rule),
                draft.replications,
                draft.seed,
            )
        )

    actors = {spec.name: key for key, spec in scenario.states.items()}
    with solara.Row(classes=["settings-bar"]):
        solara.Select(
            "scenario",
            values=SCENARIOS,
            value=draft.scenario,
            on_value=set_scenario,
            classes=["scenario-select"],
        )
        solara.Select(
            "state whose rule the policies set",
            values=list(actors),
            value=scenario.states[draft.actor].name,
            on_value=lambda name: set_actor(actors[name]),
            classes=["actor-select"],
        )
        solara.Select(
            "replications per policy",
            values=list(REPLICATION_CHOICES),
            value=draft.replications,
            classes=["replications-select"],
            on_value=lambda n: on_draft(_replace(draft, replications=n)),
        )
        Lever(
            f"seed (both policies): {draft.seed}",
            draft.seed,
            lambda s: on_draft(_replace(draft, seed=s)),
            "lever-seed",
            0,
            99,
            1,
            width="240px",
        )


def _replace(settings: Settings, **values: object) -> Settings:
    return dataclasses.replace(settings, **values)


@solara.component
def Results(comparison: Comparison, number: int, stale: bool) -> None:
    """The reading controls, the headline estimates, the table by rung and the fan charts.

    The rung and horizon read are the page's (they survive a new run); reading another needs
    no new run.
    """
    rung, within = _RUNG.value, _WITHIN.value
    set_rung, set_within = _RUNG.set, _WITHIN.set
    settings = comparison.settings
    a, b, d = comparison.estimates(rung, within)
    with solara.Row():
        Lever(
            f"rung k: {rung} ({RUNG_NAMES[rung]})",
            rung,
            set_rung,
            "lever-rung",
            1,
            MAX_RUNG,
            1,
            width="320px",
        )
        Lever(
            f"within t days: {within}",
            within,
            set_within,
            "lever-within",
            1,
            settings.horizon,
            1,
            width="320px",
        )
    with solara.Div(classes=["results"], style=_STALE_STYLE if stale else {}):
        _html(
            f"<b>P(rung &gt;= {rung}, {RUNG_NAMES[rung]}, within {within} days)</b>, with 95 % "
            f"Monte Carlo intervals; {settings.replications:,} replications per policy, seed "
            f"{settings.seed}, the same random numbers under both policies. The scenario's "
            "parameters are taken as written: the intervals hold no parameter uncertainty."
        )
        for label, estimate, css in (("Policy A", a, "estimate-a"), ("Policy B", b, "estimate-b")):
            with solara.Row():
                solara.Text(f"{label}:")
                solara.Text(str(estimate).split(" (n=")[0], classes=[css])
        with solara.Row():
            solara.Text("B - A, paired:")
            solara.Text(_difference(d), classes=["estimate-diff"])
            solara.Text(
                f"({d.a_only} replications reach it under A only, {d.b_only} under B only; "
                f"an unpaired interval would be {d.independent_high - d.independent_low:.3f} "
                f"wide, this one {d.high - d.low:.3f})"
            )
        curves = solara.use_memo(
            lambda: _png(
                escalation_curves(
                    {"policy A": comparison.a, "policy B": comparison.b}, rung, within
                ),
                FAN_DPI,
            ),
            [comparison, rung, within],
        )
        solara.Image(curves, classes=["curves"])
        table = comparison.table(within)
        _html(f"Every rung within {within} days:" + _table(table), "rung-table")
        with solara.Columns([1, 1]):
            solara.Image(comparison.fans["a"], classes=["fan-a"])
            solara.Image(comparison.fans["b"], classes=["fan-b"])
        solara.Text(
            f"Run {number}: {comparison.seconds['a']:.1f} s (A) and "
            f"{comparison.seconds['b']:.1f} s (B).",
            classes=["run-number"],
        )


def _difference(d: PairedComparison) -> str:
    return format_interval(d.difference, d.low, d.high, signed=True)


def _html(content: str, css: str = "") -> None:
    """Show trusted HTML (the caller escapes the data in it).

    Not Markdown: Solara's Markdown fetches KaTeX from its CDN, a failed request offline.
    """
    solara.HTML(tag="div", unsafe_innerHTML=content, classes=[css] if css else [])


def _table(table: pd.DataFrame) -> str:
    return table.to_html(index=False, escape=True, border=0, classes="page-table")


@solara.component
def CompareTab(draft: Settings, on_draft: Callable[[Settings], None], scenario: Scenario) -> None:
    """Two policy editors, a Run button, and the results of the last run (dimmed when stale)."""
    last = solara.use_reactive(None)
    runs = solara.use_reactive(0)

    def run(settings: Settings) -> None:
        result = run_comparison(settings)
        last.value, runs.value = result, runs.value + 1

    task = solara.lab.use_task(run, dependencies=None, raise_error=False)
    with solara.Columns([1, 1]):
        PolicyEditor(scenario, draft.actor, draft.a, lambda p: on_draft(_replace(draft, a=p)), "a")
        PolicyEditor(scenario, draft.actor, draft.b, lambda p: on_draft(_replace(draft, b=p)), "b")
    with solara.Row():
        solara.Button(
            "Run",
            color="primary",
            on_click=lambda: task(draft),
            disabled=task.pending,
            classes=["run-button"],
        )
        solara.ProgressLinear(task.pending)
    comparison = last.value
    if task.pending:
        solara.Info(
            f"Running both policies ({draft.replications:,} replications each)...",
            classes=["run-status"],
        )
    elif task.error:
        solara.Error(f"The run failed: {task.exception}", classes=["run-status"])
    if comparison is None:
        if not task.pending:
            solara.Info("Not run yet: press Run to simulate both policies.", classes=["run-status"])
        return
    stale = comparison.settings != draft
    if stale and not task.pending:
        changed = "; ".join(changes(comparison.settings, draft))
        solara.Warning(
            f"Stale: the numbers below are for the last run, not the controls above (changed "
            f"since: {changed}). Press Run to recompute.",
            classes=["stale-note"],
        )
    Results(comparison, runs.value, stale)


@solara.component
def PathTab(draft: Settings, scenario: Scenario) -> None:
    """One replication of policy A or B, stepped or played; any change restarts it at day 0."""
    which, set_which = solara.use_state("A")
    seed, set_seed = solara.use_state(7)
    seconds, set_seconds = solara.use_state(PLAY_SECONDS)
    restarts, set_restarts = solara.use_state(0)
    playing = solara.use_reactive(False)
    tick = solara.use_reactive(0)
    policy = draft.a if which == "A" else draft.b
    model = solara.use_memo(
        lambda: path_model(draft.scenario, draft.actor, policy, seed),
        [draft.scenario, draft.actor, policy, seed, restarts],
    )
    lock = solara.use_memo(threading.Lock, [])

    def advance(days: int) -> None:
        with lock:
            for _ in range(min(days, HORIZON - model.day)):
                model.step()
        tick.value += 1

    def play(cancel: threading.Event) -> None:
        start, began = model.day, time.monotonic()
        while playing.value and model.day < HORIZON and not cancel.is_set():
            target = play_target(start, time.monotonic() - began, seconds, HORIZON)
            advance(max(1, target - model.day))
        playing.value = False

    solara.use_thread(play, dependencies=[playing.value, model, seconds])
    png = solara.use_memo(lambda: _timeline(model, lock), [model, tick.value])
    with solara.Row():
        solara.ToggleButtonsSingle(
            value=which, values=["A", "B"], on_value=set_which, classes=["path-policy"]
        )
        Lever(f"seed: {seed}", seed, set_seed, "lever-path-seed", 0, 99, 1, width="240px")
        Lever(
            f"Play runs the rest of the year in {seconds} s",
            seconds,
            set_seconds,
            "lever-play-seconds",
            2,
            60,
            1,
            width="300px",
        )
    with solara.Row():
        solara.Button("Reset", on_click=lambda: set_restarts(restarts + 1), disabled=playing.value)
        solara.Button(
            "Step", on_click=lambda: advance(1), disabled=playing.value or model.day >= HORIZON
        )
        solara.Button(
            "Pause" if playing.value else "Play to day 365",
            color="primary",
            on_click=lambda: playing.set(not playing.value),
            disabled=model.day >= HORIZON and not playing.value,
            classes=["play"],
        )
        solara.Text(f"Day {model.day} of {HORIZON}", classes=["path-day"])
    levers = "; ".join(lever_labels(scenario, draft.actor, policy).values())
    _html(
        f"One path (replication 0 of seed {seed}) of <b>policy {which}</b>: {escape(levers)}. "
        "Changing a lever (in the Compare tab) or the seed restarts the path at day 0 with the "
        "new values.",
        "path-levers",
    )
    with solara.Columns([3, 2]):
        solara.Image(png, classes=["timeline"])
        EventList(model, lock, tick.value)


def _timeline(model: EscalationModel, lock: threading.Lock) -> bytes:
    with lock:
        figure = plots.timeline(model, replication=model.first_replication, figsize=(8.5, 5.2))
    return _png(figure, TIMELINE_DPI)


@solara.component
def EventList(model: EscalationModel, lock: threading.Lock, tick: int) -> None:
    """Today's status and the latest events, newest first.

    `tick` is not read: it changes whenever the model has stepped, which makes Solara redraw.
    """
    with lock:
        table, line = latest_events(model), status(model)
    quiet = "No state action, ceasefire event or attack killing 10 or more so far."
    body = quiet if table.empty else _table(table)
    _html(f"<b>{escape(line)}</b><br>{body}", "event-list")


@solara.component
def Page() -> None:
    """The page: shared settings, then the comparison and the single-path viewer as two tabs."""
    first = solara.use_memo(lambda: default_settings(DEFAULT_SCENARIO), [])
    draft, set_draft = solara.use_state(first)
    scenario = solara.use_memo(lambda: load_scenario(draft.scenario), [draft.scenario])
    solara.Title("Escalation: compare two policies")
    solara.Style(_CSS)
    with solara.Column(style={"padding": "12px"}):
        _html(f"<h3>{escape(scenario.description)} (as of {scenario.as_of})</h3>")
        SettingsBar(draft, set_draft, scenario)
        with solara.lab.Tabs():
            with solara.lab.Tab("Compare policies"):
                CompareTab(draft, set_draft, scenario)
            with solara.lab.Tab("One path"):
                PathTab(draft, scenario)
