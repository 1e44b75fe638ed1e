"""Dotted key paths: read and set a node of nested mappings, lists and objects by its path.

A key path names a node by the keys from the top, joined by dots: ``mediators.qatar.leverage``
in a scenario, ``states.pakistan.inflicted.military.4`` (a list item by its index), or
``states.pakistan.pressure`` in a model (an object's attribute). Sweeps set a point's levers by
path, the model applies a replayed starting state by path, and the replay writes its starting
values into a scenario by path: this module is the one walker they share, so a wrong key gets the
same error everywhere.

Examples
--------
>>> data = {"states": {"pakistan": {"pressure": 0.0, "inflicted": [1, 2]}}}
>>> set_path(data, "states.pakistan.pressure", 0.4)
>>> get_path(data, "states.pakistan.pressure")
0.4
>>> set_path(data, "states.pakistan.inflicted.1", 5)
>>> data["states"]["pakistan"]["inflicted"]
[1, 5]
>>> set_path(data, "militants.ttp.strength", 0.9, create=True)
>>> data["militants"]
{'ttp': {'strength': 0.9}}
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping, Sequence
from typing import Any

from sim.core.errors import ConfigError, did_you_mean

__all__ = ["get_path", "set_path", "split_path"]

# Values below which a path cannot go (their attributes are not nodes).
_LEAVES = (str, bytes, int, float, bool)


def split_path(path: str | Sequence[str]) -> list[str]:
    """The parts of a key path; a sequence of parts is returned as a list."""
    return path.split(".") if isinstance(path, str) else list(path)


def _where(root: str, parts: Sequence[str]) -> str:
    return ".".join([root, *parts]) if root else ".".join(parts)


def get_path(data: Any, path: str | Sequence[str], root: str = "scenario") -> Any:
    """Return the node at `path` in nested mappings, lists and objects.

    Parameters
    ----------
    data : mapping, list or object
        The top of the tree. Mappings are entered by key, lists by index, other objects (not
        numbers or text) by public attribute.
    path : str or sequence of str
        ``a.b.c`` or its parts.
    root : str
        Prefix of the key named in an error (``scenario`` gives ``scenario.a.b``).

    Returns
    -------
    object
        The node; mappings and lists are returned as they are (not copied).

    Raises
    ------
    ConfigError
        Naming the first wrong key, with the keys it could have been.
    """
    parts = split_path(path)
    full = ".".join(parts)
    node = data
    for depth, part in enumerate(parts):
        where = _where(root, parts[: depth + 1])
        if isinstance(node, list | tuple):
            if not part.isdigit() or int(part) >= len(node):
                raise ConfigError(
                    where, f"'{part}' is not an index 0..{len(node) - 1} of the list in '{full}'"
                )
            node = node[int(part)]
        elif isinstance(node, Mapping):
            if part not in node:
                raise ConfigError(
                    where, f"unknown key in '{full}'; " + did_you_mean(part, [str(k) for k in node])
                )
            node = node[part]
        elif node is None or isinstance(node, _LEAVES) or part.startswith("_"):
            raise ConfigError(where, f"'{full}' goes below a value ({node!r})")
        elif hasattr(node, part):
            node = getattr(node, part)
        else:
            names = [n for n in getattr(node, "__dict__", {}) if not n.startswith("_")]
            raise ConfigError(where, f"unknown key in '{full}'; " + did_you_mean(part, names))
    return node


def set_path(
    data: Any, path: str | Sequence[str], value: Any, root: str = "scenario", create: bool = False
) -> None:
    """Set the node at `path` to `value`, in place.

    Parameters
    ----------
    data : mapping, list or object
        The top of the tree (see :func:`get_path`).
    path : str or sequence of str
        ``a.b.c`` or its parts; its parent must exist unless `create`.
    value : object
        The new node (stored as given).
    root : str
        Prefix of the key named in an error.
    create : bool
        Create missing mappings on the way (a new entry in a mapping is always allowed).

    Raises
    ------
    ConfigError
        Naming the first wrong key.
    """
    parts = split_path(path)
    parent = data
    if create:
        for part in parts[:-1]:
            if isinstance(parent, MutableMapping):
                parent = parent.setdefault(part, {})
            else:
                parent = get_path(parent, [part], root)
    else:
        parent = get_path(data, parts[:-1], root)
    last = parts[-1]
    if isinstance(parent, list):
        get_path(data, parts, root)  # the index must exist: its error names the whole path
        parent[int(last)] = value
    elif isinstance(parent, MutableMapping):
        parent[last] = value
    elif parent is None or isinstance(parent, (*_LEAVES, tuple)) or last.startswith("_"):
        full = ".".join(parts)
        raise ConfigError(_where(root, parts), f"'{full}' goes below a value ({parent!r})")
    else:
        get_path(data, parts, root)  # an object's attribute must exist
        setattr(parent, last, value)
