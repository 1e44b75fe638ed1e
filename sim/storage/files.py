"""Atomic writes of Parquet, CSV, JSON and text, and chunk files streamed to a folder.

Every file is written by :func:`atomic_write`: a dot-named temp file in the same directory,
fsync, ``os.replace`` onto the final name, fsync of the directory. A reader therefore sees the old
file or the new one, never half of one, and a leftover temp file from a killed process is skipped
by pyarrow and pandas (they ignore names starting with ``.`` or ``_``), so a directory of chunk
files still reads.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

__all__ = [
    "ChunkWriter",
    "atomic_write",
    "read_parquet",
    "write_csv",
    "write_json",
    "write_parquet",
    "write_text",
]

_ATTRS_KEY = b"sim"
_CHUNK_NAME = re.compile(r"chunk-(\d{6,})\.parquet")


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
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if exc.errno is None or exc.filename not in (None, str(tmp), tmp):
            raise
        # Name the file being written (pyarrow's errors carry no name; the temp name is ours).
        raise OSError(exc.errno, os.strerror(exc.errno), str(path)) from exc
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
