"""Shared fixtures. This folder is on sys.path (pytest inserts a conftest's folder), so test
helper modules such as `user_rules` import by name, also from subprocesses given PYTHONPATH."""

from __future__ import annotations

import matplotlib
import pytest

matplotlib.use("Agg")


@pytest.fixture(scope="session")
def seed_scenario():
    import sim

    return sim.load_scenario("pak_afg_2026")


@pytest.fixture(scope="session")
def markov_scenario():
    import sim

    return sim.load_scenario("markov_validation")
