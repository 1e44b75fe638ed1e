"""Actors named by their place in the scenario: ``states.0`` is the first state listed.

An experiment written for any scenario cannot name its actors by id (``pakistan``, ``qatar``):
another crisis has other ids. It names them by position instead: in a key path, a whole number
right after ``states``, ``militants`` or ``mediators`` is the actor listed at that place in the
scenario file, counting from 0 (``states.0.retaliation.p_act``, ``mediators.0.leverage``). Ids
start with a letter, so a number is never an id. :func:`resolve_path` turns a position into the
id; the experiment config resolves them before anything else reads it (docs/experiments.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from sim.core.errors import ConfigError

__all__ = ["SECTIONS", "actor_at", "is_position", "resolve_names", "resolve_path"]

SECTIONS = ("states", "militants", "mediators")
"""The scenario's actor sections whose members a key path may name by position."""


def is_position(segment: object) -> bool:
    """Whether a key-path segment (or a ``retaliation.state`` value) is a position, e.g. ``0``."""
    if isinstance(segment, bool):
        return False
    return isinstance(segment, int) or (isinstance(segment, str) and segment.isdigit())


def actor_at(ids: Sequence[str], section: str, index: int, where: str, scenario: str = "") -> str:
    """The id listed at place `index` of a scenario's `section`.

    Raises
    ------
    ConfigError
        Naming `where` when the scenario lists fewer actors: such an experiment cannot apply to it.
    """
    if 0 <= index < len(ids):
        return ids[index]
    listed = ", ".join(ids) if ids else "none"
    named = f"scenario {scenario!r}" if scenario else "the scenario"
    raise ConfigError(
        where,
        f"names the {section} at place {index} (counting from 0), but {named} lists "
        f"{len(ids)} {section} ({listed}); this experiment does not apply to it",
    )


def resolve_path(
    path: str, ids: Mapping[str, Sequence[str]], where: str, scenario: str = ""
) -> str:
    """A scenario key path with a position after its actor section replaced by the id.

    Parameters
    ----------
    path : str
        A dotted key path into the scenario, e.g. ``mediators.0.leverage``.
    ids : mapping of str to sequence of str
        The ids of each section in the scenario's order.
    where : str
        The config key reported in an error.
    scenario : str
        The scenario's name, for the error.

    Examples
    --------
    >>> resolve_path("mediators.0.leverage", {"mediators": ["qatar", "turkiye"]}, "sweep")
    'mediators.qatar.leverage'
    >>> resolve_path("decay", {}, "sweep")
    'decay'
    """
    parts = path.split(".")
    if len(parts) >= 2 and parts[0] in SECTIONS and is_position(parts[1]):
        parts[1] = actor_at(list(ids.get(parts[0], ())), parts[0], int(parts[1]), where, scenario)
    return ".".join(parts)


_TOKEN = re.compile(r"\{(" + "|".join(SECTIONS) + r")\.(\d+)\}")


def resolve_names(
    text: str, ids: Mapping[str, Sequence[str]], where: str, scenario: str = ""
) -> str:
    """A text with each ``{states.0}`` (``{militants.1}``, ...) replaced by the id listed there.

    For names that carry an actor's id, such as the outcome column ``mean_strikes_pakistan``.

    Examples
    --------
    >>> resolve_names("mean_strikes_{states.0}", {"states": ["india", "pakistan"]}, "sweep.show")
    'mean_strikes_india'
    """

    def actor(match: re.Match[str]) -> str:
        section, index = match.group(1), int(match.group(2))
        return actor_at(list(ids.get(section, ())), section, index, where, scenario)

    return _TOKEN.sub(actor, text)
