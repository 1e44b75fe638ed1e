"""Figures of one run: a replication's timeline, the fan chart, survival curves, casualties."""

from __future__ import annotations

import logging
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from sim.analysis.survival import survival
from sim.core.ladder import RUNG_NAMES
from sim.plots.style import (
    _GROUP_COLOURS,
    _MARKED,
    _STATE_COLOURS,
    KIND_WORDS,
    RUNG_COLOURS,
    _days_label,
    _figure,
    _name,
    _rung_axis,
    _save,
    _scenario_names,
    _title,
    _wrap,
    column_words,
)

_log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from sim.engine.model import EscalationModel
    from sim.runs.montecarlo import SimulationResult

__all__ = [
    "casualty_axis_top",
    "casualty_distribution",
    "casualty_figure",
    "describe_events",
    "exceedance",
    "fan_chart",
    "rung_shares",
    "save_figures",
    "survival_curves",
    "timeline",
]


def _run_tables(run: SimulationResult | EscalationModel) -> tuple[pd.DataFrame, pd.DataFrame, Any]:
    """Events, trajectory and scenario of a result or of a model that recorded them."""
    if hasattr(run, "spec"):  # an EscalationModel
        if not (run.record_events and run.record_trajectory):
            raise ValueError(
                "the timeline needs a model created with record_events=True and "
                "record_trajectory=True"
            )
        return run.events(), run.trajectory(), run.spec
    if run.events is None or run.trajectory is None:
        raise ValueError(
            "the timeline needs events and the trajectory: run simulate(..., "
            "record_events=True, record_trajectory=True), on by default for "
            "up to 100 replications"
        )
    return run.events, run.trajectory, run.scenario


# -- one replication ---------------------------------------------------------------------------


def timeline(
    run: SimulationResult | EscalationModel,
    replication: int = 0,
    figsize: tuple[float, float] = (9.0, 5.5),
) -> Figure:
    """Draw one replication: its rung day by day, with actions, ceasefires and militant attacks.

    The upper panel holds each pair of states' rung as a step line, the days under a ceasefire
    shaded, the states' strikes and clashes marked at their rung, and dashed (dotted) vertical
    lines where a ceasefire was agreed (ended). The lower panel holds the deaths in militant
    attacks per day, one colour per group.

    Parameters
    ----------
    run : SimulationResult or EscalationModel
        A result with ``events`` and ``trajectory`` (``simulate`` records them for up to 100
        replications), or a model created with ``record_events=True, record_trajectory=True``
        (the interactive page draws its model as it steps).
    replication : int
        Global index of the replication to draw.
    figsize : tuple of float
        Width and height in inches.

    Returns
    -------
    Figure
        Two axes sharing the day axis: the ladder (``fig.axes[0]``) and the attacks
        (``fig.axes[1]``).
    """
    events, trajectory, scenario = _run_tables(run)
    names = _scenario_names(scenario)
    path = trajectory[trajectory["replication"] == replication]
    if path.empty:
        raise ValueError(
            f"replication {replication} is not in the trajectory "
            f"(replications {trajectory['replication'].min()}.."
            f"{trajectory['replication'].max()})"
        )
    log = events[events["replication"] == replication]
    fig = _figure(*figsize)
    ladder, attacks = fig.subplots(2, 1, sharex=True, height_ratios=(3, 1))

    ceasefire = path.groupby("day")["ceasefire"].any()
    ladder.fill_between(
        ceasefire.index,
        0,
        1,
        where=ceasefire.to_numpy(),
        step="post",
        transform=ladder.get_xaxis_transform(),
        color="tab:green",
        alpha=0.12,
        linewidth=0,
        label="ceasefire in force",
    )
    for pair, rows in path.groupby("pair", sort=False):
        ladder.step(
            rows["day"],
            rows["rung"],
            where="post",
            color="black",
            linewidth=1.8,
            label=f"rung, {_name(pair, names)}",
        )
    states = list(scenario.states) if scenario is not None else sorted(log["actor"].unique())
    for i, state in enumerate(states):
        for kind, (marker, words) in _MARKED.items():
            acts = log[(log["actor"] == state) & (log["kind"] == kind)]
            if acts.empty:
                continue
            label = f"{_name(state, names)}: {words}"
            # Clashes and war-level fighting share a marker and a legend entry.
            if label in ladder.get_legend_handles_labels()[1]:
                label = None
            ladder.scatter(
                acts["day"],
                acts["rung"],
                marker=marker,
                s=60,
                zorder=3,
                color=_STATE_COLOURS[i % len(_STATE_COLOURS)],
                edgecolor="white",
                label=label,
            )
    for kind, style, colour in (
        ("ceasefire_made", "--", "tab:green"),
        ("ceasefire_ended", ":", "tab:red"),
    ):
        days = log.loc[log["kind"] == kind, "day"].to_numpy()
        if days.size:
            ladder.vlines(
                days,
                0,
                1,
                transform=ladder.get_xaxis_transform(),
                colors=colour,
                linestyles=style,
                linewidth=1.2,
                label=KIND_WORDS[kind],
            )
    _rung_axis(ladder)
    ladder.set_ylabel("escalation ladder")
    ladder.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small", frameon=False)
    about = getattr(scenario, "description", "")
    title = f"One simulated path (replication {replication})"
    fig.suptitle(
        title + ("\n" + textwrap.fill(about, 2 * len(title) + 20) if about else ""),
        fontsize="medium",
    )

    hits = log[log["kind"] == "attack"]
    deaths = hits.pivot_table(index="day", columns="actor", values="killed", aggfunc="sum")
    # One filled step patch per group over every day, stacked, not one bar per day: a year of
    # near-daily attacks is hundreds of bars, which took over a second to draw on the page.
    first, last = int(path["day"].min()), max(int(path["day"].max()), 1)
    days = np.arange(first, last + 1)
    deaths = deaths.reindex(days).fillna(0.0)
    bottom = np.zeros(len(days))
    for i, group in enumerate(deaths.columns):
        top = bottom + deaths[group].to_numpy(dtype=float)
        attacks.stairs(
            top,
            np.append(days, last + 1) - 0.5,
            baseline=bottom,
            fill=True,
            linewidth=0,
            label=_name(group, names),
            color=_GROUP_COLOURS[i % len(_GROUP_COLOURS)],
        )
        bottom = top
    attacks.set_ylabel("killed in\nmilitant attacks")
    attacks.set_xlabel(_days_label(getattr(scenario, "as_of", None)))
    attacks.set_xlim(path["day"].min(), max(path["day"].max(), 1))
    attacks.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=4))
    if len(deaths.columns):
        attacks.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small", frameon=False)
    return fig


def describe_events(
    events: pd.DataFrame, as_of: str | None = None, names: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Turn an event log into a table a reader can go through line by line.

    Parameters
    ----------
    events : pd.DataFrame
        The ``events`` table of a run or model (columns as in ``EscalationModel.events``).
    as_of : str, optional
        The scenario's as-of date (ISO), to give each day its calendar date.
    names : mapping of str to str, optional
        Display names of actor ids (e.g. from the scenario).

    Returns
    -------
    pd.DataFrame
        Columns ``replication, day`` (and ``date`` with `as_of`), ``who, what, against, rung,
        killed``, in the log's order (violations and ceasefire events kill no one themselves:
        the deaths are on the actions they mark).
    """
    names = names or {}
    table = pd.DataFrame({"replication": events["replication"], "day": events["day"]})
    if as_of:
        dates = pd.Timestamp(as_of) + pd.to_timedelta(events["day"], unit="D")
        table["date"] = dates.dt.strftime("%-d %b %Y")
    kinds, counts = events["kind"].tolist(), events["count"].tolist()
    table["who"] = [_name(a, names) for a in events["actor"]]
    table["what"] = [
        f"{n} militant attacks" if kind == "attack" and n > 1 else KIND_WORDS.get(kind, kind)
        for kind, n in zip(kinds, counts, strict=True)
    ]
    table["against"] = [_name(t, names) if t else "" for t in events["target"]]
    table["rung"] = [f"{k} {RUNG_NAMES[k]}" if k > 0 else "" for k in events["rung"].astype(int)]
    table["killed"] = events["killed"].astype(int)
    return table.reset_index(drop=True)


# -- many replications -------------------------------------------------------------------------


def rung_shares(trajectory: pd.DataFrame) -> pd.DataFrame:
    """Share of replications at each rung on each day, the rung being the highest over pairs.

    Parameters
    ----------
    trajectory : pd.DataFrame
        A run's trajectory (columns ``replication, day, pair, rung``).

    Returns
    -------
    pd.DataFrame
        Index ``day``, one column per rung 0..5, rows summing to 1.
    """
    top = trajectory.groupby(["day", "replication"])["rung"].max()
    counts = pd.crosstab(top.index.get_level_values("day"), top.to_numpy())
    counts = counts.reindex(columns=range(len(RUNG_NAMES)), fill_value=0)
    counts.index.name, counts.columns.name = "day", "rung"
    return counts.div(counts.sum(axis=1), axis=0)


def fan_chart(run: SimulationResult | pd.DataFrame, as_of: str | None = None) -> Figure:
    """Draw the rung distribution over time: the share of replications at each rung, stacked.

    Parameters
    ----------
    run : SimulationResult or pd.DataFrame
        A result with a trajectory (``simulate(..., record_trajectory=True)``), or the trajectory
        table itself. With several pairs of states a replication counts at its highest rung.
    as_of : str, optional
        As-of date for the day axis; taken from the result's scenario when not given.

    Returns
    -------
    Figure
        One band per rung, calm at the bottom; band k spans ``cumsum(shares)[k - 1]`` to
        ``cumsum(shares)[k]`` in percent (see :func:`rung_shares`).
    """
    if isinstance(run, pd.DataFrame):
        trajectory = run
    else:
        if run.trajectory is None:
            raise ValueError(
                "the fan chart needs the trajectory: simulate(..., record_trajectory=True)"
            )
        trajectory, as_of = run.trajectory, as_of or run.scenario.as_of
    shares = rung_shares(trajectory)
    n = trajectory["replication"].nunique()
    upper = shares.cumsum(axis=1).to_numpy() * 100
    lower = np.column_stack([np.zeros(len(shares)), upper[:, :-1]])
    fig = _figure()
    ax = fig.subplots()
    for k in range(len(RUNG_NAMES)):
        ax.fill_between(
            shares.index,
            lower[:, k],
            upper[:, k],
            color=RUNG_COLOURS[k],
            linewidth=0,
            label=f"{k} {RUNG_NAMES[k]}",
        )
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(
        handles[::-1],
        labels[::-1],
        loc="upper left",
        bbox_to_anchor=(1.01, 1),
        frameon=False,
        title="rung",
    )
    ax.set_xlim(shares.index.min(), shares.index.max())
    ax.set_ylim(0, 100)
    ax.yaxis.set_major_formatter(PercentFormatter(100))
    ax.set_xlabel(_days_label(as_of))
    ax.set_ylabel("share of replications")
    _title(ax, f"Where the crisis stands each day ({n:,} replications)")
    return fig


def _outcomes_names(run: SimulationResult | pd.DataFrame) -> tuple[pd.DataFrame, dict, Any]:
    if isinstance(run, pd.DataFrame):
        return run, {}, None
    return run.outcomes, _scenario_names(run.scenario), run.scenario


SURVIVAL_SCALES = (10.0, 25.0, 50.0, 100.0)
"""The tops (in percent) the survival figure's y axis may take: the smallest above the highest
band. A fixed ladder, not the data's own maximum, so the figures of runs meant to be compared
(a policy variant beside its baseline, the jobs of a multirun) share their y axis unless their
probabilities lie on different steps; :func:`sim.plots.compare.compared_figures` makes them share
it always."""


def survival_top(top: float) -> float:
    """The top of the survival figure's y axis (percent) for a highest value `top` in [0, 1]."""
    return next(s for s in SURVIVAL_SCALES if s >= min(100.0, 100 * top))


def survival_curves(
    run: SimulationResult | pd.DataFrame,
    rungs: Sequence[int] | None = None,
    reached: bool = True,
    ylim: tuple[float, float] | None = None,
) -> Figure:
    """Draw the chance of having reached each rung by day t, with 95 % confidence bands.

    Parameters
    ----------
    run : SimulationResult or pd.DataFrame
        A result, or its outcomes table (with ``attrs["horizon"]``).
    rungs : sequence of int, optional
        Rungs to draw; default every rung above the start rung (``attrs["start_rung"]``).
    reached : bool
        Draw ``1 - S(t)``, the chance of having reached the rung by day t (default), or the
        Kaplan-Meier survival ``S(t)`` itself, the chance of not yet having reached it.
    ylim : (float, float), optional
        The y axis in percent; default from 0 to the `SURVIVAL_SCALES` step above the highest
        band (shared by runs to be compared).

    Returns
    -------
    Figure
        One step line per rung through ``(0, *days, horizon)`` with its pointwise log-log band,
        from :func:`sim.analysis.survival.survival`, in percent.
    """
    outcomes, _, scenario = _outcomes_names(run)
    if rungs is None:
        start = int(outcomes.attrs.get("start_rung", 0))
        rungs = range(start + 1, len(RUNG_NAMES))
    rungs = list(rungs)
    if not rungs:
        raise ValueError("no rung to draw: the run starts at the top of the ladder")
    fig = _figure()
    ax = fig.subplots()
    top = 0.0
    for k in rungs:
        curve = survival(outcomes, k)
        days = np.concatenate(([0.0], curve.days, [curve.horizon]))
        last = curve.survival[-1:] if curve.days.size else [1.0]
        s = np.concatenate(([1.0], curve.survival, last))
        # Before the first event the band is one-sided: [low_before_first, 1].
        first = [curve.low_before_first]
        low = np.concatenate((first, curve.low, curve.low[-1:] if curve.days.size else first))
        high = np.concatenate(([1.0], curve.high, curve.high[-1:] if curve.days.size else [1.0]))
        y, band = (1 - s, (1 - high, 1 - low)) if reached else (s, (low, high))
        colour = RUNG_COLOURS[k] if k > 1 else "gray"
        ax.step(
            days, y * 100, where="post", color=colour, linewidth=2, label=f"{k} {RUNG_NAMES[k]}"
        )
        ax.fill_between(
            days, band[0] * 100, band[1] * 100, step="post", color=colour, alpha=0.25, linewidth=0
        )
        top = max(top, np.nanmax(band[1]), np.nanmax(y))
    ax.set_xlim(0, float(outcomes.attrs["horizon"]))
    # Rare events stay readable (10 % at least); a fixed ladder of tops keeps runs comparable.
    ax.set_ylim(*(ylim if ylim is not None else (0.0, survival_top(top))))
    ax.yaxis.set_major_formatter(PercentFormatter(100, decimals=0))
    ax.set_xlabel(_days_label(getattr(scenario, "as_of", None)))
    ax.set_ylabel(
        "chance the rung has been reached" if reached else "chance the rung has not been reached"
    )
    ax.legend(title="rung (95 % band)", frameon=False)
    _title(ax, f"Time to each rung ({len(outcomes):,} replications)")
    return fig


def exceedance(values: np.ndarray | pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values x of a sample and the share of the sample at or above each, P(X >= x).

    Parameters
    ----------
    values : array of shape (n,)
        One value per replication.

    Returns
    -------
    tuple of np.ndarray
        ``(x, p)``: x increasing, p = P(X >= x) in [0, 1], decreasing from 1.
    """
    ordered = np.sort(np.asarray(values, float))
    x = np.unique(ordered)
    return x, (ordered.size - np.searchsorted(ordered, x, side="left")) / ordered.size


def casualty_distribution(
    run: SimulationResult | pd.DataFrame,
    columns: Sequence[str] | None = None,
    log: bool | None = None,
    xlim: tuple[float, float] | None = None,
    ylim: tuple[float, float] | None = None,
) -> Figure:
    """Draw the chance that deaths reach at least x, one curve per outcome column.

    Parameters
    ----------
    run : SimulationResult or pd.DataFrame
        A result, or its outcomes table.
    columns : sequence of str, optional
        Outcome columns to draw; default the military and civilian deaths of every state.
    log : bool, optional
        Log scales (symmetric-log x, so zero stays visible; log y). Default: on when the values
        span more than two orders of magnitude, as heavy-tailed casualties do.
    xlim, ylim : (float, float), optional
        The axes' limits (y in percent), to share them between runs to be compared; default
        the data's own.

    Returns
    -------
    Figure
        One step line per column through :func:`exceedance` (y in percent); the legend gives
        each column's median and 95th percentile.
    """
    outcomes, names, _ = _outcomes_names(run)
    if columns is None:
        columns = [
            c for c in outcomes.columns if c.startswith(("military_deaths_", "civilian_deaths_"))
        ]
    missing = [c for c in columns if c not in outcomes.columns]
    if missing or not columns:
        raise ValueError(f"no such outcome column(s): {missing or columns}")
    values = outcomes[list(columns)].to_numpy(dtype=float)
    if log is None:
        positive = values[values > 0]
        log = bool(positive.size) and positive.max() > 100 * positive.min()
    fig = _figure()
    ax = fig.subplots()
    for column in columns:
        x, p = exceedance(outcomes[column])
        median, p95 = np.percentile(outcomes[column], [50, 95])
        ax.step(
            x,
            p * 100,
            where="pre",
            linewidth=1.8,
            label=f"{column_words(column, names)} (median {median:,.0f}, "
            f"95th percentile {p95:,.0f})",
        )
    if log:
        ax.set_xscale("symlog", linthresh=1)
        ax.set_yscale("log")
        ax.set_ylim(100 / len(outcomes) / 2, 150)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}%"))
    else:
        ax.set_ylim(0, 102)
        ax.yaxis.set_major_formatter(PercentFormatter(100))
    if xlim is not None:
        ax.set_xlim(*xlim)
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set_xlabel("deaths over the run (x)")
    ax.set_ylabel("chance of at least x deaths")
    ax.legend(frameon=False, fontsize="small")
    _title(ax, f"Casualties per replication ({len(outcomes):,} replications)")
    return fig


_LADDER = (1.0, 2.0, 5.0)


def _ladder_top(value: float) -> float:
    """The smallest of 10, 20, 50, 100, 200, ... at or above `value`."""
    top = 10.0
    while True:
        for step in _LADDER:
            if step * top >= value:
                return step * top
        top *= 10


def casualty_axis_top(scenario: Any, horizon: int) -> float:
    """The top of the casualty figure's x axis for a scenario and horizon, from neither run's data.

    The most one state's forces kill of one group over the whole horizon at war, in
    expectation: `horizon` x the largest ``capability x inflicted.<group>[5]`` of any state,
    raised to the 1-2-5 ladder (at least 10). Runs of the same scenario and horizon (variants,
    seeds, the jobs of a multirun) get the same axis, so their figures compare by eye.

    Examples
    --------
    >>> import sim
    >>> casualty_axis_top(sim.load_scenario("ind_pak_2019"), 365)  # 365 x 40 = 14,600
    20000.0
    """
    worst = max(
        (
            float(state.capability)
            * float(max(state.inflicted.military + state.inflicted.civilian))
            for state in scenario.states.values()
        ),
        default=0.0,
    )
    return _ladder_top(max(horizon * worst, 10.0))


def save_figures(
    result: SimulationResult, folder: Path, label: str = "", casualty_max: float | None = None
) -> list[Path]:
    """Write the standard figures of a Monte Carlo result into `folder` as PNG files.

    Parameters
    ----------
    result : SimulationResult
        The run.
    folder : Path
        Created if missing; existing figures of the same names are replaced.
    label : str
        What was run (scenario, experiment, overrides: :func:`sim.runs.labels.run_label`),
        added to every figure's title so a variant is not read as its baseline.
    casualty_max : float, optional
        The top of the casualty figure's x axis (deaths); default :func:`casualty_axis_top` of
        the run's scenario and horizon. Its scales are always log and its y axis runs from half
        a replication's share to 150 %, so runs of the same scenario, horizon and number of
        replications share every axis (the survival figure's tops follow a fixed ladder). A
        run whose deaths pass the top extends it to the next step of the 1-2-5 ladder, with a
        warning.

    Returns
    -------
    list of Path
        The files written: ``survival.png`` (when a rung lies above the start),
        ``casualties.png``, and with a recorded trajectory ``fan_chart.png``, with events too
        ``timeline.png`` (replication 0).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    figures: dict[str, Figure] = {}
    if int(result.outcomes.attrs.get("start_rung", 0)) < len(RUNG_NAMES) - 1:
        figures["survival"] = survival_curves(result)
    figures["casualties"] = casualty_figure(result, casualty_max)
    if result.trajectory is not None:
        figures["fan_chart"] = fan_chart(result)
        if result.events is not None:
            first = int(result.outcomes["replication"].min())
            figures["timeline"] = timeline(result, replication=first)
    for fig in figures.values():
        labelled(fig, label)
    return [_save(fig, folder / f"{name}.png") for name, fig in figures.items()]


def casualty_figure(result: SimulationResult, casualty_max: float | None = None) -> Figure:
    """The casualty figure of a run on axes fixed by its scenario, horizon and replications.

    As :func:`casualty_distribution` with log scales, x from 0 to `casualty_max` (default
    :func:`casualty_axis_top`) and y from half a replication's share to 150 %: the figure
    :func:`save_figures` writes, so separate runs of the same scenario share its axes.
    """
    top = casualty_max or casualty_axis_top(result.scenario, result.horizon)
    outcomes = result.outcomes
    columns = [
        c for c in outcomes.columns if c.startswith(("military_deaths_", "civilian_deaths_"))
    ]
    most = float(outcomes[columns].to_numpy(dtype=float).max()) if columns else 0.0
    if most > top:
        wider = _ladder_top(most)
        _log.warning(
            "casualties: %s deaths pass the figure's axis (%s); drawn to %s, so this figure's "
            "x axis differs from other runs'; set output.casualty_max=%s to share it",
            f"{most:,.0f}",
            f"{top:,.0f}",
            f"{wider:,.0f}",
            f"{wider:g}",
        )
        top = wider
    floor = 100 / len(outcomes) / 2
    return casualty_distribution(result, log=True, xlim=(0.0, top), ylim=(floor, 150.0))


def labelled(fig: Figure, label: str) -> Figure:
    """Add `label` (what was run) as the last line of the figure's title."""
    if label:
        title = fig.get_suptitle()
        text = f"{title}\n{_wrap(fig, label)}" if title else _wrap(fig, label)
        fig.suptitle(text, fontsize="medium")
    return fig
