"""docs/scenarios.md: its examples load, and it names every field a scenario has."""

import dataclasses
import re

import pytest
import yaml

import sim
from sim.core.paths import REPO_ROOT
from sim.scenario.schema import Inflicted, MediatorSpec, MilitantSpec, Scenario, StateSpec

GUIDE = REPO_ROOT / "docs" / "scenarios.md"


def yaml_blocks() -> dict[str, dict]:
    blocks = [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", GUIDE.read_text(), re.S)]
    return {block["name"]: block for block in blocks}


@pytest.mark.parametrize("name", ["minimal", "full"])
def test_each_example_of_the_guide_loads_and_runs(name):
    scenario = sim.scenario_from_dict(yaml_blocks()[name])
    result = sim.simulate(scenario, replications=50, horizon=10, seed=1)
    assert len(result.outcomes) == 50


def test_the_full_example_gives_every_field():
    full = yaml_blocks()["full"]
    assert set(full) == {f.name for f in dataclasses.fields(Scenario)}
    for spec, group in (
        (StateSpec, "states"),
        (MilitantSpec, "militants"),
        (MediatorSpec, "mediators"),
    ):
        for actor in full[group].values():
            assert set(actor) == {f.name for f in dataclasses.fields(spec)}, group
    for state in full["states"].values():
        assert set(state["inflicted"]) == {f.name for f in dataclasses.fields(Inflicted)}


@pytest.mark.parametrize("spec", [Scenario, StateSpec, Inflicted, MilitantSpec, MediatorSpec])
def test_the_guide_documents_every_field(spec):
    rows = re.findall(r"^\| `([a-z_.]+)` \|", GUIDE.read_text(), flags=re.M)
    documented = {part for row in rows for part in row.split(".")}
    missing = [f.name for f in dataclasses.fields(spec) if f.name not in documented]
    assert not missing, f"docs/scenarios.md has no row for {spec.__name__} fields {missing}"
