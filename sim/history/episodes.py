"""The episode library and the reference class, loaded and checked.

`load_episodes` reads ``seeds/episodes.csv`` (the scenario's own strike and clash episodes, coded
in rungs) and `load_reference_class` reads ``seeds/reference_class.csv`` (episodes of other pairs
of states, coded the same way), with the row checks of :mod:`sim.history.timeline`: one
`TimelineError` names the file, the row and the field of each bad row. ``docs/backtest.md`` is the
coding rule.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pandas as pd

from sim.core.paths import SEEDS_DIR
from sim.history.timeline import (
    AS_OF,
    _choice,
    _count,
    _date,
    _integers,
    _read,
    _required,
    _RowError,
)

__all__ = [
    "ARMED_RUNG",
    "EPISODE_COLUMNS",
    "MAX_RUNG",
    "WINDOW_DAYS",
    "load_episodes",
    "load_reference_class",
]

EPISODE_COLUMNS = (
    "episode_id",
    "coding",
    "pair",
    "trigger_date",
    "trigger",
    "striking_side",
    "scored_side",
    "rung_7d",
    "rung_30d",
    "first_armed_day",
    "ceasefire_30d",
    "outcome_known",
    "source",
    "note",
)
"""Columns of ``seeds/episodes.csv`` and ``seeds/reference_class.csv`` (docs/backtest.md)."""

MAX_RUNG = 5
"""The top of the escalation ladder (5 = war)."""
ARMED_RUNG = 3
"""A response is armed when the scored side fires on the other state: rung 3 or more."""
WINDOW_DAYS = (7, 30)
"""The outcome windows, in days after the trigger (day 0 = trigger date)."""


def load_episodes(
    path: str | Path | None = None, as_of: datetime.date | None = None
) -> pd.DataFrame:
    """Read and check the scenario's episode library.

    Parameters
    ----------
    path : str or Path, optional
        A CSV with the columns of `EPISODE_COLUMNS`; default ``seeds/episodes.csv``.
    as_of : datetime.date, optional
        No trigger may be later; default `AS_OF`.

    Returns
    -------
    DataFrame
        One row per (episode, coding), see `load_reference_class` for the types.

    Raises
    ------
    TimelineError
        For each bad row (its first problem), as `load_reference_class` lists.

    Examples
    --------
    >>> episodes = load_episodes()
    >>> bool((episodes["rung_7d"] <= episodes["rung_30d"]).all())
    True
    """
    default = SEEDS_DIR / "episodes.csv"
    return _load_episode_table(Path(path) if path is not None else default, as_of or AS_OF)


def load_reference_class(
    path: str | Path | None = None, as_of: datetime.date | None = None
) -> pd.DataFrame:
    """Read and check the reference class: episodes of other pairs of states, coded alike.

    Parameters
    ----------
    path : str or Path, optional
        A CSV with the columns of `EPISODE_COLUMNS`; default ``seeds/reference_class.csv``.
    as_of : datetime.date, optional
        No trigger may be later; default `AS_OF`.

    Returns
    -------
    DataFrame
        One row per (episode, coding) in file order. `trigger_date` is ``datetime64``;
        `rung_7d`, `rung_30d` and `first_armed_day` are nullable ``Int64`` (NA when the outcome
        is not known, or for no armed response); `ceasefire_30d` is nullable ``boolean`` (NA when
        the sources do not say); `outcome_known` is ``bool``; the other columns are strings.
        ``attrs["path"]`` holds the file read.

    Raises
    ------
    TimelineError
        If a column is missing, or for each bad row (its first problem only): a missing id,
        side or source, a coding that is not one lower-case letter, a repeated (id, coding), a
        trigger after `as_of`, a source entry without an address, a rung outside 0..5, a 7-day
        rung above the 30-day rung, a first armed day outside 0..30 or at odds with the rungs
        (armed means rung 3 or more, `ARMED_RUNG`), a ceasefire other than yes, no or blank, or
        an outcome given although `outcome_known` is ``no``.

    Examples
    --------
    >>> reference = load_reference_class()
    >>> int(reference["rung_30d"].max()) <= MAX_RUNG
    True
    """
    default = SEEDS_DIR / "reference_class.csv"
    return _load_episode_table(Path(path) if path is not None else default, as_of or AS_OF)


def _load_episode_table(path: Path, as_of: datetime.date) -> pd.DataFrame:
    """Episodes coded in rungs (docs/backtest.md), every row checked."""
    seen: set[tuple[str, str]] = set()

    def check(row: dict[str, str]) -> None:
        key = (_required(row, "episode_id"), row["coding"].strip())
        if not re.fullmatch(r"[a-z]", key[1]):
            raise _RowError("coding", f"{key[1]!r} is not one lower-case letter (a, b, ...)")
        if key in seen:
            raise _RowError("coding", f"repeats episode {key[0]!r}, coding {key[1]!r}")
        seen.add(key)
        _required(row, "pair")
        _date(row, "trigger_date", as_of=as_of)
        striking, scored = _required(row, "striking_side"), _required(row, "scored_side")
        if striking == scored:
            raise _RowError("scored_side", f"{scored!r} is also the striking side")
        for entry in _required(row, "source").split("; "):
            if "http" not in entry:
                raise _RowError("source", f"entry {entry!r} has no address (http...)")
        _choice(row, "outcome_known", ("yes", "no"))
        _choice(row, "ceasefire_30d", ("yes", "no"), required=False)
        outcome = ("rung_7d", "rung_30d", "first_armed_day", "ceasefire_30d")
        if row["outcome_known"].strip() == "no":
            given = [field for field in outcome if row[field].strip()]
            if given:
                raise _RowError(given[0], "is given although outcome_known is no")
            return
        rung = {field: _count(row, field) for field in ("rung_7d", "rung_30d")}
        for field, value in rung.items():
            if value is None or value > MAX_RUNG:
                raise _RowError(field, f"{row[field].strip()!r} is not a rung 0..{MAX_RUNG}")
        if rung["rung_7d"] > rung["rung_30d"]:
            raise _RowError(
                "rung_7d", f"rung_7d = {rung['rung_7d']} is above rung_30d = {rung['rung_30d']}"
            )
        _armed_day(row, rung["rung_7d"], rung["rung_30d"])

    frame = _read(path, EPISODE_COLUMNS, check)
    frame["trigger_date"] = pd.to_datetime(frame["trigger_date"], format="%Y-%m-%d")
    for field in ("rung_7d", "rung_30d", "first_armed_day"):
        frame[field] = _integers(frame[field])
    frame["ceasefire_30d"] = (
        frame["ceasefire_30d"].map({"yes": True, "no": False}).astype("boolean")
    )
    frame["outcome_known"] = frame["outcome_known"] == "yes"
    frame.attrs["path"] = str(path)
    return frame


def _armed_day(row: dict[str, str], rung_7d: int, rung_30d: int) -> None:
    """The first armed day agrees with the rungs: armed means rung `ARMED_RUNG` or more."""
    day = _count(row, "first_armed_day")
    week, month = WINDOW_DAYS
    if day is None:
        if rung_30d >= ARMED_RUNG:
            raise _RowError("first_armed_day", f"is blank but rung_30d = {rung_30d} is armed")
        return
    if day > month:
        raise _RowError("first_armed_day", f"{day} is after day {month}; leave it blank")
    if (day <= week) != (rung_7d >= ARMED_RUNG) or rung_30d < ARMED_RUNG:
        raise _RowError(
            "first_armed_day",
            f"day {day} does not match rung_7d = {rung_7d}, rung_30d = {rung_30d} "
            f"(an armed response is rung {ARMED_RUNG} or more)",
        )
