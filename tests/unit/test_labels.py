"""A run says what it was: results folder names, figure titles, shared axes of compared runs."""

import subprocess
import sys
from pathlib import Path

import pytest

import sim
from sim.plots.compare import compared_figures
from sim.plots.runs import SURVIVAL_SCALES, labelled, save_figures, survival_top
from sim.runs.labels import (
    KEPT_OVERRIDE_CHARS,
    MAX_OVERRIDE_CHARS,
    folder_label,
    named_overrides,
    run_label,
)
from sim.sweeps.from_config import stable_folder

SAFE = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._=,+-~")


def test_a_folder_label_names_the_scenario_and_the_overrides_that_change_the_run():
    given = [
        "experiment=restraint",
        "scenario=ind_pak_2019",
        "output.root=/tmp/x",
        "mc.replications=300",
        "retaliation.level=2.5",
    ]
    assert named_overrides(given) == ["mc.replications=300", "retaliation.level=2.5"]
    assert folder_label("ind_pak_2019", given) == (
        "ind_pak_2019__mc.replications=300__retaliation.level=2.5"
    )
    assert folder_label("pak_afg_2026", []) == "pak_afg_2026"


def test_a_folder_label_is_safe_and_short_and_a_long_one_keeps_a_hash():
    odd = ["sweep.horizons=[30, 90]", "posterior=/data/my post:1.nc", "+scenario.decay=0.1"]
    label = folder_label("my crisis/2", odd)
    assert set(label) <= SAFE, label
    assert label.startswith("my-crisis-2__")
    many = [f"scenario.states.pakistan.p{i}=0.{i}" for i in range(8)]
    other = [*many[:-1], "scenario.states.pakistan.p7=0.9"]
    long_a, long_b = folder_label("x", many), folder_label("x", other)
    part = long_a.removeprefix("x__")
    assert len(part) == KEPT_OVERRIDE_CHARS + 1 + 8 and "~" in part
    assert len("__".join(many)) > MAX_OVERRIDE_CHARS
    assert long_a != long_b  # same first characters, different hash


def test_a_python_run_folder_is_named_after_scenario_and_overrides(tmp_path):
    overrides = ["scenario=ind_pak_2019", "mc.replications=30", "mc.horizon=10"]
    exp = sim.load_experiment(
        "restraint", overrides=[*overrides, "output.figures=false", f"output.root={tmp_path}"]
    )
    result = sim.run_experiment(exp)
    assert result.folder.parent == tmp_path / "restraint"
    assert result.folder.name.endswith("_ind_pak_2019__mc.horizon=10__mc.replications=30")


def test_the_command_line_names_its_results_folder_the_same_way(tmp_path):
    args = ["experiment=restraint", "scenario=ind_pak_2019", "mc.replications=20", "mc.horizon=5"]
    args += ["output.figures=false", f"output.root={tmp_path}"]
    proc = subprocess.run(
        [sys.executable, "-m", "sim", *args], capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stderr
    folder = Path(proc.stdout.strip().splitlines()[-1].removeprefix("results: "))
    assert folder.parent == tmp_path / "restraint"
    assert folder.name.endswith("_ind_pak_2019__mc.horizon=5__mc.replications=20")


def test_figure_titles_end_with_what_was_run(tmp_path):
    exp = sim.load_experiment("restraint", overrides=["mc.replications=50", "mc.horizon=20"])
    label = run_label(exp.scenario.name, exp.scenario.as_of, exp.name, exp.overrides)
    assert label == (
        "scenario pak_afg_2026 (as of 2026-02-22), experiment restraint; overrides: "
        "mc.replications=50 mc.horizon=20"
    )
    run = exp.simulate(progress=False)
    from sim.plots.runs import casualty_distribution, survival_curves

    for fig in (survival_curves(run), casualty_distribution(run)):
        title = labelled(fig, label).get_suptitle()
        assert "experiment restraint" in title and "mc.replications=50" in title
    assert {p.name for p in save_figures(run, tmp_path, label=label)} >= {"survival.png"}


def test_survival_axes_follow_a_fixed_ladder_and_compared_runs_share_theirs():
    assert [survival_top(p) for p in (0.0, 0.04, 0.1, 0.11, 0.3, 0.5, 0.9, 1.0)] == [
        10.0, 10.0, 10.0, 25.0, 50.0, 50.0, 100.0, 100.0,
    ]  # fmt: skip
    assert SURVIVAL_SCALES[-1] == 100.0
    scenario = sim.load_scenario()
    runs = {
        "baseline": sim.simulate(scenario, replications=300, horizon=90, seed=3),
        "no decay": sim.simulate(scenario.replace(decay=0.0), 300, 90, seed=3),
        "calm": sim.simulate(scenario.replace(start_rung=0, in_ceasefire=False), 300, 90, seed=3),
    }
    figures = compared_figures(runs)
    for kind in ("survival", "casualties"):
        limits = {(f.axes[0].get_xlim(), f.axes[0].get_ylim()) for f in figures[kind].values()}
        assert len(limits) == 1, kind
        for label, fig in figures[kind].items():
            assert fig.get_suptitle().endswith(label)
    with pytest.raises(ValueError, match="at least one run"):
        compared_figures({})


def test_a_sweep_on_another_scenario_keeps_its_own_resumable_folder():
    assert stable_folder("sweep", sim.load_scenario("pak_afg_2026")) == "sweep"
    assert stable_folder("sweep", sim.load_scenario("ind_pak_2019")) == "sweep_ind_pak_2019"
    assert stable_folder("robustness", "my crisis") == "robustness_my-crisis"
