"""Sweeps: specs, designs, key paths, common random numbers, the tidy table, failures, resume."""

import json

import numpy as np
import pandas as pd
import pytest

import sim
from sim.analysis import stats
from sim.app.multirun import gather_multirun
from sim.core.errors import ConfigError
from sim.storage import store
from sim.sweeps.from_config import run_sweep_from_config
from sim.sweeps.runner import (
    Parameter,
    Sweep,
    SweepChangedError,
    load_sweep,
    outcome_columns,
    point_scenario,
    run_sweep,
)

MC = {"replications": 200, "horizon": 90, "seed": 11}
P_ACT = "states.pakistan.retaliation.p_act"
LEVERAGE = "mediators.qatar.leverage"


def grid(**extra) -> Sweep:
    return Sweep.from_config(
        {
            "parameters": {P_ACT: [0.02, 0.2], LEVERAGE: {"low": 0.2, "high": 0.8, "num": 3}},
            "horizons": [30, 90],
            **extra,
        }
    )


# --- specs and designs ------------------------------------------------------------------------


def test_a_grid_is_every_combination_in_order_with_tidy_range_values():
    points = grid().points()
    assert [p.index for p in points] == list(range(6))
    assert [(p.display[P_ACT], p.display[LEVERAGE]) for p in points] == [
        (0.02, 0.2),
        (0.02, 0.5),
        (0.02, 0.8),
        (0.2, 0.2),
        (0.2, 0.5),
        (0.2, 0.8),
    ]
    assert points[4].settings == {P_ACT: 0.2, LEVERAGE: 0.5}


def test_rule_nodes_are_labelled_by_name_label_or_parameters():
    p = Parameter.from_config(
        "states.pakistan.retaliation",
        [
            {"name": "none"},
            {"name": "threshold", "level": 1.0},
            {"name": "threshold", "level": 2.0},
            {"label": "mine", "name": "graduated"},
        ],
    )
    assert p.labels == ("none", "threshold(level=1.0)", "threshold(level=2.0)", "mine")
    assert p.values[3] == {"name": "graduated"}  # the label is not part of the node


@pytest.mark.parametrize(
    ("node", "match"),
    [
        (
            {"parameters": {P_ACT: [0.1]}, "desing": "grid"},
            r"sweep\.desing: unknown key; did you mean 'design'",
        ),
        (
            {"parameters": {P_ACT: [0.1]}, "design": "gird"},
            r"sweep\.design: unknown design 'gird'; did you mean 'grid'",
        ),
        (
            {"parameters": {P_ACT: {"low": 0.1, "high": 0.2}}, "design": "sobol", "samples": 10},
            r"sweep\.samples: .*power of 2.*e\.g\. 8",
        ),
        (
            {"parameters": {P_ACT: {"low": 0.1, "high": 0.2}}},
            r"sweep\.parameters\.states\.pakistan\.retaliation\.p_act: a grid needs 'num'",
        ),
        ({"parameters": {P_ACT: {"low": 0.3, "high": 0.2}}}, r"needs low < high"),
        (
            {"parameters": {P_ACT: {"values": [0.1], "hihg": 1}}},
            r"p_act\.hihg: unknown key; did you mean 'high'",
        ),
        ({"parameters": {"mc.seed": [1, 2]}}, r"mc\.replications, mc\.horizon only"),
        ({"parameters": {P_ACT: [0.1]}, "analyze": ["p_war"]}, r"sweep\.analyze: .*saltelli"),
        ({"parameters": {}}, r"sweep\.parameters: a sweep needs at least one parameter"),
    ],
)
def test_bad_specs_are_refused_with_the_key_path(node, match):
    with pytest.raises(ConfigError, match=match):
        Sweep.from_config(node).points()


@pytest.mark.parametrize(
    ("design", "n"), [("lhs", 16), ("sobol", 16), ("saltelli", 8 * 4), ("morris", 8 * 3)]
)
def test_sampling_designs_are_seeded_sized_and_inside_their_ranges(design, n):
    spec = {
        "parameters": {
            P_ACT: {"low": 0.01, "high": 0.1},
            "states.pakistan.memory_days": {"low": 1, "high": 14, "integer": True},
        },
        "design": design,
        "samples": 16 if n == 16 else 8,
    }
    points = Sweep.from_config({**spec, "seed": 3}).points()
    again = Sweep.from_config({**spec, "seed": 3}).points()
    other = Sweep.from_config({**spec, "seed": 4}).points()
    assert len(points) == n
    assert [p.settings for p in points] == [p.settings for p in again]
    assert [p.settings for p in points] != [p.settings for p in other]
    values = np.array([p.display[P_ACT] for p in points])
    assert values.min() >= 0.01 and values.max() <= 0.1
    assert all(isinstance(p.display["states.pakistan.memory_days"], int) for p in points)


def test_latin_hypercube_puts_one_point_in_each_stratum():
    sweep = Sweep.from_config(
        {
            "parameters": {
                "a": {"path": P_ACT, "low": 0.0, "high": 1.0},
                "b": {"path": LEVERAGE, "low": 0.0, "high": 1.0},
            },
            "design": "lhs",
            "samples": 10,
            "seed": 1,
        }
    )
    u = sweep.unit_design()
    for column in u.T:
        assert sorted(np.floor(column * 10).astype(int)) == list(range(10))


def test_categorical_levels_map_from_the_unit_interval():
    p = Parameter(path="x.y", values=("a", "b", "c"))
    assert [p.display(p.from_unit(u)) for u in (0.0, 0.33, 0.34, 0.99, 1.0)] == [
        "a",
        "a",
        "b",
        "c",
        "c",
    ]


# --- setting keys -----------------------------------------------------------------------------


def test_a_point_sets_its_keys_on_the_scenario_and_checks_them(seed_scenario):
    s, mc = point_scenario(
        seed_scenario,
        {P_ACT: 0.3, "mc.replications": 50, "states.pakistan.inflicted.military.4": 20.0},
    )
    assert s.states["pakistan"].retaliation.p_act == 0.3
    assert s.states["pakistan"].inflicted.military[4] == 20.0
    assert mc == {"replications": 50}
    with pytest.raises(
        ConfigError, match=r"^scenario\.states\.pakistan\.retaliation\.p_act: .*probability"
    ):
        point_scenario(seed_scenario, {P_ACT: 1.5})
    with pytest.raises(
        ConfigError, match=r"scenario\.states\.pakistn: unknown key .*did you mean 'pakistan'"
    ):
        point_scenario(seed_scenario, {"states.pakistn.compliance": 0.5})


def test_fixed_keys_are_set_before_the_parameters(seed_scenario):
    fixed = {"states.pakistan.retaliation": {"name": "threshold", "level": 1.0, "p_act": 0.04}}
    s, _ = point_scenario(seed_scenario, {"states.pakistan.retaliation.level": 2.0}, fixed)
    assert s.states["pakistan"].retaliation == sim.build_rule(
        {"name": "threshold", "level": 2.0, "p_act": 0.04}, "retaliation"
    )


def test_a_misspelt_key_fails_before_any_point_runs(tmp_path, seed_scenario):
    sweep = Sweep.from_config({"parameters": {"mediators.qatar.leverge": [0.1, 0.2]}})
    with pytest.raises(
        ConfigError, match=r"scenario\.mediators\.qatar\.leverge: unknown key .*'leverage'"
    ):
        run_sweep(sweep, seed_scenario, tmp_path / "s", **MC)
    sweep = Sweep.from_config({"parameters": {"states.pakistan.retaliation.level": [1.0]}})
    with pytest.raises(ConfigError, match=r"retaliation\.level: unknown parameter of OrderedLogit"):
        run_sweep(sweep, seed_scenario, tmp_path / "s", **MC)
    assert not (tmp_path / "s").exists()


# --- common random numbers --------------------------------------------------------------------


def test_points_differing_in_a_policy_parameter_draw_the_same_militant_attacks(seed_scenario):
    a, b = (
        point_scenario(seed_scenario, p.settings)[0]
        for p in Sweep.from_config({"parameters": {P_ACT: [0.02, 0.6]}}).points()
    )
    ma = sim.EscalationModel(a, replications=300, seed=5)
    mb = sim.EscalationModel(b, replications=300, seed=5)
    acted_differently = False
    for _ in range(60):
        ma.step()
        mb.step()
        for g in ma.militants:
            np.testing.assert_array_equal(ma.militants[g].draws, mb.militants[g].draws)
        np.testing.assert_array_equal(ma.states["pakistan"].draws, mb.states["pakistan"].draws)
        acted = (
            ma.states["pakistan"].action["afghanistan"]
            != mb.states["pakistan"].action["afghanistan"]
        )
        acted_differently |= bool(acted.any())
    assert acted_differently  # the policy mattered, the dice did not change


# --- the tidy table ---------------------------------------------------------------------------


def test_the_table_holds_each_point_s_estimates_and_paired_differences(tmp_path, seed_scenario):
    sweep = grid(baseline={P_ACT: 0.02, LEVERAGE: 0.5}, rungs=[4, 5])
    result = run_sweep(sweep, seed_scenario, tmp_path / "s", **MC)
    t = result.table
    assert result.ok and result.exit_code == 0 and result.baseline == 1
    assert list(t.columns[:4]) == ["point", P_ACT, LEVERAGE, "status"]
    assert list(t["point"]) == list(range(6)) and set(t["status"]) == {"done"}
    # Every number is what a direct run of that point's scenario gives.
    point = sweep.points()[3]
    scenario, _ = point_scenario(seed_scenario, point.settings)
    direct = sim.simulate(scenario, record_events=False, record_trajectory=False, **MC).outcomes
    base = sim.simulate(
        point_scenario(seed_scenario, sweep.points()[1].settings)[0],
        record_events=False,
        record_trajectory=False,
        **MC,
    ).outcomes
    row = t.iloc[3]
    est = stats.escalation_probability(direct, 4, 90)
    assert (row["p_rung4_90d"], row["p_rung4_90d_low"], row["p_rung4_90d_high"]) == (
        est.estimate,
        est.low,
        est.high,
    )
    assert row["mean_battle_deaths"] == direct["battle_deaths"].mean()
    assert row["mean_ceasefires_made"] == direct["ceasefires_made"].mean()
    assert row["replications"] == 200 and row["horizon"] == 90 and row["seed"] == 11
    cmp = stats.paired_difference(base, direct, 4, 90)
    assert (
        row["diff_rung4_90d"],
        row["diff_rung4_90d_low"],
        row["diff_rung4_90d_high"],
        row["diff_rung4_90d_width_ratio"],
    ) == pytest.approx((cmp.difference, cmp.low, cmp.high, cmp.width_ratio), nan_ok=True)
    # The discordant counts the interval rests on, beside it.
    assert (row["diff_rung4_90d_baseline_only"], row["diff_rung4_90d_point_only"]) == (
        cmp.a_only,
        cmp.b_only,
    )
    assert t.iloc[1]["diff_rung4_90d"] == 0.0
    assert t.iloc[1]["diff_rung4_90d_point_only"] == 0.0
    assert "p_rung4_365d" not in t.columns  # beyond the horizon
    # Written as Parquet and CSV, and read back the same.
    pd.testing.assert_frame_equal(store.read_parquet(tmp_path / "s" / "sweep.parquet"), t)
    assert pd.read_csv(tmp_path / "s" / "sweep.csv").shape == t.shape
    assert "differences are point - baseline (point 1)" in result.summary()
    assert "[95% intervals, Monte Carlo error only]" in result.summary()
    pd.testing.assert_frame_equal(load_sweep(tmp_path / "s").table, t)


def test_a_failing_point_is_recorded_and_the_others_finish(tmp_path, seed_scenario):
    sweep = Sweep.from_config({"parameters": {P_ACT: [0.1, 1.5, 0.3]}})
    result = run_sweep(sweep, seed_scenario, tmp_path / "s", **MC)
    assert not result.ok and result.exit_code == 1
    assert list(result.table["status"]) == ["done", "failed", "done"]
    [failure] = result.failures
    assert failure["point"] == 1 and failure["parameters"] == {P_ACT: 1.5} and failure["seed"] == 11
    assert "ConfigError: scenario.states.pakistan.retaliation.p_act" in failure["error"]
    assert "Traceback (most recent call last)" in failure["traceback"]
    assert json.loads((tmp_path / "s" / "failures.json").read_text()) == result.failures
    assert (
        "1 point(s) failed:" in result.summary()
        and "failures/point-000001.json" in result.summary()
    )
    assert result.table.loc[1, "error"].startswith("ConfigError")
    assert np.isnan(result.table.loc[1, "p_rung4_90d"])


@pytest.mark.parametrize("progress", [True, False])
def test_a_sweep_shows_its_points_as_they_finish_when_asked(
    tmp_path, seed_scenario, capsys, progress
):
    sweep = Sweep.from_config({"name": "bar", "parameters": {P_ACT: [0.1, 1.5, 0.3]}})
    run_sweep(sweep, seed_scenario, tmp_path / "s", progress=progress, **MC)
    err = capsys.readouterr().err
    if progress:
        assert "sweep bar" in err and "3/3" in err and "failed=1" in err
    else:
        assert err == ""


def test_a_restart_reads_finished_points_back_and_refuses_another_config(tmp_path, seed_scenario):
    folder = tmp_path / "s"
    first = run_sweep(grid(), seed_scenario, folder, **MC)
    mtimes = {p.name: p.stat().st_mtime_ns for p in (folder / "points").iterdir()}
    again = run_sweep(grid(show=["mean_clashes"]), seed_scenario, folder, **MC)  # not in the hash
    assert again.computed == [] and first.computed == list(range(6))
    assert mtimes == {p.name: p.stat().st_mtime_ns for p in (folder / "points").iterdir()}
    pd.testing.assert_frame_equal(again.table, first.table, check_exact=True)
    with pytest.raises(SweepChangedError, match=r"changed: mc\.replications\)"):
        run_sweep(grid(), seed_scenario, folder, **{**MC, "replications": 100})
    with pytest.raises(SweepChangedError, match=r"sweep\.parameters\.0\.values\.1"):
        run_sweep(
            grid(parameters={P_ACT: [0.02, 0.3], LEVERAGE: {"low": 0.2, "high": 0.8, "num": 3}}),
            seed_scenario,
            folder,
            **MC,
        )
    with pytest.raises(SweepChangedError, match=r"scenario\.decay"):
        run_sweep(grid(), seed_scenario.replace(decay=0.1), folder, **MC)


@pytest.mark.parametrize("over", ["points", "chunks"])
def test_the_executor_leaves_the_table_unchanged(tmp_path, seed_scenario, over):
    sweep = Sweep.from_config({"parameters": {P_ACT: [0.02, 0.2, 0.5]}, "horizons": [90]})
    mc = {**MC, "chunk_size": 64}
    serial = run_sweep(sweep, seed_scenario, tmp_path / "a", **mc).table
    pool = {"name": "processes", "workers": 2}
    pooled = run_sweep(sweep, seed_scenario, tmp_path / "b", executor=pool, over=over, **mc).table
    pd.testing.assert_frame_equal(
        serial.drop(columns="seconds"), pooled.drop(columns="seconds"), check_exact=True
    )
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert (manifest["executor"], manifest["over"]) == ("processes", over)


def test_a_config_mapping_runs_in_its_stable_folder(tmp_path):
    cfg = {
        "name": "demo",
        "scenario": "pak_afg_2026",
        "mc": MC,
        "output": {"root": str(tmp_path)},
        "sweep": {"parameters": {LEVERAGE: [0.2, 0.8]}, "horizons": [90]},
    }
    result = run_sweep_from_config(cfg, results=tmp_path / "run")
    assert result.folder == tmp_path / "demo" / "sweep" and result.ok
    with pytest.raises(ConfigError, match=r"history\.replay: .*not supported in a sweep"):
        run_sweep_from_config({**cfg, "history": {"replay": True}})
    with pytest.raises(ConfigError, match=r"mc\.stop: .*not supported in a sweep"):
        run_sweep_from_config({**cfg, "mc": {**MC, "stop": {"rung": 4, "half_width": 0.01}}})
    saved = store.load_results(tmp_path / "run")
    assert saved.summary.shape == result.table.shape
    assert saved.manifest["sweep_folder"] == str(result.folder.resolve())


# --- Hydra multirun ---------------------------------------------------------------------------


def test_gather_multirun_builds_the_same_table_from_job_folders(tmp_path, seed_scenario):
    root = tmp_path / "multirun"
    for job, leverage in enumerate([0.2, 0.8]):
        s, _ = point_scenario(seed_scenario, {LEVERAGE: leverage})
        run = sim.simulate(s, record_events=False, record_trajectory=False, **MC)
        folder = store.ResultsFolder(root / str(job))
        folder.write_overrides(["experiment=seed_baseline", f"scenario.{LEVERAGE}={leverage}"])
        folder.write_manifest(store.manifest(MC["seed"]))
        folder.write_outcomes(run.outcomes)
        if job == 0:
            expected = outcome_columns(run.outcomes, (4, 5), (30, 90))
    crashed = store.ResultsFolder(root / "2")
    crashed.write_overrides(["experiment=seed_baseline", f"scenario.{LEVERAGE}=1.0"])
    crashed.write_manifest(store.manifest(MC["seed"]))
    table = gather_multirun(root, horizons=(30, 90))
    assert list(table.columns[:4]) == ["point", "experiment", f"scenario.{LEVERAGE}", "status"]
    assert list(table[f"scenario.{LEVERAGE}"]) == [0.2, 0.8, 1.0]
    assert list(table["status"]) == ["done", "done", "failed"]
    assert table.loc[0, "p_rung4_90d"] == expected["p_rung4_90d"]
    assert table.loc[0, "mean_battle_deaths"] == expected["mean_battle_deaths"]
    assert (table["seed"] == MC["seed"]).all()
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="no job folders"):
        gather_multirun(tmp_path / "empty")


@pytest.mark.parametrize(
    ("launcher", "target", "settings"),
    [
        ("slurm", "submitit_launcher.SlurmLauncher", {"cpus_per_task": 2, "timeout_min": 60}),
        ("local", "joblib_launcher.JoblibLauncher", {"n_jobs": 2}),
    ],
)
def test_the_shipped_multirun_launchers_compose(launcher, target, settings):
    from hydra import compose, initialize_config_dir

    from sim.app.config import register_configs
    from sim.core.paths import CONFIG_DIR

    register_configs()
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose("config", [f"hydra/launcher={launcher}"], return_hydra_config=True)
    assert cfg.hydra.launcher._target_.endswith(target)
    assert {k: cfg.hydra.launcher[k] for k in settings} == settings


# --- over a posterior ---------------------------------------------------------------------------


def test_a_policy_sweep_over_a_posterior_pairs_draws_and_shows_both_intervals(
    tmp_path, seed_scenario
):
    from sim.analysis import predictive
    from sim.scenario.posterior import posterior_from_frame

    draws = pd.DataFrame(
        {"decay": [0.03, 0.06, 0.1], LEVERAGE: [0.3, 0.5, 0.7], "weight": [1, 2, 1]}
    )
    post = posterior_from_frame(draws, seed_scenario)
    sweep = Sweep.from_config(
        {
            "parameters": {P_ACT: [0.02, 0.2]},
            "horizons": [90],
            "rungs": [4],
            "baseline": {P_ACT: 0.02},
        }
    )
    mc = {**MC, "replications": 600}
    result = run_sweep(
        sweep, seed_scenario, tmp_path / "s", posterior=post, posterior_cell=64, **mc
    )
    t = result.table
    assert result.ok
    # Each point is the run of its scenario over the same posterior.
    point, base = (point_scenario(seed_scenario, p.settings)[0] for p in sweep.points()[::-1])
    run = {"record_events": False, "record_trajectory": False, "posterior": post, **mc}
    direct = sim.simulate(point, posterior_cell=64, **run)
    baseline = sim.simulate(base, posterior_cell=64, **run)
    est = direct.predictive(4, 90)
    row = t.iloc[1]
    assert (row["p_rung4_90d"], row["p_rung4_90d_pp_low"], row["p_rung4_90d_pp_high"]) == (
        est.estimate,
        est.low,
        est.high,
    )
    assert (row["p_rung4_90d_low"], row["p_rung4_90d_high"]) == (est.mc_low, est.mc_high)
    diff = baseline.compare_predictive(direct, 4, 90)
    assert (row["diff_rung4_90d_pp_low"], row["diff_rung4_90d_pp_high"]) == (diff.low, diff.high)
    assert row["diff_rung4_90d_low"] == diff.mc_low
    assert "mean_draw" not in t.columns
    text = result.summary()
    assert "(predictive) = posterior-predictive estimate" in text and "(MC) = [95% interval" in text
    assert "p_rung4_90d (predictive)" in text and "diff_rung4_90d (MC, ratio)" in text
    # The same folder refuses to resume with other draws.
    other = posterior_from_frame(draws.assign(weight=[1, 1, 1]), seed_scenario)
    with pytest.raises(SweepChangedError):
        run_sweep(sweep, seed_scenario, tmp_path / "s", posterior=other, posterior_cell=64, **mc)
    assert predictive.DRAW in direct.outcomes


def test_a_key_both_swept_and_drawn_is_refused(tmp_path, seed_scenario):
    from sim.scenario.posterior import posterior_from_frame

    post = posterior_from_frame(pd.DataFrame({P_ACT: [0.05], "weight": [1.0]}), seed_scenario)
    with pytest.raises(ConfigError, match=rf"column '{P_ACT}': is also set by the sweep"):
        run_sweep(grid(), seed_scenario, tmp_path / "s", posterior=post, **MC)
