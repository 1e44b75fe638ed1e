"""Figures of runs and sweeps, one function per figure, each returning a matplotlib ``Figure``.

Every function builds its own :class:`matplotlib.figure.Figure` (never ``pyplot``), so nothing is
left open and no global state changes; show one in a notebook by leaving it as a cell's last
expression, save it with ``fig.savefig(path)``. Labels are written for a policy reader: rung
names from :data:`sim.RUNG_NAMES`, days counted from the scenario's as-of date, probabilities in
percent.

- :func:`timeline`: one replication, its rung day by day with strikes, clashes, ceasefires and
  the deaths in militant attacks.
- :func:`fan_chart`: the share of replications at each rung, day by day.
- :func:`survival_curves`: chance of having reached each rung by day t, with 95 % bands.
- :func:`casualty_distribution`: chance that deaths exceed x, per outcome column.
- :func:`sweep_response`, :func:`heatmap`, :func:`sensitivity_bars`: results of a sweep, given as
  plain tables with the column names as arguments.
- :func:`policy_comparison`: paired differences between policies run on the same random numbers.
- :func:`robustness_chart`: policies' robustness metrics across futures (``sim.sweeps.robustness``).
- :func:`save_figures`: the standard figures of a Monte Carlo result, written as PNG files.

:func:`describe_events` turns an event log into a table of sentences-in-columns (date, who, what,
against whom), for reading one replication event by event.
"""

from __future__ import annotations

import os
import re
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from sim.analysis.stats import PairedComparison, survival
from sim.core.ladder import RUNG_NAMES

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from sim.engine.model import EscalationModel
    from sim.runs.montecarlo import SimulationResult

__all__ = [
    "KIND_WORDS",
    "RUNG_COLOURS",
    "casualty_distribution",
    "column_words",
    "comparison_table",
    "describe_events",
    "exceedance",
    "fan_chart",
    "heatmap",
    "policy_comparison",
    "robustness_chart",
    "rung_shares",
    "save_figures",
    "sensitivity_bars",
    "survival_curves",
    "sweep_response",
    "timeline",
]

# One colour per rung, calm to war, so every figure reads the ladder the same way.
RUNG_COLOURS = ("#d9d9d9", "#fee391", "#fec44f", "#fe9929", "#d95f0e", "#7f0000")
_STATE_COLOURS = ("tab:blue", "tab:red", "tab:purple", "tab:brown")
_GROUP_COLOURS = ("dimgray", "darkgoldenrod", "teal", "olive")
# Event kinds a state's action can take, in ladder order (rung 1..5), and how a reader says them.
KIND_WORDS = {
    "attack": "militant attack",
    "protest": "diplomatic protest",
    "show_of_force": "show of force",
    "strike": "limited strike",
    "clash": "interstate clash",
    "war": "war-level fighting",
    "violation": "ceasefire violation",
    "ceasefire_made": "ceasefire agreed",
    "ceasefire_ended": "ceasefire ended",
}
# Actions marked on the timeline: strikes, and clashes with war-level fighting.
_MARKED = {"strike": ("v", "strike"), "clash": ("X", "clash"), "war": ("X", "clash")}
_COLUMN_WORDS = {
    "military_deaths_": "soldiers killed, {}",
    "civilian_deaths_": "civilians killed, {}",
    "militant_deaths_": "militants killed, {}",
    "attacks_": "attacks by {}",
    "strikes_": "days of strikes by {}",
}
# Columns of a sweep table: P(max rung >= k within t days) and paired differences.
_CHANCE = re.compile(r"(p|diff)_rung(\d)_(\d+)d(_low|_high)?")
_PLAIN_WORDS = {
    "p_war": "chance of war (1,000+ battle deaths)",
    "battle_deaths": "battle deaths",
    "clashes": "days of interstate clashes",
    "ceasefire_days": "days under a ceasefire",
    "ceasefires_made": "ceasefires agreed",
    "ceasefires_broken": "ceasefires broken",
    "max_rung": "highest rung reached",
}


# -- shared helpers ----------------------------------------------------------------------------


def _figure(width: float = 8.0, height: float = 4.5) -> Figure:
    return Figure(figsize=(width, height), layout="constrained")


def _wrap(fig: Figure, text: str) -> str:
    # About ten characters of medium-sized text per inch of figure.
    return textwrap.fill(text, int(fig.get_figwidth() * 10))


def _title(ax: Axes, text: str) -> None:
    # Over the whole figure, not the axes: long tick labels can make the axes narrow.
    ax.figure.suptitle(_wrap(ax.figure, text), fontsize="medium")


def _days_label(as_of: str | None) -> str:
    if not as_of:
        return "days from the start"
    return f"days since {pd.Timestamp(as_of):%-d %b %Y}"


def _name(actor: str, names: Mapping[str, str]) -> str:
    if actor in names:
        return names[actor]
    if "-" in actor:
        return "–".join(_name(part, names) for part in actor.split("-"))
    # Short ids are acronyms (TTP, ISKP); longer ones are place names.
    return actor.upper() if len(actor) <= 4 else actor.replace("_", " ").title()


def _scenario_names(scenario: Any) -> dict[str, str]:
    if scenario is None:
        return {}
    actors = {**scenario.states, **scenario.militants, **scenario.mediators}
    return {key: spec.name for key, spec in actors.items()}


def column_words(column: str, names: Mapping[str, str] | None = None) -> str:
    """Say an outcome column in words: ``military_deaths_pakistan`` is soldiers killed, Pakistan.

    Parameters
    ----------
    column : str
        A column of the outcomes table (``docs/outcomes.md``) or any other name.
    names : mapping of str to str, optional
        Display names of actor ids; ids not in it are title-cased (acronyms upper-cased).

    Returns
    -------
    str
        The words; an unknown column comes back with underscores as spaces.
    """
    names = names or {}
    for prefix, words in _COLUMN_WORDS.items():
        if column.startswith(prefix):
            return words.format(_name(column.removeprefix(prefix), names))
    if match := _CHANCE.fullmatch(column):
        change, rung, days, limit = match.groups()
        words = f"chance of {RUNG_NAMES[int(rung)]} within {days} days"
        words = f"change in the {words}" if change == "diff" else words
        return words + {None: "", "_low": " (lower limit)", "_high": " (upper limit)"}[limit]
    if column.startswith("mean_"):
        return "mean " + column_words(column.removeprefix("mean_"), names)
    if "." in column:
        # A scenario key path such as mediators.qatar.leverage: the actor, then the field.
        _, actor, *field = column.split(".")
        return f"{_name(actor, names)}: {' '.join(field).replace('_', ' ')}"
    return _PLAIN_WORDS.get(column, column.replace("_", " "))


def _rung_axis(ax: Axes, axis: str = "y") -> None:
    ticks = range(len(RUNG_NAMES))
    labels = [f"{k} {name}" for k, name in enumerate(RUNG_NAMES)]
    if axis == "y":
        ax.set_yticks(ticks, labels)
        ax.set_ylim(-0.4, len(RUNG_NAMES) - 0.6)
    else:
        ax.set_xticks(ticks, labels)


def _is_probability(*columns: pd.Series | np.ndarray | None) -> bool:
    values = np.concatenate([np.asarray(c, float).ravel() for c in columns if c is not None])
    values = values[np.isfinite(values)]
    return bool(values.size) and bool(np.all((values >= 0) & (values <= 1)))


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
    bottom = np.zeros(len(deaths))
    for i, group in enumerate(deaths.columns):
        heights = deaths[group].fillna(0).to_numpy()
        attacks.bar(
            deaths.index,
            heights,
            bottom=bottom,
            width=1.0,
            label=_name(group, names),
            color=_GROUP_COLOURS[i % len(_GROUP_COLOURS)],
        )
        bottom += heights
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


def survival_curves(
    run: SimulationResult | pd.DataFrame, rungs: Sequence[int] | None = None, reached: bool = True
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

    Returns
    -------
    Figure
        One step line per rung through ``(0, *days, horizon)`` with its pointwise log-log band,
        from :func:`sim.analysis.stats.survival`, in percent.
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
    # Rare events stay readable: the axis ends a little above the highest band, at 10 % or more.
    ax.set_ylim(0, min(100.0, max(10.0, 120 * top)))
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
    ax.set_xlabel("deaths over the run (x)")
    ax.set_ylabel("chance of at least x deaths")
    ax.legend(frameon=False, fontsize="small")
    _title(ax, f"Casualties per replication ({len(outcomes):,} replications)")
    return fig


# -- sweeps and policies -----------------------------------------------------------------------


def sweep_response(
    table: pd.DataFrame,
    x: str,
    y: str,
    low: str | None = None,
    high: str | None = None,
    group: str | None = None,
    percent: bool | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
) -> Figure:
    """Draw an outcome against one swept parameter, with its interval as a band.

    Parameters
    ----------
    table : pd.DataFrame
        One row per sweep point (and group), e.g. a sweep's tidy table.
    x, y : str
        Columns of the parameter and of the outcome (e.g. ``probability``).
    low, high : str, optional
        Columns of the interval limits of `y`.
    group : str, optional
        Column whose values get one curve each (e.g. a policy or a rung).
    percent : bool, optional
        Show `y` in percent; default when `y` and its limits all lie in [0, 1].
    xlabel, ylabel : str, optional
        Axis labels; default the column names in words.

    Returns
    -------
    Figure
        One line per group through the points sorted by `x`, with a band from `low` to `high`.
    """
    needed = [c for c in (x, y, low, high, group) if c is not None]
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise ValueError(f"table has no column(s) {missing}; it has {list(table.columns)}")
    limits = [table[c] for c in (low, high) if c is not None]
    if percent is None:
        percent = _is_probability(table[y], *limits)
    scale = 100.0 if percent else 1.0
    fig = _figure()
    ax = fig.subplots()
    groups = table.groupby(group, sort=False) if group else [(None, table)]
    for key, rows in groups:
        rows = rows.sort_values(x)
        (line,) = ax.plot(
            rows[x],
            rows[y] * scale,
            marker="o",
            linewidth=2,
            label=None if key is None else f"{column_words(group)} = {key}",
        )
        if low is not None and high is not None:
            ax.fill_between(
                rows[x],
                rows[low] * scale,
                rows[high] * scale,
                color=line.get_color(),
                alpha=0.2,
                linewidth=0,
            )
    if percent:
        ax.yaxis.set_major_formatter(PercentFormatter(100))
    ax.set_xlabel(xlabel or column_words(x))
    ax.set_ylabel(ylabel or column_words(y))
    if group:
        ax.legend(frameon=False)
    band = ", with 95 % intervals" if low is not None and high is not None else ""
    _title(ax, f"{(ylabel or column_words(y)).capitalize()}{band}")
    return fig


def heatmap(
    table: pd.DataFrame,
    x: str,
    y: str,
    value: str,
    percent: bool | None = None,
    annotate: bool | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
) -> Figure:
    """Draw a value (e.g. a probability) over a grid of two swept parameters.

    Parameters
    ----------
    table : pd.DataFrame
        One row per grid point, with columns `x`, `y` and `value` (one row per (x, y) pair).
    x, y : str
        Columns of the parameters on the horizontal and vertical axes.
    value : str
        Column of the value drawn as colour.
    percent : bool, optional
        Show the value in percent; default when it lies in [0, 1].
    annotate : bool, optional
        Write each cell's value in it; default when the grid has at most 12 x 12 cells.
    xlabel, ylabel : str, optional
        Axis labels; default the column names in words.

    Returns
    -------
    Figure
        An image whose array is ``table.pivot(index=y, columns=x, values=value)`` (times 100 in
        percent), rows from the smallest `y` at the bottom.
    """
    grid = table.pivot(index=y, columns=x, values=value).sort_index().sort_index(axis=1)
    if percent is None:
        percent = _is_probability(grid.to_numpy())
    scale = 100.0 if percent else 1.0
    data = grid.to_numpy(dtype=float) * scale
    fig = _figure(7.0, 5.0)
    ax = fig.subplots()
    image = ax.imshow(
        data,
        origin="lower",
        aspect="auto",
        cmap="YlOrRd",
        vmin=0 if percent else None,
        vmax=100 if percent else None,
    )
    ax.set_xticks(range(grid.shape[1]), [f"{v:g}" for v in grid.columns])
    ax.set_yticks(range(grid.shape[0]), [f"{v:g}" for v in grid.index])
    ax.set_xlabel(xlabel or column_words(x))
    ax.set_ylabel(ylabel or column_words(y))
    bar = fig.colorbar(image, ax=ax)
    bar.set_label(textwrap.fill(column_words(value) + (" (%)" if percent else ""), 40))
    if annotate is None:
        annotate = max(grid.shape) <= 12
    if annotate:
        middle = np.nanmean(data) if np.isfinite(data).any() else 0
        for (i, j), v in np.ndenumerate(data):
            if np.isfinite(v):
                ax.text(
                    j,
                    i,
                    f"{v:.0f}%" if percent else f"{v:.3g}",
                    ha="center",
                    va="center",
                    fontsize="small",
                    color="white" if v > middle else "black",
                )
    _title(ax, column_words(value).capitalize())
    return fig


def _index_error(table: pd.DataFrame, key: str) -> np.ndarray:
    """Error-bar lengths of `key`: from ``_low``/``_high`` limits or a ``_conf`` half-width."""
    if {f"{key}_low", f"{key}_high"} <= set(table.columns):
        return np.vstack([table[key] - table[f"{key}_low"], table[f"{key}_high"] - table[key]])
    if f"{key}_conf" in table.columns:
        return table[f"{key}_conf"].to_numpy()
    raise ValueError(
        f"indices lack the interval of {key}: give {key}_conf, or {key}_low and {key}_high"
    )


def sensitivity_bars(
    indices: pd.DataFrame | Any,
    parameter: str | None = None,
    labels: Mapping[str, str] | None = None,
) -> Figure:
    """Draw first-order (S1) and total (ST) Sobol indices per parameter, with their intervals.

    Parameters
    ----------
    indices : pd.DataFrame, or an object with an ``indices`` table
        One row per parameter with columns ``S1`` and ``ST`` and their intervals, either as
        half-widths ``S1_conf, ST_conf`` (SALib's ``sobol.analyze(...).to_df()``) or as limits
        ``S1_low, S1_high, ST_low, ST_high`` (``sim.analysis.sensitivity.SobolResult.indices``).
    parameter : str, optional
        Column holding the parameter names; default the index.
    labels : mapping of str to str, optional
        Words for parameter names (e.g. ``{"mediators.qatar.leverage": "Qatar's leverage"}``);
        others are said by :func:`column_words`.

    Returns
    -------
    Figure
        Horizontal bars with error bars over the intervals, parameters sorted by ST with the
        largest at the top; the bar containers are labelled "first-order S1 ..." and
        "total ST ...".
    """
    if not isinstance(indices, pd.DataFrame):
        indices = indices.indices
    missing = [c for c in ("S1", "ST") if c not in indices.columns]
    if missing:
        raise ValueError(f"indices lack column(s) {missing}")
    table = indices.set_index(parameter) if parameter else indices
    table = table.sort_values("ST")
    rows = np.arange(len(table))
    fig = _figure(7.0, 1.2 + 0.5 * len(table))
    ax = fig.subplots()
    height = 0.38
    for key, offset, colour, label in (
        ("S1", height / 2, "tab:blue", "first-order S1: the lever alone"),
        ("ST", -height / 2, "tab:orange", "total ST: with its interactions"),
    ):
        ax.barh(
            rows + offset,
            table[key],
            height,
            xerr=_index_error(table, key),
            capsize=3,
            color=colour,
            label=label,
        )
    labels = labels or {}
    ax.set_yticks(rows, [labels.get(str(name), column_words(str(name))) for name in table.index])
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel("share of the outcome's variance explained")
    ax.legend(frameon=False, loc="lower right")
    _title(ax, "Which levers matter (Sobol indices, 95 % intervals)")
    return fig


_COMPARISON_COLUMNS = ("difference", "low", "high")


def comparison_table(
    comparisons: Sequence[PairedComparison] | pd.DataFrame, labels: Sequence[str] | None = None
) -> pd.DataFrame:
    """Paired differences as a table with ``label, difference, low, high`` and more.

    Parameters
    ----------
    comparisons : sequence of PairedComparison, or pd.DataFrame
        Results of ``SimulationResult.compare`` / ``sim.analysis.stats.paired_difference``, or a
        table with at least ``difference, low, high`` (and ``label``, or labels in the index).
    labels : sequence of str, optional
        One label per comparison (e.g. "leverage 0.8 vs 0.6").

    Returns
    -------
    pd.DataFrame
        Columns ``label, difference, low, high`` plus, from PairedComparison objects,
        ``independent_low, independent_high, rung, within``.
    """
    if isinstance(comparisons, pd.DataFrame):
        table = comparisons.copy()
        missing = [c for c in _COMPARISON_COLUMNS if c not in table.columns]
        if missing:
            raise ValueError(f"comparison table lacks column(s) {missing}")
        if "label" not in table.columns:
            table["label"] = [str(i) for i in table.index]
    else:
        table = pd.DataFrame(
            [
                {
                    "difference": c.difference,
                    "low": c.low,
                    "high": c.high,
                    "independent_low": c.independent_low,
                    "independent_high": c.independent_high,
                    "rung": c.rung,
                    "within": c.within,
                }
                for c in comparisons
            ]
        )
        table["label"] = [f"comparison {i + 1}" for i in range(len(table))]
    if labels is not None:
        if len(labels) != len(table):
            raise ValueError(f"{len(labels)} labels for {len(table)} comparisons")
        table["label"] = list(labels)
    return table.reset_index(drop=True)


def policy_comparison(
    comparisons: Sequence[PairedComparison] | pd.DataFrame, labels: Sequence[str] | None = None
) -> Figure:
    """Draw paired differences between policies with their intervals, in percentage points.

    Parameters
    ----------
    comparisons : sequence of PairedComparison, or pd.DataFrame
        See :func:`comparison_table`.
    labels : sequence of str, optional
        One label per comparison, top to bottom.

    Returns
    -------
    Figure
        One row per comparison: a dot at the difference, a thick bar over the paired interval
        (common random numbers; ``ax.collections[-1]``) and, when known, a thin grey bar over
        the interval independent runs would have given (``ax.collections[0]``).
    """
    table = comparison_table(comparisons, labels)
    rows = np.arange(len(table))[::-1]
    fig = _figure(8.0, 1.4 + 0.45 * len(table))
    ax = fig.subplots()
    if {"independent_low", "independent_high"} <= set(table.columns):
        ax.hlines(
            rows,
            table["independent_low"] * 100,
            table["independent_high"] * 100,
            color="lightgray",
            linewidth=2,
            label="interval of independent runs",
        )
    ax.hlines(
        rows,
        table["low"] * 100,
        table["high"] * 100,
        color="tab:blue",
        linewidth=5,
        label="paired interval (same random numbers)",
    )
    ax.plot(table["difference"] * 100, rows, "o", color="black", label="difference")
    ax.axvline(0, color="black", linewidth=0.8, linestyle="--")
    ax.set_yticks(rows[::-1], table["label"][::-1])
    ax.set_ylim(-0.7, len(table) - 0.3)
    what = "chance of escalation"
    if "rung" in table.columns and table["rung"].nunique() == 1:
        rung = int(table["rung"].iloc[0])
        what = f"chance of reaching {RUNG_NAMES[rung]} (rung {rung})"
        if "within" in table.columns and table["within"].nunique() == 1:
            what += f" within {table['within'].iloc[0]:g} days"
    ax.set_xlabel(_wrap(fig, f"change in the {what}, percentage points"))
    ax.legend(frameon=False, fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1))
    _title(ax, "Policies compared on the same random numbers (95 % intervals)")
    return fig


# -- a results folder --------------------------------------------------------------------------


def _save(fig: Figure, path: Path) -> Path:
    # Write beside the target under a name pandas and pyarrow skip, then rename: no half files.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fig.savefig(tmp, format="png", dpi=150)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


_ROBUSTNESS_WORDS = {
    "expected": "mean over futures",
    "worst": "worst future",
    "max_regret": "largest regret",
    "p90_regret": "90th percentile regret",
    "satisficing": "futures at or under the threshold",
}


def robustness_chart(table: pd.DataFrame) -> Figure:
    """Draw each policy's robustness metrics with their intervals: outcomes x metrics.

    Parameters
    ----------
    table : pd.DataFrame
        ``RobustnessResult.table`` (:func:`sim.sweeps.robustness.run_robustness`): one row per
        (outcome, policy) with ``outcome``, ``threshold``, ``policy`` and each metric with
        ``_low`` and ``_high``.

    Returns
    -------
    Figure
        One row of panels per outcome, one column per metric; in each panel a dot per policy at
        the metric with a bar over its interval, in percent (lower is better, except for the
        share of futures under the threshold).
    """
    metrics = [m for m in _ROBUSTNESS_WORDS if m in table.columns]
    outcomes = list(dict.fromkeys(table["outcome"]))
    if not metrics or not outcomes:
        raise ValueError("the table has no outcome rows or no metric columns to draw")
    policies = list(dict.fromkeys(table["policy"]))
    fig = _figure(width=2.4 * len(metrics) + 1.5, height=0.5 * len(policies) * len(outcomes) + 2)
    axes = fig.subplots(len(outcomes), len(metrics), sharey=True, squeeze=False)
    y = np.arange(len(policies))
    for row, outcome in enumerate(outcomes):
        rows = table[table["outcome"] == outcome].set_index("policy").loc[policies]
        for col, metric in enumerate(metrics):
            ax = axes[row, col]
            value = 100 * rows[metric].to_numpy(dtype=float)
            low = 100 * rows[f"{metric}_low"].to_numpy(dtype=float)
            high = 100 * rows[f"{metric}_high"].to_numpy(dtype=float)
            ax.errorbar(
                value, y, xerr=[value - low, high - value], fmt="o", color="black", capsize=3
            )
            ax.xaxis.set_major_formatter(PercentFormatter(100, decimals=0))
            ax.grid(axis="x", alpha=0.3)
            # From 0, so that panels compare; a share of futures runs to 100 %.
            ax.set_xlim(0, 105 if metric == "satisficing" else max(1.0, 1.1 * np.nanmax(high)))
            if row == 0:
                ax.set_title(_ROBUSTNESS_WORDS[metric], fontsize="small")
            if col == 0:
                threshold = rows["threshold"].iloc[0]
                label = f"{column_words(outcome)} (threshold {threshold:.0%})"
                ax.set_ylabel(textwrap.fill(label, 28), fontsize="small")
    axes[0, 0].set_yticks(y, policies)
    axes[0, 0].invert_yaxis()
    _title(
        axes[0, 0],
        "Policies across futures, on the same random numbers (95 % intervals: Monte Carlo error)",
    )
    return fig


def save_figures(result: SimulationResult, folder: Path) -> list[Path]:
    """Write the standard figures of a Monte Carlo result into `folder` as PNG files.

    Parameters
    ----------
    result : SimulationResult
        The run.
    folder : Path
        Created if missing; existing figures of the same names are replaced.

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
    figures["casualties"] = casualty_distribution(result)
    if result.trajectory is not None:
        figures["fan_chart"] = fan_chart(result)
        if result.events is not None:
            first = int(result.outcomes["replication"].min())
            figures["timeline"] = timeline(result, replication=first)
    return [_save(fig, folder / f"{name}.png") for name, fig in figures.items()]
