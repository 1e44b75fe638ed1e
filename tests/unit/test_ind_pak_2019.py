"""The India – Pakistan February 2019 scenario: loads, validates, runs, keeps to its as-of date."""

import csv
import datetime
import os
import re
import subprocess
import sys

import numpy as np
import pytest

import sim
from sim.core.ladder import MAX_RUNG
from sim.core.paths import CONFIG_DIR, REPO_ROOT, SEEDS_DIR
from sim.history.episodes import load_episodes
from sim.history.timeline import EVENT_COLUMNS, KILLED_GROUPS, KINDS, OPTIONAL_EVENT_COLUMNS
from sim.scenario.loading import scenario_from_dict

EVENTS = SEEDS_DIR / "ind_pak_2019_events.csv"
EPISODES = SEEDS_DIR / "ind_pak_2019_episodes.csv"


@pytest.fixture(scope="module")
def scenario():
    return sim.load_scenario("ind_pak_2019")


def as_of(scenario) -> datetime.date:
    return datetime.date.fromisoformat(scenario.as_of)


def rows(path):
    with path.open(newline="") as f:
        reader = csv.DictReader(f)
        return reader.fieldnames, list(reader)


def test_it_loads_with_its_actors_and_as_of_date(scenario):
    assert scenario.name == "ind_pak_2019"
    assert as_of(scenario) == datetime.date(2019, 2, 15)
    assert scenario.pairs == [("india", "pakistan")]
    assert set(scenario.militants) == {"jem", "let", "local"}
    assert set(scenario.mediators) == {"usa", "saudi_arabia", "uae"}
    # The day after Pulwama: India holds an unanswered provocation and its 40 dead.
    assert scenario.start_rung == 1
    assert scenario.states["india"].provocation == {"pakistan": 2}
    assert scenario.states["india"].harm == {"pakistan": 40.0}


def test_it_validates_and_round_trips(scenario):
    assert scenario_from_dict(scenario.to_dict()) == scenario


def test_the_same_file_is_found_by_name_and_by_path(scenario):
    assert sim.load_scenario(CONFIG_DIR / "scenario" / "ind_pak_2019.yaml") == scenario


def test_it_runs_with_few_replications(scenario):
    result = sim.simulate(scenario, replications=300, horizon=30, seed=3)
    max_rung = result.outcomes["max_rung"].to_numpy()
    assert len(max_rung) == 300
    # Every path starts at rung 1 and none can leave the ladder.
    assert max_rung.min() >= scenario.start_rung and max_rung.max() <= MAX_RUNG
    # India holds a provocation at rung 2 with p_act 0.05 a day for 14 days, so at least
    # 1 - 0.95^14 = 0.51 of the paths strike (rung 3) within 30 days (attacks can add more; the
    # seed gives 0.52 at 20,000 replications). Bound: 4 standard errors at R = 300.
    held = 1 - 0.95**14
    share = np.mean(max_rung >= 3)
    assert share >= held - 4 * np.sqrt(held * (1 - held) / len(max_rung))


def test_the_command_line_runs_it(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), env.get("PYTHONPATH", "")])
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "scenario=ind_pak_2019", "mc.replications=200",
         "mc.horizon=30", "output.figures=false", f"output.root={tmp_path}", "output=quiet"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    folder = proc.stdout.strip().splitlines()[-1].removeprefix("results: ")
    config = (tmp_path / folder / "config.yaml").read_text()
    assert "name: ind_pak_2019" in config


def test_the_timeline_has_the_event_columns_and_nothing_after_the_as_of_date(scenario):
    columns, events = rows(EVENTS)
    assert tuple(columns) == (*EVENT_COLUMNS, *OPTIONAL_EVENT_COLUMNS)  # term_days is blank here
    assert events
    ids = {*scenario.states, *scenario.militants, *scenario.mediators, "militants"}
    last = None
    for n, row in enumerate(events, 1):
        where = f"{EVENTS.name} data row {n}"
        start = datetime.date.fromisoformat(row["date"])
        assert start <= as_of(scenario), f"{where}: {start} is after the as-of date"
        if row["end_date"]:
            end = datetime.date.fromisoformat(row["end_date"])
            assert start <= end <= as_of(scenario), f"{where}: end_date {end}"
        assert last is None or start >= last, f"{where}: rows out of date order"
        last = start
        assert row["actor"] in ids and row["target"] in ids, where
        assert row["kind"] in KINDS, where
        assert row["killed_group"] in ("", *KILLED_GROUPS), where
        assert row["source"].strip(), f"{where}: every row names its source"
        killed = [int(row[k]) for k in ("killed_low", "killed_best", "killed_high") if row[k]]
        assert killed == sorted(killed), f"{where}: low <= best <= high"


def test_every_source_key_is_listed_with_its_address():
    readme = (SEEDS_DIR / "README.md").read_text()
    section = readme[readme.index("## India – Pakistan, February 2019") :]
    listed = set(re.findall(r"^\| ([^|]+?) \| [^|]+ \| https?://", section, flags=re.M))
    used = set()
    for row in rows(EVENTS)[1]:
        used |= {key.strip() for key in row["source"].split(";")}
    assert used <= listed, f"source keys without an address in seeds/README.md: {used - listed}"


def test_episodes_load_with_the_scenarios_own_as_of_date(scenario):
    # The library's loader checks every row (rungs, armed day, an address per source) and
    # refuses a trigger after the as-of date it is given.
    episodes = load_episodes(EPISODES, as_of=as_of(scenario))
    assert list(episodes["episode_id"]) == [row["episode_id"] for row in rows(EPISODES)[1]]
    assert set(episodes["scored_side"]) <= set(scenario.states)
    assert set(episodes["striking_side"]) <= set(scenario.states)


def test_no_episode_outcome_is_coded_past_the_as_of_date(scenario):
    for row in rows(EPISODES)[1]:
        window_end = datetime.date.fromisoformat(row["trigger_date"]) + datetime.timedelta(30)
        if window_end > as_of(scenario):
            assert row["outcome_known"] == "no", row["episode_id"]
            assert not any(row[f].strip() for f in ("rung_7d", "rung_30d", "first_armed_day"))


@pytest.mark.parametrize("name", ["pak_afg_2026", "ind_pak_2019"])
def test_each_shipped_scenario_starts_from_its_replayed_state(name):
    # docs/history.md: the starting values are the replay's best figures, written with
    # `python -m sim.history --scenario NAME --write-scenario`, each line marked as replayed.
    from sim.history.replayer import replay
    from sim.history.scenario_file import replayed_basis
    from sim.history.timeline import load_events
    from sim.scenario import scenario_path
    from sim.scenario.priors import parameter_bases

    scenario = sim.load_scenario(name)
    events = load_events(None, scenario)
    values = replay(events, scenario).to_scenario_values()
    bases = parameter_bases(scenario_path(name))
    basis = replayed_basis(events.attrs["path"])
    for section, actors in values.items():
        for actor, fields in actors.items():
            for field, value in fields.items():
                key = f"{section}.{actor}.{field}"
                held = getattr(getattr(scenario, section)[actor], field)
                assert held == pytest.approx(value, abs=1e-9), key
                assert bases[key] == basis, key
