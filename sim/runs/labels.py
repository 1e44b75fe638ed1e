"""What a run was: its label (header, figure titles) and the name of its results folder.

A variant must not be read as the experiment it came from, so the header line of a run, the titles
of its figures and the name of its results folder all name the scenario, the experiment and the
command-line overrides (the overrides are also in ``overrides.yaml``).

A results folder is ``<output.root>/<experiment>/<YYYY-MM-DD_HH-MM-SS>_<scenario>[__<overrides>]``:
the overrides that change what is run, sorted, joined by ``__``, each character other than a
letter, digit or one of ``. _ = , + -`` replaced by ``-`` (the name is safe on every file system).
Overrides that only say where or how output goes (``output.*``, ``hydra.*``) and the experiment
and scenario choices (already in the name) are left out. When the overrides would take more than
`MAX_OVERRIDE_CHARS` characters, their first `KEPT_OVERRIDE_CHARS` are kept and followed by ``~``
and 8 hexadecimal digits of the SHA-256 of the whole list, so two different long lists never
share a name; ``overrides.yaml`` in the folder has them in full.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

__all__ = [
    "FOLDER_SEPARATOR",
    "KEPT_OVERRIDE_CHARS",
    "MAX_OVERRIDE_CHARS",
    "UNNAMED_KEYS",
    "folder_label",
    "named_overrides",
    "run_label",
]

FOLDER_SEPARATOR = "__"
"""Between the scenario and each override in a results folder's name."""
MAX_OVERRIDE_CHARS = 60
"""The longest overrides part of a folder name kept whole."""
KEPT_OVERRIDE_CHARS = 40
"""Characters of a longer overrides part kept before its hash."""
UNNAMED_KEYS = (
    "experiment",
    "scenario",
    "output",
    "output.root",
    "output.figures",
    "output.progress",
    "output.quiet",
    "output.casualty_max",
)
"""Override keys left out of a folder name (with every ``hydra.*`` key): the experiment and the
scenario are named already; the others only say where or how output goes."""

_UNSAFE = re.compile(r"[^A-Za-z0-9._=,+-]")


def named_overrides(overrides: Sequence[str]) -> list[str]:
    """The overrides a folder name carries, sorted (as Hydra sorts them)."""
    kept = []
    for override in overrides:
        key = override.split("=", 1)[0].lstrip("+~")
        if key in UNNAMED_KEYS or key.startswith("hydra."):
            continue
        kept.append(override)
    return sorted(kept)


def folder_label(scenario: str, overrides: str | Sequence[str] = ()) -> str:
    """The part of a results folder's name after its time stamp: scenario and overrides.

    Parameters
    ----------
    scenario : str
        The scenario's name.
    overrides : str or sequence of str
        The command-line overrides (filtered with `named_overrides`), or Hydra's
        ``hydra.job.override_dirname`` (already filtered and joined).

    Examples
    --------
    >>> folder_label("ind_pak_2019", ["mc.replications=300", "experiment=restraint"])
    'ind_pak_2019__mc.replications=300'
    >>> folder_label("pak_afg_2026", ["scenario.mediators.qatar.leverage=0.9"])
    'pak_afg_2026__scenario.mediators.qatar.leverage=0.9'
    >>> len(folder_label("x", [f"scenario.states.a.p{i}=0.5" for i in range(9)]))
    52
    """
    if not isinstance(overrides, str):
        overrides = FOLDER_SEPARATOR.join(named_overrides(overrides))
    name = _UNSAFE.sub("-", scenario) or "scenario"
    text = _UNSAFE.sub("-", overrides)
    if len(text) > MAX_OVERRIDE_CHARS:
        digest = hashlib.sha256(overrides.encode("utf-8")).hexdigest()[:8]
        text = f"{text[:KEPT_OVERRIDE_CHARS]}~{digest}"
    return f"{name}{FOLDER_SEPARATOR}{text}" if text else name


def run_label(scenario: str, as_of: str, experiment: str, overrides: Sequence[str]) -> str:
    """What was run, in words: the header line of a run and a line of its figures' titles.

    Examples
    --------
    >>> run_label("pak_afg_2026", "2026-02-22", "restraint", ["mc.replications=500"])
    'scenario pak_afg_2026 (as of 2026-02-22), experiment restraint; overrides: mc.replications=500'
    """
    given = [o for o in overrides if not o.startswith("experiment=")]
    dated = f" (as of {as_of})" if as_of else ""
    return f"scenario {scenario}{dated}, experiment {experiment}; " + (
        f"overrides: {' '.join(given)}" if given else "no overrides"
    )
