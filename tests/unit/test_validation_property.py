"""Property-based: nonsense in any scenario field or rule parameter gets one ConfigError naming it.

Every numeric field of every scenario section (top level, states, militants, mediators,
``inflicted``) and every parameter of every registered rule is fed NaN, infinities, negative,
huge and wrongly typed values. The scenario is then either refused with a
:class:`~sim.errors.ConfigError` whose key path names the field, or accepted and runs a short
simulation whose outcomes are finite and non-negative. NaN, inf and wrong types are always refused,
a negative value wherever the field's lower bound is >= 0, and a huge one wherever it has an upper
bound.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import typing

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.core.errors import ConfigError
from sim.rules import CEASEFIRE_RULES, RETALIATION_RULES
from sim.scenario import Inflicted, MediatorSpec, MilitantSpec, Scenario, StateSpec

BASE = sim.load_scenario("pak_afg_2026").to_dict()

BAD_ALWAYS = [math.nan, math.inf, -math.inf, "abc", [1.0], {"a": 1}, True]
NEGATIVE = [-1, -1e-9, -1e300]
HUGE = [1e300, 10**30]


def _numeric_fields(cls: type) -> list[tuple[str, typing.Any, dict]]:
    hints = typing.get_type_hints(cls)
    out = []
    for f in dataclasses.fields(cls):
        hint = typing.get_origin(hints[f.name]) or hints[f.name]
        if hint in (int, float, dict, list) and (f.metadata.get("bounds") or "above" in f.metadata):
            out.append((f.name, hint, dict(f.metadata)))
    return out


def _sites() -> list[tuple[tuple, str, dict]]:
    """(key path into the scenario dict, the field's key path for the error, bounds metadata)."""
    sites = []
    sections = [
        ((), Scenario),
        (("states", "pakistan"), StateSpec),
        (("militants", "ttp"), MilitantSpec),
        (("mediators", "qatar"), MediatorSpec),
    ]
    for prefix, cls in sections:
        for name, hint, meta in _numeric_fields(cls):
            if hint is dict:
                # An existing key: the opponent of a state, a group's target, a mediator's party.
                key = "afghanistan" if cls is StateSpec else "pakistan"
                sites.append(((*prefix, name, key), ".".join((*prefix, name, key)), meta))
            elif hint is list:
                continue
            else:
                sites.append(((*prefix, name), ".".join((*prefix, name)), meta))
    for name, _, meta in _numeric_fields(Inflicted):
        path = ("states", "pakistan", "inflicted", name, 4)
        sites.append((path, f"states.pakistan.inflicted.{name}[4]", meta))
    return sites


SITES = _sites()


def _rule_sites() -> list[tuple[str, str, str, type]]:
    out = []
    for kind, registry in (("retaliation", RETALIATION_RULES), ("ceasefire", CEASEFIRE_RULES)):
        for name, cls in registry.items():
            hints = typing.get_type_hints(cls)
            for f in dataclasses.fields(cls):
                if hints[f.name] in (int, float):
                    out.append((kind, name, f.name, hints[f.name]))
    return out


RULE_SITES = _rule_sites()


def _set(data: dict, path: tuple, value: typing.Any) -> None:
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


def _expect_refused(meta: dict, value: typing.Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return True
    low, high = meta.get("bounds") or (None, None)
    above = meta.get("above")
    if value < 0 and ((low is not None and low >= 0) or (above is not None and above >= 0)):
        return True
    return value > 1e200 and high is not None


def _check_runs(scenario: Scenario) -> None:
    result = sim.simulate(scenario, replications=8, horizon=20, seed=1, progress=False)
    # Counts (deaths, attacks, days) are whole and non-negative; day_* columns are NaN for "never".
    counts = result.outcomes.select_dtypes("integer").to_numpy()
    assert (counts >= 0).all()
    days = result.outcomes.filter(like="day_").to_numpy(dtype=float)
    assert (np.isnan(days) | ((days >= 0) & (days <= 20))).all()


VALUES = st.sampled_from(BAD_ALWAYS + NEGATIVE + HUGE)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(site=st.sampled_from(SITES), value=VALUES)
def test_scenario_field_nonsense_is_refused_naming_the_key(site, value):
    path, key, meta = site
    data = copy.deepcopy(BASE)
    _set(data, path, value)
    try:
        scenario = sim.scenario_from_dict(data)
    except ConfigError as exc:
        assert exc.path.startswith(f"scenario.{key}"), (exc.path, key)
        return
    assert not _expect_refused(meta, value), f"scenario.{key}={value!r} was accepted"
    _check_runs(scenario)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(site=st.sampled_from(RULE_SITES), value=VALUES)
def test_rule_parameter_nonsense_is_refused_naming_the_key(site, value):
    kind, name, param, _ = site
    node = {"name": name, param: value}
    try:
        rule = sim.build_rule(node, kind, kind)
    except ConfigError as exc:
        assert exc.path == f"{kind}.{param}", (exc.path, param)
        return
    assert not _expect_refused({}, value), f"{kind} {name}.{param}={value!r} was accepted"
    data = copy.deepcopy(BASE)
    if kind == "retaliation":
        data["states"]["pakistan"]["retaliation"] = node
    else:
        data["ceasefire"] = node
    _check_runs(sim.scenario_from_dict(data))
    assert getattr(rule, param) == pytest.approx(value)  # an accepted value is kept (as a float)


@pytest.mark.parametrize("value", [math.nan, math.inf])
@pytest.mark.parametrize(("kind", "name", "param", "_hint"), RULE_SITES)
def test_rule_built_directly_refuses_non_finite(kind, name, param, _hint, value):
    cls = (RETALIATION_RULES if kind == "retaliation" else CEASEFIRE_RULES)[name]
    with pytest.raises(ValueError, match=param):
        cls(**{param: value})


def test_nan_compliance_no_longer_passes():
    data = copy.deepcopy(BASE)
    data["states"]["pakistan"]["compliance"] = float("nan")
    with pytest.raises(ConfigError, match=r"scenario.states.pakistan.compliance: must be a finite"):
        sim.scenario_from_dict(data)
