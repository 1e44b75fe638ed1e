# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # How likely is escalation? Thousands of replications of the February 2026 crisis
#
# Notebook 1 followed one path. Here the same scenario runs thousands of times, each
# replication with its own random numbers, and we count: how often does the crisis reach
# interstate clashes (rung 4) or war (rung 5), how soon, and at what human cost? Every number
# comes with its 95 % interval, which says how precisely the *model* has been measured — not
# how likely the real world is to follow it. Results explore a scenario; they are not
# forecasts.

# %% tags=["parameters"]
# %matplotlib inline
import os

REPLICATIONS = int(os.environ.get("SIM_NOTEBOOK_REPS", 5000))  # thousands for real use
HORIZON = 365  # days after 22 Feb 2026
SEED = 2026

# %%
import numpy as np
import pandas as pd

import sim
from sim import plots
from sim.analysis.stats import binomial_interval

scenario = sim.load_scenario("pak_afg_2026")
mc = sim.simulate(
    scenario,
    replications=REPLICATIONS,
    horizon=HORIZON,
    seed=SEED,
    record_trajectory=True,
    record_events=False,
)
print(mc)

# %% [markdown]
# ## The headline: P(max rung ≥ k within t days)
#
# The share of replications that reached rung k by day t, with its Wilson 95 % interval. The
# run starts at rung 3 (limited strikes), so rungs 1–3 are reached on day 0 in every
# replication; the questions are rungs 4 and 5.


# %%
def cell(row: pd.Series) -> str:
    return f"{row.probability:.1%} [{row.ci_low:.1%}, {row.ci_high:.1%}]"


summary = mc.summary(horizons=(7, 30, 90, 365), rungs=(4, 5))
summary.assign(estimate=summary.apply(cell, axis=1)).pivot(
    index="rung_name", columns="within_days", values="estimate"
).rename_axis(index="rung reached", columns="within days")

# %%
clashes = mc.escalation_probability(rung=4, within=90)
print(
    f"Interstate clashes within 90 days: {clashes.estimate:.1%} "
    f"(95 % interval {clashes.low:.1%} to {clashes.high:.1%}, {clashes.n:,} replications)."
)
print(
    f"The interval's half-width is {clashes.half_width:.2%}: four times the replications "
    "would halve it."
)

# %% [markdown]
# Rung 5 ("war" on the ladder: sustained combat) is not the same as a war by the battle-death
# count (1,000 or more battle deaths, the Correlates of War / UCDP threshold), which the
# outcomes record separately:

# %%
war = binomial_interval(int(mc.outcomes["war"].sum()), len(mc.outcomes))
print(
    f"War by the battle-death threshold within {HORIZON} days: {war.estimate:.1%} "
    f"[{war.low:.1%}, {war.high:.1%}] ({war.n:,} replications)."
)

# %% [markdown]
# ## How soon: the time to each rung
#
# Kaplan-Meier curves of the time to first reach rungs 4 and 5 (every replication is
# followed to day 365, so the curve is the running share; the bands are pointwise 95 %
# intervals). A steep start means the danger is front-loaded: the first weeks after the
# strikes matter most.

# %%
plots.survival_curves(mc)

# %%
first_month = mc.survival(4).at(30)
print(
    f"Chance of interstate clashes by day 30: {1 - first_month:.1%}; "
    f"by day {HORIZON}: {1 - mc.survival(4).at(HORIZON):.1%}."
)

# %% [markdown]
# ## Where the crisis stands, day by day
#
# The survival curves count the *first* time a rung is reached. The fan chart shows where
# each replication stands on each day — crises also calm down, and ceasefires are made and
# broken.

# %%
plots.fan_chart(mc)

# %%
shares = plots.rung_shares(mc.trajectory)
at = [d for d in (30, 90, 180, HORIZON) if d in shares.index]
shares.loc[at].map(lambda p: f"{p:.0%}").rename(
    columns=lambda k: f"{k} {sim.RUNG_NAMES[k]}"
).rename_axis(index="day")

# %% [markdown]
# ## The human cost
#
# Deaths over the year, per replication: the chance of at least x deaths (log scales: the
# militant attacks' casualties are heavy-tailed — most attacks kill few, some kill dozens).
# Pakistan's losses come mostly from militant attacks (the TTP's tempo); Afghanistan's from
# Pakistani strikes and clashes, and from Islamic State attacks. The table gives the mean with
# its bootstrap interval and the 95th percentile: one replication in twenty loses more.

# %%
plots.casualty_distribution(mc)

# %%
rows = []
for column in ("civilian_deaths_pakistan", "civilian_deaths_afghanistan", "battle_deaths"):
    mean = mc.bootstrap(column, "mean")
    p95 = np.percentile(mc.outcomes[column], 95)
    rows.append(
        (
            plots.column_words(column),
            f"{mean.estimate:,.0f}",
            f"{mean.low:,.0f} – {mean.high:,.0f}",
            f"{p95:,.0f}",
        )
    )
pd.DataFrame(
    rows, columns=["deaths over the year", "mean", "95 % interval of the mean", "95th percentile"]
)

# %% [markdown]
# ## Next
#
# Which assumptions drive these numbers, and what would change them? Notebook
# `03_sweeps_and_policies` varies the levers and compares policies on the same random
# numbers. For batch runs with a results folder (tables, figures, manifest):
# `python -m sim experiment=seed_baseline`.
