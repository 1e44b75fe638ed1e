"""Where the built-in config tree, experiments and seed data are: package data or the checkout.

The folders are edited at the repository's top level (``configs/``, ``experiments/``,
``seeds/``). An installed wheel carries copies of them as package data under ``sim/data/``
(the build maps them there; see ``pyproject.toml``), read through :mod:`importlib.resources`.
From a checkout, or an editable install, the package has no ``data/`` folder and the top-level
folders are read directly, so an edit shows at once. ``SIM_CONFIG_DIR``,
``SIM_EXPERIMENTS_DIR`` and ``SIM_SEEDS_DIR`` override each location.

Examples
--------
>>> from sim.core import paths
>>> sorted(p.name for p in (paths.CONFIG_DIR / "mc").glob("*.yaml"))
['default.yaml', 'precise.yaml', 'quick.yaml']
>>> (paths.SEEDS_DIR / "pak_afg_events.csv").is_file()
True
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

PACKAGE_DIR = Path(str(resources.files("sim")))
# An installed wheel's data (a plain folder: Hydra reads configs from the file system).
BUNDLED_DIR = PACKAGE_DIR / "data"
REPO_ROOT = PACKAGE_DIR.parent
"""The checkout's root when sim runs from one (the package's parent folder otherwise)."""
DATA_ROOT = BUNDLED_DIR if (BUNDLED_DIR / "configs").is_dir() else REPO_ROOT
"""Where ``configs/``, ``experiments/`` and ``seeds/`` are: the package data, or the checkout."""


def _located(variable: str, name: str) -> Path:
    return Path(os.environ.get(variable) or DATA_ROOT / name).resolve()


CONFIG_DIR = _located("SIM_CONFIG_DIR", "configs")
EXPERIMENTS_DIR = _located("SIM_EXPERIMENTS_DIR", "experiments")
SEEDS_DIR = _located("SIM_SEEDS_DIR", "seeds")
