"""The built wheel, installed into a fresh virtual environment, runs from outside the checkout.

The wheel is built from the checkout (its build backend comes from the package index), installed
without dependencies into a new environment that reuses this environment's installed packages
(a ``.pth`` file naming their folders, not the checkout), and run in a temporary folder with no
``PYTHONPATH``: so it finds its config tree, experiments and seed data only as package data.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest
import yaml

from sim.core.paths import REPO_ROOT

pytestmark = pytest.mark.slow

SMALL = ["mc.replications=200", "mc.horizon=60", "output.figures=false"]
TABLE = "P(max rung >= k within t days)"


def _dependency_folders() -> list[str]:
    """This environment's package folders, without any that holds the checkout's ``sim``."""
    return [
        entry
        for entry in sys.path
        if entry.endswith(("site-packages", "dist-packages"))
        and Path(entry).is_dir()
        and not (Path(entry) / "sim" / "__init__.py").is_file()
    ]


def _run(args: list[str], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "HYDRA_FULL_ERROR")} | {
        "PYTHONNOUSERSITE": "1"
    }
    for variable in ("SIM_CONFIG_DIR", "SIM_EXPERIMENTS_DIR", "SIM_SEEDS_DIR"):
        env.pop(variable, None)
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def _results(done: subprocess.CompletedProcess, cwd: Path) -> Path:
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith("results: "), done.stdout
    return cwd / last.removeprefix("results: ")


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The python of a new environment with the wheel installed; checks the build left no trace."""
    root = tmp_path_factory.mktemp("wheel")
    before = {p.name for p in REPO_ROOT.iterdir()}
    built = _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(root), str(REPO_ROOT)],
        cwd=root,
    )
    assert built.returncode == 0, built.stderr
    assert {p.name for p in REPO_ROOT.iterdir()} == before  # no build/, *.egg-info, dist/
    assert not (REPO_ROOT / "sim" / "data").exists()
    (wheel,) = root.glob("escalation_sim-*.whl")

    env_dir = root / "env"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    site = Path(
        subprocess.check_output(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            text=True,
        ).strip()
    )
    (site / "_shared_dependencies.pth").write_text("\n".join(_dependency_folders()) + "\n")
    done = _run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "--no-index",
            "-q",
            str(wheel),
        ],
        cwd=root,
    )
    assert done.returncode == 0, done.stderr
    assert sysconfig.get_path("purelib") != str(site)
    return python


@pytest.fixture
def outside(tmp_path) -> Path:
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    return folder


def test_python_m_sim_runs_the_default_experiment_outside_the_checkout(installed, outside):
    done = _run([str(installed), "-m", "sim", *SMALL], cwd=outside)
    assert done.returncode == 0, done.stderr
    assert TABLE in done.stdout and "4 interstate clashes" in done.stdout
    folder = _results(done, outside)
    assert folder.parent == outside / "outputs" / "seed_baseline"
    assert {"config.yaml", "manifest.json", "outcomes.parquet", "summary.csv"} <= {
        p.name for p in folder.iterdir()
    }


def test_the_replayed_history_experiment_reads_the_seed_timeline_from_the_wheel(installed, outside):
    done = _run([str(installed), "-m", "sim", "experiment=projection", *SMALL], cwd=outside)
    assert done.returncode == 0, done.stderr
    assert _results(done, outside).parent == outside / "outputs" / "projection"


def test_every_built_in_experiment_composes_from_the_wheel_s_data(installed, outside):
    names = sorted(p.stem for p in (REPO_ROOT / "experiments").glob("*.yaml"))
    code = (
        "import sim, sim.core.paths as p\n"
        "print(sim.__file__, p.CONFIG_DIR, p.EXPERIMENTS_DIR, p.SEEDS_DIR)\n"
        f"for name in {names!r}:\n"
        "    print(sim.load_experiment(name, overrides=['mc.replications=10']).name)\n"
    )
    done = _run([str(installed), "-c", code], cwd=outside)
    assert done.returncode == 0, done.stderr
    first, *composed = done.stdout.splitlines()
    assert composed == names
    package, configs, experiments, seeds = (Path(word) for word in first.split())
    assert package.is_relative_to(installed.parents[1])  # the environment, not the checkout
    assert configs == package.parent / "data" / "configs"
    assert experiments == package.parent / "data" / "experiments"
    assert (seeds / "pak_afg_events.csv").read_bytes() == (
        REPO_ROOT / "seeds" / "pak_afg_events.csv"
    ).read_bytes()


def test_a_users_scenario_file_runs_from_the_wheel(installed, outside):
    data = yaml.safe_load((REPO_ROOT / "configs" / "scenario" / "pak_afg_2026.yaml").read_text())
    data["name"] = "my_crisis"
    (outside / "my_crisis.yaml").write_text(yaml.safe_dump(data))
    done = _run(
        [str(installed), "-m", "sim", "scenario=my_crisis.yaml", "output.quiet=true", *SMALL],
        cwd=outside,
    )
    assert done.returncode == 0, done.stderr
    folder = _results(done, outside)
    saved = yaml.safe_load((folder / "config.yaml").read_text())
    assert saved["scenario"]["name"] == "my_crisis"
