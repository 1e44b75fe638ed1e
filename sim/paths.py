"""Where the repository's config tree, experiments and seed data live."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
CONFIG_DIR = Path(os.environ.get("SIM_CONFIG_DIR", REPO_ROOT / "configs")).resolve()
EXPERIMENTS_DIR = Path(os.environ.get("SIM_EXPERIMENTS_DIR", REPO_ROOT / "experiments")).resolve()
SEEDS_DIR = REPO_ROOT / "seeds"
