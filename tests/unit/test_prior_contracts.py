"""The priors a scenario declares: each bad prior is one error naming its key, each check holds at
its bound, and a prior left behind by a swapped rule is dropped while every other one is kept."""

from __future__ import annotations

import pytest

from sim.core.errors import ConfigError
from sim.scenario.loading import scenario_from_dict
from sim.scenario.priors import Prior, check_priors, prior_from_node

FIELDS = "Valid: a, b, dist, high, low"


def _refused(node, message):
    with pytest.raises(ConfigError) as info:
        prior_from_node(node, "p")
    assert str(info.value) == message


def test_a_prior_that_is_not_a_mapping_or_misses_a_key_is_refused():
    _refused(3, "p: must be a mapping with dist, low and high, got 3")
    _refused(
        {"dist": "uniform", "low": 0, "hihg": 1},
        f"p.hihg: unknown key of a prior; did you mean 'high'? {FIELDS}",
    )
    full = {"dist": "uniform", "low": 0, "high": 1}
    for key in ("dist", "low", "high"):
        node = {k: v for k, v in full.items() if k != key}
        _refused(node, f"p.{key}: is required (e.g. {{dist: uniform, low: 0, high: 1}})")


@pytest.mark.parametrize("key", ["low", "high", "a", "b"])
@pytest.mark.parametrize("value", ["1", True])
def test_each_number_of_a_prior_must_be_a_number(key, value):
    node = {"dist": "beta", "low": 0, "high": 1, "a": 2, "b": 2, key: value}
    _refused(node, f"p.{key}: must be a number, got {value!r}")


def test_a_bad_prior_is_reported_under_the_key_its_message_starts_with():
    _refused(
        {"dist": "uniform", "low": 1, "high": 1},
        "p.low: low must be < high (both finite), got [1.0, 1.0]",
    )
    _refused(
        {"dist": "gauss", "low": 0, "high": 1},
        "p.dist: dist 'gauss' is not a prior family; Valid: beta, integer, loguniform, uniform",
    )
    _refused(
        {"dist": "beta", "low": 0, "high": 1, "a": 0, "b": 2},
        "p: shapes a > 0 and b > 0 are needed by a beta prior, got 0.0, 2.0",
    )


def test_low_must_be_below_high():
    with pytest.raises(ValueError, match=r"low must be < high"):
        Prior("uniform", 1.0, 1.0)
    assert Prior("uniform", 1.0, 1.0 + 1e-12).high > 1.0


@pytest.mark.parametrize(("low", "high"), [(2.5, 5.0), (2.0, 5.5), (2.5, 5.5)])
def test_an_integer_prior_has_whole_bounds(low, high):
    with pytest.raises(ValueError) as info:
        Prior("integer", low, high)
    assert str(info.value) == f"low and high of an integer prior must be whole, got {low}"
    assert Prior("integer", 2.0, 5.0).ppf(1.0) == 5.0


@pytest.mark.parametrize(
    ("a", "b"), [(0.0, 2.0), (2.0, 0.0), (-1.0, 2.0), (None, 2.0), (2.0, None), (None, None)]
)
def test_a_beta_prior_needs_both_shapes_above_zero(a, b):
    with pytest.raises(ValueError) as info:
        Prior("beta", 0.0, 1.0, a=a, b=b)
    assert str(info.value) == f"shapes a > 0 and b > 0 are needed by a beta prior, got {a}, {b}"


def test_a_beta_prior_accepts_shapes_just_above_zero_and_below_one():
    # Shapes below 1 (a U-shaped prior) are allowed: only 0 and below are refused.
    for a, b in ((0.5, 2.0), (2.0, 0.5), (1e-6, 1e-6)):
        assert Prior("beta", 0.0, 1.0, a=a, b=b).a == a


def _with_priors(seed_scenario, priors, **changes):
    data = seed_scenario.to_dict()
    data.update(changes)
    data["priors"] = priors
    return data


UNIFORM = {"dist": "uniform", "low": 0.1, "high": 0.2}


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("states.pakistan.resolv", "'resolv' is not a parameter here; did you mean 'resolve'?"),
        ("states.pakistn.resolve", "'pakistn' is not a key here; did you mean 'pakistan'?"),
        ("states.pakistan.grievance.indiaa", "'indiaa' is not a key here; Valid: afghanistan"),
        ("states.pakistan.inflicted.military.6", "'6' is not an index of a list of 6"),
        ("states.pakistan.inflicted.military.x", "'x' is not an index of a list of 6"),
        ("decay.x", "'x' goes below a number"),
    ],
)
def test_a_prior_on_a_path_that_holds_no_parameter_is_refused(seed_scenario, key, message):
    with pytest.raises(ConfigError) as info:
        scenario_from_dict(_with_priors(seed_scenario, {key: UNIFORM}))
    assert str(info.value).startswith(f"scenario.priors.{key}: {message}")


def test_the_last_entry_of_a_list_takes_a_prior(seed_scenario):
    key = "states.pakistan.inflicted.military.5"
    prior = {"dist": "uniform", "low": 0.0, "high": 10.0}
    assert key in scenario_from_dict(_with_priors(seed_scenario, {key: prior})).priors


def test_a_swapped_ceasefire_rule_leaves_its_priors_behind(seed_scenario):
    ceasefire = {k: v for k, v in seed_scenario.priors.items() if k.startswith("ceasefire.")}
    assert ceasefire  # the seed's mediated ceasefire has priors on its weights
    plain = {k: p.to_dict() for k, p in seed_scenario.priors.items()}
    kept = scenario_from_dict(_with_priors(seed_scenario, plain)).priors
    assert kept == seed_scenario.priors
    swapped = _with_priors(seed_scenario, plain, ceasefire={"name": "grim_trigger"})
    left = scenario_from_dict(swapped).priors
    assert set(left) == set(seed_scenario.priors) - set(ceasefire)
    # A prior on a parameter the new rule has is kept.
    plain["ceasefire.p_agree"] = UNIFORM
    assert "ceasefire.p_agree" in scenario_from_dict(swapped).priors


def test_a_prior_on_an_unknown_states_rule_is_refused_not_dropped(seed_scenario):
    key = "states.india.retaliation.p_act"
    with pytest.raises(ConfigError, match=r"'india' is not a key here"):
        scenario_from_dict(_with_priors(seed_scenario, {key: UNIFORM}))


def test_priors_on_plain_parameters_are_kept(seed_scenario):
    priors = {"decay": UNIFORM, "states.pakistan.resolve": UNIFORM, "ceasefire_rung": None}
    priors["ceasefire_rung"] = {"dist": "integer", "low": 1, "high": 2}
    built = scenario_from_dict(_with_priors(seed_scenario, priors)).priors
    assert built == {
        "decay": Prior("uniform", 0.1, 0.2),
        "states.pakistan.resolve": Prior("uniform", 0.1, 0.2),
        "ceasefire_rung": Prior("integer", 1, 2),
    }


def test_each_misplaced_prior_message_names_its_key_exactly(seed_scenario):
    data = seed_scenario.to_dict()
    data["priors"] = 3
    with pytest.raises(ConfigError) as info:
        scenario_from_dict(data)
    assert str(info.value) == "scenario.priors: must be a mapping of key path to prior, got 3"
    with pytest.raises(ConfigError) as info:
        scenario_from_dict(_with_priors(seed_scenario, {"states.pakistan": UNIFORM}))
    message = str(info.value)
    assert message.startswith("scenario.priors.states.pakistan: holds StateSpec(name='Pakistan'")
    assert message.endswith(", not a number: a prior goes on a number")
    whole = {"states.pakistan.memory_days": {"dist": "uniform", "low": 3, "high": 9}}
    with pytest.raises(ConfigError) as info:
        scenario_from_dict(_with_priors(seed_scenario, whole))
    assert str(info.value) == (
        "scenario.priors.states.pakistan.memory_days.dist: the parameter is a whole number: "
        "use integer"
    )


def test_check_priors_names_the_priors_block_of_a_scenario_by_default(seed_scenario):
    with pytest.raises(ConfigError) as info:
        check_priors(seed_scenario, {"decay": 3})
    assert str(info.value) == (
        "scenario.priors.decay: must be a mapping with dist, low and high, got 3"
    )
