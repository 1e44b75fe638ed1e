"""Every failure a user can cause or meet ends with one ``error:`` line naming the file, row or
key and the fix; exit status 2 for a user's mistake, 1 for a fault of the machine; no traceback;
and no results folder left by a bad input (docs/reliability.md, "Failures").

The command lines of this module run in one batch (tests/cli_batch.py: one interpreter, one fork
per command), so that 40 commands cost one import of sim instead of 40.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from sim.core.paths import REPO_ROOT, SEEDS_DIR

TESTS = Path(__file__).resolve().parents[1]
SMALL = ["mc.replications=50", "mc.horizon=30", "output.figures=false", "output.quiet=true"]
EVENTS = SEEDS_DIR / "pak_afg_events.csv"


@dataclass
class Case:
    """One command, run in its own folder `cwd`; `out` is where it may write."""

    entry: str
    args: list[str]
    cwd: Path
    env: dict[str, str] = field(default_factory=dict)
    code: int = -1
    stdout: str = ""
    stderr: str = ""

    @property
    def out(self) -> Path:
        return self.cwd / "out"


def one_error_line(case: Case, code: int, *needles: str) -> str:
    """The single ``error:`` line of a failed command, after checking its form and status."""
    assert case.code == code, case.stderr
    lines = case.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), case.stderr
    assert "Traceback" not in case.stderr + case.stdout
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


# --- bad timeline files -----------------------------------------------------------------------


def _rows() -> list[list[str]]:
    return list(csv.reader(io.StringIO(EVENTS.read_text(encoding="utf-8"))))


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode()


def _edited(row: int, column: str, value: str) -> bytes:
    rows = _rows()
    rows[row][rows[0].index(column)] = value
    return _csv(rows)


def _out_of_order() -> bytes:
    rows = _rows()
    rows[1], rows[3] = rows[3], rows[1]
    return _csv(rows)


def _negative() -> bytes:
    rows = _rows()
    col = rows[0].index("killed_low")
    row = next(i for i, r in enumerate(rows[1:], 1) if r[col].strip())
    rows[row][col] = "-5"
    return _csv(rows)


TIMELINES = {
    "out_of_order": (_out_of_order, "keep date order"),
    "unknown_kind": (lambda: _edited(2, "kind", "stetement"), "did you mean 'statement'"),
    "unknown_actor": (lambda: _edited(2, "actor", "afghanstan"), "did you mean 'afghanistan'"),
    "negative_count": (_negative, "negative count -5"),
    "bad_date": (lambda: _edited(2, "date", "2021-13-22"), "YYYY-MM-DD"),
    "empty": (lambda: b"", "is empty"),
    "binary": (lambda: bytes(range(256)) * 4, "not a UTF-8 text file"),
    "missing": (None, "no such file"),
    "directory": ("dir", "is a directory"),
}
HISTORY_TIMELINES = ["unknown_kind", "binary", "directory"]


def _timeline(folder: Path, case: str) -> Path:
    make, _ = TIMELINES[case]
    path = folder / "events.csv"
    if make == "dir":
        path.mkdir()
    elif make is not None:
        path.write_bytes(make())
    return path


# --- bad scenario files -----------------------------------------------------------------------

SCENARIOS = {
    "malformed": (b"name: x\nstates: [\n", "not valid YAML"),
    "duplicate_key": (b"name: x\nname: y\n", "duplicate key"),
    "binary": (bytes(range(256)) * 4, "not UTF-8 text"),
    "unknown_key": (b"name: x\nhorizon_days: 30\n", "scenario.horizon_days: unknown key"),
    "out_of_range": (None, "is a probability and must be in [0, 1]"),
    "missing": (b"", "no scenario file at"),
}
HISTORY_SCENARIOS = ["malformed", "duplicate_key", "binary"]


def _scenario(folder: Path, case: str) -> Path:
    text = SCENARIOS[case][0]
    path = folder / "my_crisis.yaml"
    if case == "missing":
        return path
    if text is None:
        seed = (REPO_ROOT / "configs/scenario/pak_afg_2026.yaml").read_text(encoding="utf-8")
        text = seed.replace("resolve: 0.", "resolve: 1.", 1).encode()
        assert text.decode() != seed
    path.write_bytes(text)
    return path


HISTORY_ARGS = {
    "replications": (["--replications", "0"], "--replications: must be >= 1"),
    "seed": (["--seed", "-1"], "--seed: must be >= 0"),
    "figure": (["--figure", "{file}/x.png"], "is a file, not a folder"),
}

# --- output locations, a full disk -------------------------------------------------------------

DISKS = {
    "ENOSPC": (4, "No space left on device; free some space"),
    "EDQUOT": (5, "free some space"),
    "EROFS": (1, "cannot write here; set output.root"),
    "EACCES": (1, "cannot write here; set output.root"),
}


def _cases(base: Path) -> dict[str, Case]:
    """Every command of the module, each in a fresh folder under `base`."""
    cases: dict[str, Case] = {}

    def add(name: str, entry: str, args: list[str], env: dict[str, str] | None = None) -> Case:
        folder = base / name
        folder.mkdir()
        cases[name] = Case(entry, args, folder, env or {})
        return cases[name]

    def folder(name: str) -> Path:
        path = base / f"{name}-input"
        path.mkdir()
        return path

    for name in TIMELINES:
        path = _timeline(folder(f"timeline-{name}"), name)
        add(
            f"timeline-{name}",
            "sim",
            [*SMALL, f"output.root={base / f'timeline-{name}' / 'out'}", "history.replay=true",
             f"history.events={path}"],
        )  # fmt: skip
    for name in HISTORY_TIMELINES:
        path = _timeline(folder(f"history-timeline-{name}"), name)
        add(f"history-timeline-{name}", "sim.history", ["--events", str(path), "--figure", ""])
    add("timeline-without-replay", "sim", [*SMALL, "history.events=nope.csv"])
    for name in SCENARIOS:
        path = _scenario(folder(f"scenario-{name}"), name)
        out = base / f"scenario-{name}" / "out"
        add(f"scenario-{name}", "sim", [*SMALL, f"output.root={out}", f"scenario={path}"])
    for name in HISTORY_SCENARIOS:
        path = _scenario(folder(f"history-scenario-{name}"), name)
        add(f"history-scenario-{name}", "sim.history", ["--scenario", str(path), "--figure", ""])
    for name, (args, _) in HISTORY_ARGS.items():
        blocker = folder(f"history-args-{name}") / "file"
        blocker.write_text("")
        add(f"history-args-{name}", "sim.history", [a.format(file=blocker) for a in args])
    for where in ("root", "parent"):
        blocker = folder(f"output-file-{where}") / "taken"
        blocker.write_text("not a folder")
        root = blocker if where == "root" else blocker / "sub"
        add(f"output-file-{where}", "sim", [*SMALL, f"output.root={root}"])
    for name, (nth, _) in DISKS.items():
        run_dir = base / f"disk-{name}" / "out" / "run"
        add(f"disk-{name}", "faults", [name, str(nth), *SMALL, f"hydra.run.dir={run_dir}"])
    sweep = folder("lock") / "sweep"
    sweep.mkdir()
    add(
        "lock",
        "sim",
        ["experiment=retaliation_policies", *SMALL, f"output.root={base / 'lock' / 'out'}",
         f"+sweep.folder={sweep}"],
    )  # fmt: skip
    for name, (experiment, key) in LATE_INPUTS.items():
        bad = folder(f"late-{name}") / "episodes.csv"
        bad.write_text("episode_id,trigger\nx,1\n", encoding="utf-8")
        out = base / f"late-{name}" / "out"
        add(f"late-{name}", "sim", [f"experiment={experiment}", "mc.replications=5",
                                    "output.figures=false", "output.quiet=true",
                                    f"output.root={out}", f"{key}={bad}"])  # fmt: skip
    for name, override in CONFIG_CASES.items():
        add(f"config-{name}", "sim", [*SMALL, f"output.root={base / f'config-{name}' / 'out'}",
                                      override])  # fmt: skip
    add(
        "debug",
        "sim",
        [*SMALL, "history.replay=true", "history.events=nope.csv"],
        {"SIM_DEBUG": "1"},
    )
    return cases


_CONFIG = {
    "decimal_comma": ("mc.replications=2,5", "mc.replications: '2,5' has a decimal comma"),
    "decimal_comma_probability": (
        "scenario.states.pakistan.resolve=0,5",
        "write 0.5 (a comma separates the values of a multirun",
    ),
    "unknown_top_level_key": ("+planet=mars", "error: planet: unknown key"),
    "unknown_section_key": ("+mc.planet=mars", "error: mc.planet: unknown key"),
    "chunk_size_over_the_bound": ("mc.chunk_size=2000000", "mc.chunk_size: at most 1,000,000"),
}
CONFIG_CASES = {name: case[0] for name, case in _CONFIG.items()}


# Runs that read an input file only after claiming their folder: (experiment, override key).
LATE_INPUTS = {
    "backtest": ("backtest", "backtest.episodes"),
    "calibration": ("calibrate_tiny", "+calibration.episodes"),
    "check": ("calibrate_loo", "+calibration.episodes"),
}


HOLD = """
import sys
from filelock import FileLock
with FileLock(sys.argv[1], timeout=0):
    print("held", flush=True)
    sys.stdin.read()
"""


@pytest.fixture(scope="module")
def ran(tmp_path_factory) -> dict[str, Case]:
    """Run every case once, in one batch, while another process holds the sweep's lock."""
    base = tmp_path_factory.mktemp("failures")
    cases = _cases(base)
    env = {k: v for k, v in os.environ.items() if k not in ("HYDRA_FULL_ERROR", "SIM_DEBUG")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), str(TESTS), env.get("PYTHONPATH", "")])
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(base / "lock-input" / "sweep" / ".lock")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        batch = [
            {"id": k, "entry": c.entry, "args": c.args, "cwd": str(c.cwd), "env": c.env}
            for k, c in cases.items()
        ]
        proc = subprocess.run(
            [sys.executable, str(TESTS / "cli_batch.py")],
            input=json.dumps(batch),
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
    finally:
        holder.communicate(timeout=30)
    assert proc.returncode == 0, proc.stderr
    for key, result in json.loads(proc.stdout).items():
        cases[key].code = result["code"]
        cases[key].stdout = result["stdout"]
        cases[key].stderr = result["stderr"]
    return cases


@pytest.mark.parametrize("name", list(TIMELINES))
def test_a_bad_timeline_is_one_line_before_anything_is_written(ran, name):
    case = ran[f"timeline-{name}"]
    path = case.cwd.parent / f"timeline-{name}-input" / "events.csv"
    one_error_line(case, 2, "history.events", str(path), TIMELINES[name][1])
    assert files_under(case.out) == []


@pytest.mark.parametrize("name", HISTORY_TIMELINES)
def test_the_history_command_reports_a_bad_timeline_the_same_way(ran, name):
    path = ran[f"history-timeline-{name}"].cwd.parent / f"history-timeline-{name}-input"
    one_error_line(ran[f"history-timeline-{name}"], 2, str(path), TIMELINES[name][1])


def test_a_timeline_without_a_replay_is_refused(ran):
    case = ran["timeline-without-replay"]
    one_error_line(case, 2, "history.events", "history.replay=true")
    assert files_under(case.cwd) == []


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_a_bad_scenario_file_is_one_line_before_anything_is_written(ran, name):
    case = ran[f"scenario-{name}"]
    one_error_line(case, 2, SCENARIOS[name][1])
    assert files_under(case.out) == []


@pytest.mark.parametrize("name", HISTORY_SCENARIOS)
def test_the_history_command_and_the_api_read_a_scenario_file_alike(ran, name):
    import sim

    path = ran[f"history-scenario-{name}"].cwd.parent / f"history-scenario-{name}-input"
    line = one_error_line(ran[f"history-scenario-{name}"], 2, str(path))
    with pytest.raises(sim.ConfigError) as caught:
        sim.load_scenario(path / "my_crisis.yaml")
    assert line == f"error: {caught.value}"


@pytest.mark.parametrize("name", list(HISTORY_ARGS))
def test_the_history_command_checks_its_arguments_first(ran, name):
    one_error_line(ran[f"history-args-{name}"], 2, HISTORY_ARGS[name][1])


@pytest.mark.parametrize("where", ["root", "parent"])
def test_an_output_root_that_is_a_file_is_a_users_mistake(ran, where):
    case = ran[f"output-file-{where}"]
    blocker = case.cwd.parent / f"output-file-{where}-input" / "taken"
    one_error_line(case, 2, f"{blocker}: is a file where a folder is needed", "output.root")
    assert blocker.read_text() == "not a folder"


@pytest.mark.parametrize("name", list(DISKS))
def test_a_disk_that_refuses_a_write_is_one_line_and_leaves_complete_files(ran, name):
    case = ran[f"disk-{name}"]
    one_error_line(case, 1, DISKS[name][1])
    # No temp file is left, and the manifest (if written) says the run did not finish.
    assert not [p for p in case.out.rglob("*") if p.name.endswith(".tmp")]
    manifest = case.out / "run" / "manifest.json"
    assert manifest.exists()
    assert json.loads(manifest.read_text())["finished"] is None


def test_a_sweep_folder_held_by_another_run_is_one_line(ran):
    case = ran["lock"]
    sweep = case.cwd.parent / "lock-input" / "sweep"
    one_error_line(case, 1, f"sweep folder {sweep} is in use by another process")
    assert [p.name for p in sweep.iterdir()] == [".lock"]
    assert files_under(case.out) == []


@pytest.mark.parametrize("name", list(_CONFIG))
def test_a_config_mistake_is_one_line_before_anything_is_written(ran, name):
    case = ran[f"config-{name}"]
    one_error_line(case, 2, _CONFIG[name][1])
    assert files_under(case.out) == []


@pytest.mark.parametrize("name", list(LATE_INPUTS))
def test_a_bad_file_read_late_leaves_no_results_folder(ran, name):
    case = ran[f"late-{name}"]
    one_error_line(case, 2, str(case.cwd.parent / f"late-{name}-input" / "episodes.csv"))
    assert files_under(case.out) == []


def test_sim_debug_shows_the_traceback(ran):
    case = ran["debug"]
    assert case.code == 1
    assert "Traceback" in case.stderr and "no such file" in case.stderr


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root writes into read-only folders"
)
def test_an_output_root_without_write_permission_is_a_fault_of_the_machine(tmp_path):
    root = tmp_path / "locked"
    root.mkdir(mode=0o500)
    env = {k: v for k, v in os.environ.items() if k not in ("HYDRA_FULL_ERROR", "SIM_DEBUG")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), str(TESTS), env.get("PYTHONPATH", "")])
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "sim", *SMALL, f"output.root={root}"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
    finally:
        root.chmod(0o700)
    case = Case("sim", [], tmp_path, code=proc.returncode, stdout=proc.stdout, stderr=proc.stderr)
    one_error_line(case, 1, "Permission denied", "set output.root to a folder you can write")
