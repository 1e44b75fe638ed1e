"""Run many of sim's command lines in one interpreter: import once, fork once per command.

Usage: ``python tests/cli_batch.py < cases.json``, printing ``{id: {"code", "stdout",
"stderr"}}`` as JSON. Each case is ``{"id", "entry", "args", "cwd", "env"}`` with `entry` one of
``sim`` (``python -m sim``), ``sim.history`` (``python -m sim.history``) or ``faults``
(``tests/os_faults.py``: the first two arguments name the injected error). Each command runs in
a forked child with its own stdout, stderr, working folder and environment, exactly as from a
shell except that the imports (3-4 s of the 4-5 s a failing command takes) are shared. Where
there is no fork, each case runs in its own process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def _call(case: dict[str, Any]) -> None:
    from sim.app import cli, history

    entry, args = case["entry"], list(case["args"])
    sys.argv = [entry, *args]
    if entry == "sim":
        cli.main(args)
    elif entry == "sim.history":
        history.main(args)
    elif entry == "faults":
        import os_faults

        os_faults.run(args)
    else:
        raise ValueError(f"unknown entry {entry!r}")


def _forked(case: dict[str, Any]) -> dict[str, Any]:
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        pid = os.fork()
        if pid == 0:  # the child: never returns
            code = 0
            try:
                os.dup2(out.fileno(), 1)
                os.dup2(err.fileno(), 2)
                os.chdir(case["cwd"])
                os.environ.update(case["env"])
                _call(case)
            except SystemExit as exc:
                if isinstance(exc.code, str):
                    print(exc.code, file=sys.stderr)
                code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
            except BaseException:
                traceback.print_exc()
                code = 1
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        out.seek(0)
        err.seek(0)
        return {
            "code": os.waitstatus_to_exitcode(status),
            "stdout": out.read().decode(errors="replace"),
            "stderr": err.read().decode(errors="replace"),
        }


def _spawned(case: dict[str, Any]) -> dict[str, Any]:
    entry = {"sim": ["-m", "sim"], "sim.history": ["-m", "sim.history"]}.get(
        case["entry"], [str(HERE / "os_faults.py")]
    )
    proc = subprocess.run(
        [sys.executable, *entry, *case["args"]],
        cwd=case["cwd"],
        env={**os.environ, **case["env"]},
        capture_output=True,
        text=True,
        timeout=300,
    )
    return {"code": proc.returncode, "stdout": proc.stdout, "stderr": proc.stderr}


def main() -> None:
    cases = json.load(sys.stdin)
    results = {}
    if hasattr(os, "fork"):
        import sim.app.cli  # noqa: F401 - imported once, before the forks
        import sim.app.history  # noqa: F401

        for case in cases:
            results[case["id"]] = _forked(case)
    else:
        for case in cases:
            results[case["id"]] = _spawned(case)
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
