"""A sweep never resumes with points computed by other code; runs record the code they ran."""

from __future__ import annotations

import importlib
import sys
import textwrap

import pytest

import sim
from sim.storage import manifest, store
from sim.sweeps import Sweep, SweepChangedError, run_sweep

MC = {"replications": 40, "horizon": 30, "seed": 3}

RULE = """
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Answer:
    p: float = 0.5

    def decide(self, inputs, u):
        return np.where((inputs.received > 0) & (u < self.p), {rung}, 0).astype(np.int8)
"""


@pytest.fixture
def user_rule(tmp_path, monkeypatch):
    """A user's rule module on sys.path whose source the test rewrites."""
    module = "reliab_user_rule"
    path = tmp_path / f"{module}.py"
    path.write_text(textwrap.dedent(RULE.format(rung=1)))
    monkeypatch.syspath_prepend(str(tmp_path))
    yield module, path
    sys.modules.pop(module, None)


def _scenario(seed_scenario, module):
    data = seed_scenario.to_dict()
    data["states"]["pakistan"]["retaliation"] = {"_target_": f"{module}.Answer", "p": 0.5}
    return sim.scenario_from_dict(data)


SWEEP = {"parameters": {"mediators.qatar.leverage": [0.2, 0.8]}, "horizons": [30]}


def test_a_changed_user_rule_refuses_to_resume(tmp_path, seed_scenario, user_rule):
    module, path = user_rule
    folder = tmp_path / "sweep"
    first = run_sweep(Sweep.from_config(SWEEP), _scenario(seed_scenario, module), folder, **MC)
    assert first.computed == [0, 1]
    # The same code resumes (nothing recomputed) ...
    again = run_sweep(Sweep.from_config(SWEEP), _scenario(seed_scenario, module), folder, **MC)
    assert again.computed == []
    # ... a changed rule does not: its old points would be mixed with new ones.
    path.write_text(textwrap.dedent(RULE.format(rung=3)))
    importlib.reload(importlib.import_module(module))
    with pytest.raises(SweepChangedError, match=rf"other code \(changed: code\.rules\.{module}"):
        run_sweep(Sweep.from_config(SWEEP), _scenario(seed_scenario, module), folder, **MC)


def test_another_commit_or_version_refuses_to_resume(tmp_path, seed_scenario, monkeypatch):
    folder = tmp_path / "sweep"
    run_sweep(Sweep.from_config(SWEEP), seed_scenario, folder, **MC)
    monkeypatch.setattr(manifest, "_git_state", lambda directory: ("0" * 40, False))
    with pytest.raises(SweepChangedError, match=r"code\.git_commit") as err:
        run_sweep(Sweep.from_config(SWEEP), seed_scenario, folder, **MC)
    assert "delete that folder to start again" in str(err.value)
    assert "\n" not in str(err.value)
    monkeypatch.undo()
    monkeypatch.setattr(manifest, "_version", lambda package: "99.0")
    with pytest.raises(SweepChangedError, match=r"code\.version"):
        run_sweep(Sweep.from_config(SWEEP), seed_scenario, folder, **MC)


def test_the_fingerprint_names_each_user_rule_by_its_source(seed_scenario, user_rule):
    module, path = user_rule
    data = _scenario(seed_scenario, module).to_dict()
    before = store.code_fingerprint(data)
    assert set(before["rules"]) == {f"{module}.Answer"}
    assert len(before["rules"][f"{module}.Answer"]) == 64
    path.write_text(textwrap.dedent(RULE.format(rung=2)))
    importlib.reload(importlib.import_module(module))
    after = store.code_fingerprint(data)
    assert after["rules"] != before["rules"]
    assert after["source_sha256"] == before["source_sha256"]


def test_a_single_run_manifest_records_the_code(tmp_path):
    exp = sim.load_experiment(
        "seed_baseline",
        overrides=["mc.replications=20", "mc.horizon=10", "output.figures=false"],
    )
    result = sim.run_experiment(exp, folder=tmp_path / "run", progress=False)
    code = sim.load_results(result.folder).manifest["code"]
    assert set(code) == {"version", "git_commit", "source_sha256", "rules"}
    assert code == store.code_fingerprint(exp.scenario.to_dict())
