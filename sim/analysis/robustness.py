"""Robustness metrics of policies across futures, with Monte Carlo intervals.

For an outcome probability ``p[i, f]`` of policy i in future f (lower is better),
:func:`robustness_metrics` gives the metrics of McPhail et al. (2018): the mean over futures
(Laplace), the worst future (minimax), the regret from the best policy in each future (Savage) at
its maximum and 90th percentile, and the share of futures under a threshold (satisficing), each
with a bootstrap interval over replications resampled jointly across policies and futures.
:mod:`sim.sweeps.robustness` runs the policies and futures (``docs/robustness.md``).

References
----------
McPhail, C., Maier, H. R., Kwakkel, J. H., Giuliani, M., Castelletti, A. and Westra, S. (2018).
"Robustness metrics: how are they calculated, when should they be used and why do they give
different results?" Earth's Future 6(2), 169-191. https://doi.org/10.1002/2017EF000649
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats as sps

__all__ = ["METRICS", "robustness_metrics"]

METRICS = ("expected", "worst", "max_regret", "p90_regret", "satisficing")
"""The metrics of :func:`robustness_metrics`, in the order of the table's columns."""


def _metrics(p: np.ndarray, threshold: float) -> np.ndarray:
    """The metrics of probabilities `p` of shape (P, F, ...), shape (len(METRICS), P, ...)."""
    regret = p - p.min(axis=0, keepdims=True)
    return np.stack(
        [
            p.mean(axis=1),
            p.max(axis=1),
            regret.max(axis=1),
            np.quantile(regret, 0.9, axis=1),
            (p <= threshold).mean(axis=1),
        ]
    )


def robustness_metrics(
    reached: np.ndarray,
    policies: Sequence[str],
    threshold: float,
    confidence: float = 0.95,
    n_resamples: int = 1000,
    seed: int = 0,
) -> pd.DataFrame:
    """Robustness of each policy across futures, with bootstrap intervals over replications.

    Parameters
    ----------
    reached : np.ndarray
        Whether replication r reached the outcome under policy i in future f, bool of shape
        (P, F, R) with P >= 1 policies, F >= 1 futures and R >= 2 replications; replication r is
        the same random numbers in every (policy, future) (common random numbers).
    policies : sequence of str
        The P policy names, in the order of `reached`.
    threshold : float
        Satisficing threshold on the probability, in [0, 1].
    confidence : float
        Confidence level of the intervals, in (0, 1).
    n_resamples : int
        Bootstrap resamples of the replications.
    seed : int
        Seed of the PCG64 generator drawing the resamples.

    Returns
    -------
    pd.DataFrame
        One row per policy: ``policy``, then for each metric of `METRICS` its value and
        ``_low``, ``_high``. ``expected`` and ``worst`` are probabilities, the regrets are
        differences of probabilities (>= 0; 0 for a policy best in every future), and
        ``satisficing`` a share of futures.

    Notes
    -----
    With ``p[i, f]`` the share of replications reaching the outcome, the metrics are those of
    McPhail et al. (2018) [1]_ for a harm (lower is better): the mean over futures (Laplace),
    the maximum (minimax), the regret ``p[i, f] - min_j p[j, f]`` (Savage), its maximum and 90th
    percentile over futures, and the share of futures with ``p[i, f] <= threshold`` (Starr's
    domain criterion, satisficing).

    The intervals are percentile intervals of ``scipy.stats.bootstrap`` resampling the
    replication index, the same draw for every policy and future, so they carry the Monte Carlo
    error of every ``p[i, f]`` and their correlation under common random numbers. They say
    nothing about which futures were chosen: the futures are the question's ensemble, not a
    sample to generalise from. Regret against the best policy in a future is biased upward by
    Monte Carlo noise (the minimum of noisy estimates is too low); common random numbers and
    enough replications keep that small, and the interval shows how small.

    References
    ----------
    .. [1] McPhail, C. et al. (2018). "Robustness metrics: how are they calculated, when should
       they be used and why do they give different results?" Earth's Future 6(2), 169-191.

    Examples
    --------
    >>> reached = np.zeros((2, 3, 100), dtype=bool)
    >>> reached[0, :, :10] = True          # policy a: P = 0.1 in every future
    >>> reached[1, 0, :30] = True          # policy b: 0.3 in one future, 0 in the others
    >>> table = robustness_metrics(reached, ["a", "b"], threshold=0.2, n_resamples=200)
    >>> table[["policy", "expected", "worst", "max_regret", "satisficing"]].round(3)
      policy  expected  worst  max_regret  satisficing
    0      a       0.1    0.1         0.1        1.000
    1      b       0.1    0.3         0.2        0.667
    """
    data = np.asarray(reached)
    if data.ndim != 3 or data.dtype != bool:
        raise ValueError(f"reached must be a bool array (P, F, R), got {data.dtype} {data.shape}")
    if data.shape[0] != len(policies):
        raise ValueError(f"reached has {data.shape[0]} policies, policies names {len(policies)}")
    if data.shape[1] < 1 or data.shape[2] < 2:
        raise ValueError(f"reached needs >= 1 future and >= 2 replications, got {data.shape}")
    if not 0 <= threshold <= 1:
        raise ValueError(f"threshold must be in [0, 1], got {threshold}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")

    def statistic(x: np.ndarray, axis: int = -1) -> np.ndarray:
        return _metrics(x.mean(axis=axis), threshold)

    values = statistic(data)
    res = sps.bootstrap(
        (data,),
        statistic,
        axis=-1,
        n_resamples=n_resamples,
        confidence_level=confidence,
        method="percentile",
        # Resamples of (P, F, batch, R) booleans: keep the batch small for memory.
        batch=max(1, 2_000_000 // data.size),
        rng=np.random.Generator(np.random.PCG64(seed)),
    )
    low, high = res.confidence_interval
    table = pd.DataFrame({"policy": list(policies)})
    for m, metric in enumerate(METRICS):
        table[metric] = values[m]
        # Where every resample agrees (e.g. a probability of 0 everywhere) the bounds are NaN.
        table[f"{metric}_low"] = np.where(np.isnan(low[m]), values[m], low[m])
        table[f"{metric}_high"] = np.where(np.isnan(high[m]), values[m], high[m])
    return table
