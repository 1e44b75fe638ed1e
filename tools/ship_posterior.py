"""Ship a calibration's posterior with the repository: copy it and record where it came from.

Run after ``python -m sim experiment=calibrate`` (docs/calibration.md, "The shipped posterior")::

    python tools/ship_posterior.py outputs/calibrate/<date>_<time> --load "1.2-4.0"

It copies the results folder's ``posterior.parquet`` to ``seeds/posteriors/<scenario>.parquet``
and writes ``seeds/posteriors/<scenario>.json`` beside it: the command, commit, seed and budget
that produced it, its run time and simulated records per second, the machine's load average as
given (`--load`: only the person running it saw it), the diagnostics per generation and each
parameter's weighted mean and central 90 % interval. It refuses a folder whose calibration
budget differs from the documented default (``experiments/calibrate.yaml``) unless
``--smaller-budget-ok`` is given, and then says so in the record. The record names the executor
and the engine: only the single-core sampler (``executor=serial``) reproduces a posterior bit for
bit, and only on the engine that made it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

import pandas as pd
import yaml

from sim.calibration import posterior_intervals
from sim.core.paths import EXPERIMENTS_DIR, SEEDS_DIR
from sim.storage.store import read_parquet

BUDGET = ("population_size", "generations", "max_simulations", "min_epsilon", "coding", "exclude")


def default_budget() -> dict:
    """The budget of the documented default calibration (``experiments/calibrate.yaml``)."""
    node = yaml.safe_load((EXPERIMENTS_DIR / "calibrate.yaml").read_text())["calibration"]
    return {key: node.get(key) for key in BUDGET}


def provenance(folder: Path, load: str) -> dict:
    """The record of where the posterior of results folder `folder` came from."""
    manifest = json.loads((folder / "manifest.json").read_text())
    config = yaml.safe_load((folder / "config.yaml").read_text())
    node = config["calibration"]
    budget = {key: node.get(key) for key in BUDGET}
    table = read_parquet(folder / "posterior.parquet")
    diagnostics = pd.read_csv(folder / "diagnostics.csv")
    overrides = yaml.safe_load((folder / "overrides.yaml").read_text()) or []
    given = [o for o in overrides if not o.startswith("output.root=")]
    records = int(manifest["total_simulations"])
    return {
        "command": " ".join(["python -m sim", *given]),
        "git_commit": manifest.get("git_commit"),
        "git_dirty": manifest.get("git_dirty"),
        "seed": manifest["seed"],
        "scenario": table.attrs.get("scenario"),
        "as_of": table.attrs.get("as_of"),
        "parameters": table.attrs.get("parameters"),
        "generation": table.attrs.get("generation"),
        "budget": budget,
        "documented_default_budget": budget == default_budget(),
        "executor": config.get("executor", {}).get("name"),
        "engine": node.get("engine", "numpy"),
        "started": manifest["started"],
        "finished": manifest["finished"],
        "duration_s": manifest["duration_s"],
        "simulated_records": records,
        "records_per_second": round(records / float(manifest["seconds"]), 2),
        "load_average": load,
        "platform": manifest.get("platform"),
        "versions": manifest.get("versions"),
        "diagnostics": diagnostics.round(4).to_dict("records"),
        "posterior_mean_and_90": {
            k: [round(v, 4) for v in vals] for k, vals in posterior_intervals(table).items()
        },
    }


def main(argv: list[str] | None = None) -> int:
    """Copy the posterior of a results folder into ``seeds/posteriors/`` with its record."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="the calibration's results folder")
    parser.add_argument("--load", required=True, help="load average seen during the run")
    parser.add_argument("--smaller-budget-ok", action="store_true")
    args = parser.parse_args(argv)
    record = provenance(args.folder, args.load)
    if not record["documented_default_budget"] and not args.smaller_budget_ok:
        print(
            f"error: {args.folder}: budget {record['budget']} is not the documented default "
            f"{default_budget()}; pass --smaller-budget-ok and say so in docs/calibration.md",
            file=sys.stderr,
        )
        return 2
    out = SEEDS_DIR / "posteriors"
    out.mkdir(exist_ok=True)
    name = record["scenario"]
    shutil.copyfile(args.folder / "posterior.parquet", out / f"{name}.parquet")
    (out / f"{name}.json").write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {out / f'{name}.parquet'} and {out / f'{name}.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
