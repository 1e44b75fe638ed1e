import datetime
import re
from pathlib import Path

import pytest
import yaml

import sim
from sim.core.errors import ConfigError
from sim.core.paths import CONFIG_DIR
from sim.scenario.loading import scenario_from_dict, scenario_path


def base(seed_scenario):
    return seed_scenario.to_dict()


def test_seed_scenario_loads_with_its_actors(seed_scenario):
    assert list(seed_scenario.states) == ["pakistan", "afghanistan"]
    assert set(seed_scenario.militants) == {"ttp", "iskp"}
    assert set(seed_scenario.mediators) == {"qatar", "turkiye", "border"}
    assert seed_scenario.start_rung == 3 and seed_scenario.as_of == "2026-02-22"
    assert seed_scenario.pairs == [("pakistan", "afghanistan")]


def test_round_trip_through_plain_data(seed_scenario):
    assert scenario_from_dict(seed_scenario.to_dict()) == seed_scenario


def test_every_number_in_a_shipped_scenario_states_its_basis():
    # Non-greedy brackets: a basis comment may itself hold brackets (source keys).
    number = re.compile(r":\s*(\[.*?\]|\{.*?\}|-?\d[\d.]*)\s*(#.*)?$")
    for path in sorted(CONFIG_DIR.glob("scenario/*.yaml")):
        for n, line in enumerate(path.read_text().splitlines(), 1):
            m = number.search(line)
            if m and re.search(r"\d", m.group(1)) and not line.lstrip().startswith("#"):
                basis = m.group(2) or ""
                assert len(basis) > 5, f"{path.name}:{n} has a number without its basis: {line}"


def edit(data, path, value):
    node = data
    keys = path.split(".")
    for key in keys[:-1]:
        node = node[key]
    node[keys[-1]] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "match"),
    [
        (
            "militants.ttp.host",
            "pakistn",
            r"scenario\.militants\.ttp\.host: host 'pakistn' is not a "
            r"state of the scenario; did you mean 'pakistan'",
        ),
        (
            "states.pakistan.compliance",
            1.5,
            r"scenario\.states\.pakistan\.compliance: is a "
            r"probability and must be in \[0, 1\], got 1.5",
        ),
        (
            "states.pakistan.pressure_half_life",
            -3.0,
            r"pressure_half_life: must be > 0.0, got -3.0",
        ),
        ("states.pakistan.pressure", "high", r"states\.pakistan\.pressure: must be a number"),
        ("states.pakistan.retaliation.p_act", 2.0, r"states\.pakistan\.retaliation\.p_act"),
        (
            "mediators.qatar.parties",
            ["pakistan", "india"],
            r"mediators\.qatar\.parties: party 'india'",
        ),
        (
            "militants.ttp.targets",
            {"pakistan": -1.0},
            r"militants\.ttp\.targets\.pakistan: must be",
        ),
        (
            "states.pakistan.inflicted.military",
            [0, 1],
            r"inflicted\.military: needs one mean per rung",
        ),
        ("start_rung", 7, r"scenario\.start_rung: must be \[0, 5\], got 7"),
        ("decay", True, r"scenario\.decay: must be a number"),
    ],
)
def test_bad_scenario_input_is_refused_naming_the_field(seed_scenario, path, value, match):
    with pytest.raises(ConfigError, match=match):
        scenario_from_dict(edit(base(seed_scenario), path, value))


def test_misspelt_key_suggests_the_right_one(seed_scenario):
    data = base(seed_scenario)
    data["states"]["pakistan"]["complience"] = data["states"]["pakistan"].pop("compliance")
    with pytest.raises(
        ConfigError,
        match=r"states\.pakistan\.complience: unknown key; did you "
        r"mean 'compliance'",
    ):
        scenario_from_dict(data)


def test_unknown_scenario_name_lists_the_known_ones():
    with pytest.raises(ConfigError, match=r"unknown scenario 'pak_afg_2025'.*pak_afg_2026"):
        sim.load_scenario("pak_afg_2025")


def test_scenario_from_a_file_path(tmp_path: Path, seed_scenario):
    path = tmp_path / "mine.yaml"
    path.write_text((CONFIG_DIR / "scenario" / "pak_afg_2026.yaml").read_text())
    assert sim.load_scenario(path) == seed_scenario
    with pytest.raises(ConfigError, match="no scenario file"):
        sim.load_scenario(tmp_path / "missing.yaml")


def test_replace_checks_the_new_values(seed_scenario):
    assert seed_scenario.replace(decay=0.2).decay == 0.2
    with pytest.raises(ConfigError, match="decay"):
        seed_scenario.replace(decay=2.0)


@pytest.mark.parametrize(
    ("written", "read"),
    [("2019-02-15", "2019-02-15"), (datetime.date(2019, 2, 15), "2019-02-15"), ("", "")],
)
def test_as_of_is_an_iso_date_and_an_unquoted_yaml_date_is_accepted(written, read):
    data = yaml.safe_load(scenario_path("ind_pak_2019").read_text())
    data["as_of"] = written
    assert scenario_from_dict(data).as_of == read


@pytest.mark.parametrize("written", ["sometime in Feb", "2019-02-30", "15/02/2019", 20190215])
def test_an_as_of_that_is_not_a_date_names_the_key_and_the_format(written):
    data = yaml.safe_load(scenario_path("ind_pak_2019").read_text())
    data["as_of"] = written
    with pytest.raises(ConfigError, match=r"^scenario\.as_of: must be a date written YYYY-MM-DD"):
        scenario_from_dict(data)
