"""Figures of separate runs of the same scenario share their axes (docs/experiments.md).

The survival figure's top follows a fixed ladder; the casualty figure's scales and limits come
from the scenario, the horizon and the replications, never from one run's deaths, so two results
folders compare by eye without :func:`sim.plots.compare.compared_figures`.
"""

import logging

import pytest

import sim
from sim.core.errors import ConfigError
from sim.plots.runs import casualty_axis_top, casualty_figure

TINY = ["mc.replications=200", "mc.horizon=90", "executor=serial"]


def _axes(fig):
    ax = fig.axes[0]
    return ax.get_xscale(), ax.get_yscale(), ax.get_xlim(), ax.get_ylim()


@pytest.mark.parametrize(
    ("name", "horizon", "top"),
    [("ind_pak_2019", 365, 20000.0), ("pak_afg_2026", 365, 20000.0), ("ind_pak_2019", 30, 2000.0)],
)
def test_the_casualty_axis_comes_from_the_scenario_and_horizon(name, horizon, top):
    # 40 deaths a day at war (inflicted.military[5], capability 1) x the horizon, on 1-2-5.
    assert casualty_axis_top(sim.load_scenario(name), horizon) == top


def test_separate_runs_of_the_same_scenario_share_the_casualty_axes():
    # A variant (the restraint levers) and the baseline on other seeds: different deaths.
    runs = [
        sim.load_experiment("seed_baseline", [*TINY, "scenario=ind_pak_2019", "mc.seed=1"]),
        sim.load_experiment("restraint", [*TINY, "scenario=ind_pak_2019", "mc.seed=2"]),
    ]
    results = [exp.simulate(progress=False) for exp in runs]
    deaths = [r.outcomes.filter(regex="^(military|civilian)_deaths_").max().max() for r in results]
    assert deaths[0] != deaths[1]  # the data would give each figure its own limits
    figures = [casualty_figure(r) for r in results]
    assert _axes(figures[0]) == _axes(figures[1])
    assert _axes(figures[0])[:2] == ("symlog", "log")
    assert _axes(figures[0])[2] == (0.0, 5000.0)  # 90 days x 40 a day = 3,600, on 1-2-5
    assert _axes(figures[0])[3] == (100 / 200 / 2, 150.0)  # half of one replication's share


def test_deaths_beyond_the_axis_widen_it_with_a_warning(caplog):
    result = sim.simulate(sim.load_scenario("pak_afg_2026"), replications=200, horizon=90, seed=1)
    most = result.outcomes.filter(regex="^(military|civilian)_deaths_").to_numpy().max()
    assert most > 10
    with caplog.at_level(logging.WARNING):
        fig = casualty_figure(result, casualty_max=10)
    assert fig.axes[0].get_xlim()[1] >= most
    assert "output.casualty_max=" in caplog.text


def test_casualty_max_is_checked_and_kept_out_of_the_folder_name():
    with pytest.raises(ConfigError, match=r"^output\.casualty_max: .* must be > 0, got 0"):
        sim.load_experiment(None, ["output.casualty_max=0"])
    from sim.runs.labels import folder_label

    assert folder_label("x", ["output.casualty_max=5000"]) == "x"
