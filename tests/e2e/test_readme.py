"""The README's Python examples run as written (with fewer replications)."""

import re
import sys
from pathlib import Path

import numpy as np

import sim

README = Path(__file__).resolve().parents[2] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), re.S)


def test_quick_start_runs(capsys):
    quick = python_blocks()[0].replace("20_000", "500")
    exec(compile(quick, "README quick start", "exec"), {})
    printed = capsys.readouterr().out
    assert "P(rung >= 4 within 90 days)" in printed and "(n=500)" in printed


def test_the_users_rule_plugs_in(tmp_path, monkeypatch):
    source = python_blocks()[1]
    (tmp_path / "myrules.py").write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    yaml_node = re.search(r"retaliation: \{_target_: (\S+), p_act: ([\d.]+)\}", README.read_text())
    target, p_act = yaml_node.group(1), float(yaml_node.group(2))
    data = sim.load_scenario().to_dict()
    data["states"]["afghanistan"]["retaliation"] = {"_target_": target, "p_act": p_act}
    run = sim.simulate(sim.scenario_from_dict(data), replications=300, horizon=30, seed=1)
    assert np.isfinite(run.escalation_probability(4, 30).estimate)
    sys.modules.pop("myrules", None)
