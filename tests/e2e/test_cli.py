"""`python -m sim` as a user runs it: in a subprocess, results under tmp_path."""

import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml
from PIL import Image

from sim.core.paths import EXPERIMENTS_DIR, REPO_ROOT

SMALL = ["mc.replications=200", "mc.horizon=60", "output.figures=false"]
FOLDER_FILES = {"config.yaml", "overrides.yaml", "manifest.json", "outcomes.parquet", "summary.csv"}


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    tests = Path(__file__).resolve().parents[1]
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), str(tests), env.get("PYTHONPATH", "")])
    return env


def sim_cli(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim", *args],
        cwd=cwd,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def results_folder(proc: subprocess.CompletedProcess) -> Path:
    last = proc.stdout.strip().splitlines()[-1]
    assert last.startswith("results: "), proc.stdout
    return Path(last.removeprefix("results: "))


def no_partial_files(folder: Path) -> None:
    """Every file a reader sees is complete; temp files are dot-named (readers skip them)."""
    for path in folder.rglob("*"):
        if path.is_dir() or path.name.startswith("."):
            continue
        if path.suffix == ".parquet":
            pq.read_table(path)
        elif path.suffix == ".json":
            json.loads(path.read_text())
        elif path.suffix == ".yaml":
            yaml.safe_load(path.read_text())
        elif path.suffix == ".csv":
            pd.read_csv(path)


def test_no_arguments_runs_the_seed_baseline_into_outputs(tmp_path):
    proc = sim_cli(cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    folder = results_folder(proc)
    assert folder.parent == tmp_path / "outputs" / "seed_baseline"
    names = {p.name for p in folder.iterdir()}
    assert names == FOLDER_FILES | {"figures"}
    assert {p.name for p in (folder / "figures").iterdir()} >= {"survival.png"}
    assert "P(max rung >= k within t days)" in proc.stdout
    # The header names what ran: the scenario and the experiment, and says nothing was changed.
    assert proc.stdout.splitlines()[1] == (
        "scenario pak_afg_2026 (as of 2026-02-22), experiment seed_baseline; no overrides"
    )
    # The table says which uncertainty its intervals cover.
    assert "[95% interval, Monte Carlo error only]" in proc.stdout
    for cell in ("4 interstate clashes", "5 war", "t = 7 days", "t = 365 days", "10,000"):
        assert cell in proc.stdout
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["seed"] == 20260222 and manifest["experiment"] == "seed_baseline"
    assert manifest["command"] == [sys.executable, "-m", "sim"]
    assert manifest["finished"] and manifest["duration_s"] >= 0
    assert manifest["versions"]["hydra-core"]
    summary = pd.read_csv(folder / "summary.csv")
    assert sorted(summary["within_days"].unique()) == [7, 30, 90, 365]
    assert len(pd.read_parquet(folder / "outcomes.parquet")) == 10_000
    assert yaml.safe_load((folder / "overrides.yaml").read_text()) == []
    no_partial_files(folder)


def test_an_experiment_with_overrides_records_them(tmp_path):
    args = ["experiment=restraint", *SMALL, "retaliation.level=2.5", f"hydra.run.dir={tmp_path}/r"]
    proc = sim_cli(*args, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    folder = results_folder(proc)
    assert folder == tmp_path / "r"
    assert {p.name for p in folder.iterdir()} == FOLDER_FILES
    config = yaml.safe_load((folder / "config.yaml").read_text())
    assert config["name"] == "restraint"
    assert config["scenario"]["states"]["pakistan"]["retaliation"] == {
        "name": "threshold",
        "level": 2.5,
        "p_act": 0.04,
        "step": 1,
    }
    assert config["scenario"]["mediators"]["qatar"]["leverage"] == 0.9
    assert yaml.safe_load((folder / "overrides.yaml").read_text()) == args[:-1]  # not hydra.*
    assert len(pd.read_parquet(folder / "outcomes.parquet")) == 200
    assert "restraint: Does escalation fall" in proc.stdout
    # A variant says so in its header, with every override (not Hydra's own settings).
    assert proc.stdout.splitlines()[1] == (
        "scenario pak_afg_2026 (as of 2026-02-22), experiment restraint; overrides: "
        + " ".join(args[1:-1])
    )


def test_listing_names_every_experiment_scenario_and_rule(tmp_path):
    proc = sim_cli("--list", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    names = [p.stem for p in EXPERIMENTS_DIR.glob("*.yaml")]
    names += [
        "pak_afg_2026",
        "markov_validation",
        "threshold",
        "tit_for_tat",
        "grim_trigger",
        "forgiving",
        "serial",
        "processes",
        "dask",
        "quick",
    ]
    for name in names:
        assert f"\n  {name} " in out, name
    assert "retaliation=NAME retaliation.state=STATE|all" in out
    assert "Answer at the rung received (or `step` above it), once domestic pressure" in out
    assert not list(tmp_path.iterdir())


def test_cfg_job_prints_the_composed_config_without_running(tmp_path):
    proc = sim_cli("experiment=restraint", "--cfg", "job", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    config = yaml.safe_load(proc.stdout)
    assert config["name"] == "restraint" and config["retaliation"]["name"] == "threshold"
    assert config["mc"]["replications"] == 10_000
    assert not list(tmp_path.iterdir())


ERRORS = [
    (["mc.replicatons=100"], "mc.replicatons: unknown key; did you mean 'replications'?"),
    (
        ["scenario=pak_afg_2025"],
        "scenario=pak_afg_2025: no such scenario; did you mean 'pak_afg_2026'?",
    ),
    (
        ["experiment=seed_basline"],
        "experiment=seed_basline: no such experiment; did you mean 'seed_baseline'?",
    ),
    (["mc.replications=lots"], "mc.replications: must be a whole number, got 'lots'"),
    (
        ["scenario.states.pakistan.resolve=1.5"],
        "scenario.states.pakistan.resolve: is a probability and must be in [0, 1], got 1.5",
    ),
    (
        ["scenario.militants.ttp.host=india"],
        "scenario.militants.ttp.host: host 'india' is not a state of the scenario",
    ),
    (
        ["retaliation=custom", "retaliation.state=pakistan", "retaliation._target_=nowhere.Rule"],
        "retaliation._target_: cannot import module 'nowhere'",
    ),
    (["retaliation=threshold"], "retaliation.state: say which state takes the 'threshold' rule"),
]


@pytest.mark.parametrize(("args", "message"), ERRORS, ids=[e[0][-1] for e in ERRORS])
def test_a_users_mistake_is_one_clear_message(tmp_path, args, message):
    proc = sim_cli(*args, *SMALL, cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr == f"error: {proc.stderr.removeprefix('error: ')}"
    assert message in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    # Nothing is left behind, not even an empty results folder.
    assert not list(tmp_path.rglob("*.*")), list(tmp_path.rglob("*"))


def test_the_same_config_and_seed_reproduce_outcomes_bit_for_bit(tmp_path):
    digests = []
    for run in ("a", "b"):
        proc = sim_cli(*SMALL, "mc.seed=7", f"hydra.run.dir={tmp_path}/{run}", cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        data = (tmp_path / run / "outcomes.parquet").read_bytes()
        digests.append(hashlib.sha256(data).hexdigest())
    assert digests[0] == digests[1]
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "a" / "outcomes.parquet"),
        pd.read_parquet(tmp_path / "b" / "outcomes.parquet"),
    )


def _is_sweep(path: Path) -> bool:
    # Sweeps and robustness runs (many points each) are run once below, not in this loop.
    node = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return "sweep" in node or "robustness" in node


def _is_backtest(path: Path) -> bool:
    # A back-test (a `backtest:` node) writes forecasts and scores: tests/e2e/test_backtest_cli.py.
    return "backtest" in (yaml.safe_load(path.read_text(encoding="utf-8")) or {})


def _is_calibration(path: Path) -> bool:
    # A calibration (a `calibration:` node) runs ABC-SMC, or a check of it, for many minutes at
    # its own budget: tests/e2e/test_calibration_cli.py runs calibrate_tiny end to end, and
    # tests/unit/test_calibration*.py the checks at tiny budgets.
    return "calibration" in (yaml.safe_load(path.read_text(encoding="utf-8")) or {})


MONTE_CARLO = sorted(
    p.stem
    for p in EXPERIMENTS_DIR.glob("*.yaml")
    if not _is_sweep(p) and not _is_backtest(p) and not _is_calibration(p)
)


@pytest.mark.parametrize("name", MONTE_CARLO)
def test_every_monte_carlo_experiment_runs_with_few_replications(tmp_path, name):
    # Sweep experiments (a `sweep:` node) run many points: one runs below, and every one is
    # composed and checked in tests/unit/test_config.py.
    proc = sim_cli(f"experiment={name}", *SMALL, f"output.root={tmp_path}", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    folder = results_folder(proc)
    assert folder.parent == tmp_path / name
    assert FOLDER_FILES <= {p.name for p in folder.iterdir()}
    no_partial_files(folder)


def test_a_sweep_experiment_runs_through_the_same_command(tmp_path):
    proc = sim_cli(
        "experiment=retaliation_policies",
        "mc.replications=20",
        "mc.horizon=60",
        f"output.root={tmp_path}",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert "sweep retaliation_policies: 8 of 8 points done" in proc.stdout
    folder = results_folder(proc)
    assert {"config.yaml", "overrides.yaml", "manifest.json", "summary.csv"} <= {
        p.name for p in folder.iterdir()
    }


@pytest.mark.slow
def test_the_robustness_experiment_writes_its_table_and_figure(tmp_path):
    proc = sim_cli(
        "experiment=robustness",
        "mc.replications=20",
        "mc.horizon=365",
        "robustness.futures.samples=2",
        "robustness.resamples=50",
        f"output.root={tmp_path}",
        cwd=tmp_path,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "p_rung5_365d (satisficing: at most 0.05), 2 futures:" in proc.stdout
    folder = results_folder(proc)
    assert {"config.yaml", "manifest.json", "robustness.csv", "probabilities.csv"} <= {
        p.name for p in folder.iterdir()
    }
    with Image.open(folder / "figures" / "robustness.png") as image:  # a whole, drawn PNG
        assert image.format == "PNG" and min(image.size) > 300
        colours = image.convert("RGB").getcolors(maxcolors=1 << 16)
        assert colours is None or len(colours) > 16  # not a blank canvas
    table = pd.read_csv(folder / "robustness.csv")
    assert len(table) == 2 * 4  # outcomes x policies
    assert {"expected_low", "max_regret_high", "satisficing"} <= set(table.columns)
    # A bad key is one line naming it, no traceback.
    bad = sim_cli("experiment=robustness", "+robustness.polices=1", cwd=tmp_path)
    assert bad.returncode == 2 and "robustness.polices: unknown key" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_validation_writes_the_comparison_and_fails_beyond_the_tolerance(tmp_path):
    proc = sim_cli(
        "experiment=validate_markov",
        *SMALL,
        "validation.tolerance_se=0.01",
        f"hydra.run.dir={tmp_path}/strict",
        cwd=tmp_path,
    )
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: ") and "disagree with the exact values" in proc.stderr
    assert "Traceback" not in proc.stderr
    table = pd.read_csv(tmp_path / "strict" / "validation.csv")
    assert {"monte_carlo", "exact", "difference", "se", "z", "agrees"} <= set(table.columns)
    assert not table["agrees"].all()


# A temp file of one of the first 20 of the run's 25 chunks (8,192 replications each): the run
# still has work left, so the signal cannot land after its last write. (Waiting for any temp
# file let a busy machine deliver SIGINT while the finished run was exiting: exit 0, rightly.)
_EARLY_CHUNK = re.compile(r"\.chunk-(\d+)\.parquet\.\d+\.tmp")


def _signals_as_in_a_terminal() -> None:
    """In the child before exec: SIGINT handled and nothing blocked, as in a user's terminal.

    A child inherits an ignored SIGINT and a blocked-signal mask from the test process, and an
    ignored SIGINT stays ignored in Python (as for a shell's background job): in a shuffled suite
    something earlier in the same worker left one of them, and the run never saw its Ctrl-C.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})


def _writing_an_early_chunk(folder: Path) -> bool:
    return any(
        (match := _EARLY_CHUNK.fullmatch(p.name)) is not None and int(match[1]) < 20
        for p in (folder / "outcomes").glob(".chunk-*")
    )


@pytest.mark.parametrize(
    "sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=["SIGINT", "SIGTERM", "SIGKILL"]
)
def test_a_run_killed_while_writing_leaves_no_partial_file(tmp_path, sig):
    # Outcomes stream to disk chunk by chunk, then are compacted: once the run has started
    # (manifest written), kill it the moment a temp file shows that a file is being written.
    folder = tmp_path / "killed"
    args = [
        "mc.replications=200000",
        "mc.horizon=5",
        "output.figures=false",
        "output.quiet=true",
        f"hydra.run.dir={folder}",
    ]
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", *args],
        cwd=tmp_path,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_signals_as_in_a_terminal,
    )
    deadline = time.monotonic() + 90
    mid_write = False
    while proc.poll() is None and time.monotonic() < deadline:
        if (folder / "manifest.json").exists() and _writing_an_early_chunk(folder):
            mid_write = True
            break
        time.sleep(0.001)
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=60)
    assert mid_write, "the run ended before any file was seen being written"
    codes = {signal.SIGINT: 130, signal.SIGTERM: 143, signal.SIGKILL: -signal.SIGKILL}
    assert proc.returncode == codes[sig], stderr
    if sig != signal.SIGKILL:
        word = "interrupted" if sig == signal.SIGINT else "terminated"
        assert stderr.strip() == f"error: {word}; the results folder keeps only complete files"
        assert not [p for p in folder.rglob("*") if p.name.endswith(".tmp")]
    no_partial_files(folder)
    outcomes = folder / "outcomes.parquet"
    assert not outcomes.exists() or len(pd.read_parquet(outcomes)) == 200_000
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["finished"] is None  # the manifest says the run did not finish


def _posterior_file(path: Path) -> Path:
    draws = pd.DataFrame(
        {
            "decay": [0.04, 0.08, 0.06],
            "states.pakistan.retaliation.p_act": [0.02, 0.05, 0.1],
            "weight": [1.0, 2.0, 1.0],
        }
    )
    draws.to_parquet(path)
    return path


def test_a_posterior_run_shows_both_intervals_labelled(tmp_path):
    posterior = _posterior_file(tmp_path / "posterior.parquet")
    proc = sim_cli(
        f"posterior={posterior}",
        *SMALL,
        "mc.replications=600",
        f"hydra.run.dir={tmp_path}/run",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert "posterior-predictive estimate [central 90% of the per-draw probabilities" in proc.stdout
    assert "600 replications over 3 posterior draws (posterior.parquet)" in proc.stdout
    lines = proc.stdout.splitlines()
    clashes = next(i for i, line in enumerate(lines) if line.startswith("4 interstate clashes"))
    assert "posterior-predictive" in lines[clashes]
    assert lines[clashes + 1].split()[:3] == ["Monte", "Carlo", "only"]
    summary = pd.read_csv(tmp_path / "run" / "summary.csv")
    assert {"pp_low", "pp_high", "ci_low", "ci_high", "draws"} <= set(summary.columns)
    assert (summary["pp_low"] <= summary["pp_high"]).all()
    assert set(pd.read_parquet(tmp_path / "run" / "outcomes.parquet")["draw"]) == {0, 1, 2}
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert manifest["posterior"] == str(posterior)


def test_a_bad_posterior_is_one_clear_message(tmp_path):
    posterior = tmp_path / "bad.parquet"
    pd.DataFrame({"decya": [0.05], "weight": [1.0]}).to_parquet(posterior)
    proc = sim_cli(f"posterior={posterior}", *SMALL, f"hydra.run.dir={tmp_path}/run", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"error: posterior {posterior}: column 'decya': 'decya' is not")
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "run").exists()
    calibration = sim_cli(
        "experiment=calibrate_tiny",
        f"posterior={_posterior_file(tmp_path / 'p.parquet')}",
        f"hydra.run.dir={tmp_path}/calibration",
        cwd=tmp_path,
    )
    assert calibration.returncode == 2
    assert calibration.stderr.startswith(
        "error: posterior: a calibration starts from the scenario's priors and writes a "
        "posterior; it does not take one"
    )
    assert not (tmp_path / "calibration").exists()
