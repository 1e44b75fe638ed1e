"""No hindsight: no row of the scenario's data is dated after the scenario's own as-of date.

The as-of date is read from the scenario config, so the guard follows the config if it moves.
The loaders refuse later rows too (against the module's `AS_OF`); this test reads the files raw,
so it also catches a loader or an `AS_OF` that drifts from the config.
"""

import csv
import datetime
import re

import pytest

import sim
from sim.core.paths import CONFIG_DIR, SEEDS_DIR

# Date columns of each seed file of the Pakistan-Afghanistan scenario.
DATED = {
    "pak_afg_events.csv": ("date", "end_date"),
    "episodes.csv": ("trigger_date",),
    "reference_class.csv": ("trigger_date",),
}


@pytest.fixture(scope="module")
def as_of() -> datetime.date:
    return datetime.date.fromisoformat(sim.load_scenario("pak_afg_2026").as_of)


def test_as_of_is_read_from_the_config(as_of):
    assert as_of == datetime.date(2026, 2, 22)


@pytest.mark.parametrize("name", sorted(DATED))
def test_no_row_is_dated_after_the_as_of_date(name, as_of):
    with (SEEDS_DIR / name).open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows, name
    dates = [
        (number, field, datetime.date.fromisoformat(row[field]))
        for number, row in enumerate(rows, start=1)
        for field in DATED[name]
        if row[field].strip()
    ]
    assert dates, name
    late = [(number, field, str(day)) for number, field, day in dates if day > as_of]
    assert not late, f"{name}: rows dated after {as_of}: {late}"


def test_no_outcome_is_coded_past_the_as_of_date(as_of):
    """An episode whose 30-day window ends after the as-of date cannot have a known outcome."""
    with (SEEDS_DIR / "episodes.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        window_end = datetime.date.fromisoformat(row["trigger_date"]) + datetime.timedelta(30)
        if window_end > as_of:
            assert row["outcome_known"] == "no", row["episode_id"]
            assert not any(row[f].strip() for f in ("rung_7d", "rung_30d", "first_armed_day"))


@pytest.mark.parametrize("name", ["pak_afg_2026", "ind_pak_2019"])
def test_no_source_a_scenario_cites_was_published_after_its_as_of_date(name):
    # Citations are written [Outlet YYYY-MM-DD] (docs/scenarios.md); a report dated after the
    # as-of date (e.g. a count published the next day) must not be a basis.
    path = CONFIG_DIR / "scenario" / f"{name}.yaml"
    limit = datetime.date.fromisoformat(sim.load_scenario(name).as_of)
    cited = {
        datetime.date.fromisoformat(day)
        for day in re.findall(r"\[[^\]\n]*?(\d{4}-\d{2}-\d{2})\]", path.read_text(encoding="utf-8"))
    }
    assert cited, name
    assert not sorted(str(day) for day in cited if day > limit), f"{name}: cited after {limit}"
