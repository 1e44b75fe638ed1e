"""Writing replayed starting values into a scenario file, keeping every comment and basis.

The file is read and written with ruamel.yaml's round trip, which keeps the layout, the order and
every comment; only the starting values change, and the basis comment beside each becomes
`BASIS`. A round trip of an unchanged file gives it back byte for byte.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import CommentMark
from ruamel.yaml.tokens import CommentToken

from sim.core.paths import SEEDS_DIR
from sim.scenario.loading import scenario_path
from sim.storage.files import write_text

__all__ = ["BASIS", "START_FIELDS", "replayed_basis", "write_start_values"]

BASIS = "replayed from seeds/pak_afg_events.csv by sim.history (docs/history.md)"
"""The basis comment written beside the replayed starting values of the default scenario."""


def replayed_basis(events: str | Path) -> str:
    """The basis comment for values replayed from the timeline file `events`.

    A file in ``seeds/`` is named ``seeds/NAME``, as the scenario files cite it; another by its
    path.

    Examples
    --------
    >>> replayed_basis(SEEDS_DIR / "pak_afg_events.csv") == BASIS
    True
    """
    path = Path(events)
    shown = f"seeds/{path.name}" if path.resolve().parent == SEEDS_DIR else str(path)
    return f"replayed from {shown} by sim.history (docs/history.md)"


START_FIELDS = ("pressure", "weariness", "grievance", "provocation", "harm", "strength", "engaged")
"""The keys of a state, group or mediator that hold a starting value (the rest are parameters)."""


def _yaml() -> YAML:
    yaml = YAML()  # round trip: comments, order, flow style and quotes kept
    yaml.preserve_quotes = True
    yaml.width = 4096  # never fold a long line
    return yaml


def write_start_values(
    values: dict[str, dict[str, dict[str, Any]]], path: str | Path | None = None, basis: str = BASIS
) -> Path:
    """Write starting values into a scenario YAML, keeping every other line as it is.

    Parameters
    ----------
    values : dict
        As from :meth:`~sim.history.replayer.ReplayResult.to_scenario_values`:
        ``{"states": {sid: {"pressure": x, "grievance": {o: x}, ...}}, "militants": {...}}``.
    path : str or Path, optional
        The scenario file; default ``configs/scenario/pak_afg_2026.yaml``.
    basis : str
        The comment written beside each value.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    ValueError
        If a value has no key to go on (the YAML must already hold every starting key), or the
        key is not a starting value.
    """
    path = scenario_path(path if path is not None else "pak_afg_2026")
    yaml = _yaml()
    data = yaml.load(path.read_text(encoding="utf-8"))
    missing = []
    for section, actors in values.items():
        for actor, fields in actors.items():
            node = (data.get(section) or {}).get(actor) if isinstance(data, dict) else None
            for key, value in fields.items():
                if not isinstance(node, CommentedMap) or key not in node or key not in START_FIELDS:
                    missing.append(f"{section}.{actor}.{key}")
                    continue
                if isinstance(value, dict) and isinstance(node[key], CommentedMap):
                    node[key].update(value)  # a flow mapping stays one
                else:
                    node[key] = value
                _set_comment(node, key, basis)
    if missing:
        raise ValueError(f"{path}: no line for {', '.join(missing)}")
    out = io.StringIO()
    yaml.dump(data, out)
    write_text(out.getvalue(), path)
    return path


def _set_comment(node: CommentedMap, key: str, basis: str) -> None:
    """Make `basis` the end-of-line comment of `key`, in the column its old comment had."""
    slot = node.ca.items.get(key)
    token = slot[2] if slot and len(slot) > 2 else None
    if isinstance(token, CommentToken):
        token.value = f"# {basis}\n"
    else:
        node.ca.items.setdefault(key, [None, None, None, None])[2] = CommentToken(
            f"# {basis}\n", CommentMark(0), None
        )
