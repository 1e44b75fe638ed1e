"""Priors in the scenario: the schema checks them; the shipped scenario has one for every
assumed or calibrated number and none for a sourced or replayed one."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import sim
from sim.core.errors import ConfigError
from sim.scenario import scenario_from_dict, scenario_path
from sim.scenario.priors import Prior, parameter_bases


def uncertain(basis: str) -> bool:
    """Whether a basis comment marks an assumed or calibrated number."""
    return "assumption" in basis or basis.startswith("calibrated")


def value_at(scenario, path):
    obj = scenario
    for part in path.split("."):
        if isinstance(obj, dict):
            obj = obj[part]
        elif isinstance(obj, list):
            obj = obj[int(part)]
        else:
            obj = getattr(obj, part)
    return obj


SHIPPED = ["pak_afg_2026", "ind_pak_2019"]


def numeric(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@pytest.mark.parametrize("name", SHIPPED)
def test_every_assumed_or_calibrated_number_of_a_shipped_scenario_has_a_prior(name):
    scenario = sim.load_scenario(name)
    bases = parameter_bases(scenario_path(name))
    priors = scenario.priors
    marked = [k for k, basis in bases.items() if uncertain(basis)]
    assert len(marked) >= 60
    for key in marked:
        if key.endswith(".name"):
            continue  # a rule's name: a choice, not a number
        value = value_at(scenario, key)
        if isinstance(value, list | dict):
            entries = value.values() if isinstance(value, dict) else value
            if any(numeric(v) for v in entries):
                # A list or mapping marked as a whole: its uncertain entries carry the priors.
                assert any(p.startswith(key + ".") for p in priors), key
        elif numeric(value):
            assert key in priors, f"{key} ({bases[key]}) has no prior"
        # A choice that is not a number (a rule's name, a host, the parties, a flag) has none.


@pytest.mark.parametrize("name", SHIPPED)
def test_no_sourced_or_replayed_number_has_a_prior_and_every_value_is_inside_its_prior(name):
    scenario = sim.load_scenario(name)
    bases = parameter_bases(scenario_path(name))
    for key, prior in scenario.priors.items():
        owner = next(
            (k for k in bases if key == k or key.startswith(k + ".")), None
        )  # the line that holds the number
        assert owner is not None, key
        assert uncertain(bases[owner]), f"{key} is sourced ({bases[owner]}): it keeps its value"
        assert prior.low <= value_at(scenario, key) <= prior.high, key


@pytest.mark.parametrize(
    ("priors", "match"),
    [
        ({"decay": {"dist": "uniform", "low": 0.1}}, r"priors\.decay\.high: is required"),
        ({"decay": {"dist": "unifrom", "low": 0, "high": 1}}, r"priors\.decay\.dist: .*'uniform'"),
        ({"decay": {"dist": "uniform", "low": 0.5, "high": 0.1}}, r"priors\.decay\.low: .*< high"),
        ({"decay": {"dist": "uniform", "low": 0.0, "high": 2.0}}, r"priors\.decay: .*range"),
        ({"decy": {"dist": "uniform", "low": 0.0, "high": 0.5}}, r"priors\.decy: .*'decay'"),
        (
            {"states.pakistan.resolv": {"dist": "uniform", "low": 0, "high": 1}},
            r"states\.pakistan\.resolv: .*'resolve'",
        ),
        ({"states.pakistan": {"dist": "uniform", "low": 0, "high": 1}}, r"not a number"),
        (
            {"states.pakistan.memory_days": {"dist": "uniform", "low": 3, "high": 9}},
            r"memory_days\.dist: .*whole number: use integer",
        ),
        (
            {"states.pakistan.retaliation.scale": {"dist": "uniform", "low": 0.0, "high": 1}},
            r"retaliation\.scale: bound 0\.0 is not allowed: scale must be > 0",
        ),
        (
            {"states.pakistan.inflicted.military.9": {"dist": "uniform", "low": 0, "high": 1}},
            r"military\.9: '9' is not an index",
        ),
        (
            {"decay": {"dist": "beta", "low": 0.0, "high": 0.5}},
            r"priors\.decay: shapes a > 0 and b > 0 are needed",
        ),
        (
            {"decay": {"dist": "uniform", "low": 0.0, "high": 0.5, "a": 2}},
            r"shapes a and b belong to the beta family",
        ),
        ({"decay": {"dist": "loguniform", "low": 0.0, "high": 0.5}}, r"loguniform .*> 0"),
    ],
)
def test_bad_priors_get_one_message_naming_the_key(seed_scenario, priors, match):
    data = seed_scenario.to_dict()
    data["priors"] = priors
    with pytest.raises(ConfigError, match=match):
        scenario_from_dict(data)


def test_priors_round_trip_and_survive_a_replace(seed_scenario):
    again = scenario_from_dict(seed_scenario.to_dict())
    assert again.priors == seed_scenario.priors
    assert seed_scenario.replace(decay=0.06).priors == seed_scenario.priors


@pytest.mark.parametrize(
    ("prior", "reference"),
    [
        (Prior("uniform", 0.2, 0.8), stats.uniform(0.2, 0.6)),
        (Prior("loguniform", 0.01, 1.0), stats.loguniform(0.01, 1.0)),
        (Prior("beta", 0.0, 0.2, a=2.0, b=8.0), stats.beta(2.0, 8.0, scale=0.2)),
        (Prior("integer", 3, 14), stats.randint(3, 15)),
    ],
)
def test_prior_quantiles_match_scipy(prior, reference):
    q = np.linspace(0.01, 0.99, 9)
    np.testing.assert_allclose(prior.ppf(q), reference.ppf(q))
    assert prior.low <= prior.ppf(0.0) and prior.ppf(1.0) <= prior.high


def test_a_swapped_rule_leaves_its_priors_behind_and_keeps_the_others(seed_scenario):
    data = seed_scenario.to_dict()
    data["states"]["pakistan"]["retaliation"] = {"name": "threshold", "level": 1.0, "p_act": 0.04}
    swapped = scenario_from_dict(data)
    gone = {k for k in seed_scenario.priors if k not in swapped.priors}
    assert gone == {
        k
        for k in seed_scenario.priors
        if k.startswith("states.pakistan.retaliation.") and not k.endswith(".p_act")
    }
    assert "states.pakistan.retaliation.p_act" in swapped.priors  # threshold has p_act too
