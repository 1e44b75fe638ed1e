"""Replay for any scenario: its timeline file, ids and as-of date come from the scenario.

The India - Pakistan 2019 scenario replays its own timeline; a user's scenario and event file
written in a temporary folder replay through ``python -m sim.history`` and ``history.replay``;
a bad event file gets one message per bad row, exit status 2 and nothing written.
"""

import datetime
import textwrap
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim.app.history import main as history_main
from sim.core.errors import ConfigError
from sim.core.paths import SEEDS_DIR
from sim.history import replay, start_from_history
from sim.history.timeline import (
    AS_OF,
    EVENT_COLUMNS,
    TimelineError,
    load_events,
    timeline_actors,
    timeline_path,
)
from sim.scenario import scenario_from_dict

# --- the shipped scenarios ----------------------------------------------------------------------


def test_each_shipped_scenario_names_its_own_timeline():
    pak = sim.load_scenario("pak_afg_2026")
    ind = sim.load_scenario("ind_pak_2019")
    assert timeline_path(pak) == SEEDS_DIR / "pak_afg_events.csv"
    assert timeline_path(ind) == SEEDS_DIR / "ind_pak_2019_events.csv"
    assert pak.timeline.aliases == {"jua": "ttp"}
    assert set(timeline_actors(pak)) == {
        *("pakistan", "afghanistan", "ttp", "iskp", "qatar", "turkiye", "border"),
        *("jua", "usa", "militants"),
    }
    # The module's as-of date of the tables read without a scenario is the scenario's.
    assert AS_OF == datetime.date.fromisoformat(pak.as_of)


def test_ind_pak_2019_replays_its_own_timeline_up_to_its_as_of_date():
    scenario = sim.load_scenario("ind_pak_2019")
    events = load_events(None, scenario)
    assert events.attrs["as_of"] == datetime.date(2019, 2, 15)
    result = replay(events, scenario)
    assert result.as_of == datetime.date(2019, 2, 15)
    assert result.info["scenario"] == "ind_pak_2019"
    assert result.paths["date"].iloc[0] == pd.Timestamp("2016-01-02")  # Pathankot
    assert result.ladder() == {"start_rung": 1, "in_ceasefire": False, "ceasefire_days": 0}
    start = result.start
    # Pulwama (14 Feb 2019): 40 CRPF dead, attributed (attack_rung 2), answered only in words.
    assert start["harm.india.pakistan"][0] == 40
    assert start["provocation.india.pakistan"][0] == 2
    # Pressure: 40 dead x 0.02, one day of a 14-day half-life.
    assert start["pressure.india"][0] == pytest.approx(0.8 * 0.5 ** (1 / 14), abs=1e-9)
    # India's 2016 strike on unnamed militants is an action toward their host, Pakistan, never
    # toward the local groups India hosts.
    applied = result.applied
    row = applied[(applied["actor"] == "india") & (applied["target"] == "militants")].iloc[0]
    assert (row["role"], row["as_actor"], row["against"], row["rung"]) == (
        "action",
        "india",
        "pakistan",
        3,
    )


def test_pak_afg_start_from_history_reads_the_scenario_timeline_by_default():
    scenario = sim.load_scenario("pak_afg_2026")
    _, by_default = start_from_history(scenario)
    _, by_file = start_from_history(scenario, SEEDS_DIR / "pak_afg_events.csv")
    assert (
        by_default.ladder()
        == by_file.ladder()
        == {
            "start_rung": 3,
            "in_ceasefire": True,
            "ceasefire_days": 126,
        }
    )
    for key, value in by_file.start.items():
        assert by_default.start[key] == pytest.approx(value)


# --- a user's scenario and event file -----------------------------------------------------------

HEADER = ",".join(EVENT_COLUMNS)
GOOD_ROWS = [
    "2030-01-10,,fighters,northland,attack,Border post,12,12,15,military,,Example Post 2030-01-10,",
    "2030-01-11,,northland,southland,statement,Capital,,,,,,Example Post 2030-01-11,",
    "2030-01-12,,northland,southland,strike,Camps,4,6,8,mixed,,Example Post 2030-01-12,",
    "2030-01-12,,broker,southland,talks,Elsewhere,,,,,,Example Post 2030-01-12,outside party",
    "2030-01-13,,splinter,northland,attack,Market,3,3,3,civilian,,Example Post 2030-01-13,",
]


def _scenario_yaml(folder: Path, events: str) -> Path:
    text = textwrap.dedent(
        f"""\
        name: my_crisis
        as_of: "2030-01-14"
        ceasefire: {{name: none}}
        timeline:
          events: {events}
          aliases: {{splinter: fighters}}
          actors: [broker]
        states:
          northland:
            name: Northland
            retaliation: {{name: graduated, p_act: 0.2}}
            inflicted:
              military: [0, 0, 0.5, 1.0, 5.0, 20.0]
              civilian: [0, 0, 0.0, 1.0, 2.0, 10.0]
              militant: [0, 0, 0.0, 2.0, 2.0, 5.0]
          southland:
            name: Southland
            retaliation: {{name: tit_for_tat, p_act: 0.5}}
        militants:
          fighters:
            name: Fighters
            host: southland
            targets: {{northland: 0.2}}
            attribution: 0.8
        """
    )
    path = folder / "my_crisis.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _events(folder: Path, rows: list[str]) -> Path:
    path = folder / "my_events.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_a_users_scenario_replays_its_own_event_file(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    _events(tmp_path, GOOD_ROWS)
    path = _scenario_yaml(tmp_path, "my_events.csv")  # relative: found in the current folder
    scenario = sim.load_scenario(path)
    assert timeline_path(scenario) == tmp_path / "my_events.csv"
    result = replay(load_events(None, scenario), scenario)
    assert result.as_of == datetime.date(2030, 1, 14)
    applied = result.applied.set_index("date")
    assert applied.loc["2030-01-13", "as_actor"] == "fighters"  # the alias
    assert applied.loc["2030-01-12", "role"].tolist() == ["action", "none"]  # broker: no effect
    assert result.start["provocation.southland.northland"][0] == 3  # the strike, unanswered
    # The 12 dead of 10 Jan were answered by the strike of 12 Jan; the 3 of 13 Jan were not.
    assert result.start["harm.northland.southland"][0] == 3

    figure = tmp_path / "replay.png"
    history_main(["--scenario", str(path), "--replications", "50", "--figure", str(figure)])
    out = capsys.readouterr().out
    assert "Starting state on 2030-01-14" in out and str(tmp_path / "my_events.csv") in out
    assert figure.is_file()


def test_a_users_scenario_replays_in_an_experiment(tmp_path):
    events = _events(tmp_path, GOOD_ROWS)
    path = _scenario_yaml(tmp_path, str(events))  # absolute
    exp = sim.load_experiment(
        "projection",
        overrides=[f"scenario={path}", "mc.replications=50", "mc.horizon=10"],
    )
    result = exp.simulate(progress=False)
    assert result.replications == 50


def _bad_rows() -> list[str]:
    rows = list(GOOD_ROWS)
    rows[0] = rows[0].replace("fighters", "figters")  # unknown actor
    rows[2] = rows[2].replace(",4,6,8,", ",9,6,8,")  # low above best
    rows[4] = rows[4].replace("2030-01-13", "2030-01-20")  # after the as-of date
    return rows


def test_bad_rows_get_one_message_each_exit_2_and_nothing_written(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    events = _events(tmp_path, _bad_rows())
    path = _scenario_yaml(tmp_path, str(events))
    before = sorted(tmp_path.rglob("*"))
    with pytest.raises(SystemExit) as exit_info:
        history_main(["--scenario", str(path), "--replications", "10"])
    assert exit_info.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 3 and all(line.startswith("error: ") for line in lines)
    assert all(str(events) in line for line in lines)
    expected = [
        ("data row 1", "field 'actor'", "did you mean 'fighters'"),
        ("data row 3", "field 'killed_low'", "need low <= best <= high"),
        ("data row 5", "field 'date'", "after the as-of date 2030-01-14"),
    ]
    for line, needles in zip(lines, expected, strict=True):
        assert all(needle in line for needle in needles), line
    assert sorted(tmp_path.rglob("*")) == before  # no figure, no file of any kind

    with pytest.raises(ConfigError, match=r"history\.events: .*data row 1.*; 2 more bad row"):
        sim.load_experiment("projection", overrides=[f"scenario={path}", "mc.replications=10"])


def test_a_scenario_without_a_timeline_or_date_is_refused_in_one_line(tmp_path):
    data = sim.load_scenario("ind_pak_2019").to_dict()
    no_timeline = scenario_from_dict({**data, "timeline": {}})
    with pytest.raises(ConfigError, match=r"scenario\.timeline\.events: .*names no event timeline"):
        load_events(None, no_timeline)
    with pytest.raises(ConfigError, match=r"scenario\.timeline\.events"):
        sim.load_experiment(
            "projection", overrides=["scenario=ind_pak_2019", "scenario.timeline.events="]
        )
    no_date = scenario_from_dict({**data, "as_of": ""})
    with pytest.raises(ConfigError, match=r"scenario\.as_of: .*a replay needs one"):
        load_events(None, no_date)
    missing = scenario_from_dict({**data, "timeline": {"events": "nope.csv"}})
    with pytest.raises(TimelineError, match="nope.csv: no such file"):
        load_events(None, missing)


@pytest.mark.parametrize(
    ("timeline", "message"),
    [
        ({"event": "x.csv"}, r"scenario\.timeline\.event: unknown key; did you mean 'events'"),
        ({"aliases": {"hm": "jemm"}}, r"aliases\.hm: 'jemm' is not a militant group.*'jem'"),
        ({"aliases": {"india": "jem"}}, r"aliases\.india: 'india' is already an actor"),
        ({"actors": "usa"}, r"scenario\.timeline\.actors: must be a list"),
        ({"actors": ["U S"]}, r"scenario\.timeline\.actors: ids are lower-case"),
        ({"events": 3}, r"scenario\.timeline\.events: must be the CSV file's name"),
    ],
)
def test_a_bad_timeline_block_is_one_error_naming_its_key(timeline, message):
    data = sim.load_scenario("ind_pak_2019").to_dict()
    with pytest.raises(ConfigError, match=message):
        scenario_from_dict({**data, "timeline": timeline})


def test_the_timeline_block_survives_a_round_trip():
    scenario = sim.load_scenario("pak_afg_2026")
    again = scenario.replace(decay=0.06)
    assert again.timeline == scenario.timeline
    with pytest.raises(TimelineError, match="no event of the timeline up to 2010-01-01"):
        replay(load_events(None, scenario), scenario, as_of=datetime.date(2010, 1, 1))
