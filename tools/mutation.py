"""Mutation testing of the core, one module at a time, with mutmut (``make mutation``).

Developer tooling, not part of the installed package and not part of CI (it is slow).
``pyproject.toml`` holds the configuration: ``[tool.mutmut]`` (what mutmut mutates and copies, the
pytest options) and, under ``[tool.mutmut.modules.NAME]``, each core module's files (``mutate``)
and the few fast test files that exercise them (``tests``). mutmut reads its configuration from the
``pyproject.toml`` of the folder it runs in, so for each module this script builds a workspace
``build/mutation/NAME/`` whose ``pyproject.toml`` narrows ``[tool.mutmut]`` to that module and its
tests, links the checkout's folders into it and runs ``mutmut run`` there. Each module keeps its
own ``mutants/`` cache, so a second run re-tests only what changed.

Usage::

    python tools/mutation.py                 # every module, one after another
    python tools/mutation.py rules stats     # some modules
    python tools/mutation.py --list          # the modules and their tests
    python tools/mutation.py rules --survivors   # print the diff of each surviving mutant
    python tools/mutation.py engine --survivors-only   # re-test survivors only
    python tools/mutation.py engine --new-only   # finish a stopped run: only mutants never run

A later run re-tests only the mutants not yet detected (tests are only ever added); delete
``build/mutation/NAME`` for a fresh run.

The score printed is detected / (detected + survived + no tests) per module, where detected
mutants are those killed by a failing test or by a time-out; the mutants
listed as equivalent in ``docs/testing.md`` are subtracted by hand there.
"""

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
WORK_ROOT = REPO_ROOT / "build" / "mutation"
# What the tests read besides the package and the tests themselves.
LINKED = ["sim", "tests", "tools", "configs", "experiments", "seeds", "docs", "README.md"]
STATUS = {
    1: "killed",
    3: "killed",
    0: "survived",
    5: "no tests",
    33: "no tests",
    34: "skipped",
    36: "timeout",
    24: "timeout",
    -24: "timeout",
    152: "timeout",
    255: "timeout",
    None: "not checked",
}


def _toml_value(value: object) -> str:
    # JSON strings, numbers, booleans and arrays of them are valid TOML values.
    return json.dumps(value)


def _toml_table(name: str, table: dict) -> str:
    lines = [f"[{name}]"]
    lines += [f"{k} = {_toml_value(v)}" for k, v in table.items() if not isinstance(v, dict)]
    return "\n".join(lines) + "\n"


def load_modules() -> tuple[dict, dict, dict]:
    """Return ``[tool.mutmut]`` (without its modules), the modules, and pytest's options."""
    data = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text("utf-8"))
    mutmut = dict(data["tool"]["mutmut"])
    modules = mutmut.pop("modules")
    return mutmut, modules, data["tool"]["pytest"]["ini_options"]


SELECTION = "../tests.txt"


def _keep_results(folder: Path, selection: list[str]) -> None:
    """Record `selection` as the one mutmut last ran with, so it keeps its results.

    mutmut drops every result when its test selection changes. Tests are only ever added, so a
    mutant they detected stays detected; the mutants not yet detected are re-tested by name.
    """
    stats = folder / "mutants" / "mutmut-stats.json"
    if not stats.is_file():
        return
    data = json.loads(stats.read_text("utf-8"))
    fingerprint = data.get("config_fingerprint") or {}
    digest = hashlib.sha256(repr(tuple(selection)).encode()).hexdigest()[:12]
    if fingerprint and fingerprint.get("test_selection") != digest:
        fingerprint["test_selection"] = digest
        stats.write_text(json.dumps(data), encoding="utf-8")


def workspace(name: str, module: dict, mutmut: dict, pytest_options: dict) -> Path:
    """Build (or refresh) the workspace of one module and return its folder."""
    folder = WORK_ROOT / name
    folder.mkdir(parents=True, exist_ok=True)
    for entry in LINKED:
        link = folder / entry
        if not link.is_symlink():
            link.symlink_to(REPO_ROOT / entry)
    config = dict(mutmut)
    config["only_mutate"] = module["mutate"]
    # The tests go in an argument file (pytest's ``@file``, read from mutmut's working folder
    # ``mutants/``): mutmut's configuration stays the same when the list grows, so it keeps its
    # results and only collects the new tests' coverage, instead of starting afresh.
    (folder / "tests.txt").write_text("\n".join(module["tests"]) + "\n", encoding="utf-8")
    config["pytest_add_cli_args_test_selection"] = [f"@{SELECTION}"]
    _keep_results(folder, config["pytest_add_cli_args_test_selection"])
    text = _toml_table("tool.mutmut", config) + "\n"
    text += _toml_table("tool.pytest.ini_options", pytest_options)
    (folder / "pyproject.toml").write_text(text, encoding="utf-8")
    return folder


def _statuses(folder: Path, names: list[str]) -> dict[str, str]:
    """Each mutant of a workspace (those matching `names`, if given) and its status.

    Read from the ``.meta`` files mutmut writes beside each mutated file.
    """
    found: dict[str, str] = {}
    for meta in (folder / "mutants").rglob("*.py.meta"):
        codes = json.loads(meta.read_text("utf-8")).get("exit_code_by_key", {})
        for key, code in codes.items():
            if not names or any(fnmatch.fnmatch(key, pattern) for pattern in names):
                found[key] = STATUS.get(code, "suspicious")
    return found


# Mutants a later run re-tests. mutmut keeps every other result: tests are only ever added, so
# a mutant once detected stays detected (delete build/mutation/NAME for a fresh run).
RETEST = ("survived", "no tests", "suspicious", "not checked")


def main(argv: list[str] | None = None) -> int:
    """Run mutmut over the named modules (all by default) and print each one's score."""
    mutmut, modules, pytest_options = load_modules()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help=f"some of {', '.join(modules)} (default all)")
    parser.add_argument("--list", action="store_true", help="print the modules and their tests")
    parser.add_argument("--workers", type=int, default=1, help="mutmut's --max-children")
    parser.add_argument(
        "--survivors", action="store_true", help="print the diff of every surviving mutant"
    )
    parser.add_argument(
        "--no-run", action="store_true", help="report the last run's results without running"
    )
    parser.add_argument(
        "--survivors-only",
        action="store_true",
        help="re-test only the mutants that survived or found no test (not those never run)",
    )
    parser.add_argument(
        "--new-only",
        action="store_true",
        help="test only the mutants never run (finish a stopped run before re-testing survivors)",
    )
    args = parser.parse_args(argv)
    unknown = sorted(set(args.modules) - set(modules))
    if unknown:
        parser.error(f"unknown module(s) {unknown}; choose from {sorted(modules)}")
    if args.list:
        for name, module in modules.items():
            print(f"{name}: {' '.join(module['mutate'])}\n    tests: {' '.join(module['tests'])}")
        return 0
    python = sys.executable
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    status = 0
    for name in args.modules or list(modules):
        folder = workspace(name, modules[name], mutmut, pytest_options)
        names = modules[name].get("names", [])
        command = ["nice", "-n", "19", python, "-m", "mutmut", "run"]
        command += ["--max-children", str(args.workers)]
        if (folder / "mutants").is_dir():
            # Given names, mutmut re-runs exactly those mutants.
            wanted = RETEST[:2] if args.survivors_only else RETEST
            wanted = ("not checked",) if args.new_only else wanted
            retest = sorted(k for k, v in _statuses(folder, names).items() if v in wanted)
            command = command + retest if retest else []
        else:
            command += names
        if command and not args.no_run:
            log = folder / "mutmut.log"
            shown = " ".join(command[3:9]) + (" ..." if len(command) > 9 else "")
            print(f"== {name}: {shown} (in {folder}, log {log.name})", flush=True)
            with log.open("w", encoding="utf-8") as out:
                result = subprocess.run(command, cwd=folder, env=env, stdout=out, stderr=out)
            status |= result.returncode
        statuses = _statuses(folder, names)
        counts: dict[str, int] = {}
        for value in statuses.values():
            counts[value] = counts.get(value, 0) + 1
        # A mutant that makes the tests time out is detected (an endless loop, say).
        detected = counts.get("killed", 0) + counts.get("timeout", 0)
        tested = detected + counts.get("survived", 0) + counts.get("no tests", 0)
        percent = 100.0 * detected / tested if tested else float("nan")
        print(f"== {name}: {detected}/{tested} detected ({percent:.1f} %); {counts}", flush=True)
        if args.survivors:
            for mutant in sorted(k for k, v in statuses.items() if v in RETEST):
                subprocess.run([python, "-m", "mutmut", "show", mutant], cwd=folder, check=False)
    return status


if __name__ == "__main__":
    shutil.which("nice") or sys.exit("error: the `nice` command is needed")
    sys.exit(main())
