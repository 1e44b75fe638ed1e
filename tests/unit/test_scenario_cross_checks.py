"""The checks that look across a scenario's actors: each is one error with its exact key and text.

Each case changes one thing in the seed scenario's plain data; the message a user reads names the
key to fix, so the whole message is pinned, not a fragment of it.
"""

from __future__ import annotations

import copy

import pytest

from sim.core.errors import ConfigError
from sim.scenario.loading import scenario_from_dict


@pytest.fixture
def data(seed_scenario):
    return copy.deepcopy(seed_scenario.to_dict())


def _update(*keys, **values):
    def change(d):
        for key in keys:
            d = d[key]
        d.update(values)

    return change


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            _update("states", "pakistan", "grievance", pakistn=0.1),
            "states.pakistan.grievance.pakistn: opponent 'pakistn' is not a state of the "
            "scenario; did you mean 'pakistan'? Valid: afghanistan, pakistan",
        ),
        (
            _update("states", "afghanistan", "harm", pakistan=0.0, afghanistan=1.0),
            "states.afghanistan.harm.afghanistan: a state has no harm toward itself",
        ),
        (
            _update("militants", "ttp", targets={"pakistn": 1.0}),
            "militants.ttp.targets.pakistn: target 'pakistn' is not a state of the scenario; "
            "did you mean 'pakistan'? Valid: afghanistan, pakistan",
        ),
        (
            _update("militants", "ttp", strength=3.0, max_strength=2.0),
            "militants.ttp.strength: must be <= max_strength (2.0), got 3.0",
        ),
        (
            _update("mediators", "qatar", parties=["pakistan", "pakistan"]),
            "mediators.qatar.parties: must name two different states, got ['pakistan', 'pakistan']",
        ),
        (
            # Three different names: the count alone is wrong.
            _update("mediators", "qatar", parties=["pakistan", "afghanistan", "iran"]),
            "mediators.qatar.parties: must name two different states, "
            "got ['pakistan', 'afghanistan', 'iran']",
        ),
        (
            _update("mediators", "qatar", opened_by="parade"),
            "mediators.qatar.opened_by: must be a timeline kind of a state's action "
            "(clash, strike, closure, statement) or empty, got 'parade'",
        ),
        (
            _update("mediators", "qatar", trust={"pakistan": 0.5}),
            "mediators.qatar.trust: give the trust of each party ['pakistan', 'afghanistan'], "
            "got ['pakistan']",
        ),
        (
            _update(ceasefire={"name": "mediatd"}),
            "ceasefire.name: unknown ceasefire rule 'mediatd'; did you mean 'mediated'? Valid: "
            "constant_probability, fixed_duration, forgiving, grim_trigger, mediated, none",
        ),
        (
            _update(in_ceasefire=True, start_rung=3, ceasefire_rung=4),
            "ceasefire_rung: must not exceed start_rung when the scenario starts under a ceasefire",
        ),
        (
            _update("priors", decay={"dist": "uniform", "low": 0.5, "high": 0.1}),
            "priors.decay.low: low must be < high (both finite), got [0.5, 0.1]",
        ),
        (
            # Only the low end leaves the parameter's range [0, 1].
            _update(
                "priors",
                **{"states.pakistan.resolve": {"dist": "uniform", "low": -0.1, "high": 1.0}},
            ),
            "priors.states.pakistan.resolve: bounds [-0.1, 1.0] leave the parameter's range "
            "[0.0, 1.0]",
        ),
    ],
)
def test_each_cross_check_is_one_error_with_its_key_and_text(data, change, message):
    change(data)
    with pytest.raises(ConfigError) as info:
        scenario_from_dict(data)
    assert str(info.value) == f"scenario.{message}"


def test_a_mediator_without_parties_is_told_they_are_required(data):
    del data["mediators"]["qatar"]["parties"]
    with pytest.raises(ConfigError) as info:
        scenario_from_dict(data)
    assert str(info.value) == "scenario.mediators.qatar.parties: is required"


def test_a_ceasefire_rung_equal_to_the_start_rung_may_start_under_a_ceasefire(data):
    data.update(in_ceasefire=True, start_rung=3, ceasefire_rung=3)
    scenario = scenario_from_dict(data)
    assert (scenario.in_ceasefire, scenario.ceasefire_rung, scenario.start_rung) == (True, 3, 3)


def test_a_hydra_defaults_list_is_ignored(data, seed_scenario):
    data["defaults"] = ["_self_"]
    assert scenario_from_dict(data) == seed_scenario


def test_a_scenario_without_a_name_has_an_empty_one(data):
    del data["name"]
    assert scenario_from_dict(data).name == ""


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            _update(naem="x"),
            "naem: unknown key; did you mean 'name'? Valid: as_of, ceasefire, ceasefire_cap, "
            "ceasefire_days, ceasefire_rung, decay, description, in_ceasefire, mediators, "
            "militants, name, priors, start_rung, states, timeline, war_deaths",
        ),
        (_update(war_deaths=0), "war_deaths: must be [1, 10000000], got 0"),
    ],
)
def test_without_a_path_a_top_level_key_is_named_alone(data, change, message):
    # A scenario read on its own (not inside a run's config) has no key path before its keys.
    change(data)
    with pytest.raises(ConfigError) as info:
        scenario_from_dict(data, path="")
    assert str(info.value) == message


def test_a_scenario_inside_a_larger_config_names_its_priors_by_its_own_path(data):
    data["priors"]["decay"] = {"dist": "uniform", "low": 0.5, "high": 0.1}
    with pytest.raises(ConfigError) as info:
        scenario_from_dict(data, path="compare.scenario")
    assert str(info.value) == (
        "compare.scenario.priors.decay.low: low must be < high (both finite), got [0.5, 0.1]"
    )
