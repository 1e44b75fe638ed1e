"""Run manifests: seed, versions, git commit, command, times, and the code's fingerprint.

A manifest records what is needed to reproduce a run; :func:`code_fingerprint` is what a resumed
run or sweep compares, so results computed by other code are never mixed with new ones.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import platform
import socket
import subprocess
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = ["code_fingerprint", "finish_manifest", "manifest", "rule_targets"]

DISTRIBUTION = "escalation-sim"
_PACKAGES = ("sim", "numpy", "scipy", "pandas", "pyarrow", "mesa", "hydra-core", "omegaconf")


# --- manifest --------------------------------------------------------------------------------


def manifest(
    seed: int | None,
    command: Sequence[str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Record what is needed to reproduce a run, with its start time.

    Parameters
    ----------
    seed : int or None
        Seed of the run's root ``SeedSequence``.
    command : sequence of str, optional
        The exact command; ``sys.argv`` by default.
    extra : mapping, optional
        More entries, such as ``entropy`` (the root ``SeedSequence.entropy``, which identifies
        the streams when `seed` is None) or the chunk size. They may not replace the keys below.

    Returns
    -------
    dict
        Keys ``seed``, then `extra`'s, then ``versions`` (package -> version or "not
        installed"), ``git_commit`` and ``git_dirty`` (None when not in a git checkout or git is
        missing), ``python``, ``platform``, ``hostname``, ``command``, ``started`` (ISO-8601
        UTC), ``finished`` and ``duration_s`` (None until :func:`finish_manifest`).
    """
    commit, dirty = _git_state(Path(__file__).resolve().parents[2])
    standard = {
        "versions": {name: _version(name) for name in _PACKAGES},
        "git_commit": commit,
        "git_dirty": dirty,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "hostname": socket.gethostname(),
        "command": list(sys.argv if command is None else command),
        "started": _now(),
        "finished": None,
        "duration_s": None,
    }
    extra = dict(extra or {})
    clash = sorted(set(extra) & (set(standard) | {"seed"}))
    if clash:
        raise ValueError(f"extra may not replace manifest keys {clash}")
    return {"seed": seed, **extra, **standard}


def rule_targets(tree: Any) -> list[str]:
    """Every ``_target_`` import path (a user's rule class) anywhere in plain data `tree`."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, Mapping):
            for key, value in node.items():
                if key == "_target_" and isinstance(value, str):
                    found.add(value)
                else:
                    walk(value)
        elif isinstance(node, list | tuple):
            for value in node:
                walk(value)

    walk(tree)
    return sorted(found)


def _source_digest(target: str) -> str:
    module_name, _, attr = target.rpartition(".")
    try:
        obj = getattr(importlib.import_module(module_name), attr)
        source = inspect.getsource(obj)
    except (ImportError, AttributeError, OSError, TypeError) as exc:
        # No source to read (defined interactively, or gone): record why, so it never matches
        # a fingerprint taken from real source.
        return f"unavailable: {type(exc).__name__}"
    return hashlib.sha256(source.encode()).hexdigest()


def _package_digest() -> str:
    """SHA-256 over the package's Python sources, so uncommitted edits count too."""
    root = Path(__file__).resolve().parents[1]  # the sim package
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def code_fingerprint(tree: Any = None) -> dict[str, Any]:
    """What code computes a run: the package's version, commit and sources, and user rules.

    Parameters
    ----------
    tree : plain data, optional
        A scenario or sweep as plain data; the source of every ``_target_`` class in it is
        fingerprinted (:func:`inspect.getsource`).

    Returns
    -------
    dict
        ``version``, ``git_commit``, ``source_sha256`` (the package's ``.py`` files) and
        ``rules`` (import path -> SHA-256 of the class's source). A sweep refuses to resume
        when any of these differ from the session that started it.
    """
    commit, _ = _git_state(Path(__file__).resolve().parents[2])
    return {
        "version": _version(DISTRIBUTION),
        "git_commit": commit,
        "source_sha256": _package_digest(),
        "rules": {target: _source_digest(target) for target in rule_targets(tree)},
    }


def finish_manifest(record: Mapping[str, Any]) -> dict[str, Any]:
    """Return a copy of a :func:`manifest` with ``finished`` (now) and ``duration_s`` set."""
    finished = _now()
    duration = datetime.fromisoformat(finished) - datetime.fromisoformat(record["started"])
    return {**record, "finished": finished, "duration_s": duration.total_seconds()}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def _git_state(directory: Path) -> tuple[str | None, bool | None]:
    """Commit and dirty flag of the git checkout holding `directory`; (None, None) if none."""
    commit = _git(directory, "rev-parse", "HEAD")
    if commit is None:
        return None, None
    status = _git(directory, "status", "--porcelain")
    return commit, None if status is None else bool(status)


def _git(directory: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args], cwd=directory, capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None
