"""``python -m sim`` with an OS error where the disk reports it: a stand-in for a full disk.

Usage: ``python tests/os_faults.py ERRNO_NAME NTH [override ...]``: the NTH file made durable
(fsync before its rename; 1 = the first) fails with ``OSError(errno.ERRNO_NAME)``, as a full
disk or a read-only remount reports at that point. Everything else is the real command line.
"""

from __future__ import annotations

import errno
import os
import sys
from pathlib import Path

from sim.app.cli import main
from sim.storage import files as store_files

_real_fsync = store_files._fsync


def _inject(code: int, nth: int) -> None:
    seen = 0

    def failing(path: Path) -> None:
        nonlocal seen
        if path.is_file():
            seen += 1
            if seen >= nth:
                raise OSError(code, os.strerror(code), str(path))
        _real_fsync(path)

    store_files._fsync = failing


def run(argv: list[str]) -> None:
    """Inject the error ``argv[0]`` at the ``argv[1]``-th file, then run ``python -m sim``."""
    _inject(getattr(errno, argv[0]), int(argv[1]))
    main(argv[2:])


if __name__ == "__main__":
    run(sys.argv[1:])
