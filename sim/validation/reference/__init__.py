"""A second, independent implementation of the engine's rules as a plain Mesa model.

The vectorised engine (:mod:`sim.engine.model`) advances R replications at once with NumPy arrays.
This package writes the same day once more the way Mesa's tutorials teach: one
:class:`~sim.validation.reference.model.ReferenceModel` per replication, agents holding Python
floats and
ints, random numbers from the model's own ``random.Random``, replications run by
``mesa.batch_run`` with one seed each. It shares the scenario (parameters, rules and their
parameters) with the engine but none of its code or random numbers, so the two must agree in
distribution, not bit for bit. It serves as the oracle of ``tests/statistical/test_reference.py``
and as the baseline of ``benchmarks/throughput.py``.

Examples
--------
>>> import sim
>>> from sim.validation.reference import run_reference
>>> table = run_reference(sim.load_scenario(), replications=3, horizon=10, seed=1)
>>> len(table), int(table["max_rung"].min()) >= 3
(3, True)
"""

from __future__ import annotations

import multiprocessing

import mesa
import numpy as np
import pandas as pd

from sim.scenario.schema import Scenario
from sim.validation.reference.model import ReferenceModel

__all__ = ["ReferenceModel", "run_reference"]

_DTYPES = {"max_rung": "int8", "war": "bool"}


def run_reference(
    scenario: Scenario, replications: int, horizon: int = 365, seed: int = 0, processes: int = 1
) -> pd.DataFrame:
    """Run `replications` replications of the Mesa reference through ``mesa.batch_run``.

    Parameters
    ----------
    scenario : Scenario
        The crisis; only shipped rules are supported.
    replications : int
        Number of replications, >= 1.
    horizon : int
        Days, >= 1.
    seed : int
        Root seed; replication i runs with ``rng`` = the i-th word of
        ``SeedSequence(seed).generate_state(replications)``.
    processes : int
        Processes for ``batch_run``. It forces the global multiprocessing start method to
        "spawn"; the caller's start method is restored afterwards.

    Returns
    -------
    pd.DataFrame
        The outcome table, one row per replication in replication order, with the engine's
        columns and dtypes (``docs/outcomes.md``) and ``attrs`` ``horizon`` and ``start_rung``.
    """
    if replications < 1:
        raise ValueError(f"replications must be >= 1, got {replications}")
    if horizon < 1:
        raise ValueError(f"horizon must be >= 1 day, got {horizon}")
    seeds = [int(s) for s in np.random.SeedSequence(seed).generate_state(replications)]
    method = multiprocessing.get_start_method(allow_none=True)
    try:
        rows = mesa.batch_run(
            ReferenceModel,
            parameters={"scenario": scenario, "horizon": horizon},
            number_processes=processes,
            rng=seeds,
            max_steps=horizon,
            data_collection_period=-1,
            display_progress=False,
        )
    finally:
        # batch_run forces the global start method to "spawn": give the caller its own back.
        multiprocessing.set_start_method(method, force=True)
    table = pd.DataFrame(rows).sort_values("iteration", kind="stable")
    table = table.drop(columns=["RunId", "Step", "scenario", "horizon", "rng"])
    table = table.rename(columns={"iteration": "replication"}).reset_index(drop=True)
    dtypes = {
        c: _DTYPES.get(c, "float64" if c.startswith("day_") else "int64") for c in table.columns
    }
    table = table.astype(dtypes)
    table.attrs.update(horizon=horizon, start_rung=int(scenario.start_rung))
    return table
