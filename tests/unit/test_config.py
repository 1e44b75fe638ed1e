import dataclasses
import math
import re
from datetime import datetime

import numpy as np
import pytest
from hydra.core.config_store import ConfigStore
from omegaconf import OmegaConf

import sim
from sim.app import config as hydra_config
from sim.app.experiment import load_experiment, run_experiment
from sim.core.errors import ConfigError
from sim.core.paths import CONFIG_DIR, EXPERIMENTS_DIR
from sim.rules import ceasefire, retaliation
from sim.runs import settings as cfgmod
from sim.runs.experiment import compare_exact
from sim.runs.montecarlo import SimulationResult
from sim.scenario.schema import Scenario

SMALL = ["mc.replications=200", "mc.horizon=60", "output.figures=false"]


# --- schemas --------------------------------------------------------------------------------


def test_schemas_sit_under_schema_and_every_rule_has_its_option():
    hydra_config.register_configs()
    repo = ConfigStore.instance().repo
    assert set(repo["schema"]) >= {"config.yaml", "mc.yaml", "executor.yaml", "output.yaml"}
    for kind, registry in cfgmod.RULE_GROUPS.items():
        stored = {name.removesuffix(".yaml") for name in repo["schema"][kind]}
        files = {p.stem for p in (CONFIG_DIR / kind).glob("*.yaml")}
        assert stored == files == {*registry, "custom"}, kind
    # No schema is stored in a selectable group.
    assert not {"retaliation", "ceasefire", "mc", "executor", "output"} & set(repo)


@pytest.mark.parametrize(("kind", "registry"), list(cfgmod.RULE_GROUPS.items()))
def test_rule_options_are_derived_from_the_rule_dataclasses(kind, registry):
    for name, cls in registry.items():
        node = OmegaConf.structured(cfgmod._rule_schema(kind, name, cls))
        params = {f.name: f.default for f in dataclasses.fields(cls)}
        extra = {"name": name, **({"state": "???"} if kind == "retaliation" else {})}
        assert list(node) == [*extra, *params]
        assert {k: node[k] for k in params} == params
        assert OmegaConf.is_missing(node, "state") == (kind == "retaliation")


def test_each_rule_yaml_pulls_its_schema_and_sets_nothing_else():
    for kind in cfgmod.RULE_GROUPS:
        for path in (CONFIG_DIR / kind).glob("*.yaml"):
            data = OmegaConf.load(path)
            assert list(data) == ["defaults"], path
            assert data.defaults[0] == f"/schema/{kind}/{path.stem}@_here_"


def test_scenario_schema_follows_the_scenario_dataclass():
    node = OmegaConf.structured(cfgmod.ScenarioConfig)
    assert list(node) == [f.name for f in dataclasses.fields(Scenario)]
    state = OmegaConf.structured(cfgmod.StateConfig)
    assert OmegaConf.get_type(state, "inflicted").__name__ == "InflictedConfig"
    with pytest.raises(Exception, match="decay"):
        node.decay = "high"


def test_every_experiment_says_its_question_and_how_to_run_it():
    files = sorted(EXPERIMENTS_DIR.glob("*.yaml"))
    assert {p.stem for p in files} >= {"seed_baseline", "restraint", "validate_markov"}
    for path in files:
        first, second = path.read_text(encoding="utf-8").splitlines()[:2]
        assert first == "# @package _global_"
        assert re.match(r"# Question: .+\? Run: python -m sim", second), path.name
        assert f"experiment={path.stem}" in second or path.stem == "seed_baseline"
        assert OmegaConf.load(path).name == path.stem


# --- load_experiment ------------------------------------------------------------------------


def test_default_experiment_is_the_seed_baseline():
    exp = load_experiment(overrides=SMALL)
    assert exp.name == "seed_baseline" and exp.question.endswith("?")
    assert isinstance(exp.scenario, Scenario) and exp.scenario.name == "pak_afg_2026"
    assert isinstance(exp.mc, cfgmod.MonteCarloConfig) and exp.mc.replications == 200
    assert exp.mc.horizons == [7, 30, 90, 365]
    assert isinstance(exp.executor, cfgmod.ExecutorConfig) and exp.executor.name == "serial"
    assert exp.overrides == tuple(SMALL)
    assert load_experiment("seed_baseline").overrides == ("experiment=seed_baseline",)
    assert exp.scenario == sim.load_scenario("pak_afg_2026")


def test_restraint_puts_pakistan_under_a_threshold_rule_and_strengthens_qatar():
    exp = load_experiment("restraint", overrides=["retaliation.level=2"])
    states = exp.scenario.states
    assert states["pakistan"].retaliation == retaliation.Threshold(level=2.0, p_act=0.04, step=1)
    base = sim.load_scenario("pak_afg_2026")
    assert states["afghanistan"].retaliation == base.states["afghanistan"].retaliation
    assert exp.scenario.mediators["qatar"].leverage == 0.9
    # The saved config shows the rule in place, and what was chosen.
    assert exp.config.scenario.states.pakistan.retaliation.name == "threshold"
    assert exp.config.retaliation.state == "pakistan"


@pytest.mark.parametrize(
    ("state", "expected"),
    [("all", {"pakistan", "afghanistan"}), ("[afghanistan]", {"afghanistan"})],
)
def test_a_chosen_retaliation_rule_applies_to_the_states_named(state, expected):
    exp = load_experiment(overrides=["retaliation=none", f"retaliation.state={state}"])
    ruled = {
        s
        for s, spec in exp.scenario.states.items()
        if isinstance(spec.retaliation, retaliation.NoRetaliation)
    }
    assert ruled == expected


def test_a_chosen_ceasefire_rule_replaces_the_scenarios():
    exp = load_experiment(overrides=["ceasefire=forgiving", "ceasefire.tolerance=5"])
    assert exp.scenario.ceasefire == ceasefire.Forgiving(tolerance=5)


def test_a_users_own_rule_class_plugs_in_by_target():
    exp = load_experiment(
        overrides=[
            "retaliation=custom",
            "retaliation.state=afghanistan",
            "retaliation._target_=user_rules.AlwaysAt",
            "+retaliation.rung=4",
            "ceasefire=custom",
            "ceasefire._target_=user_rules.NeverAgree",
        ]
    )
    assert type(exp.scenario.states["afghanistan"].retaliation).__name__ == "AlwaysAt"
    assert exp.scenario.states["afghanistan"].retaliation.rung == 4
    assert type(exp.scenario.ceasefire).__name__ == "NeverAgree"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["mc.replicatons=5"], r"^mc\.replicatons: unknown key; did you mean 'replications'\?"),
        (
            ["scenario=pak_afg_2025"],
            r"^scenario=pak_afg_2025: no such scenario; did you mean "
            r"'pak_afg_2026'\? Valid: ind_pak_2019, markov_validation, pak_afg_2026",
        ),
        (
            ["experiment=seed_basline"],
            r"^experiment=seed_basline: no such experiment; did you mean "
            r"'seed_baseline'\?",
        ),
        (["retaliation=treshold"], r"^retaliation=treshold: .*did you mean 'threshold'\?"),
        (["mc.replications=many"], r"^mc\.replications: must be a whole number, got 'many'"),
        (["scenario.decay=fast"], r"^scenario\.decay: must be a number, got 'fast'"),
        (["scenario.in_ceasefire=maybe"], r"^scenario\.in_ceasefire: must be true or false"),
        (
            ["scenario.states.pakistan.resolv=1"],
            r"^scenario\.states\.pakistan\.resolv: unknown key; "
            r"did you mean 'resolve'\?",
        ),
        (
            ["scenario.states.pakistan.compliance=1.5"],
            r"^scenario\.states\.pakistan\.compliance: is "
            r"a probability and must be in \[0, 1\]",
        ),
        (
            ["scenario.militants.ttp.host=pakistn"],
            r"^scenario\.militants\.ttp\.host: host 'pakistn' "
            r"is not a state of the scenario; did you mean "
            r"'pakistan'\?",
        ),
        (
            ["retaliation=threshold"],
            r"^retaliation\.state: say which state takes the 'threshold' "
            r"rule: .*afghanistan, pakistan, or all",
        ),
        (
            ["retaliation=threshold", "retaliation.state=pakistn"],
            r"^retaliation\.state: 'pakistn' is not a state of the scenario; did you mean",
        ),
        (
            ["retaliation=threshold", "retaliation.state=pakistan", "retaliation.p_act=2"],
            r"^retaliation\.p_act: Threshold: p_act must be a probability in \[0, 1\]",
        ),
        (
            ["retaliation=custom", "retaliation.state=all", "retaliation._target_=nowhere.Rule"],
            r"^retaliation\._target_: cannot import module 'nowhere'",
        ),
        (["retaliation=custom", "retaliation.state=all"], r"^retaliation\._target_: is required"),
        (["mc.horizon=0"], r"^mc\.horizon: must be >= 1, got 0"),
        (["mc.rungs=[2,9]"], r"^mc\.rungs: rungs of the summary, each in 0\.\.5"),
        (["executor.name=threads"], r"^executor\.name: unknown executor 'threads'"),
        (
            ["validation.exact=true"],
            r"^validation\.exact: scenario .pak_afg_2026. is not a constant-probability",
        ),
    ],
)
def test_a_mistake_gives_one_message_naming_its_key(overrides, message):
    with pytest.raises(ConfigError, match=message) as err:
        load_experiment(overrides=overrides)
    assert "\n" not in str(err.value)


# --- running --------------------------------------------------------------------------------


def test_run_experiment_writes_a_folder_that_loads_back(tmp_path):
    exp = load_experiment("seed_baseline", overrides=[*SMALL, f"output.root={tmp_path}"])
    result = run_experiment(exp, command=["test"])
    assert result.folder.parent == tmp_path / "seed_baseline"
    names = {p.name for p in result.folder.iterdir()}
    assert names == {
        "config.yaml",
        "overrides.yaml",
        "manifest.json",
        "outcomes.parquet",
        "summary.csv",
    }
    back = sim.load_results(result.folder)
    assert back.overrides == ["experiment=seed_baseline", *SMALL, f"output.root={tmp_path}"]
    assert back.config.mc.replications == 200
    assert back.manifest["seed"] == exp.mc.seed and back.manifest["command"] == ["test"]
    started = datetime.fromisoformat(back.manifest["started"])
    finished = datetime.fromisoformat(back.manifest["finished"])
    assert back.manifest["duration_s"] == pytest.approx((finished - started).total_seconds())
    assert started.tzinfo is not None and started <= finished
    assert len(back.outcomes) == 200
    # Horizons beyond the run's 60 days are dropped from the summary.
    assert sorted(set(back.summary["within_days"])) == [7, 30]
    # A second run into the same folder does not overwrite the first.
    again = run_experiment(exp, folder=result.folder)
    assert again.folder == result.folder.with_name(result.folder.name + "-1")


def test_a_saved_config_runs_again_to_the_same_outcomes(tmp_path):
    exp = load_experiment(
        "restraint", overrides=[*SMALL, "mc.horizon=5", f"output.root={tmp_path}"]
    )
    first = run_experiment(exp)
    # No summary horizon fits in 5 days: the horizon itself is used.
    assert list(first.summary["within_days"].unique()) == [5]
    again = run_experiment(sim.load_results(first.folder).config)
    assert again.experiment.scenario == exp.scenario
    assert (again.folder / "outcomes.parquet").read_bytes() == (
        first.folder / "outcomes.parquet"
    ).read_bytes()


def test_compare_exact_agrees_on_the_markov_scenario_and_flags_a_wrong_answer():
    exp = load_experiment("validate_markov", overrides=["mc.replications=4000", "mc.horizon=90"])
    result = exp.simulate()
    table = compare_exact(result, (7, 30, 90), (3, 4, 5))
    assert table["agrees"].all()
    assert np.allclose(table["difference"], table["monte_carlo"] - table["exact"])
    assert np.allclose(table["z"], table["difference"] / table["se"])
    outcomes = result.outcomes.copy()
    outcomes["day_rung_4"] = np.nan  # as if rung 4 were never reached
    wrong = SimulationResult(
        result.scenario,
        result.replications,
        result.horizon,
        result.seed,
        result.chunk_size,
        outcomes=outcomes,
    )
    table = compare_exact(wrong, (30,), (4,))
    assert not table["agrees"].any() and table["z"].iloc[0] < -4
    # A probability of exactly 1 has no spread: equal values agree.
    sure = compare_exact(result, (7,), (1,))
    assert sure["se"].iloc[0] == 0 and sure["z"].iloc[0] == 0 and sure["agrees"].all()
    assert not math.isnan(sure["z"].iloc[0])


def test_config_error_passes_a_config_error_through():
    err = ConfigError("mc.seed", "must be >= 0")
    assert hydra_config.config_error(err) is err


@pytest.mark.parametrize("path", sorted(EXPERIMENTS_DIR.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_experiment_composes_and_passes_its_checks(path):
    exp = load_experiment(path.stem)
    assert exp.name == path.stem and exp.question
    if exp.config.get("sweep") is not None:
        from sim.sweeps.runner import Sweep

        assert Sweep.from_config(exp.config.sweep).parameters
    if exp.config.get("robustness") is not None:
        from sim.sweeps.robustness import robustness_from_config

        assert robustness_from_config(exp.config.robustness)["futures"].points()


def test_list_is_answered_before_hydra_reads_the_arguments(capsys):
    from sim.app.cli import main

    main(["list"])
    out = capsys.readouterr().out
    assert out.startswith("Experiments (experiment=NAME; default: seed_baseline)")
    assert "custom" in out and "markov_validation" in out
