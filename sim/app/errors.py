"""One ``error:`` line and an exit status for every failure a user can cause or meet.

The command lines (``python -m sim``, ``python -m sim.history``) run inside
:func:`reported_errors`. A user's mistake (a bad key, value, scenario or timeline file, an output
location that is a file) prints ``error: <file, row or key>: <what is wrong and the fix>`` on
stderr and exits with 2; a fault of the machine (a folder another run holds, an output location
that cannot be written, a full disk, a run that would not fit in memory) exits with 1; Ctrl-C and
SIGTERM with 130 and 143. No traceback is printed unless ``SIM_DEBUG=1`` is set (for
``python -m sim`` also ``HYDRA_FULL_ERROR=1``); anything else (a bug) keeps its traceback.
"""

from __future__ import annotations

import errno
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sim.core.errors import ConfigError, EnvironmentFault
from sim.history.timeline import TimelineError

__all__ = [
    "DEBUG_ENV",
    "EXIT_BROKEN_PIPE",
    "EXIT_ENVIRONMENT",
    "EXIT_INTERRUPTED",
    "EXIT_TERMINATED",
    "EXIT_USER",
    "Terminated",
    "debugging",
    "describe",
    "fail",
    "reported_errors",
    "timeline_message",
]

DEBUG_ENV = "SIM_DEBUG"
EXIT_USER = 2
EXIT_ENVIRONMENT = 1
EXIT_INTERRUPTED = 130  # 128 + SIGINT
EXIT_TERMINATED = 143  # 128 + SIGTERM
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE

# Errors of a path the user named that stands in the way (a file where a folder is needed).
_IN_THE_WAY = {errno.ENOTDIR, errno.EEXIST, errno.EISDIR}
_NO_SPACE = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
_NO_WRITE = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOENT}


class Terminated(BaseException):
    """SIGTERM, raised in the main thread so that atomic writes remove their temp files."""


def debugging() -> bool:
    """Whether ``SIM_DEBUG`` asks for tracebacks (any value but empty or 0)."""
    return os.environ.get(DEBUG_ENV, "") not in ("", "0")


def timeline_message(exc: TimelineError) -> str:
    """A timeline's problems on one line: the first in full, then the other bad rows' numbers."""
    first, rest = exc.problems[0], exc.problems[1:]
    if not rest:
        return first
    rows = [m.group(1) for p in rest if (m := re.search(r"data row (\d+)", p))]
    shown = ", ".join(rows[:10]) + (" ..." if len(rows) > 10 else "")
    return f"{first}; {len(rest)} more bad row(s)" + (f": data rows {shown}" if rows else "")


def describe(exc: BaseException, where: str = "output.root") -> tuple[str, int] | None:
    """The ``error:`` message and exit status of a failure, or None for a bug.

    Parameters
    ----------
    exc : BaseException
        What was raised.
    where : str
        The setting that chooses where output goes, named in the fix of a write error.
    """
    if isinstance(exc, ConfigError):
        return str(exc), EXIT_USER
    if isinstance(exc, TimelineError):
        return timeline_message(exc), EXIT_USER
    if isinstance(exc, EnvironmentFault):
        return str(exc), EXIT_ENVIRONMENT
    if isinstance(exc, MemoryError):
        return (
            "out of memory; run fewer replications (mc.replications) or smaller chunks "
            "(mc.chunk_size)",
            EXIT_ENVIRONMENT,
        )
    if isinstance(exc, OSError) and exc.filename is not None:
        name = exc.filename
        reason = exc.strerror or type(exc).__name__
        if exc.errno in _IN_THE_WAY:
            blocker = _file_in_the_way(Path(os.fsdecode(name)))
            return (
                f"{blocker}: is a file where a folder is needed ({reason}); set {where} to a "
                "folder (or move the file)",
                EXIT_USER,
            )
        if exc.errno in _NO_SPACE:
            return (
                f"{name}: {reason}; free some space, or set {where} to a folder on another disk "
                "(files already written are complete; the manifest says the run did not finish)",
                EXIT_ENVIRONMENT,
            )
        if exc.errno in _NO_WRITE:
            return (
                f"{name}: {reason}: cannot write here; set {where} to a folder you can write",
                EXIT_ENVIRONMENT,
            )
        return f"{name}: {reason}", EXIT_ENVIRONMENT
    return None


def _file_in_the_way(path: Path) -> Path:
    """The nearest of `path` and its parents that exists and is not a folder (else `path`)."""
    for candidate in (path, *path.parents):
        if candidate.exists():
            return path if candidate.is_dir() else candidate
    return path


def fail(message: str, code: int) -> None:
    """Print ``error: <message>`` on stderr and exit with `code`."""
    print(f"error: {message}", file=sys.stderr)
    sys.exit(code)


@contextmanager
def reported_errors(
    where: str = "output.root",
    debug: bool | None = None,
    also: Callable[[BaseException], tuple[str, int] | None] | None = None,
) -> Iterator[None]:
    """Turn a failure into ``error: <message>`` and an exit status, without a traceback.

    Parameters
    ----------
    where : str
        The setting that chooses where output goes (named in the fix of a write error).
    debug : bool, optional
        Re-raise instead (a traceback); default :func:`debugging`.
    also : callable, optional
        Describes more failures (Hydra's), as :func:`describe` does; asked first.
    """
    try:
        yield
    except KeyboardInterrupt:
        fail("interrupted; the results folder keeps only complete files", EXIT_INTERRUPTED)
    except Terminated:
        fail("terminated; the results folder keeps only complete files", EXIT_TERMINATED)
    except BrokenPipeError:
        # The reader went away (`python -m sim | head`): stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(EXIT_BROKEN_PIPE)
    except Exception as exc:
        if debugging() if debug is None else debug:
            raise
        described = (also(exc) if also is not None else None) or describe(exc, where)
        if described is None:
            raise
        fail(*described)
