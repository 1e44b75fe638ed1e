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
# # One simulated path of the February 2026 Pakistan–Afghanistan crisis
#
# On 21–22 February 2026 Pakistan struck alleged TTP and Islamic State camps in Nangarhar and
# Paktika after attacks in Islamabad, Bajaur and Bannu; Kabul promised a "measured response".
# The scenario `pak_afg_2026` starts there, at rung 3 of the escalation ladder (limited
# strikes), under the Doha ceasefire of October 2025.
#
# This notebook follows **one** replication and reads it day by day: what the militants did, how
# each state answered, when ceasefires were made and broken. One path is one draw among
# thousands — it shows how the model behaves, not what will happen. The probabilities are in
# notebook 2. Results explore a scenario; they are not forecasts.

# %% tags=["parameters"]
# %matplotlib inline
import os

SEED = int(os.environ.get("SIM_NOTEBOOK_SEED", 7))  # change it to see other paths
HORIZON = int(os.environ.get("SIM_NOTEBOOK_HORIZON", 180))  # days after 22 Feb 2026
PATHS = 50  # replications to choose the path from (one replication is drawn)

# %%
import pandas as pd
from IPython.display import display
from matplotlib.figure import Figure

import sim
from sim import plots
from sim.rules import rule_name

scenario = sim.load_scenario("pak_afg_2026")
names = {key: spec.name for key, spec in {**scenario.states, **scenario.militants}.items()}
print(scenario.description, "— as of", scenario.as_of)
print(
    f"start: rung {scenario.start_rung} ({sim.RUNG_NAMES[scenario.start_rung]}), "
    f"ceasefire in force: {scenario.in_ceasefire}"
)

# %% [markdown]
# ## Who is in the scenario
#
# Each state chooses its rung toward the other every day through a **retaliation rule**; each
# militant group attacks at a base tempo from its host's territory; mediators broker
# ceasefires. Every number in `configs/scenario/pak_afg_2026.yaml` carries its source or says
# "assumption".

# %%
actors = pd.DataFrame(
    [
        (
            spec.name,
            "state",
            f"retaliation: {rule_name(spec.retaliation)}, "
            + ", ".join(f"{k} {v}" for k, v in vars(spec.retaliation).items()),
        )
        for spec in scenario.states.values()
    ]
    + [
        (
            spec.name,
            "militant group",
            "attacks/day: " + ", ".join(f"{names[t]} {r:.2f}" for t, r in spec.targets.items()),
        )
        for spec in scenario.militants.values()
    ]
    + [
        (spec.name, "mediator", f"leverage {spec.leverage}, engages at rung {spec.engage_rung}")
        for spec in scenario.mediators.values()
    ],
    columns=["actor", "role", "main parameters"],
)
display(actors)

# %% [markdown]
# ## One replication
#
# `simulate` records the event log and the day-by-day trajectory of small runs. Most paths
# are quiet, so to see the whole ladder at work we run a handful and follow the first that
# reached interstate clashes (rung 4) — an illustration, not a typical path: how typical it
# is, notebook 2 measures.

# %%
run = sim.simulate(scenario, replications=PATHS, horizon=HORIZON, seed=SEED)
reached = run.outcomes.loc[run.outcomes["max_rung"] >= 4, "replication"]
REP = int(reached.iloc[0]) if len(reached) else 0
print(
    f"{len(reached)} of {PATHS} paths reached interstate clashes within {HORIZON} days; "
    f"following replication {REP}."
)
display(run.outcomes.set_index("replication").loc[[REP]].T)

# %% [markdown]
# ## The timeline
#
# Upper panel: the rung of the Pakistan–Afghanistan pair each day (black), the days under a
# ceasefire (green band), strikes (triangles) and interstate clashes (crosses) by each state,
# ceasefires agreed (dashed) and ended (dotted). Lower panel: the deaths in militant attacks
# each day — the pressure that drives the states' decisions.

# %%
plots.timeline(run, replication=REP)

# %% [markdown]
# ## Event by event
#
# The event log, in words. Routine militant attacks fill most days; the table keeps the
# states' actions, the ceasefire events and the attacks that killed ten or more.

# %%
log = run.events[run.events["replication"] == REP]
major = (log["kind"] != "attack") | (log["killed"] >= 10)
plots.describe_events(log[major], scenario.as_of, names).drop(columns="replication").head(30)

# %% [markdown]
# What happened, told from the log (the sentences are computed, so they stay true for any
# seed):

# %%
acts = log[log["kind"].isin(["strike", "clash", "war"])]
attacks = log[log["kind"] == "attack"]
print(
    f"Militant attacks: {int(attacks['count'].sum())} over {HORIZON} days, "
    f"{int(attacks['killed'].sum())} killed; the deadliest day killed "
    f"{int(attacks.groupby('day')['killed'].sum().max() if len(attacks) else 0)}."
)
if acts.empty:
    print("No state used force after day 0: the path calmed down.")
for _, row in acts.head(5).iterrows():
    print(
        f"Day {row['day']}: {names.get(row['actor'], row['actor'])} — "
        f"{plots.KIND_WORDS[row['kind']]} against {names.get(row['target'], row['target'])}, "
        f"{row['killed']} killed."
    )
made = log.loc[log["kind"] == "ceasefire_made", "day"].tolist()
ended = log.loc[log["kind"] == "ceasefire_ended", "day"].tolist()
print(f"Ceasefires ended on days {ended or 'none'}; agreed on days {made or 'none'}.")
top = int(run.outcomes.set_index("replication").loc[REP, "max_rung"])
print(f"Highest rung reached: {top} ({sim.RUNG_NAMES[top]}).")

# %% [markdown]
# ## What moves the states
#
# The trajectory holds each state's domestic pressure (it grows with deaths suffered and decays
# with a half-life) and the TTP's strength (strikes degrade it, civilian harm helps it
# recruit). Pressure is what the retaliation rules read.

# %%
path = run.trajectory[run.trajectory["replication"] == REP]
fig = Figure(figsize=(8, 3.5), layout="constrained")
ax = fig.subplots()
for state in scenario.states:
    ax.plot(path["day"], path[f"pressure_{state}"], label=f"pressure, {names[state]}")
ax.plot(path["day"], path["strength_ttp"], "--", label="strength, TTP (1 = base tempo)")
ax.set_xlabel("days since 22 Feb 2026")
ax.set_ylabel("level")
ax.legend(frameon=False)
display(fig)

# %% [markdown]
# ## Next
#
# Change `SEED` above to see other paths: some calm down within weeks, some reach
# interstate clashes. How often each happens is a question for many replications —
# notebook `02_monte_carlo`. The same single run is interactive in the browser:
# `solara run sim.viz.page` (see `docs/page.md`).
