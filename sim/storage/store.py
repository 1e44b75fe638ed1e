"""Results folders, run manifests and atomic writes of Parquet, CSV, JSON and text.

Every file is written by :func:`atomic_write`: a dot-named temp file in the same directory,
fsync, ``os.replace`` onto the final name, fsync of the directory. A reader therefore sees the old
file or the new one, never half of one, and a leftover temp file from a killed process is skipped
by pyarrow and pandas (they ignore names starting with ``.`` or ``_``), so a directory of chunk
files still reads.

A results folder holds::

    config.yaml        resolved config
    overrides.yaml     command-line overrides, a list of strings
    manifest.json      seed, entropy, package versions, git commit, command, times
    outcomes.parquet   one row per replication (docs/outcomes.md); attrs kept
    outcomes/          chunk files of a run in progress (removed by ChunkWriter.finalize)
    summary.csv        headline table
    figures/*.png

Write one with :class:`ResultsFolder`; read one back with :func:`load_results`. The atomic
writes and chunk files are :mod:`sim.storage.files`, the manifests :mod:`sim.storage.manifest`;
their names are re-exported here.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
from omegaconf import DictConfig, OmegaConf

from sim.storage.files import (
    ChunkWriter,
    atomic_write,
    read_parquet,
    write_csv,
    write_json,
    write_parquet,
    write_text,
)
from sim.storage.manifest import (
    DISTRIBUTION,
    code_fingerprint,
    finish_manifest,
    manifest,
    rule_targets,
)

_log = logging.getLogger(__name__)

__all__ = [
    "CONFIG_FILE",
    "FIGURES_DIR",
    "MANIFEST_FILE",
    "OUTCOMES_FILE",
    "OVERRIDES_FILE",
    "SUMMARY_FILE",
    "DISTRIBUTION",
    "ChunkWriter",
    "Results",
    "ResultsFolder",
    "atomic_write",
    "code_fingerprint",
    "finish_manifest",
    "load_results",
    "manifest",
    "read_parquet",
    "rule_targets",
    "write_csv",
    "write_json",
    "write_parquet",
    "write_text",
]

CONFIG_FILE = "config.yaml"
OVERRIDES_FILE = "overrides.yaml"
MANIFEST_FILE = "manifest.json"
OUTCOMES_FILE = "outcomes.parquet"
SUMMARY_FILE = "summary.csv"
FIGURES_DIR = "figures"
_CHUNKS_DIR = "outcomes"
# What a run writes before it reads any input it loads late (ResultsFolder.removed_if_unused).
_START_FILES = frozenset({CONFIG_FILE, OVERRIDES_FILE, MANIFEST_FILE})
_FOLDER_HOLDS = (
    f"a results folder holds {MANIFEST_FILE}, {CONFIG_FILE}, {OVERRIDES_FILE}, "
    f"{OUTCOMES_FILE}, {SUMMARY_FILE} and {FIGURES_DIR}/"
)


# --- results folders -------------------------------------------------------------------------


class ResultsFolder:
    """A folder holding one run's config, manifest, outcomes, summary and figures.

    Parameters
    ----------
    path : str or os.PathLike
        The folder; created when the first file is written. Use :meth:`create` for a new,
        unique one, or pass an existing folder (such as Hydra's run directory).
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"ResultsFolder({str(self.path)!r})"

    @classmethod
    def create(cls, root: str | os.PathLike = "outputs", name: str | None = None) -> ResultsFolder:
        """Make a new folder ``root/name`` that did not exist before.

        Parameters
        ----------
        root : str or os.PathLike
            Parent of all results folders.
        name : str, optional
            Relative folder name; by default the local date and time, ``YYYY-MM-DD/HH-MM-SS``
            (as Hydra names its run directories). If taken, ``-1``, ``-2``, ... is appended.

        Returns
        -------
        ResultsFolder
            The new, empty folder.
        """
        if name is None:
            name = datetime.now().strftime("%Y-%m-%d/%H-%M-%S")
        base = Path(root) / name
        base.parent.mkdir(parents=True, exist_ok=True)
        for suffix in range(1_000_000):
            path = base if suffix == 0 else base.with_name(f"{base.name}-{suffix}")
            try:
                path.mkdir()
            except FileExistsError:
                continue
            return cls(path)
        raise FileExistsError(f"no free folder name for {base}")

    @classmethod
    def claim(cls, path: str | os.PathLike) -> ResultsFolder:
        """Take `path` for one run, or a fresh sibling ``path-1``, ``path-2``, ... if it is held.

        A folder belongs to the run that created its ``manifest.json``: the file is created
        exclusively (``O_CREAT | O_EXCL``), which exactly one process or thread can do, so two
        runs started in the same second (Hydra names folders to the second) never share one.
        The placeholder is replaced by the real manifest when the run writes it.

        Parameters
        ----------
        path : str or os.PathLike
            The folder wanted (such as Hydra's run directory); created if missing.

        Returns
        -------
        ResultsFolder
            A folder this call alone holds.
        """
        wanted = Path(path)
        candidate = wanted
        for suffix in range(1, 1_000_000):
            try:
                candidate.mkdir(parents=True, exist_ok=True)
                fd = os.open(candidate / MANIFEST_FILE, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                candidate = wanted.with_name(f"{wanted.name}-{suffix}")
                continue
            except FileNotFoundError:
                continue  # another run removed the empty folder meanwhile: make it again
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                # Until the run writes its manifest: not finished, held by this process.
                json.dump({"seed": None, "finished": None, "claimed_by_pid": os.getpid()}, handle)
            return cls(candidate)
        raise FileExistsError(f"no free folder name for {wanted}")

    @contextmanager
    def removed_if_unused(self) -> Iterator[ResultsFolder]:
        """Remove this folder if the run fails on its inputs before writing any result.

        Some runs read inputs after they have claimed their folder and written its config and
        manifest (the back-test's episode files, the calibration's record): a bad file or a
        missing one (ValueError or OSError) must then not leave a folder that looks like a run.
        A folder holding anything besides those start files is kept, as is one whose run was
        interrupted (a sweep or a calibration resumes from what it wrote).

        Yields
        ------
        ResultsFolder
            This folder.
        """
        try:
            yield self
        except (ValueError, OSError):
            if self.path.is_dir() and {p.name for p in self.path.iterdir()} <= _START_FILES:
                shutil.rmtree(self.path, ignore_errors=True)
            raise

    def write_config(self, cfg: DictConfig | Mapping[str, Any]) -> Path:
        """Write the config, interpolations resolved, to ``config.yaml``."""
        node = cfg if isinstance(cfg, DictConfig) else OmegaConf.create(dict(cfg))
        return write_text(OmegaConf.to_yaml(node, resolve=True), self.path / CONFIG_FILE)

    def write_overrides(self, overrides: Sequence[str]) -> Path:
        """Write the command-line overrides, a list of strings, to ``overrides.yaml``."""
        return write_text(
            OmegaConf.to_yaml(OmegaConf.create([str(o) for o in overrides])),
            self.path / OVERRIDES_FILE,
        )

    def write_manifest(self, record: Mapping[str, Any]) -> Path:
        """Write a :func:`manifest` to ``manifest.json``."""
        return write_json(dict(record), self.path / MANIFEST_FILE)

    def write_outcomes(self, outcomes: pd.DataFrame, schema: pa.Schema | None = None) -> Path:
        """Write the outcome table, attrs kept, to ``outcomes.parquet``."""
        return write_parquet(outcomes, self.path / OUTCOMES_FILE, schema)

    def chunk_writer(self, schema: pa.Schema | None = None) -> ChunkWriter:
        """Open a :class:`ChunkWriter` on ``outcomes/``; finalize it into :attr:`outcomes_path`."""
        return ChunkWriter(self.path / _CHUNKS_DIR, schema)

    @property
    def outcomes_path(self) -> Path:
        """Path of ``outcomes.parquet``."""
        return self.path / OUTCOMES_FILE

    def write_summary(self, summary: pd.DataFrame) -> Path:
        """Write the summary table to ``summary.csv``."""
        return write_csv(summary, self.path / SUMMARY_FILE)

    def save_figure(self, fig: Any, name: str) -> Path:
        """Save a matplotlib `fig` atomically as ``figures/<name>.png`` at 150 dpi."""
        stem = name.removesuffix(".png")
        if not stem or Path(stem).name != stem:
            raise ValueError(f"figure name must be a plain file name, got {name!r}")
        return atomic_write(
            self.path / FIGURES_DIR / f"{stem}.png",
            lambda tmp: fig.savefig(tmp, format="png", dpi=150),
        )


@dataclass(frozen=True, eq=False)
class Results:
    """One run read back from its results folder by :func:`load_results`.

    Parameters
    ----------
    path : Path
        The folder.
    config : DictConfig or None
        Resolved config; None if ``config.yaml`` is missing.
    overrides : list of str
        Command-line overrides; empty if ``overrides.yaml`` is missing.
    manifest : dict
        Contents of ``manifest.json``.
    outcomes : pd.DataFrame or None
        One row per replication, attrs restored; None if ``outcomes.parquet`` is missing.
    summary : pd.DataFrame or None
        Headline table; None if ``summary.csv`` is missing.
    figures : list of Path
        Files under ``figures/``, sorted by name.
    """

    path: Path
    config: DictConfig | None = field(repr=False)
    overrides: list[str]
    manifest: dict[str, Any] = field(repr=False)
    outcomes: pd.DataFrame | None = field(repr=False)
    summary: pd.DataFrame | None = field(repr=False)
    figures: list[Path]

    @property
    def finished(self) -> bool:
        """Whether the run finished: its manifest has a finish time (a killed run's has none)."""
        return self.manifest.get("finished") is not None


def load_results(path: str | os.PathLike) -> Results:
    """Read a results folder written by :class:`ResultsFolder`.

    Parameters
    ----------
    path : str or os.PathLike
        The folder.

    Returns
    -------
    Results
        Its contents; parts that were not written are None (or empty).

    Raises
    ------
    FileNotFoundError
        If `path` does not exist.
    ValueError
        If `path` has no ``manifest.json``.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no results folder at {path}; {_FOLDER_HOLDS}")
    if not (path / MANIFEST_FILE).is_file():
        raise ValueError(
            f"not a sim results folder: {path} has no {MANIFEST_FILE}; {_FOLDER_HOLDS}"
        )
    config = OmegaConf.load(path / CONFIG_FILE) if (path / CONFIG_FILE).is_file() else None
    overrides = (
        list(OmegaConf.to_container(OmegaConf.load(path / OVERRIDES_FILE)))
        if (path / OVERRIDES_FILE).is_file()
        else []
    )
    figures_dir = path / FIGURES_DIR
    figures = (
        sorted(p for p in figures_dir.iterdir() if p.is_file() and not p.name.startswith("."))
        if figures_dir.is_dir()
        else []
    )
    manifest = json.loads((path / MANIFEST_FILE).read_text(encoding="utf-8"))
    if manifest.get("finished") is None:
        _log.warning(
            "%s holds an unfinished run (stopped, or still running): its manifest has no finish "
            "time, and outcomes or summary may be missing; Results.finished is False",
            path,
        )
    return Results(
        path=path,
        config=config,
        overrides=overrides,
        manifest=manifest,
        outcomes=read_parquet(path / OUTCOMES_FILE) if (path / OUTCOMES_FILE).is_file() else None,
        summary=pd.read_csv(path / SUMMARY_FILE) if (path / SUMMARY_FILE).is_file() else None,
        figures=figures,
    )
