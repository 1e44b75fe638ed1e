"""What every figure shares: the ladder's colours, words for columns and events, axes, saving."""

from __future__ import annotations

import os
import re
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.core.ladder import RUNG_NAMES

if TYPE_CHECKING:
    from matplotlib.axes import Axes


__all__ = ["KIND_WORDS", "RUNG_COLOURS", "column_words"]

# One colour per rung, calm to war, so every figure reads the ladder the same way.
RUNG_COLOURS = ("#d9d9d9", "#fee391", "#fec44f", "#fe9929", "#d95f0e", "#7f0000")
_STATE_COLOURS = ("tab:blue", "tab:red", "tab:purple", "tab:brown")
_GROUP_COLOURS = ("dimgray", "darkgoldenrod", "teal", "olive")
# Event kinds a state's action can take, in ladder order (rung 1..5), and how a reader says them.
KIND_WORDS = {
    "attack": "militant attack",
    "protest": "diplomatic protest",
    "show_of_force": "show of force",
    "strike": "limited strike",
    "clash": "interstate clash",
    "war": "war-level fighting",
    "violation": "ceasefire violation",
    "ceasefire_made": "ceasefire agreed",
    "ceasefire_ended": "ceasefire ended",
}
# Actions marked on the timeline: strikes, and clashes with war-level fighting.
_MARKED = {"strike": ("v", "strike"), "clash": ("X", "clash"), "war": ("X", "clash")}
_COLUMN_WORDS = {
    "military_deaths_": "soldiers killed, {}",
    "civilian_deaths_": "civilians killed, {}",
    "militant_deaths_": "militants killed, {}",
    "attacks_": "attacks by {}",
    "strikes_": "days of strikes by {}",
}
# Columns of a sweep table: P(max rung >= k within t days) and paired differences.
_CHANCE = re.compile(r"(p|diff)_rung(\d)_(\d+)d(_low|_high)?")
_PLAIN_WORDS = {
    "p_war": "chance of war (1,000+ battle deaths)",
    "battle_deaths": "battle deaths",
    "clashes": "days of interstate clashes",
    "ceasefire_days": "days under a ceasefire",
    "ceasefires_made": "ceasefires agreed",
    "ceasefires_broken": "ceasefires broken",
    "max_rung": "highest rung reached",
}


# -- shared helpers ----------------------------------------------------------------------------


def _figure(width: float = 8.0, height: float = 4.5) -> Figure:
    return Figure(figsize=(width, height), layout="constrained")


def _wrap(fig: Figure, text: str) -> str:
    # About ten characters of medium-sized text per inch of figure.
    return textwrap.fill(text, int(fig.get_figwidth() * 10))


def _title(ax: Axes, text: str) -> None:
    # Over the whole figure, not the axes: long tick labels can make the axes narrow.
    ax.figure.suptitle(_wrap(ax.figure, text), fontsize="medium")


def _days_label(as_of: str | None) -> str:
    if not as_of:
        return "days from the start"
    return f"days since {pd.Timestamp(as_of):%-d %b %Y}"


def _name(actor: str, names: Mapping[str, str]) -> str:
    if actor in names:
        return names[actor]
    if "-" in actor:
        return "–".join(_name(part, names) for part in actor.split("-"))
    # Short ids are acronyms (TTP, ISKP); longer ones are place names.
    return actor.upper() if len(actor) <= 4 else actor.replace("_", " ").title()


def _scenario_names(scenario: Any) -> dict[str, str]:
    if scenario is None:
        return {}
    actors = {**scenario.states, **scenario.militants, **scenario.mediators}
    return {key: spec.name for key, spec in actors.items()}


def column_words(column: str, names: Mapping[str, str] | None = None) -> str:
    """Say an outcome column in words: ``military_deaths_pakistan`` is soldiers killed, Pakistan.

    Parameters
    ----------
    column : str
        A column of the outcomes table (``docs/outcomes.md``) or any other name.
    names : mapping of str to str, optional
        Display names of actor ids; ids not in it are title-cased (acronyms upper-cased).

    Returns
    -------
    str
        The words; an unknown column comes back with underscores as spaces.
    """
    names = names or {}
    for prefix, words in _COLUMN_WORDS.items():
        if column.startswith(prefix):
            return words.format(_name(column.removeprefix(prefix), names))
    if match := _CHANCE.fullmatch(column):
        change, rung, days, limit = match.groups()
        words = f"chance of {RUNG_NAMES[int(rung)]} within {days} days"
        words = f"change in the {words}" if change == "diff" else words
        return words + {None: "", "_low": " (lower limit)", "_high": " (upper limit)"}[limit]
    if column.startswith("mean_"):
        return "mean " + column_words(column.removeprefix("mean_"), names)
    if "." in column:
        # A scenario key path such as mediators.qatar.leverage: the actor, then the field.
        _, actor, *field = column.split(".")
        return f"{_name(actor, names)}: {' '.join(field).replace('_', ' ')}"
    return _PLAIN_WORDS.get(column, column.replace("_", " "))


def _rung_axis(ax: Axes, axis: str = "y") -> None:
    ticks = range(len(RUNG_NAMES))
    labels = [f"{k} {name}" for k, name in enumerate(RUNG_NAMES)]
    if axis == "y":
        ax.set_yticks(ticks, labels)
        ax.set_ylim(-0.4, len(RUNG_NAMES) - 0.6)
    else:
        ax.set_xticks(ticks, labels)


def _is_probability(*columns: pd.Series | np.ndarray | None) -> bool:
    values = np.concatenate([np.asarray(c, float).ravel() for c in columns if c is not None])
    values = values[np.isfinite(values)]
    return bool(values.size) and bool(np.all((values >= 0) & (values <= 1)))


def _save(fig: Figure, path: Path) -> Path:
    # Write beside the target under a name pandas and pyarrow skip, then rename: no half files.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fig.savefig(tmp, format="png", dpi=150)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
