"""Every range of the scenario's schema, checked at its bound, just inside and just outside.

The ranges are the schema's own (`sim.scenario.schema`, each field's ``bounds`` or ``above``), so
a range loosened or tightened by one step in the loader is caught for every field at once; the
refusal names the key path, as docs/scenarios.md promises.
"""

import copy
import dataclasses

import pytest

import sim
from sim.core.errors import ConfigError
from sim.scenario.schema import Inflicted, MediatorSpec, MilitantSpec, Scenario, StateSpec

BASE = sim.load_scenario("pak_afg_2026").to_dict()
BASE.pop("priors", None)  # priors bound the calibrated values more tightly; tested elsewhere
BASE["in_ceasefire"] = False  # so ceasefire_rung may exceed start_rung

# Where each spec's fields sit in the scenario, and the key of a mapping field to set.
WHERE = {
    Scenario: (),
    StateSpec: ("states", "pakistan"),
    MilitantSpec: ("militants", "ttp"),
    MediatorSpec: ("mediators", "qatar"),
    Inflicted: ("states", "pakistan", "inflicted"),
}
MAPPING_KEY = {
    "grievance": "afghanistan",
    "provocation": "afghanistan",
    "harm": "afghanistan",
    "targets": "pakistan",
    "trust": "pakistan",
}


def _sites():
    for cls, where in WHERE.items():
        for f in dataclasses.fields(cls):
            meta = f.metadata
            if not meta.get("bounds") and meta.get("above") is None:
                continue
            yield pytest.param(cls, where, f, id=f"{cls.__name__}.{f.name}")


def _scenario_with(where, field, value):
    data = copy.deepcopy(BASE)
    node = data
    for key in where:
        node = node[key]
    path = ["scenario", *where, field.name]
    if field.name in MAPPING_KEY:
        node[field.name] = {**node[field.name], MAPPING_KEY[field.name]: value}
        path.append(MAPPING_KEY[field.name])
    elif field.name in ("military", "civilian", "militant"):  # Inflicted: one mean per rung
        node[field.name] = [*node[field.name][:3], value, *node[field.name][4:]]
        path[-1] += "[3]"
    else:
        node[field.name] = value
    # strength <= max_strength is checked too: keep the other one out of the way.
    if field.name == "strength":
        node["max_strength"] = max(value, 1.0)
    if field.name == "max_strength":
        node["strength"] = min(value, node["strength"]) if value > 0 else node["strength"]
    return data, ".".join(path)


def _is_int(cls, field):
    hint = {f.name: f.type for f in dataclasses.fields(cls)}[field.name]
    return hint in (int, "int") or field.metadata.get("bounds") == (0, 5)


@pytest.mark.parametrize(("cls", "where", "field"), list(_sites()))
def test_each_range_holds_at_its_bound_and_refuses_one_step_beyond(cls, where, field):
    low, high = field.metadata.get("bounds") or (None, None)
    above = field.metadata.get("above")
    whole = _is_int(cls, field)
    step = 1 if whole else None

    def outside(bound, direction):
        return bound + direction * (step or max(abs(bound) * 1e-6, 1e-6))

    accepted, refused = [], []
    if above is not None:
        refused.append(above)
        accepted.append(above + (step or max(abs(above) * 1e-6, 1e-6)))
    elif low is not None:
        accepted.append(low)
        refused.append(outside(low, -1))
    if high is not None:
        accepted.append(high)
        refused.append(outside(high, +1))
    if whole:
        accepted, refused = [int(v) for v in accepted], [int(v) for v in refused]
    for value in accepted:
        data, _ = _scenario_with(where, field, value)
        sim.scenario_from_dict(data)  # accepted: builds without error
    for value in refused:
        data, path = _scenario_with(where, field, value)
        with pytest.raises(ConfigError) as info:
            sim.scenario_from_dict(data)
        assert info.value.path == path, (info.value.path, value)
        assert f"got {value}" in str(info.value)


def test_the_range_table_covers_every_spec_with_ranges():
    # A new spec class with ranged fields must be added to WHERE to be tested above.
    ranged = {
        cls
        for cls in (Scenario, StateSpec, MilitantSpec, MediatorSpec, Inflicted)
        if any(f.metadata.get("bounds") or f.metadata.get("above") for f in dataclasses.fields(cls))
    }
    assert ranged == set(WHERE)


GUIDE = sim.core.paths.REPO_ROOT / "docs" / "scenarios.md"


def _guide_tables():
    """The guide's field tables, in order: scenario, state, militant group, mediator."""
    text = GUIDE.read_text(encoding="utf-8")
    tables = text.split("| field | required | unit, scale | allowed | default |")[1:]
    out = []
    for table in tables:
        rows = {}
        for line in table.split("\n\n", 1)[0].splitlines()[2:]:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            rows[cells[0].strip("`")] = cells[4]
        out.append(rows)
    return out


def _documented(text):
    """The default as the guide writes it, as a value (None: nothing to compare)."""
    if text in ("none", "none (0)", "all 0"):
        return "empty"
    if text in ("", "required") or text.startswith("`{"):
        return None
    text = text.strip("`")
    if text == '""':
        return ""
    if text in ("false", "true"):
        return text == "true"
    try:
        return float(text)
    except ValueError:
        return None


@pytest.mark.parametrize(
    ("index", "spec"), [(0, Scenario), (1, StateSpec), (2, MilitantSpec), (3, MediatorSpec)]
)
def test_every_default_is_the_one_the_scenario_guide_documents(index, spec):
    rows = _guide_tables()[index]
    compared = 0
    for f in dataclasses.fields(spec):
        documented = _documented(rows.get(f.name, ""))
        if documented is None:
            continue
        default = f.default_factory() if f.default is dataclasses.MISSING else f.default
        if documented == "empty":
            assert not default or all(not any(v) for v in dataclasses.astuple(default)), f.name
        else:
            assert default == documented, (spec.__name__, f.name, default, documented)
        compared += 1
    assert compared >= 3  # the guide's table was found and read


def test_a_field_left_out_takes_its_default_on_load():
    minimal = {
        "name": "two",
        "states": {
            "a": {"name": "A", "retaliation": {"name": "none"}},
            "b": {"name": "B", "retaliation": {"name": "none"}},
        },
    }
    scenario = sim.scenario_from_dict(minimal)
    assert (scenario.start_rung, scenario.decay, scenario.ceasefire_cap) == (0, 0.05, 1)
    assert (scenario.ceasefire_rung, scenario.war_deaths, scenario.in_ceasefire) == (1, 1000, False)
    state = scenario.states["a"]
    assert (state.compliance, state.memory_days, state.capability) == (1.0, 7, 1.0)
    assert (state.resolve, state.restraint, state.pressure_half_life) == (0.5, 0.5, 14.0)
    assert type(scenario.ceasefire).__name__ == "NoCeasefire"
