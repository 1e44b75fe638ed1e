"""The README's Python examples run as written (with fewer replications)."""

import re
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np

import sim

README = Path(__file__).resolve().parents[2] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), re.S)


def test_quick_start_runs(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the quick start writes its prior draws to the working folder
    quick = python_blocks()[0].replace("20_000", "500")
    exec(compile(quick, "README quick start", "exec"), {})
    printed = capsys.readouterr().out
    assert "P(rung >= 4 within 90 days)" in printed and "(n=500)" in printed
    assert (
        "posterior-predictive 90%;" in printed and "Monte Carlo only 95% (n=500, draws=" in printed
    )


def test_the_users_rule_plugs_in(tmp_path, monkeypatch):
    source = python_blocks()[1]
    (tmp_path / "myrules.py").write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    yaml_node = re.search(r"retaliation: \{_target_: (\S+), p_act: ([\d.]+)\}", README.read_text())
    target, p_act = yaml_node.group(1), float(yaml_node.group(2))
    data = sim.load_scenario().to_dict()
    data["states"]["afghanistan"]["retaliation"] = {"_target_": target, "p_act": p_act}
    scenario = sim.scenario_from_dict(data)
    # The README's rule is the one Afghanistan uses, and it decides as the README says: only a
    # provocation at rung 4 or more is answered, one rung lower.
    rule = scenario.states["afghanistan"].retaliation
    assert (type(rule).__name__, rule.p_act) == ("Doves", p_act)
    received = np.array([1, 3, 4, 5, 5], np.int8)
    inputs = SimpleNamespace(received=received)
    np.testing.assert_array_equal(rule.decide(inputs, np.zeros(5)), [0, 0, 3, 4, 4])
    np.testing.assert_array_equal(rule.decide(inputs, np.full(5, p_act)), 0)
    run = sim.simulate(scenario, replications=300, horizon=30, seed=1)
    assert len(run.outcomes) == 300
    sys.modules.pop("myrules", None)
