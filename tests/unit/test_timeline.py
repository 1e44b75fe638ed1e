import csv
import datetime
import re
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim.history.timeline import (
    AS_OF,
    EVENT_COLUMNS,
    KILLED_GROUPS,
    KINDS,
    OPTIONAL_EVENT_COLUMNS,
    TEMPO_COLUMNS,
    TimelineError,
    load_events,
    load_tempo,
    timeline_actors,
)

GOOD_EVENT = {
    "date": "2026-02-06",
    "end_date": "",
    "actor": "iskp",
    "target": "pakistan",
    "kind": "attack",
    "place": "Islamabad",
    "killed_low": "31",
    "killed_best": "31",
    "killed_high": "31",
    "killed_group": "civilian",
    "injured": "170",
    "source": "seed",
    "note": "",
}
GOOD_TEMPO = {
    "source": "PIPS",
    "year": "2025",
    "scope": "pakistan",
    "attacks": "699",
    "killed": "1034",
    "killed_security": "437",
    "killed_civilian": "354",
    "killed_militant": "243",
    "injured": "1366",
    "note": "",
}


def write(path: Path, columns, rows) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def where(path: Path, row: int, field: str) -> str:
    return re.escape(f"{path}: data row {row} (line {row + 1}), field '{field}'")


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    return load_events()


def event(events: pd.DataFrame, date: str, actor: str) -> pd.Series:
    rows = events[(events["date"] == pd.Timestamp(date)) & (events["actor"] == actor)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_shipped_events_load_cleanly(events):
    assert list(events.columns) == [*EVENT_COLUMNS, *OPTIONAL_EVENT_COLUMNS]
    assert events["date"].is_monotonic_increasing
    assert events["date"].min().date() == datetime.date(2020, 2, 29)
    assert events["date"].max().date() <= AS_OF
    assert events["end_date"].dropna().dt.date.le(AS_OF).all()
    ids = set(timeline_actors(sim.load_scenario("pak_afg_2026")))
    assert set(events["actor"]) | set(events["target"]) <= ids
    assert set(events["kind"]) <= set(KINDS)
    assert set(events["killed_group"].dropna()) <= set(KILLED_GROUPS)
    assert events["source"].str.len().gt(0).all()
    assert events.attrs["path"].endswith("seeds/pak_afg_events.csv")


def test_islamabad_mosque_bombing_is_data(events):
    row = event(events, "2026-02-06", "iskp")
    assert row["target"] == "pakistan"
    assert row["kind"] == "attack"
    assert row["killed_best"] >= 31
    assert row["injured"] == 170
    assert "seed" in row["source"].split("; ")


def test_bajaur_attack_counts_victims_and_attackers_apart(events):
    attack = event(events, "2026-02-16", "ttp")
    assert (attack["killed_best"], attack["killed_group"]) == (12, "mixed")
    attackers = event(events, "2026-02-16", "pakistan")
    assert (attackers["target"], attackers["killed_best"]) == ("ttp", 12)
    assert attackers["killed_group"] == "militant"


def test_october_border_fighting_spans_both_claims(events):
    rows = events[events["date"] == pd.Timestamp("2025-10-11")].set_index("actor")
    soldiers = rows.loc["afghanistan"]
    assert (soldiers["killed_low"], soldiers["killed_best"], soldiers["killed_high"]) == (
        23,
        23,
        58,
    )
    assert soldiers["injured"] == 29
    afghan_side = rows.loc["pakistan"]
    assert (afghan_side["killed_low"], afghan_side["killed_high"]) == (9, 200)
    for row in (soldiers, afghan_side):
        assert set(row["source"].split("; ")) == {"ISPR", "Taliban spokesman"}
        assert row["end_date"] == pd.Timestamp("2025-10-12")


def test_february_strikes_keep_only_the_count_published_by_the_as_of_date(events):
    # UNAMA's count (13 civilians, 7 hurt) was first published on 23 Feb 2026: left out.
    row = event(events, "2026-02-21", "pakistan")
    assert (row["killed_low"], row["killed_best"], row["killed_high"]) == (17, 17, 17)
    assert pd.isna(row["injured"])
    assert row["source"] == "seed"


def test_shipped_tempo_loads_cleanly():
    tempo = load_tempo().set_index(["source", "year", "scope"])
    assert list(tempo.columns) == list(TEMPO_COLUMNS[3:])
    pips = tempo.loc[("PIPS", 2025, "pakistan")]
    assert pips[["attacks", "killed", "killed_security", "killed_civilian"]].tolist() == [
        699,
        1034,
        437,
        354,
    ]
    assert tempo.loc[("PIPS", 2025, "khyber_pakhtunkhwa"), "attacks"] == 413
    assert tempo.loc[("PICSS", 2025, "pakistan"), "killed_militant"] == 2115


def test_blank_fields_are_missing_values(tmp_path):
    path = write(
        tmp_path / "events.csv",
        EVENT_COLUMNS,
        [GOOD_EVENT | {"killed_low": "", "killed_best": "", "killed_high": "", "killed_group": ""}],
    )
    row = load_events(path).iloc[0]
    assert row["killed_best"] is pd.NA
    assert pd.isna(row["killed_group"])
    assert pd.isna(row["end_date"])


BAD_EVENTS = [
    ("actor", {"actor": "taliban"}, "unknown actor 'taliban'; Valid: afghanistan, border, iskp"),
    ("target", {"target": "Pakistan"}, "did you mean 'pakistan'"),
    ("kind", {"kind": "raid"}, "unknown kind 'raid'; Valid: agreement, attack"),
    ("date", {"date": "06/02/2026"}, "'06/02/2026' is not a date in ISO form YYYY-MM-DD"),
    ("date", {"date": "2026-02-30"}, "'2026-02-30' is not a date"),
    ("date", {"date": "2026-02-23"}, "after the as-of date 2026-02-22"),
    ("date", {"date": "2026-02-01"}, "before the previous row's 2026-02-06"),
    ("end_date", {"end_date": "2026-02-05"}, "2026-02-05 is before the event's date 2026-02-06"),
    ("end_date", {"end_date": "2026-03-01"}, "after the as-of date"),
    ("killed_low", {"killed_low": "-1"}, "negative count -1"),
    ("injured", {"injured": "-3"}, "negative count -3"),
    ("killed_best", {"killed_best": "about 30"}, "'about 30' is not a whole number"),
    ("killed_low", {"killed_low": "40"}, "killed_low = 40 is above killed_best = 31"),
    ("killed_best", {"killed_best": "35"}, "killed_best = 35 is above killed_high = 31"),
    ("killed_low", {"killed_low": "40", "killed_best": ""}, "above killed_high = 31"),
    ("killed_group", {"killed_group": "soldiers"}, "unknown killed_group 'soldiers'"),
    ("source", {"source": " "}, "source': is missing"),
]


@pytest.mark.parametrize(("field", "change", "message"), BAD_EVENTS)
def test_bad_event_row_names_file_row_and_field(tmp_path, field, change, message):
    path = write(tmp_path / "events.csv", EVENT_COLUMNS, [GOOD_EVENT, GOOD_EVENT | change])
    with pytest.raises(TimelineError, match=where(path, 2, field)) as caught:
        load_events(path)
    assert message in str(caught.value)
    assert len(caught.value.problems) == 1


def test_timeline_error_is_a_value_error(tmp_path):
    path = write(tmp_path / "events.csv", EVENT_COLUMNS, [GOOD_EVENT | {"kind": "raid"}])
    with pytest.raises(ValueError, match=where(path, 1, "kind")):
        load_events(path)


def test_each_bad_row_gets_one_message(tmp_path):
    rows = [
        GOOD_EVENT | {"actor": "taliban", "kind": "raid"},
        GOOD_EVENT,
        GOOD_EVENT | {"source": ""},
    ]
    path = write(tmp_path / "events.csv", EVENT_COLUMNS, rows)
    with pytest.raises(TimelineError) as caught:
        load_events(path)
    assert len(caught.value.problems) == 2
    first, third = caught.value.problems
    assert re.match(where(path, 1, "actor"), first)
    assert "kind" not in first
    assert re.match(where(path, 3, "source"), third)


def test_row_numbers_skip_blank_lines_but_lines_count_them(tmp_path):
    path = write(tmp_path / "events.csv", EVENT_COLUMNS, [GOOD_EVENT])
    with path.open("a", encoding="utf-8") as handle:
        handle.write("\n" + ",".join((GOOD_EVENT | {"kind": "raid"}).values()) + "\n")
    with pytest.raises(TimelineError, match=re.escape("data row 2 (line 4), field 'kind'")):
        load_events(path)


def test_missing_column_names_the_file_and_column(tmp_path):
    columns = [c for c in EVENT_COLUMNS if c != "source"]
    path = write(tmp_path / "events.csv", columns, [{c: GOOD_EVENT[c] for c in columns}])
    with pytest.raises(TimelineError, match=re.escape(f"{path}: header lacks column(s) source")):
        load_events(path)


def test_short_row_is_reported(tmp_path):
    path = write(tmp_path / "events.csv", EVENT_COLUMNS, [GOOD_EVENT])
    with path.open("a", encoding="utf-8") as handle:
        handle.write("2026-02-07,,iskp\n")
    with pytest.raises(TimelineError, match=re.escape("data row 2 (line 3): has 3 fields")):
        load_events(path)


BAD_TEMPO = [
    ("source", {"source": ""}, "source': is missing"),
    ("year", {"year": "2026"}, "'2026' is not a complete calendar year"),
    ("year", {"year": "twenty"}, "'twenty' is not a complete calendar year"),
    ("scope", {"scope": "kp"}, "unknown scope 'kp'"),
    ("attacks", {"attacks": "-5"}, "negative count -5"),
    ("killed", {"killed": "1000"}, "deaths by group add up to more than 1000"),
]


@pytest.mark.parametrize(("field", "change", "message"), BAD_TEMPO)
def test_bad_tempo_row_names_file_row_and_field(tmp_path, field, change, message):
    rows = [GOOD_TEMPO | {"scope": "balochistan"}, GOOD_TEMPO | change]
    path = write(tmp_path / "tempo.csv", TEMPO_COLUMNS, rows)
    with pytest.raises(TimelineError, match=where(path, 2, field)) as caught:
        load_tempo(path)
    assert message in str(caught.value)


def test_repeated_tempo_row_is_reported(tmp_path):
    path = write(tmp_path / "tempo.csv", TEMPO_COLUMNS, [GOOD_TEMPO, GOOD_TEMPO])
    with pytest.raises(TimelineError, match=where(path, 2, "scope")):
        load_tempo(path)
