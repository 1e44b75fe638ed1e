"""A sweep's folder: its files, the lock, the progress log, the config hash that guards resume.

A sweep folder holds::

    sweep.json          the resolved config (sweep, Monte Carlo settings, scenario) and its hash
    manifest.json       seed, versions, git commit, times of the last session
    progress.log        one line per session and per point done or failed
    points/             point-NNNNNN.parquet: one row per finished point, written atomically
    failures/           point-NNNNNN.json: parameters, seed and traceback of each failed point
    outcomes/           point-NNNNNN.parquet: per-replication outcomes (baseline, or all if kept)
    sweep.parquet       the tidy table, one row per point (see docs/sweeps.md)
    sweep.csv           the same table as CSV
    failures.json       every failed point, a list (a rerun retries them)

Started again with the same config, a sweep resumes: finished points are read back, failed and
unfinished ones are run. A different config (another hash) is refused, so a folder never mixes
the points of two sweeps. Executor settings are not part of the hash: they do not change results.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from filelock import FileLock, Timeout

from sim.core.errors import ConfigError, EnvironmentFault
from sim.runs.executors import parent_only_fd
from sim.storage import store
from sim.sweeps.design import Sweep

SWEEP_FILE = "sweep.json"
TABLE_FILE = "sweep.parquet"
CSV_FILE = "sweep.csv"
FAILURES_FILE = "failures.json"
LOG_FILE = "progress.log"
SENSITIVITY_FILE = "sensitivity.csv"
DISCOVERY_FILE = "discovery.txt"
POINTS_DIR = "points"
FAILURES_DIR = "failures"
OUTCOMES_DIR = "outcomes"

log = logging.getLogger("sim.sweeps.runner")  # the logger's name users configure


class SweepChangedError(ConfigError):
    """The sweep folder was started with another config: resuming would mix two sweeps."""


def _canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, default=str, separators=(",", ":"))


def _flatten(obj: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(obj, Mapping):
        out: dict[str, Any] = {}
        for k, v in obj.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out or {prefix: {}}
    if isinstance(obj, list):
        out = {}
        for i, v in enumerate(obj):
            out.update(_flatten(v, f"{prefix}.{i}"))
        return out or {prefix: []}
    return {prefix: obj}


def _changed_keys(old: Any, new: Any) -> list[str]:
    a, b = _flatten(json.loads(_canonical(old))), _flatten(json.loads(_canonical(new)))
    return sorted(k for k in set(a) | set(b) if a.get(k, "<absent>") != b.get(k, "<absent>"))


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on the folder; the OS releases it if the process dies."""
    folder.mkdir(parents=True, exist_ok=True)
    # filelock rather than fcntl, which does not exist on Windows.
    lock = FileLock(folder / ".lock", timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise EnvironmentFault(
            f"sweep folder {folder} is in use by another process; wait for it "
            "to finish, or give this run another folder (+sweep.folder=PATH)"
        ) from None
    # Temp files of a session killed mid-write: the lock says no one writes here now.
    for stale in folder.rglob(".*.tmp"):
        stale.unlink(missing_ok=True)
    # Forked workers close their copy of the lock's descriptor (and die with this process).
    fd = getattr(getattr(lock, "_context", None), "lock_file_fd", None)
    if fd is not None:
        parent_only_fd(fd)
    try:
        yield
    finally:
        if fd is not None:
            parent_only_fd(fd, held=False)
        lock.release()


def _file(folder: Path, sub: str, index: int, suffix: str) -> Path:
    return folder / sub / f"point-{index:06d}{suffix}"


def _log(folder: Path, message: str) -> None:
    stamp = datetime.now(UTC).isoformat(timespec="milliseconds")
    with open(folder / LOG_FILE, "a", encoding="utf-8") as fh:
        fh.write(f"{stamp} pid={os.getpid()} {message}\n")
    log.info(message)


def _log_finished_points(folder: Path, finished: Sequence[int]) -> None:
    """Give every finished point its ``done`` line in progress.log.

    A point's file is written before its line, so a session killed between the two leaves a
    finished point without a line; the next session writes the missing line (once), so the log
    always holds exactly one ``done`` line per finished point.
    """
    path = folder / LOG_FILE
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    logged = {int(i) for i in re.findall(r"point (\d+) done", text)}
    for i in finished:
        if i not in logged:
            _log(folder, f"point {i} done (found finished: the last session ended before its line)")


def _open_folder(folder: Path, sweep: Sweep, resolved: dict, digest: str, n: int) -> None:
    path = folder / SWEEP_FILE
    if path.is_file():
        old = json.loads(path.read_text(encoding="utf-8"))
        if old.get("hash") != digest:
            changed = _changed_keys(old.get("config", {}), resolved)
            shown = ", ".join(changed[:8]) + (
                f" and {len(changed) - 8} more" if len(changed) > 8 else ""
            )
            if changed and all(k.startswith("code.") for k in changed):
                raise SweepChangedError(
                    "sweep",
                    f"the folder {folder} holds points computed by other code (changed: {shown}); "
                    "they would not match this code's: give this sweep another folder "
                    "(sweep.folder; on the command line +sweep.folder=PATH), or delete that "
                    "folder to start again",
                )
            raise SweepChangedError(
                "sweep",
                f"the folder {folder} holds a sweep started with another config "
                f"(hash {str(old.get('hash'))[:12]}, now {digest[:12]}; changed: {shown}). Its "
                "finished points would not match this config: give this sweep another folder "
                "(sweep.folder; on the command line +sweep.folder=PATH), or delete that folder "
                "to start again",
            )
        created = old.get("created")
    else:
        created = datetime.now(UTC).isoformat()
    # The spec is rewritten each session: keys outside the hash (analyze, ...) may change.
    store.write_json(
        {
            "hash": digest,
            "points": n,
            "created": created,
            "config": resolved,
            "sweep": sweep.to_dict(),
        },
        path,
    )


def _save_point(folder: Path, done: Any) -> None:
    """Write a computed point's files atomically, in this process, as it arrives.

    `done` is the runner's ``_PointDone``: ``index``, ``row``, ``failure``, ``outcomes``.
    """
    i = done.index
    if done.failure is not None:
        store.write_json(done.failure, _file(folder, FAILURES_DIR, i, ".json"))
        _log(folder, f"point {i} failed: {done.failure['error']}")
        return
    if done.outcomes is not None:
        store.write_parquet(done.outcomes, _file(folder, OUTCOMES_DIR, i, ".parquet"))
    store.write_parquet(pd.DataFrame([done.row]), _file(folder, POINTS_DIR, i, ".parquet"))
    _file(folder, FAILURES_DIR, i, ".json").unlink(missing_ok=True)
    _log(folder, f"point {i} done in {done.row['seconds']:.2f}s")
