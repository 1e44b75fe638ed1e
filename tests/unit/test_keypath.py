"""The shared key-path walker (sim.core.keypath) and interval formatter (sim.core.intervals)."""

from types import SimpleNamespace

import pytest

from sim.core.errors import ConfigError
from sim.core.intervals import format_interval
from sim.core.keypath import get_path, set_path


def tree():
    return {"states": {"pakistan": {"pressure": 0.1, "inflicted": [1, 2, 3]}}}


def test_get_and_set_through_mappings_lists_and_objects():
    data = tree()
    set_path(data, "states.pakistan.inflicted.2", 9)
    assert get_path(data, "states.pakistan.inflicted") == [1, 2, 9]
    agent = SimpleNamespace(pressure=0.0, grievance={"afghanistan": 0.0})
    model = SimpleNamespace(states={"pakistan": agent})
    set_path(model, "states.pakistan.pressure", 0.5)
    set_path(model, "states.pakistan.grievance.afghanistan", 2.0)
    assert agent.pressure == 0.5 and agent.grievance == {"afghanistan": 2.0}


@pytest.mark.parametrize(
    ("path", "where", "hint"),
    [
        ("states.pakistn.pressure", "scenario.states.pakistn", "did you mean 'pakistan'"),
        ("states.pakistan.inflicted.7", "scenario.states.pakistan.inflicted.7", "index 0..2"),
        ("states.pakistan.pressure.x", "scenario.states.pakistan.pressure.x", "goes below a value"),
    ],
)
def test_a_wrong_key_names_itself(path, where, hint):
    with pytest.raises(ConfigError) as info:
        set_path(tree(), path, 1)
    assert info.value.path == where
    assert hint in str(info.value)


def test_create_makes_missing_mappings_only_when_asked():
    data: dict = {}
    with pytest.raises(ConfigError):
        set_path(data, "militants.ttp.strength", 0.9)
    set_path(data, "militants.ttp.strength", 0.9, create=True)
    assert data == {"militants": {"ttp": {"strength": 0.9}}}


def test_an_object_attribute_must_exist_and_be_public():
    model = SimpleNamespace(states={}, _private=1)
    with pytest.raises(ConfigError, match="unknown key"):
        set_path(model, "stats", 1, root="start")
    with pytest.raises(ConfigError):
        get_path(model, "_private")


def test_format_interval():
    assert format_interval(0.5, 0.25, 0.75) == "0.500 [0.250, 0.750]"
    assert format_interval(0.01, -0.02, 0.04, signed=True) == "+0.010 [-0.020, +0.040]"
    assert format_interval(0.5, 0.25, 0.85, digits=1) == "0.5 [0.2, 0.8]"
    assert format_interval(float("nan"), 0.0, 1.0) == "-"
    assert format_interval(None, 0.0, 1.0) == "-"
