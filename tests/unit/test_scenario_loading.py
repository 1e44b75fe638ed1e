"""Reading a scenario file: the errors a user sees name the key and the file, and the YAML loader
reads what PyYAML's safe loader reads (refusing only a key given twice); the scenario's priors;
a scenario with a user's rules written back as plain data."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import yaml

import sim
from sim.core.errors import ConfigError
from sim.core.paths import CONFIG_DIR
from sim.scenario.loading import read_yaml, scenario_from_dict, scenario_path
from sim.scenario.priors import Prior, parameter_bases


def test_the_default_scenario_is_pak_afg_2026(seed_scenario):
    assert sim.load_scenario() == seed_scenario
    assert seed_scenario.name == "pak_afg_2026"


def _error(path: Path, *key: str) -> str:
    with pytest.raises(ConfigError) as info:
        read_yaml(path, *key)
    return str(info.value)


def test_each_unreadable_file_is_one_error_naming_the_key_and_the_file(tmp_path, monkeypatch):
    missing = tmp_path / "none.yaml"
    assert _error(missing) == f"scenario: no file at {missing}; give an existing YAML file"
    assert _error(missing, "experiment") == (
        f"experiment: no file at {missing}; give an existing YAML file"
    )
    assert _error(tmp_path) == f"scenario: {tmp_path} is a folder; give a YAML file"
    binary = tmp_path / "latin1.yaml"
    binary.write_bytes(b"name: caf\xe9\n")
    assert _error(binary, "k") == (
        f"k: {binary} is not UTF-8 text (byte 9); save it as YAML in UTF-8"
    )
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: x\nstates: [\n", encoding="utf-8")
    message = _error(broken, "k")
    assert message.startswith(f"k: {broken} is not valid YAML: while parsing a flow node")
    # PyYAML's multi-line report comes on one line, its words one space apart.
    assert "\n" not in message and "  " not in message and "line 3, column 1" in message
    # Running as root, a chmod cannot make a file unreadable: the error is raised directly.
    locked = tmp_path / "locked.yaml"
    locked.write_text("name: x\n", encoding="utf-8")

    def refuse(self):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", refuse)
    assert _error(locked) == f"scenario: {locked} cannot be read (permission denied)"


def test_load_scenario_reports_a_bad_file_under_the_scenario_key(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: x\nname: y\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        sim.load_scenario(broken)
    assert info.value.path == "scenario"
    empty = tmp_path / "empty.yaml"
    empty.write_text("", encoding="utf-8")
    # An empty file is an empty scenario (not a crash on None).
    with pytest.raises(ConfigError, match=r"^scenario\.states: a scenario needs at least one"):
        sim.load_scenario(empty)


def test_a_key_given_twice_is_refused_with_both_line_numbers(tmp_path):
    path = tmp_path / "twice.yaml"
    path.write_text("name: x\nstates:\n  a: 1\n  b: 2\n  a: 3\n", encoding="utf-8")
    assert _error(path) == (
        f"scenario: {path} is not valid YAML: key 'a' on line 5 was already given on line 3; "
        "keep one of them"
    )
    # A key given after a merge (<<) is checked too, and a merge may override a key.
    path.write_text(
        "base: &b {x: 1, y: 2}\nitem:\n  <<: *b\n  x: 5\n  z: 1\n  z: 2\n", encoding="utf-8"
    )
    assert "key 'z' on line 6 was already given on line 5" in _error(path)


DOCUMENTS = [
    "a: 1\nb: [1, 2, {c: 3}]\nd: {e: {f: null}}\n",
    "base: &b {x: 1, y: 2}\nitem:\n  <<: *b\n  x: 5\n",
    "base: &b {x: 1}\nmore: &m {y: 2}\nitem:\n  <<: [*b, *m]\n  z: 3\n",
    "when: 2026-02-22\nflag: yes\nn: 0x10\n",
    "same: &s [1, 2]\nagain: *s\n",
]


@pytest.mark.parametrize("text", DOCUMENTS)
def test_the_loader_reads_what_the_safe_loader_reads(tmp_path, text):
    path = tmp_path / "doc.yaml"
    path.write_text(text, encoding="utf-8")
    assert read_yaml(path) == yaml.safe_load(text)


def test_a_self_referencing_anchor_reads_as_the_safe_loader_reads_it(tmp_path):
    path = tmp_path / "loop.yaml"
    path.write_text("a: &x\n  b: *x\n", encoding="utf-8")
    data = read_yaml(path)
    assert data["a"]["b"] is data["a"]


def test_a_scenario_is_found_by_name_or_by_a_yaml_or_yml_path(tmp_path):
    assert scenario_path("ind_pak_2019") == CONFIG_DIR / "scenario" / "ind_pak_2019.yaml"
    for suffix in (".yaml", ".yml"):
        path = tmp_path / f"mine{suffix}"
        with pytest.raises(ConfigError) as info:
            scenario_path(path)
        assert str(info.value) == f"scenario: no scenario file at {path}"
        path.write_text("name: x\n", encoding="utf-8")
        assert scenario_path(path) == path
    with pytest.raises(ConfigError) as info:
        scenario_path("pak_afg_2025")
    known = sorted(p.stem for p in (CONFIG_DIR / "scenario").glob("*.yaml"))
    assert str(info.value) == (
        f"scenario: unknown scenario 'pak_afg_2025'; did you mean 'pak_afg_2026'? "
        f"Valid: {', '.join(known)}"
    )


def test_the_prior_means_are_the_families_means():
    # Computed from the families' formulas, not from SciPy.
    assert Prior("uniform", 0.2, 0.8).mean() == pytest.approx(0.5)
    assert Prior("loguniform", 0.01, 1.0).mean() == pytest.approx(0.99 / math.log(100))
    # A beta on [1, 3] with a = b = 2 is symmetric about the middle; a = 2, b = 6 has mean 1/4.
    assert Prior("beta", 1.0, 3.0, a=2.0, b=2.0).mean() == pytest.approx(2.0)
    assert Prior("beta", 1.0, 3.0, a=2.0, b=6.0).mean() == pytest.approx(1.0 + 2.0 / 8.0 * 2.0)
    assert Prior("integer", 3, 14).mean() == pytest.approx(8.5)


def test_prior_quantiles_stay_inside_the_bounds_exactly():
    # 0.3 + (0.9 - 0.3) is 0.9000000000000001 in floating point: the top quantile is clipped.
    for prior in (Prior("uniform", 0.3, 0.9), Prior("beta", 0.3, 0.9, a=2.0, b=3.0)):
        assert prior.ppf(1.0) == 0.9
        assert prior.ppf(0.0) == 0.3
    beta = Prior("beta", 1.0, 3.0, a=2.0, b=2.0)
    np.testing.assert_allclose(beta.ppf([0.5]), [2.0])


def test_a_prior_on_a_strictly_positive_parameter_must_start_above_zero(seed_scenario):
    data = seed_scenario.to_dict()
    data["priors"] = {"states.pakistan.capability": {"dist": "uniform", "low": 0.0, "high": 1.5}}
    with pytest.raises(ConfigError) as info:
        scenario_from_dict(data)
    assert str(info.value) == (
        "scenario.priors.states.pakistan.capability: low must be > 0.0 (the parameter's range), "
        "got 0.0"
    )
    data["priors"] = {"states.pakistan.capability": {"dist": "uniform", "low": 1e-9, "high": 1.5}}
    assert scenario_from_dict(data).priors["states.pakistan.capability"].low == 1e-9


def test_a_basis_comment_may_itself_hold_a_hash(tmp_path):
    path = tmp_path / "bases.yaml"
    path.write_text(
        "decay: 0.05  # assumption: see issue #3\nstates:\n  a:\n    resolve: 0.4  # sourced\n"
        "priors:\n  decay: {dist: uniform, low: 0, high: 1}  # prior\n",
        encoding="utf-8",
    )
    assert parameter_bases(path) == {
        "decay": "assumption: see issue #3",
        "states.a.resolve": "sourced",
    }


def test_a_users_rules_are_written_back_by_import_path(seed_scenario):
    data = seed_scenario.to_dict()
    data["states"]["pakistan"]["retaliation"] = {"_target_": "user_rules.AlwaysAt", "rung": 3}
    data["ceasefire"] = {"_target_": "user_rules.NeverAgree"}
    data.pop("priors")  # the seed's priors name the parameters of its own rules
    scenario = scenario_from_dict(data)
    plain = scenario.to_dict()
    assert plain["states"]["pakistan"]["retaliation"] == {
        "_target_": "user_rules.AlwaysAt",
        "rung": 3,
    }
    assert plain["ceasefire"] == {"_target_": "user_rules.NeverAgree"}
    assert (
        plain["states"]["afghanistan"]["retaliation"]["name"]
        == (seed_scenario.to_dict()["states"]["afghanistan"]["retaliation"]["name"])
    )
    again = scenario_from_dict(plain)
    assert again.to_dict() == plain and type(again.ceasefire).__name__ == "NeverAgree"


@pytest.mark.parametrize(
    ("timeline", "message"),
    [
        (3, "timeline: must be a mapping of events, aliases, actors, episodes; got 3"),
        (
            {"event": "x.csv"},
            "timeline.event: unknown key; did you mean 'events'? "
            "Valid: actors, aliases, episodes, events",
        ),
        ({"events": 5}, "timeline.events: must be the CSV file's name or path, got 5"),
        ({"episodes": ["a"]}, "timeline.episodes: must be the CSV file's name or path, got ['a']"),
        ({"aliases": "ttp"}, "timeline.aliases: must map a timeline id to a group, got 'ttp'"),
        (
            {"aliases": {"Bad-Id": "ttp"}},
            "timeline.aliases.Bad-Id: ids are lower-case letters, digits and _",
        ),
        (
            {"aliases": {"qatar": "ttp"}},
            "timeline.aliases.qatar: 'qatar' is already an actor of the scenario; drop it",
        ),
        (
            {"aliases": {"jua": "tpp"}},
            "timeline.aliases.jua: 'tpp' is not a militant group of the scenario; "
            "did you mean 'ttp'? Valid: iskp, ttp",
        ),
        ({"actors": "usa"}, "timeline.actors: must be a list of ids, got 'usa'"),
        ({"actors": 3}, "timeline.actors: must be a list of ids, got 3"),
        ({"actors": [3]}, "timeline.actors: ids are lower-case letters, digits and _; got 3"),
        (
            {"actors": ["USA"]},
            "timeline.actors: ids are lower-case letters, digits and _; got 'USA'",
        ),
    ],
)
def test_a_bad_timeline_block_is_one_error_naming_its_key(seed_scenario, timeline, message):
    data = seed_scenario.to_dict()
    data["timeline"] = timeline
    with pytest.raises(ConfigError) as info:
        scenario_from_dict(data)
    assert str(info.value) == f"scenario.{message}"


def test_a_timeline_block_keeps_its_files_aliases_and_actors(seed_scenario):
    data = seed_scenario.to_dict()
    data["timeline"] = {"events": "mine.csv", "aliases": {"jua": "iskp"}, "actors": ["usa", "un"]}
    timeline = scenario_from_dict(data).timeline
    assert (timeline.events, timeline.episodes) == ("mine.csv", "")
    assert timeline.aliases == {"jua": "iskp"} and timeline.actors == ["usa", "un"]
    data["timeline"] = {"episodes": "eps.csv"}
    timeline = scenario_from_dict(data).timeline
    assert (timeline.events, timeline.episodes, timeline.aliases, timeline.actors) == (
        "",
        "eps.csv",
        {},
        [],
    )


@pytest.mark.parametrize(
    ("block", "cls"),
    [("states", "StateSpec"), ("militants", "MilitantSpec"), ("mediators", "MediatorSpec")],
)
def test_an_actor_block_that_is_no_mapping_is_named(seed_scenario, block, cls):
    data = seed_scenario.to_dict()
    data[block] = 3
    with pytest.raises(ConfigError) as info:
        scenario_from_dict(data)
    assert str(info.value) == f"scenario.{block}: must be a mapping of id to {cls}, got 3"


def test_a_non_number_inside_a_mapping_or_list_is_named_by_its_full_path(seed_scenario):
    data = seed_scenario.to_dict()
    data["states"]["pakistan"]["grievance"] = {"afghanistan": "x"}
    with pytest.raises(ConfigError) as info:
        scenario_from_dict(data)
    assert str(info.value) == (
        "scenario.states.pakistan.grievance.afghanistan: must be a number (float), got 'x'"
    )
    data = seed_scenario.to_dict()
    data["states"]["pakistan"]["inflicted"]["military"][2] = "x"
    with pytest.raises(ConfigError) as info:
        scenario_from_dict(data)
    assert str(info.value) == (
        "scenario.states.pakistan.inflicted.military[2]: must be a number (float), got 'x'"
    )


def _rename_pakistan(data):
    data["states"]["Pakistan"] = data["states"].pop("pakistan")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_rename_pakistan, "states.Pakistan: ids are lower-case letters, digits and _"),
        (lambda d: d.update(decay=float("nan")), "decay: must be a finite number, got nan"),
        (lambda d: d.update(start_rung=1.5), "start_rung: must be a whole number, got 1.5"),
        (
            lambda d: d["states"]["pakistan"].update(capability=2000.0),
            "states.pakistan.capability: must be in (0.0, 1000.0], got 2000.0",
        ),
        (lambda d: d.update(in_ceasefire="yes"), "in_ceasefire: must be true or false, got 'yes'"),
        (lambda d: d.update(name=3), "name: must be text, got 3"),
        (
            lambda d: d["states"].update(pakistan=3),
            "states.pakistan: must be a mapping of StateSpec fields, got 3",
        ),
        (
            lambda d: d["states"]["pakistan"]["inflicted"].update(military=3),
            "states.pakistan.inflicted.military: must be a list, got 3",
        ),
        (
            lambda d: d["states"]["pakistan"]["inflicted"].update(military="x"),
            "states.pakistan.inflicted.military: must be a list, got 'x'",
        ),
        (
            lambda d: d["states"]["pakistan"]["inflicted"].update(militray=[0] * 6),
            "states.pakistan.inflicted.militray: unknown key; did you mean 'military'? "
            "Valid: civilian, militant, military",
        ),
        (
            lambda d: d["states"]["pakistan"].update(grievance=3),
            "states.pakistan.grievance: must be a mapping, got 3",
        ),
        (
            lambda d: d["states"]["pakistan"].update(provocation={"afghanistan": 1.5}),
            "states.pakistan.provocation.afghanistan: must be a whole number, got 1.5",
        ),
    ],
)
def test_each_bad_value_is_one_error_with_its_full_key_path(seed_scenario, change, message):
    data = seed_scenario.to_dict()
    change(data)
    with pytest.raises(ConfigError) as info:
        scenario_from_dict(data)
    assert str(info.value) == f"scenario.{message}"
