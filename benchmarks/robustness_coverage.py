"""Coverage of the robustness intervals (``sim.analysis.robustness``) against exact metrics.

Three policies in four futures with known probabilities; each run draws one uniform per
replication and lets replication r reach the outcome under (policy, future) when its uniform is
below the probability there, which couples the runs as common random numbers do. The share of
runs whose 95 % interval holds the exact metric is printed per metric and policy.

    .venv/bin/python benchmarks/robustness_coverage.py            # 1,200 runs, a few minutes
    .venv/bin/python benchmarks/robustness_coverage.py --runs 300

A measurement, not a test (``docs/robustness.md`` quotes it).
"""

import argparse

import numpy as np

from sim.analysis.robustness import robustness_metrics

P = np.array([[0.10, 0.25, 0.30, 0.15], [0.12, 0.20, 0.10, 0.05], [0.30, 0.15, 0.22, 0.40]])
REPLICATIONS = 400
RESAMPLES = 200


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1200)
    runs = parser.parse_args().runs
    regret = P - P.min(axis=0)
    exact = {
        "expected": P.mean(axis=1),
        "worst": P.max(axis=1),
        "max_regret": regret.max(axis=1),
        "p90_regret": np.quantile(regret, 0.9, axis=1),
    }
    hits = {metric: np.zeros((runs, len(P)), dtype=bool) for metric in exact}
    for run in range(runs):
        u = np.random.Generator(np.random.PCG64(run)).random(REPLICATIONS)
        table = robustness_metrics(
            u < P[..., None], ["a", "b", "c"], 0.2, n_resamples=RESAMPLES, seed=run
        )
        for metric, value in exact.items():
            low, high = table[f"{metric}_low"], table[f"{metric}_high"]
            hits[metric][run] = (low <= value + 1e-12) & (value <= high + 1e-12)
    se = np.sqrt(0.95 * 0.05 / runs)
    print(f"coverage of 95 % intervals over {runs} runs (s.e. about {se:.3f}), policies a, b, c:")
    for metric, hit in hits.items():
        print(f"  {metric:12s}", " ".join(f"{c:.3f}" for c in hit.mean(axis=0)))


if __name__ == "__main__":
    main()
