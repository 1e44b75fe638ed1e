"""``python -m sim.history``: replay a scenario's timeline, print its starting state and projection.

The scenario names its timeline, its ids and its as-of date (``timeline:`` and ``as_of`` in its
YAML, docs/scenarios.md); ``--events`` replays another file against them. Every input is read and
checked before anything is written: a bad row of the timeline ends the run with one line per bad
row and exit status 2. Saves the replay's figure and can write the replayed starting values into
the scenario file.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.app.errors import EXIT_USER, reported_errors
from sim.core.errors import ConfigError
from sim.core.paths import REPO_ROOT
from sim.history.replayer import _QUANTILES, ReplayResult, replay, write_start_values
from sim.history.scenario_file import replayed_basis
from sim.history.timeline import DEFAULT_SCENARIO, TimelineError, load_events
from sim.plots.history import plot_replay
from sim.runs.projection import run_projection
from sim.scenario.loading import load_scenario

__all__ = ["main"]


def _starting_table(best: ReplayResult, spread: ReplayResult | None) -> pd.DataFrame:
    """One row per starting key: best-figure value, and median and 5-95 % of the draws."""
    rows = []
    for key, array in best.start.items():
        row: dict[str, Any] = {"key": key, "best": float(array[0])}
        if spread is not None:
            low, mid, high = np.quantile(spread.start[key], _QUANTILES)
            row.update(median=mid, q05=low, q95=high)
        rows.append(row)
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> None:
    """Replay a scenario's timeline, print the starting state and the projection, save the plot."""
    parser = argparse.ArgumentParser(
        prog="python -m sim.history",
        description=main.__doc__,
        epilog="A bad input ends with one 'error:' line and exit status 2, a fault of the machine "
        "with 1; SIM_DEBUG=1 shows a traceback instead.",
    )
    parser.add_argument("--scenario", default=DEFAULT_SCENARIO, help="scenario name or YAML path")
    parser.add_argument(
        "--events",
        default=None,
        help="the timeline CSV, checked against the scenario's ids and as-of date (default the "
        "scenario's own: its timeline.events)",
    )
    parser.add_argument("--replications", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--figure",
        default=None,
        help="where to save the replay plot ('' to skip; default docs/figures/history_replay.png "
        "for the default scenario, history_replay_<scenario>.png in the current folder otherwise)",
    )
    parser.add_argument(
        "--write-scenario",
        action="store_true",
        help="write the best-figure starting values into the scenario YAML",
    )
    args = parser.parse_args(argv)
    if args.figure is None:
        args.figure = _default_figure(args.scenario)
    with reported_errors(where="--figure", also=_every_row):
        _main(args)


def _every_row(exc: BaseException) -> tuple[str, int] | None:
    """A bad timeline: one ``error:`` line per bad row (file, row, field and the fix)."""
    if isinstance(exc, TimelineError):
        return "\nerror: ".join(exc.problems), EXIT_USER
    return None


def _default_figure(scenario: str) -> str:
    """The shipped figure for the default scenario; another scenario's in the current folder."""
    if scenario == DEFAULT_SCENARIO:
        return str(REPO_ROOT / "docs/figures/history_replay.png")
    return f"history_replay_{Path(scenario).stem}.png"


def _check_args(args: argparse.Namespace) -> None:
    """Refuse bad arguments before any work or writing."""
    if args.replications < 1:
        raise ConfigError("--replications", f"must be >= 1, got {args.replications}")
    if args.seed < 0:
        raise ConfigError("--seed", f"must be >= 0, got {args.seed}")
    if args.figure:
        figure = Path(args.figure)
        if figure.is_dir():
            raise ConfigError("--figure", f"{figure} is a folder; give a file name such as x.png")
        for parent in figure.parents:
            if parent.exists():
                if not parent.is_dir():
                    raise ConfigError("--figure", f"{parent} is a file, not a folder")
                break


def _main(args: argparse.Namespace) -> None:
    _check_args(args)
    scenario = load_scenario(args.scenario)
    events = load_events(args.events, scenario)  # every row checked before anything is written
    best = replay(events, scenario)
    spread = replay(events, scenario, draws=args.replications, seed=args.seed, uncertainty=True)
    with pd.option_context(
        "display.width", 120, "display.max_columns", 20, "display.float_format", "{:.4f}".format
    ):
        print(f"Starting state on {best.as_of} (replayed from {events.attrs['path']}):")
        print(_starting_table(best, spread).to_string(index=False))
        print(f"ladder: {best.ladder()}; ceasefire violations: {best.violations}")
        print(
            f"\nP(max rung >= k) from the replayed state (k = 4 interstate clashes, 5 war), "
            f"{args.replications} replications, seed {args.seed}:"
        )
        table = run_projection(scenario, events, args.replications, seed=args.seed, rungs=(4, 5))
        print(table.to_string(index=False))
    print(
        "Intervals: 95 % Wilson, Monte Carlo error only. These numbers explore a scenario; "
        "they are not a forecast (docs/backtest.md: how far the model is from the record)."
    )
    if args.write_scenario:
        basis = replayed_basis(events.attrs["path"])
        print(f"wrote {write_start_values(best.to_scenario_values(), args.scenario, basis)}")
    if args.figure:
        figure = Path(args.figure)
        figure.parent.mkdir(parents=True, exist_ok=True)
        plot_replay(best, spread).savefig(figure, dpi=110)
        print(f"saved {figure}")


if __name__ == "__main__":
    main()
