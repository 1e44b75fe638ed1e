"""Make the committed figures of docs/figures/ from the code (see docs/figures.md).

Run from the repository root: ``.venv/bin/python docs/make_figures.py`` (a few minutes on two
cores; ``--quick`` for a fast check with few replications, ``--no-browser`` to skip the
screenshot of the interactive page, which needs Debian's chromium).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import sim
from sim import plots
from sim.analysis import sensitivity
from sim.sweeps.runner import Parameter, Sweep, point_scenario, run_sweep

FIGURES = Path(__file__).resolve().parent / "figures"
# The page screenshot uses the checkout's developer tooling (tools/), which is not installed.
sys.path.insert(0, str(FIGURES.parents[1]))
from tools import browser  # noqa: E402

SEED = 2026
P_ACT = "states.pakistan.retaliation.p_act"
TEMPO = "militants.ttp.targets.pakistan"
LEVERAGE = "mediators.qatar.leverage"
# The levers in words, for the figures.
WORDS = {
    P_ACT: "Pakistan: chance per day of answering a provocation",
    TEMPO: "TTP attacks per day on Pakistan",
    LEVERAGE: "Qatar's leverage",
}
CLASHES_90 = "p_rung4_90d"


def save(fig, name: str) -> None:
    """Write one figure as docs/figures/<name>.png."""
    path = FIGURES / f"{name}.png"
    fig.savefig(path, dpi=110)
    print("wrote", path.relative_to(FIGURES.parents[1]))


def monte_carlo(scenario: sim.Scenario, replications: int) -> None:
    """One path's timeline; survival, fan chart and casualties of many replications."""
    paths = sim.simulate(scenario, replications=50, horizon=180, seed=7)
    clashed = paths.outcomes.loc[paths.outcomes["max_rung"] >= 4, "replication"]
    save(plots.timeline(paths, replication=int(clashed.iloc[0]) if len(clashed) else 0), "timeline")
    mc = sim.simulate(
        scenario,
        replications=replications,
        horizon=365,
        seed=SEED,
        record_trajectory=True,
        record_events=False,
    )
    save(plots.survival_curves(mc), "survival")
    save(plots.fan_chart(mc), "fan_chart")
    save(plots.casualty_figure(mc), "casualties")


def sweeps(scenario: sim.Scenario, replications: int, samples: int, folder: Path) -> None:
    """A one-lever sweep, a two-lever grid and Sobol indices, all on one seed."""
    one = Sweep(
        name="p_act",
        parameters=[Parameter(P_ACT, values=(0.0, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32))],
        rungs=(4,),
        horizons=(90,),
    )
    table = run_sweep(
        one, scenario, folder / "p_act", replications=replications, horizon=90, seed=SEED
    ).table
    save(
        plots.sweep_response(
            table,
            P_ACT,
            CLASHES_90,
            f"{CLASHES_90}_low",
            f"{CLASHES_90}_high",
            xlabel=WORDS[P_ACT],
        ),
        "sweep",
    )
    grid = Sweep(
        name="grid",
        parameters=[
            Parameter(P_ACT, values=(0.0, 0.02, 0.04, 0.08, 0.16)),
            Parameter(TEMPO, values=(0.7, 1.0, 1.317, 1.7, 2.0)),
        ],
        rungs=(4,),
        horizons=(90,),
    )
    table = run_sweep(
        grid, scenario, folder / "grid", replications=replications, horizon=90, seed=SEED
    ).table
    save(
        plots.heatmap(
            table,
            P_ACT,
            TEMPO,
            CLASHES_90,
            xlabel=WORDS[P_ACT],
            ylabel=WORDS[TEMPO],
        ),
        "heatmap",
    )
    design = Sweep(
        name="sobol",
        design="saltelli",
        samples=samples,
        rungs=(4,),
        horizons=(90,),
        parameters=[
            Parameter(P_ACT, low=0.0, high=0.2),
            Parameter(TEMPO, low=0.5, high=2.5),
            Parameter(LEVERAGE, low=0.2, high=1.0),
        ],
    )
    table = run_sweep(
        design, scenario, folder / "sobol", replications=replications // 4, horizon=90, seed=SEED
    ).table
    save(
        plots.sensitivity_bars(sensitivity.sobol(design, table, CLASHES_90), labels=WORDS),
        "sensitivity",
    )


def policies(scenario: sim.Scenario, replications: int) -> None:
    """Pakistani restraint and early mediation against the scenario, on the same seed."""
    variants = {
        "Pakistani restraint": {
            "states.pakistan.retaliation": {
                "name": "threshold",
                "level": 1.0,
                "p_act": scenario.states["pakistan"].retaliation.p_act,
                "step": 1,
            }
        },
        "early mediation": {
            "mediators.qatar.engage_rung": 3,
            "mediators.qatar.leverage": 0.9,
            "mediators.qatar.attempt_rate": 0.3,
        },
    }
    base = sim.simulate(scenario, replications, horizon=90, seed=SEED)
    comparisons = [
        base.compare(
            sim.simulate(
                point_scenario(scenario, settings)[0], replications, horizon=90, seed=SEED
            ),
            rung=4,
        )
        for settings in variants.values()
    ]
    save(plots.policy_comparison(comparisons, labels=list(variants)), "policies")


def page() -> None:
    """A screenshot of the interactive page after one comparison."""
    path = FIGURES / "viz.png"
    with browser.serve() as url:
        browser.screenshot_page(url, path)
    print("wrote", path.relative_to(FIGURES.parents[1]))


def main() -> None:
    """Parse the options and make every figure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few replications (a check)")
    parser.add_argument("--no-browser", action="store_true", help="skip the page screenshot")
    args = parser.parse_args()
    replications, samples = (200, 8) if args.quick else (10_000, 64)
    FIGURES.mkdir(parents=True, exist_ok=True)
    scenario = sim.load_scenario("pak_afg_2026")
    monte_carlo(scenario, replications)
    with tempfile.TemporaryDirectory(prefix="sim-figures-") as folder:
        sweeps(scenario, replications // 5, samples, Path(folder))
    policies(scenario, replications)
    if not args.no_browser:
        page()


if __name__ == "__main__":
    main()
