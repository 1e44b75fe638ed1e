"""The posterior file: a Parquet table of weighted parameter draws (``docs/calibration.md``).

One column per calibrated parameter, named by its dotted key path in the scenario (the paths of
the scenario's ``priors:``), and ``weight`` (>= 0, summing to 1). One row is one parameter set;
parameters not named keep the scenario's point values. Reading and checking a file against a
scenario is :func:`sim.scenario.posterior.load_posterior`'s job (one set of checks); the
functions here work on the table itself.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "POSTERIOR_FILE",
    "posterior_draws",
    "posterior_intervals",
    "weighted_quantile",
]

POSTERIOR_FILE = "posterior.parquet"


def posterior_intervals(
    posterior: pd.DataFrame, levels: tuple[float, float] = (0.05, 0.95)
) -> dict[str, tuple[float, float, float]]:
    """Each parameter's weighted mean and weighted quantiles at `levels`."""
    w = posterior["weight"].to_numpy(float)
    out = {}
    for column in posterior.columns.drop("weight"):
        x = posterior[column].to_numpy(float)
        low, high = weighted_quantile(x, w, np.asarray(levels))
        out[column] = (float(np.average(x, weights=w)), float(low), float(high))
    return out


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Quantiles `q` of the weighted sample (x, w): the inverse of its weighted CDF."""
    order = np.argsort(x)
    cum = np.cumsum(w[order]) / np.sum(w)
    idx = np.minimum(np.searchsorted(cum, q, side="left"), len(x) - 1)
    return x[order][idx]


def posterior_draws(posterior: pd.DataFrame, n: int, seed: int = 0) -> pd.DataFrame:
    """`n` parameter sets drawn from a weighted posterior table, with replacement."""
    rng = np.random.default_rng(seed)
    w = posterior["weight"].to_numpy(float)
    rows = rng.choice(len(posterior), size=n, p=w / w.sum())
    return posterior.drop(columns="weight").iloc[rows].reset_index(drop=True)
