"""The page's logic without a browser: policies from any scenario, the comparison, the path.

The page itself, in headless Chromium, is tests/e2e/test_viz_browser.py.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from matplotlib.collections import PolyCollection

import sim
from sim.core.errors import ConfigError
from sim.core.intervals import format_interval
from sim.plots.policies import escalation_curves
from sim.rules.retaliation import Graduated, NoRetaliation, Threshold, TitForTat
from sim.viz import compare, levers, path


@pytest.fixture(scope="module")
def ind_pak():
    return sim.load_scenario("ind_pak_2019")


def test_the_shipped_scenarios_are_offered_and_the_validation_one_is_not():
    names = levers.shipped_scenarios()
    assert {"pak_afg_2026", "ind_pak_2019"} <= set(names)
    assert "markov_validation" not in names  # constant-probability rules: validation only


@pytest.mark.parametrize("name", ["pak_afg_2026", "ind_pak_2019"])
def test_the_scenario_policy_applied_gives_the_scenario_back(name):
    scenario = sim.load_scenario(name)
    for actor in scenario.states:
        policy = levers.scenario_policy(scenario, actor)
        assert levers.apply_policy(scenario, actor, policy) == scenario
        assert dict(policy.leverage) == {k: m.leverage for k, m in scenario.mediators.items()}
        assert dict(policy.tempo) == dict.fromkeys(scenario.militants, 1.0)


def test_a_policy_sets_the_rule_leverage_and_tempo_of_the_chosen_scenario(ind_pak):
    policy = levers.scenario_policy(ind_pak, "pakistan")
    assert policy.rule == "tit_for_tat"
    changed = (
        policy.with_value("rule", "threshold")
        .with_value("level", 0.2)
        .with_value("p_act", 0.3)
        .with_value("leverage", 0.9, key="usa")
        .with_value("tempo", 2.0, key="jem")
    )
    out = levers.apply_policy(ind_pak, "pakistan", changed)
    assert out.states["pakistan"].retaliation == Threshold(level=0.2, p_act=0.3)
    assert out.states["india"] == ind_pak.states["india"]  # only the acting state's rule
    assert out.mediators["usa"].leverage == 0.9
    assert out.mediators["uae"] == ind_pak.mediators["uae"]
    assert out.militants["jem"].targets == {"india": 2 * ind_pak.militants["jem"].targets["india"]}
    assert out.militants["let"] == ind_pak.militants["let"]


def test_a_new_rule_keeps_the_parameters_it_shares_and_ignores_the_rest(ind_pak):
    policy = levers.scenario_policy(ind_pak, "india")
    assert ind_pak.states["india"].retaliation == Graduated(p_act=0.05)
    to_tit = levers.apply_policy(ind_pak, "india", policy.with_value("rule", "tit_for_tat"))
    assert to_tit.states["india"].retaliation == TitForTat(p_act=0.05)
    to_none = levers.apply_policy(ind_pak, "india", policy.with_value("rule", "none"))
    assert to_none.states["india"].retaliation == NoRetaliation()
    assert not policy.with_value("rule", "none").reads("p_act")
    assert policy.with_value("rule", "threshold").reads("level") and not policy.reads("level")


def test_bad_levers_are_one_clear_error(ind_pak):
    policy = levers.scenario_policy(ind_pak, "india")
    with pytest.raises(ConfigError, match="no state 'qatar' in scenario ind_pak_2019; choose one"):
        levers.apply_policy(ind_pak, "qatar", policy)
    with pytest.raises(ConfigError, match="unknown retaliation rule 'nuke'"):
        levers.apply_policy(ind_pak, "india", policy.with_value("rule", "nuke"))
    with pytest.raises(ConfigError, match="leverage"):
        levers.apply_policy(ind_pak, "india", policy.with_value("leverage", 1.5, key="usa"))


def test_labels_show_every_value_with_the_scenario_names(ind_pak):
    policy = levers.scenario_policy(ind_pak, "india").with_value("tempo", 2.0, key="jem")
    labels = levers.lever_labels(ind_pak, "india", policy)
    assert labels["rule"] == "India's retaliation rule: graduated"
    assert labels["p_act"] == "India answers, chance/day: 0.05"
    assert labels["leverage.usa"] == "leverage of United States: 0.60"
    assert labels["tempo.jem"] == "Jaish-e-Mohammed tempo x2.00 (0.70/day on India)"
    assert not any("Pakistan" in v or "Qatar" in v for v in labels.values())


def test_differences_name_each_changed_lever_and_skip_levers_no_rule_reads(ind_pak):
    a = levers.scenario_policy(ind_pak, "india")
    b = a.with_value("rule", "none").with_value("leverage", 0.1, key="uae")
    assert levers.differences(ind_pak, "india", a, b) == [
        "India's retaliation rule: graduated -> none",
        "leverage of United Arab Emirates: 0.30 -> 0.10",
    ]
    # The threshold's level is read by neither rule: moving it changes nothing, says nothing.
    assert levers.differences(ind_pak, "india", a, a.with_value("level", 2.0)) == []


def test_the_default_comparison_is_the_scenario_against_no_retaliation():
    settings = compare.default_settings("ind_pak_2019", replications=500, seed=3)
    assert (settings.actor, settings.a.rule, settings.b.rule) == ("india", "graduated", "none")
    assert dataclasses.replace(settings.b, rule="graduated") == settings.a
    assert (settings.replications, settings.seed, settings.horizon) == (500, 3, 365)


def test_changes_say_what_makes_a_result_stale():
    old = compare.default_settings("pak_afg_2026")
    new = dataclasses.replace(old, b=old.b.with_value("tempo", 1.5, key="ttp"), seed=4)
    assert compare.changes(old, new) == [
        "policy B: Tehrik-e-Taliban Pakistan tempo x1.00 (1.32/day on Pakistan) -> "
        "Tehrik-e-Taliban Pakistan tempo x1.50 (1.98/day on Pakistan)",
        "seed: 0 -> 4",
    ]
    assert compare.changes(old, old) == []
    other = compare.default_settings("ind_pak_2019")
    assert compare.changes(old, other) == ["scenario: pak_afg_2026 -> ind_pak_2019"]


@pytest.mark.slow
def test_the_comparison_shows_the_engines_own_numbers_on_common_random_numbers(ind_pak):
    settings = compare.default_settings("ind_pak_2019", replications=300, seed=5)
    settings = dataclasses.replace(settings, b=settings.b.with_value("rule", "tit_for_tat"))
    result = compare.run_comparison(settings)
    # Built here without the page's code: the scenario as shipped, and India answering in kind.
    data = ind_pak.to_dict()
    data["states"]["india"]["retaliation"] = {"name": "tit_for_tat", "p_act": 0.05}
    runs = [
        sim.simulate(s, replications=300, horizon=365, seed=5)
        for s in (ind_pak, sim.scenario_from_dict(data))
    ]
    for rung, within in ((2, 30), (4, 365)):
        a, b, d = result.estimates(rung, within)
        assert a == runs[0].escalation_probability(rung, within)
        assert b == runs[1].escalation_probability(rung, within)
        assert d == runs[0].compare(runs[1], rung, within)
    table = result.table(90)
    assert len(table) == 5 and list(table.columns)[:4] == ["rung", "policy A", "policy B", "B - A"]
    e = runs[1].escalation_probability(3, 90)
    assert table.loc[2, "policy B"] == format_interval(e.estimate, e.low, e.high)
    assert set(result.fans) == {"a", "b"}
    assert all(png.startswith(b"\x89PNG") for png in result.fans.values())
    assert result.a.trajectory is None  # dropped once the fan chart is drawn


def test_the_path_is_replication_zero_of_its_seed_under_the_policy(ind_pak):
    settings = compare.default_settings("ind_pak_2019")
    model = path.path_model("ind_pak_2019", "india", settings.b, seed=3)
    assert model.R == 1 and model.record_events and model.record_trajectory
    assert model.spec.states["india"].retaliation == NoRetaliation()
    for _ in range(4):
        model.step()
    assert path.status(model).startswith("Day 4 (19 Feb 2019): rung ")
    assert list(path.latest_events(model).columns) == [
        "date",
        "who",
        "what",
        "against",
        "rung",
        "killed",
    ]


@pytest.mark.parametrize(
    ("start", "elapsed", "expected"),
    [(0, 0.0, 0), (0, 3.5, 183), (0, 7.0, 365), (0, 60.0, 365), (300, 3.5, 333)],
)
def test_play_keeps_a_pace_that_ends_the_year_on_time(start, elapsed, expected):
    # 365 days in 7 s from day 0; the 65 days left from day 300 also in 7 s.
    assert path.play_target(start, elapsed, seconds=7.0, horizon=365) == expected


def test_the_curves_are_each_policys_chance_by_day_inside_its_wilson_band(ind_pak):
    runs = {
        "A": sim.simulate(ind_pak, replications=200, horizon=60, seed=2),
        "B": sim.simulate(
            levers.apply_policy(
                ind_pak, "india", levers.scenario_policy(ind_pak, "india").with_value("p_act", 0.5)
            ),
            replications=200,
            horizon=60,
            seed=2,
        ),
    }
    ax = escalation_curves(runs, rung=2, within=30).axes[0]
    lines = {
        line.get_label(): line for line in ax.get_lines() if not line.get_label().startswith("_")
    }
    assert list(lines) == ["A", "B"]
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    for (label, run), band in zip(runs.items(), bands, strict=True):
        days, shares = lines[label].get_data()
        for day in (0, 10, 30, 60):
            e = run.escalation_probability(2, day)
            assert shares[day] == pytest.approx(100 * e.estimate)
            # The band's edges on that day: the run's own interval.
            edge = band.get_paths()[0].vertices[:, 1]
            assert np.min(np.abs(edge - 100 * e.low)) < 1e-9
            assert np.min(np.abs(edge - 100 * e.high)) < 1e-9
    assert lines["A"].get_data()[1][60] != lines["B"].get_data()[1][60]
