"""A user's scenario file chosen by path: ``scenario=PATH.yaml`` (command line and Python)."""

from __future__ import annotations

import pytest
import yaml

import sim
from sim.core.paths import CONFIG_DIR


@pytest.fixture
def my_crisis(tmp_path, monkeypatch):
    data = yaml.safe_load((CONFIG_DIR / "scenario" / "pak_afg_2026.yaml").read_text())
    data["name"] = "my_crisis"
    data["decay"] = 0.07
    (tmp_path / "files").mkdir()
    path = tmp_path / "files" / "my_crisis.yml"
    path.write_text(yaml.safe_dump(data))
    monkeypatch.chdir(tmp_path)
    return path


def test_a_scenario_file_is_read_by_absolute_or_relative_path(my_crisis):
    for given in (str(my_crisis), "files/my_crisis.yml", "./files/my_crisis.yml"):
        exp = sim.load_experiment(overrides=[f"scenario={given}", "mc.replications=10"])
        assert (exp.scenario.name, exp.scenario.decay) == ("my_crisis", 0.07), given


def test_keys_of_a_scenario_file_can_be_overridden_and_are_typed(my_crisis):
    exp = sim.load_experiment(overrides=[f"scenario={my_crisis}", "scenario.start_rung=2"])
    assert exp.scenario.start_rung == 2 and exp.scenario.name == "my_crisis"
    with pytest.raises(sim.ConfigError, match=r"scenario\.start_rung: must be a whole number"):
        sim.load_experiment(overrides=[f"scenario={my_crisis}", "scenario.start_rung=high"])


def test_a_built_in_name_is_still_a_name(my_crisis):
    assert sim.load_experiment(overrides=["scenario=pak_afg_2026"]).scenario.name == "pak_afg_2026"


def test_a_missing_file_is_one_error_naming_it(my_crisis):
    with pytest.raises(sim.ConfigError, match=r"scenario=missing\.yaml: no scenario file at .*"):
        sim.load_experiment(overrides=["scenario=missing.yaml"])


def test_a_file_with_bad_yaml_or_a_misspelt_key_is_refused(my_crisis, tmp_path):
    (tmp_path / "broken.yaml").write_text("name: x\nstates: [\n")
    with pytest.raises(sim.ConfigError, match=r"scenario=broken\.yaml: not valid YAML"):
        sim.load_experiment(overrides=["scenario=broken.yaml"])
    (tmp_path / "typo.yaml").write_text("name: x\nstatez: {}\n")
    with pytest.raises(sim.ConfigError, match=r"scenario\.statez: unknown key; did you mean"):
        sim.load_experiment(overrides=["scenario=typo.yaml"])
