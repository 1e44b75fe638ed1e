"""The shipped calibrated posterior: named by the default run, traceable, stated in the scenario."""

from __future__ import annotations

import json
import re

import pytest
import yaml

import sim
from sim.calibration import DEFAULT_PARAMETERS, posterior_intervals
from sim.core import paths
from sim.runs.experiment import posterior_path
from sim.scenario import scenario_path
from sim.scenario.priors import parameter_bases
from sim.storage.store import read_parquet

NAMED = "seeds/posteriors/pak_afg_2026.parquet"


def _experiment_yaml(name: str) -> dict:
    return yaml.safe_load((paths.EXPERIMENTS_DIR / f"{name}.yaml").read_text())


def test_the_default_experiment_names_the_shipped_posterior_from_any_folder(tmp_path, monkeypatch):
    assert _experiment_yaml("seed_baseline")["posterior"] == NAMED
    monkeypatch.chdir(tmp_path)  # a relative path not found here is read from the data folder
    path = posterior_path(NAMED)
    assert path == (paths.DATA_ROOT / NAMED).resolve() and path.is_file()
    exp = sim.load_experiment(overrides=["mc.replications=10"])
    assert exp.posterior is not None and exp.posterior.source == str(path)
    assert sorted(exp.posterior.paths) == sorted(DEFAULT_PARAMETERS)
    assert sim.load_experiment(overrides=["posterior=null"]).posterior is None


def test_the_shipped_posterior_records_the_default_calibration_that_made_it():
    table = read_parquet(paths.DATA_ROOT / NAMED)
    record = json.loads((paths.DATA_ROOT / NAMED).with_suffix(".json").read_text())
    calibrate = _experiment_yaml("calibrate")["calibration"]
    assert record["command"] == "python -m sim experiment=calibrate"
    assert re.fullmatch(r"[0-9a-f]{40}", record["git_commit"])
    # A tree dirty at the start must name its changed files, none of them read by a run.
    dirty = record.get("dirty_files", []) if record["git_dirty"] else []
    assert record["git_dirty"] is False or dirty, "a dirty tree names its changed files"
    assert not [f for f in dirty if f.split("/")[0] in ("sim", "configs", "experiments", "seeds")]
    for key in ("git_commit", "commit_on_main"):
        assert re.fullmatch(r"[0-9a-f]{40}", record.get(key, record["git_commit"])), key
    assert record["seed"] == table.attrs["seed"] == sim.load_experiment("calibrate").mc.seed
    # The budget is the documented default's (a smaller one would have to say so in the docs).
    for key in ("population_size", "generations", "max_simulations"):
        assert record["budget"][key] == calibrate[key]
    assert record["documented_default_budget"] is True
    # Reproducible bit for bit from the command: pyabc's single-core sampler (its multicore one
    # reseeds each worker from the OS), on the engine the default experiment names.
    assert record["executor"] == "serial" == sim.load_experiment("calibrate").executor.name
    assert record["engine"] == calibrate["engine"]
    assert record["parameters"] == table.attrs["parameters"] == list(table.columns.drop("weight"))
    assert record["simulated_records"] <= calibrate["max_simulations"]
    assert len(record["diagnostics"]) == record["generation"] + 1
    assert table["weight"].sum() == pytest.approx(1.0)


def test_every_parameter_the_posterior_covers_says_it_is_calibrated_by_it():
    bases = parameter_bases(scenario_path("pak_afg_2026"))
    table = read_parquet(paths.DATA_ROOT / NAMED)
    summary = posterior_intervals(table)
    for column in table.columns.drop("weight"):
        basis = bases[column]
        assert basis.startswith(f"calibrated: posterior {NAMED}, mean "), (column, basis)
        # The figures quoted beside the value are the file's (to the digits printed).
        quoted = re.match(r"[^,]+, mean (\S+) \[90 %: (\S+), (\S+)\];", basis)
        assert quoted, basis
        for text, value in zip(quoted.groups(), summary[column], strict=True):
            digits = len(text.rstrip(",").partition(".")[2])
            assert float(text.rstrip(",")) == pytest.approx(value, abs=0.51 * 10**-digits), column
    others = [k for k, b in bases.items() if b.startswith("calibrated: posterior")]
    assert sorted(others) == sorted(table.columns.drop("weight"))
