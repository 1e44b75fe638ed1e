"""``python -m sim.history``: replay the timeline, print the starting state and the projection.

Saves the replay's figure and can write the replayed starting values into the scenario file.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.app.errors import reported_errors
from sim.core.errors import ConfigError
from sim.core.paths import REPO_ROOT
from sim.history.replayer import _QUANTILES, ReplayResult, replay, write_start_values
from sim.history.timeline import load_events
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
    """Replay the seed timeline, print the starting state and the projection, save the plot."""
    parser = argparse.ArgumentParser(
        prog="python -m sim.history",
        description=main.__doc__,
        epilog="A bad input ends with one 'error:' line and exit status 2, a fault of the machine "
        "with 1; SIM_DEBUG=1 shows a traceback instead.",
    )
    parser.add_argument("--scenario", default="pak_afg_2026", help="scenario name or YAML path")
    parser.add_argument(
        "--events", default=None, help="the timeline CSV (default seeds/pak_afg_events.csv)"
    )
    parser.add_argument("--replications", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--figure",
        default=str(REPO_ROOT / "docs/figures/history_replay.png"),
        help="where to save the replay plot ('' to skip)",
    )
    parser.add_argument(
        "--write-scenario",
        action="store_true",
        help="write the best-figure starting values into the scenario YAML",
    )
    args = parser.parse_args(argv)
    with reported_errors(where="--figure"):
        _main(args)


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
    events = load_events(args.events)
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
        print(f"wrote {write_start_values(best.to_scenario_values(), args.scenario)}")
    if args.figure:
        figure = Path(args.figure)
        figure.parent.mkdir(parents=True, exist_ok=True)
        plot_replay(best, spread).savefig(figure, dpi=110)
        print(f"saved {figure}")


if __name__ == "__main__":
    main()
