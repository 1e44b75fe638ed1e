"""Shared fixtures. This folder is on sys.path (pytest inserts a conftest's folder), so test
helper modules such as `user_rules` import by name, also from subprocesses given PYTHONPATH."""

from __future__ import annotations

import logging

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


@pytest.fixture(autouse=True)
def _package_loggers_enabled():
    """Keep the package's loggers enabled whatever ran before in this process.

    A library that configures logging with ``logging.config.dictConfig`` and the default
    ``disable_existing_loggers=True`` disables every logger existing at that moment, and a test
    that reads the package's log (``caplog``) then fails or passes depending on the order of the
    tests (found by running them in random order).
    """
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if (name == "sim" or name.startswith("sim.")) and isinstance(logger, logging.Logger):
            logger.disabled = False
            logger.propagate = True
