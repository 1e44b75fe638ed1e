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

Write one with :class:`ResultsFolder`; read one back with :func:`load_results`.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from omegaconf import DictConfig, OmegaConf

__all__ = [
    "CONFIG_FILE",
    "FIGURES_DIR",
    "MANIFEST_FILE",
    "OUTCOMES_FILE",
    "OVERRIDES_FILE",
    "SUMMARY_FILE",
    "ChunkWriter",
    "Results",
    "ResultsFolder",
    "atomic_write",
    "finish_manifest",
    "load_results",
    "manifest",
    "read_parquet",
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

_ATTRS_KEY = b"sim"
_CHUNK_NAME = re.compile(r"chunk-(\d{6,})\.parquet")
DISTRIBUTION = "escalation-sim"
_PACKAGES = ("sim", "numpy", "scipy", "pandas", "pyarrow", "mesa", "hydra-core", "omegaconf")
_FOLDER_HOLDS = (
    f"a results folder holds {MANIFEST_FILE}, {CONFIG_FILE}, {OVERRIDES_FILE}, "
    f"{OUTCOMES_FILE}, {SUMMARY_FILE} and {FIGURES_DIR}/"
)


# --- atomic writes ---------------------------------------------------------------------------


def atomic_write(path: str | os.PathLike, write_fn: Callable[[Path], object]) -> Path:
    """Write a file so that readers see either the old file or the complete new one.

    ``write_fn(tmp)`` writes the content to ``tmp``, a temp file ``.<name>.<pid>.tmp`` in the
    same directory as `path`. The temp file is fsynced, renamed onto `path` with ``os.replace``,
    and the directory is fsynced so the rename survives a power cut. On any exception the temp
    file is removed and the exception re-raised; `path` is left as it was.

    Parameters
    ----------
    path : str or os.PathLike
        Final file name. Missing parent directories are created.
    write_fn : callable
        Called once with the temp path (a `Path`); must create that file.

    Returns
    -------
    Path
        `path`.

    Notes
    -----
    The temp name starts with ``.`` because pyarrow and pandas skip such files when reading a
    directory; a leftover ``x.parquet.tmp`` would break every read of it. One process should not
    write the same path from two threads at once: they would share the temp name.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write_fn(tmp)
        if not tmp.is_file():
            raise FileNotFoundError(f"write_fn did not create the temp file {tmp} for {path}")
        _fsync(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if os.name == "posix":
        _fsync(path.parent)
    return path


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_text(text: str, path: str | os.PathLike) -> Path:
    """Write `text` to `path` atomically, as UTF-8."""
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_json(obj: Any, path: str | os.PathLike) -> Path:
    """Write `obj` to `path` atomically as JSON, indented by 2.

    NumPy scalars and arrays become numbers and lists, dates ISO-8601 strings, and anything
    else JSON cannot hold its ``str``.
    """
    return write_text(json.dumps(obj, indent=2, default=_json_default) + "\n", path)


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, date):
        return obj.isoformat()
    return str(obj)


def write_csv(df: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write `df` to `path` atomically as CSV, without the index."""
    return atomic_write(path, lambda tmp: df.to_csv(tmp, index=False))


def write_parquet(
    df: pd.DataFrame, path: str | os.PathLike, schema: pa.Schema | None = None
) -> Path:
    """Write `df` to `path` atomically as Parquet, keeping ``df.attrs``.

    Parameters
    ----------
    df : pd.DataFrame
        Table to write. Its index is not stored: keep keys in columns (``replication``).
    path : str or os.PathLike
        Final file name.
    schema : pa.Schema, optional
        Fixed schema to cast to; `df` must have exactly its columns (any order).

    Returns
    -------
    Path
        `path`.

    Notes
    -----
    ``df.attrs`` is stored as JSON in the schema metadata under key ``b"sim"``, so JSON types
    round-trip (tuples come back as lists, NumPy scalars as Python numbers).
    """
    table = _to_table(df, schema)
    return atomic_write(path, lambda tmp: pq.write_table(table, tmp))


def _to_table(df: pd.DataFrame, schema: pa.Schema | None) -> pa.Table:
    if schema is not None:
        missing = [name for name in schema.names if name not in df.columns]
        extra = [str(name) for name in df.columns if name not in schema.names]
        if missing or extra:
            raise ValueError(
                f"columns do not match the schema: missing {missing}, not in schema {extra}"
            )
    attrs = json.dumps(df.attrs, default=_json_default).encode()
    # pyarrow would also store attrs, warning on what JSON cannot hold: they go under "sim" only.
    bare = df.copy(deep=False)
    bare.attrs = {}
    table = pa.Table.from_pandas(bare, schema=schema, preserve_index=False)
    return table.replace_schema_metadata({**(table.schema.metadata or {}), _ATTRS_KEY: attrs})


def read_parquet(path: str | os.PathLike) -> pd.DataFrame:
    """Read a Parquet file, or a directory of them, restoring ``attrs``.

    Parameters
    ----------
    path : str or os.PathLike
        A file, or a directory whose ``*.parquet`` files are read in file-name order. Names
        starting with ``.`` or ``_`` (temp files of interrupted writes) are skipped.

    Returns
    -------
    pd.DataFrame
        The rows with a fresh ``RangeIndex``; ``attrs`` from the (first) file.
    """
    path = Path(path)
    if path.is_dir():
        files = sorted(
            p for p in path.glob("*.parquet") if p.is_file() and not p.name.startswith((".", "_"))
        )
        if not files:
            raise FileNotFoundError(f"no Parquet files in directory {path}")
        table = pa.concat_tables([pq.read_table(f) for f in files])
        table = table.replace_schema_metadata(pq.read_schema(files[0]).metadata)
    else:
        table = pq.read_table(path)
    df = table.to_pandas()
    raw = (table.schema.metadata or {}).get(_ATTRS_KEY)
    df.attrs = json.loads(raw) if raw else {}
    return df


# --- streaming chunks ------------------------------------------------------------------------


class ChunkWriter:
    """Stream per-chunk outcome tables into a directory, then compact them into one file.

    Chunk ``i`` is written atomically as ``chunk-{i:06d}.parquet``, cast to one fixed schema, so
    chunks may finish in any order and a killed run resumes from :meth:`done_chunks`.

    Parameters
    ----------
    directory : str or os.PathLike
        Directory of chunk files, created if missing.
    schema : pa.Schema, optional
        Schema of every chunk. If omitted it is read from a chunk already in `directory` (a
        resumed run) or else taken from the first chunk written.
    """

    def __init__(self, directory: str | os.PathLike, schema: pa.Schema | None = None) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        done = self.done_chunks()
        if schema is None and done:
            schema = pq.read_schema(self._chunk_path(done[0])).remove_metadata()
        self.schema = schema

    def _chunk_path(self, index: int) -> Path:
        return self.directory / f"chunk-{index:06d}.parquet"

    def write(self, index: int, df: pd.DataFrame) -> Path:
        """Write chunk `index` (>= 0) atomically; return its path."""
        if index < 0:
            raise ValueError(f"chunk index must be >= 0, got {index}")
        table = _to_table(df, self.schema)
        if self.schema is None:
            self.schema = table.schema.remove_metadata()
        return atomic_write(self._chunk_path(index), lambda tmp: pq.write_table(table, tmp))

    def done_chunks(self) -> list[int]:
        """Return the indices of the chunks on disk, ascending."""
        return sorted(
            int(m.group(1))
            for p in self.directory.iterdir()
            if (m := _CHUNK_NAME.fullmatch(p.name))
        )

    def finalize(self, path: str | os.PathLike) -> Path:
        """Compact all chunks, in index order, into one Parquet file and remove the directory.

        One chunk at a time is held in memory: each becomes a row group of `path`, written
        through ``pyarrow.parquet.ParquetWriter`` into a temp file that replaces `path` at the
        end. ``attrs`` come from the lowest chunk.

        Parameters
        ----------
        path : str or os.PathLike
            Final file, outside the chunk directory.

        Returns
        -------
        Path
            `path`.

        Raises
        ------
        ValueError
            If there are no chunks, indices 0..n-1 are not all present, or `path` lies inside
            the chunk directory.
        """
        path = Path(path)
        if path.resolve().is_relative_to(self.directory.resolve()):
            raise ValueError(f"{path} lies inside the chunk directory {self.directory}")
        done = self.done_chunks()
        if not done:
            raise ValueError(f"no chunks to finalize in {self.directory}")
        missing = sorted(set(range(done[-1] + 1)) - set(done))
        if missing:
            raise ValueError(f"chunks missing from {self.directory}: {missing}")
        files = [self._chunk_path(i) for i in done]
        schema = pq.read_schema(files[0])

        def write_all(tmp: Path) -> None:
            with pq.ParquetWriter(tmp, schema) as writer:
                for f in files:
                    writer.write_table(pq.read_table(f, schema=schema))

        atomic_write(path, write_all)
        shutil.rmtree(self.directory)
        return path


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
    return Results(
        path=path,
        config=config,
        overrides=overrides,
        manifest=json.loads((path / MANIFEST_FILE).read_text(encoding="utf-8")),
        outcomes=read_parquet(path / OUTCOMES_FILE) if (path / OUTCOMES_FILE).is_file() else None,
        summary=pd.read_csv(path / SUMMARY_FILE) if (path / SUMMARY_FILE).is_file() else None,
        figures=figures,
    )
