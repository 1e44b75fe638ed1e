"""A scenario's event timeline and the militant tempo, loaded and checked, and their row checks.

`load_events` reads a scenario's timeline (one row per dated event up to its as-of date; the file,
the ids it may name and the as-of date come from the scenario: `timeline_path`,
`timeline_actors`, `scenario_as_of`), `load_tempo` reads ``seeds/militant_tempo.csv`` (annual
attack and death counts by source). Each checks every row and raises one `TimelineError` that
names the file, the row, the field and the fix of each bad row. The episode tables are read by
:mod:`sim.history.episodes` with the same row checks. ``seeds/README.md`` is the data dictionary.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from sim.core.errors import ConfigError, did_you_mean
from sim.core.paths import SEEDS_DIR
from sim.scenario.loading import load_scenario
from sim.scenario.schema import Scenario

__all__ = [
    "AS_OF",
    "DEFAULT_SCENARIO",
    "EVENT_COLUMNS",
    "OPTIONAL_EVENT_COLUMNS",
    "KILLED_GROUPS",
    "KINDS",
    "TEMPO_COLUMNS",
    "TEMPO_SCOPES",
    "TimelineError",
    "UNNAMED_GROUP",
    "episodes_path",
    "load_events",
    "load_tempo",
    "scenario_as_of",
    "timeline_actors",
    "timeline_path",
]

DEFAULT_SCENARIO = "pak_afg_2026"
"""The scenario whose timeline `load_events` reads when given none."""

AS_OF = datetime.date(2026, 2, 22)
"""The as-of date of the shipped Pakistan - Afghanistan tables read without a scenario (the
militant tempo and the episode library): no row after it is data. It equals ``as_of`` of
``configs/scenario/pak_afg_2026.yaml`` (tests/unit/test_timeline.py checks it); a timeline takes
its scenario's own as-of date (`scenario_as_of`)."""

UNNAMED_GROUP = "militants"
"""The id of unnamed militants, valid in every timeline (docs/history.md: which group they are)."""

KINDS = ("attack", "strike", "clash", "ceasefire", "talks", "agreement", "closure", "statement")
"""Valid event kinds."""

KILLED_GROUPS = ("military", "civilian", "militant", "mixed")
"""Valid `killed_group` values (blank when the sources do not say)."""

TEMPO_SCOPES = ("pakistan", "khyber_pakhtunkhwa", "balochistan", "pakistan_ttp")
"""Valid tempo scopes: nationwide, one province, or attacks by the TTP in Pakistan."""

EVENT_COLUMNS = (
    "date",
    "end_date",
    "actor",
    "target",
    "kind",
    "place",
    "killed_low",
    "killed_best",
    "killed_high",
    "killed_group",
    "injured",
    "source",
    "note",
)
OPTIONAL_EVENT_COLUMNS = ("term_days",)
"""Columns a timeline may have (blank when absent): `term_days`, a ceasefire's agreed term."""
TEMPO_COLUMNS = (
    "source",
    "year",
    "scope",
    "attacks",
    "killed",
    "killed_security",
    "killed_civilian",
    "killed_militant",
    "injured",
    "note",
)


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_KILLED = ("killed_low", "killed_best", "killed_high")
_TEMPO_COUNTS = TEMPO_COLUMNS[3:9]


class TimelineError(ValueError):
    """Bad seed data: one line per bad row, naming the file, the row and the field.

    Parameters
    ----------
    problems : sequence of str
        One message per bad row (or one for the whole file), each already naming file, row, field.
    """

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class _RowError(Exception):
    """The first problem found in one row: the field and what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


def timeline_actors(scenario: Scenario) -> tuple[str, ...]:
    """The ids a scenario's timeline may name in `actor` and `target`.

    The scenario's states, militant groups and mediators, its timeline aliases and further actors
    (``timeline.aliases``, ``timeline.actors``) and `UNNAMED_GROUP`.
    """
    spec = scenario.timeline
    ids = [*scenario.states, *scenario.militants, *scenario.mediators, *spec.aliases, *spec.actors]
    return tuple(dict.fromkeys([*ids, UNNAMED_GROUP]))


def scenario_as_of(scenario: Scenario) -> datetime.date:
    """The scenario's as-of date, the last day of its timeline.

    Raises
    ------
    ConfigError
        If the scenario gives no ``as_of`` (a replay needs one).
    """
    if not scenario.as_of:
        raise ConfigError(
            "scenario.as_of",
            f"scenario {scenario.name!r} gives no as-of date; a replay needs one: add as_of: "
            '"YYYY-MM-DD" (the last day of its timeline)',
        )
    return datetime.date.fromisoformat(scenario.as_of)


def timeline_path(scenario: Scenario, path: str | Path | None = None) -> Path:
    """The CSV file of a scenario's timeline: `path` if given, else its ``timeline.events``.

    A relative ``timeline.events`` is looked up in ``seeds/``, then in the current directory;
    a relative `path` is read from the current directory.

    Raises
    ------
    ConfigError
        If the scenario names no timeline and `path` is None.
    """
    if path is not None:
        return Path(path).expanduser()
    name = scenario.timeline.events
    if not name:
        raise ConfigError(
            "scenario.timeline.events",
            f"scenario {scenario.name!r} names no event timeline to replay; add timeline: "
            "{events: FILE.csv} to it (docs/scenarios.md), or give the file (--events / "
            "history.events)",
        )
    return _seed_file(name)


def episodes_path(scenario: Scenario) -> Path:
    """The CSV file of a scenario's episode library, its ``timeline.episodes``.

    Found as `timeline_path` finds the timeline.

    Raises
    ------
    ConfigError
        If the scenario names no episode library.
    """
    name = scenario.timeline.episodes
    if not name:
        raise ConfigError(
            "scenario.timeline.episodes",
            f"scenario {scenario.name!r} names no episode library for the back-test; add "
            "episodes: FILE.csv to its timeline block (docs/scenarios.md), or give the file "
            "(backtest.episodes)",
        )
    return _seed_file(name)


def _seed_file(name: str) -> Path:
    """A file named by a scenario: absolute as it is, else in seeds/, else in the current folder."""
    given = Path(name).expanduser()
    if given.is_absolute():
        return given
    for folder in (SEEDS_DIR, Path.cwd()):
        if (folder / given).is_file():
            return folder / given
    return SEEDS_DIR / given  # missing: the loader names it


def load_events(path: str | Path | None = None, scenario: Scenario | None = None) -> pd.DataFrame:
    """Read and check a scenario's event timeline.

    Parameters
    ----------
    path : str or Path, optional
        A CSV with the columns of `EVENT_COLUMNS`; default the scenario's own
        (``timeline.events``, see `timeline_path`).
    scenario : Scenario, optional
        Supplies the ids the rows may name (`timeline_actors`) and the as-of date
        (`scenario_as_of`); default the `DEFAULT_SCENARIO`.

    Returns
    -------
    DataFrame
        One row per event in file order. `date` and `end_date` are ``datetime64`` (`end_date` is
        NaT for one-day events); the killed columns and `injured` are nullable ``Int64`` (NA when
        unknown); `killed_group` is NaN when not stated; the other columns are strings.
        ``attrs["path"]`` holds the file read.

    Raises
    ------
    TimelineError
        If a column is missing, or for each bad row (its first problem only): an unknown actor,
        target, kind or killed group, an unparseable date, a date after the as-of date, a date
        before the previous row's, an end date before the date, a negative or non-integer count,
        ``killed_low > killed_best`` or ``killed_best > killed_high``, or a missing source.
    ConfigError
        If the scenario names no timeline (and no `path` is given) or gives no as-of date.

    Notes
    -----
    Rows are numbered as a spreadsheet user counts data rows: the first row under the header is
    data row 1. Messages also give the line of the file (the header is line 1).

    Examples
    --------
    >>> events = load_events()
    >>> events.loc[events["kind"] == "strike", ["date", "actor", "target"]].shape[1]
    3
    """
    if scenario is None:
        scenario = load_scenario(DEFAULT_SCENARIO)
    path = timeline_path(scenario, path)
    as_of = scenario_as_of(scenario)
    actors = timeline_actors(scenario)
    previous: datetime.date | None = None

    def check(row: dict[str, str]) -> None:
        nonlocal previous
        date = _date(row, "date", as_of=as_of)
        last, previous = previous, date
        if last is not None and date < last:
            raise _RowError("date", f"{date} is before the previous row's {last}; keep date order")
        end = _date(row, "end_date", required=False, as_of=as_of)
        if end is not None and end < date:
            raise _RowError("end_date", f"{end} is before the event's date {date}")
        for field in ("actor", "target"):
            _actor(row, field, actors, scenario.name)
        _choice(row, "kind", KINDS)
        killed = {field: _count(row, field) for field in (*_KILLED, "injured")}
        _ordered(killed)
        _choice(row, "killed_group", KILLED_GROUPS, required=False)
        _required(row, "source")
        term = _count({"term_days": row.get("term_days", "")}, "term_days")
        if term is not None and (row["kind"] != "ceasefire" or term < 1):
            raise _RowError(
                "term_days",
                f"{term} given on a {row['kind']} row; only a ceasefire agreed for a fixed "
                "term has one (whole days >= 1; blank: no end date)",
            )

    frame = _read(path, EVENT_COLUMNS, check, optional=OPTIONAL_EVENT_COLUMNS)
    for field in ("date", "end_date"):
        frame[field] = pd.to_datetime(frame[field].replace("", None), format="%Y-%m-%d")
    for field in (*_KILLED, "injured", "term_days"):
        frame[field] = _integers(frame[field])
    frame["killed_group"] = frame["killed_group"].where(frame["killed_group"] != "")
    frame.attrs["path"] = str(path)
    frame.attrs["scenario"] = scenario.name
    frame.attrs["as_of"] = as_of
    return frame


def load_tempo(path: str | Path | None = None) -> pd.DataFrame:
    """Read and check the annual militant attack tempo table.

    Parameters
    ----------
    path : str or Path, optional
        A CSV with the columns of `TEMPO_COLUMNS`; default ``seeds/militant_tempo.csv``.

    Returns
    -------
    DataFrame
        One row per (source, year, scope): `year` is ``int64``, the counts are nullable ``Int64``
        (NA when the source gives no figure), the other columns are strings.
        ``attrs["path"]`` holds the file read.

    Raises
    ------
    TimelineError
        If a column is missing, or for each bad row (its first problem only): a missing source, a
        year that is not a complete calendar year before `AS_OF`, an unknown scope, a negative or
        non-integer count, deaths by group that add up to more than `killed`, or a repeated
        (source, year, scope).

    Notes
    -----
    Rows are numbered as in `load_events` (first row under the header = data row 1).

    Examples
    --------
    >>> tempo = load_tempo()
    >>> pips = tempo.set_index(["source", "year", "scope"]).loc[("PIPS", 2025, "pakistan")]
    >>> int(pips["attacks"])
    699
    """
    path = Path(path) if path is not None else SEEDS_DIR / "militant_tempo.csv"
    seen: set[tuple[str, str, str]] = set()

    def check(row: dict[str, str]) -> None:
        _required(row, "source")
        year = row["year"].strip()
        if not year.isdigit() or not 1970 <= int(year) < AS_OF.year:
            raise _RowError(
                "year", f"{year!r} is not a complete calendar year from 1970 to {AS_OF.year - 1}"
            )
        _choice(row, "scope", TEMPO_SCOPES)
        counts = {field: _count(row, field) for field in _TEMPO_COUNTS}
        parts = [counts[f] for f in ("killed_security", "killed_civilian", "killed_militant")]
        if counts["killed"] is not None and sum(p or 0 for p in parts) > counts["killed"]:
            raise _RowError("killed", f"deaths by group add up to more than {counts['killed']}")
        key = (row["source"].strip(), year, row["scope"].strip())
        if key in seen:
            raise _RowError("scope", f"repeats source {key[0]!r}, year {year}, scope {key[2]!r}")
        seen.add(key)

    frame = _read(path, TEMPO_COLUMNS, check)
    frame["year"] = frame["year"].astype("int64")
    for field in _TEMPO_COUNTS:
        frame[field] = _integers(frame[field])
    frame.attrs["path"] = str(path)
    return frame


def _read(
    path: Path,
    columns: Sequence[str],
    check: Callable[[dict[str, str]], None],
    optional: Sequence[str] = (),
) -> pd.DataFrame:
    """All rows of `path` as strings, after `check` has seen each one; raises one TimelineError.

    `optional` columns may be missing from the file: they are then blank in every row.
    """
    problems: list[str] = []
    records: list[dict[str, str]] = []
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise TimelineError([f"{path}: no such file; give the path of an existing CSV"]) from None
    except IsADirectoryError:
        raise TimelineError([f"{path}: is a directory; give the path of a CSV file"]) from None
    except PermissionError:
        raise TimelineError([f"{path}: cannot be read (permission denied)"]) from None
    except UnicodeDecodeError as exc:
        raise TimelineError(
            [f"{path}: not a UTF-8 text file (byte {exc.start}); save it as CSV in UTF-8"]
        ) from None
    if "\0" in text:
        raise TimelineError([f"{path}: holds NUL bytes, not a CSV text file; save it as CSV"])
    if not text.strip():
        raise TimelineError([f"{path}: is empty; the first line is the header {','.join(columns)}"])
    with io.StringIO(text, newline="") as handle:
        reader = csv.reader(handle)
        header = [name.strip() for name in next(reader, [])]
        missing = [name for name in columns if name not in header]
        if missing:
            lacks = f"{path}: header lacks column(s) {', '.join(missing)}"
            raise TimelineError([f"{lacks}; expected {', '.join(columns)}"])
        number = 0
        for values in reader:
            if not any(value.strip() for value in values):
                continue
            number += 1
            where = f"{path}: data row {number} (line {reader.line_num})"
            if len(values) != len(header):
                problems.append(f"{where}: has {len(values)} fields, the header has {len(header)}")
                continue
            row = dict(zip(header, values, strict=True))
            try:
                check(row)
            except _RowError as error:
                problems.append(f"{where}, field '{error.field}': {error.message}")
            records.append({name: row.get(name, "").strip() for name in (*columns, *optional)})
    if problems:
        raise TimelineError(problems)
    return pd.DataFrame.from_records(records, columns=[*columns, *optional])


def _required(row: dict[str, str], field: str) -> str:
    value = row[field].strip()
    if not value:
        raise _RowError(field, "is missing; every row needs one")
    return value


def _date(
    row: dict[str, str], field: str, *, required: bool = True, as_of: datetime.date = AS_OF
) -> datetime.date | None:
    text = row[field].strip()
    if not text and not required:
        return None
    try:
        if not _ISO_DATE.fullmatch(text):
            raise ValueError
        value = datetime.date.fromisoformat(text)
    except ValueError:
        raise _RowError(field, f"{text!r} is not a date in ISO form YYYY-MM-DD") from None
    if value > as_of:
        raise _RowError(
            field, f"{value} is after the as-of date {as_of}; later events are held out"
        )
    return value


def _actor(row: dict[str, str], field: str, valid: Sequence[str], scenario: str) -> None:
    value = row[field].strip()
    if value not in valid:
        raise _RowError(
            field,
            f"unknown {field} {value!r}; {did_you_mean(value, valid)} (the ids of scenario "
            f"{scenario!r}; a faction of one of its groups goes in its timeline.aliases, a party "
            "outside the crisis in timeline.actors)",
        )


def _choice(
    row: dict[str, str], field: str, valid: Sequence[str], *, required: bool = True
) -> None:
    value = row[field].strip()
    if not value and not required:
        return
    if value not in valid:
        raise _RowError(field, f"unknown {field} {value!r}; {did_you_mean(value, valid)}")


def _count(row: dict[str, str], field: str) -> int | None:
    text = row[field].strip()
    if not text:
        return None
    try:
        value = int(text)
    except ValueError:
        raise _RowError(field, f"{text!r} is not a whole number (leave blank if unknown)") from None
    if value < 0:
        raise _RowError(field, f"negative count {value}; counts are >= 0 (blank if unknown)")
    return value


def _ordered(killed: dict[str, int | None]) -> None:
    low, best, high = (killed[field] for field in _KILLED)
    for (a, va), (b, vb) in (
        (("killed_low", low), ("killed_best", best)),
        (("killed_best", best), ("killed_high", high)),
        (("killed_low", low), ("killed_high", high)),
    ):
        if va is not None and vb is not None and va > vb:
            raise _RowError(a, f"{a} = {va} is above {b} = {vb}; need low <= best <= high")


def _integers(column: pd.Series) -> pd.Series:
    return pd.to_numeric(column.replace("", None)).astype("Int64")
