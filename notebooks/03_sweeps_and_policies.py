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
# # What changes the risk? Sweeps, sensitivity and policies on the same random numbers
#
# Notebook 2 measured how often the February 2026 scenario reaches interstate clashes. Here we
# ask which assumptions and which choices move that number:
#
# 1. **a sweep** over one lever (how readily Pakistan answers a provocation), then over two;
# 2. **a sensitivity analysis** (Sobol indices) ranking three levers over their whole ranges;
# 3. **two policies compared** on the same random numbers, so that the difference between them
#    is the policies' and not chance's.
#
# Every point of a sweep runs on the **same seed**: each actor draws the same random numbers
# at every point (common random numbers), so differences between points are measured with far
# less noise than independent runs would allow. Results explore a scenario; they are not
# forecasts.

# %% tags=["parameters"]
# %matplotlib inline
import os
import tempfile

REPLICATIONS = int(os.environ.get("SIM_NOTEBOOK_REPS", 2000))  # per sweep point
SOBOL_N = int(os.environ.get("SIM_NOTEBOOK_SOBOL_N", 64))  # Saltelli base samples, a power of 2
HORIZON = 90  # days: the question is interstate clashes within three months
SEED = 2026
# Sweep folders: a sweep started again with the same folder resumes where it stopped. Use a
# lasting folder (e.g. outputs/sweeps/...) for real work; a temporary one keeps this notebook
# clean.
FOLDER = tempfile.mkdtemp(prefix="sim-sweeps-")

# %%
import pandas as pd

import sim
from sim import plots
from sim.analysis import sensitivity
from sim.rules import rule_name
from sim.sweeps.runner import Parameter, Sweep, point_scenario, run_sweep

scenario = sim.load_scenario("pak_afg_2026")
P_ACT = "states.pakistan.retaliation.p_act"
TEMPO = "militants.ttp.targets.pakistan"
LEVERAGE = "mediators.qatar.leverage"
# The levers in words, for the figures.
WORDS = {
    P_ACT: "Pakistan: chance per day of answering a provocation",
    TEMPO: "TTP attacks per day on Pakistan",
    LEVERAGE: "Qatar's leverage",
}
OUTPUT = f"p_rung4_{HORIZON}d"  # P(interstate clashes within HORIZON days)
base_p_act = scenario.states["pakistan"].retaliation.p_act
rule = rule_name(scenario.states["pakistan"].retaliation)
print(
    f"Pakistan answers a provocation under the '{rule}' rule with chance {base_p_act} per "
    "day; the TTP attacks Pakistan "
    f"{scenario.militants['ttp'].targets['pakistan']:.2f} times a day; Qatar's leverage is "
    f"{scenario.mediators['qatar'].leverage}."
)

# %% [markdown]
# ## 1. One lever: how readily Pakistan answers
#
# The scenario's value (0.04 a day) is calibrated to about two strike episodes a year. What if
# Pakistan were more restrained, or quicker to answer? The sweep runs each value on the same
# seed and compares every point with the scenario's value (the *baseline*).

# %%
one_lever = Sweep(
    name="p_act",
    parameters=[Parameter(P_ACT, values=(0.0, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32))],
    baseline={P_ACT: base_p_act},
    rungs=(4, 5),
    horizons=(30, HORIZON),
)
swept = run_sweep(
    one_lever, scenario, f"{FOLDER}/p_act", replications=REPLICATIONS, horizon=HORIZON, seed=SEED
)
assert swept.ok, swept.failures
table = swept.table
plots.sweep_response(
    table,
    P_ACT,
    OUTPUT,
    f"{OUTPUT}_low",
    f"{OUTPUT}_high",
    xlabel=WORDS[P_ACT],
    ylabel=f"chance of interstate clashes within {HORIZON} days",
)

# %% [markdown]
# The paired differences from the baseline, with their intervals. `width ratio` compares the
# paired interval's width with the one two independent runs would give: below 1, common
# random numbers bought precision for free.

# %%
diff = f"diff_rung4_{HORIZON}d"
table[[P_ACT, OUTPUT, diff, f"{diff}_low", f"{diff}_high", f"{diff}_width_ratio"]].rename(
    columns={
        P_ACT: "p_act",
        OUTPUT: "P(clashes)",
        diff: "change",
        f"{diff}_low": "low",
        f"{diff}_high": "high",
        f"{diff}_width_ratio": "width ratio",
    }
).round(3)

# %% [markdown]
# ## Two levers at once
#
# The same question over a grid of Pakistan's readiness and the TTP's attack tempo (the
# scenario's 1.32 attacks a day is the Global Terrorism Index count for 2024).

# %%
two_levers = Sweep(
    name="p_act_tempo",
    parameters=[
        Parameter(P_ACT, values=(0.0, 0.04, 0.16)),
        Parameter(TEMPO, values=(0.7, 1.317, 2.0)),
    ],
    rungs=(4,),
    horizons=(HORIZON,),
)
grid = run_sweep(
    two_levers, scenario, f"{FOLDER}/grid", replications=REPLICATIONS, horizon=HORIZON, seed=SEED
).table
plots.heatmap(
    grid,
    P_ACT,
    TEMPO,
    OUTPUT,
    xlabel=WORDS[P_ACT],
    ylabel=WORDS[TEMPO],
)

# %% [markdown]
# ## 2. Which levers matter: Sobol indices
#
# A Saltelli design spreads points over the whole ranges of three levers at once: Pakistan's
# readiness (0 to 0.2 a day), the TTP's tempo (0.5 to 2.5 attacks a day) and Qatar's leverage
# (0.2 to 1). The first-order index S1 is the share of the output's variance a lever explains
# alone; the total index ST adds its interactions. Each point's Monte Carlo noise adds
# variance of its own, so the intervals are wide with few replications per point.

# %%
design = Sweep(
    name="sobol",
    parameters=[
        Parameter(P_ACT, low=0.0, high=0.2),
        Parameter(TEMPO, low=0.5, high=2.5),
        Parameter(LEVERAGE, low=0.2, high=1.0),
    ],
    design="saltelli",
    samples=SOBOL_N,
    rungs=(4,),
    horizons=(HORIZON,),
)
points = run_sweep(
    design,
    scenario,
    f"{FOLDER}/sobol",
    replications=max(REPLICATIONS // 4, 50),
    horizon=HORIZON,
    seed=SEED,
)
indices = sensitivity.sobol(design, points.table, OUTPUT)
print(indices)
plots.sensitivity_bars(indices, labels=WORDS)

# %% [markdown]
# Why would Qatar's leverage not matter for the *first* clash? Because of when Qatar engages:

# %%
qatar = scenario.mediators["qatar"]
print(
    f"Qatar engages once the pair reaches rung {qatar.engage_rung} "
    f"({sim.RUNG_NAMES[qatar.engage_rung]}): its leverage can end clashes, not prevent the "
    "first one. A policy that changes this is compared next."
)

# %% [markdown]
# ## 3. Two policies on the same random numbers
#
# * **Pakistani restraint**: Pakistan still answers one rung above what it received, with the
#   same daily chance, but only once domestic pressure passes 1.0 (about twice its level on
#   22 February).
# * **Early mediation**: Qatar engages at limited strikes (rung 3) rather than clashes, with
#   more leverage (0.9) and twice the attempt rate.
#
# Each runs on the scenario's seed, so every replication meets the same attacks and the same
# draws: the paired difference isolates the policy. (These are the settings of
# `experiments/restraint.yaml`.)

# %%
policies = {
    "Pakistani restraint": {
        "states.pakistan.retaliation": {
            "name": "threshold",
            "level": 1.0,
            "p_act": base_p_act,
            "step": 1,
        }
    },
    "early mediation": {
        "mediators.qatar.engage_rung": 3,
        "mediators.qatar.leverage": 0.9,
        "mediators.qatar.attempt_rate": 0.3,
    },
}
policies["both"] = policies["Pakistani restraint"] | policies["early mediation"]
runs = {"scenario as is": sim.simulate(scenario, REPLICATIONS, horizon=365, seed=SEED)}
for name, settings in policies.items():
    variant, _ = point_scenario(scenario, settings)
    runs[name] = sim.simulate(variant, REPLICATIONS, horizon=365, seed=SEED)
base = runs["scenario as is"]
comparisons = [base.compare(runs[name], rung=4, within=HORIZON) for name in policies]
plots.policy_comparison(comparisons, labels=list(policies))

# %%
pd.DataFrame(
    [
        (
            name,
            f"{c.p_a:.1%}",
            f"{c.p_b:.1%}",
            f"{100 * c.difference:+.1f}",
            f"{100 * c.low:+.1f} to {100 * c.high:+.1f}",
            f"{100 * c.independent_low:+.1f} to {100 * c.independent_high:+.1f}",
            f"{c.width_ratio:.2f}",
        )
        for name, c in zip(policies, comparisons, strict=True)
    ],
    columns=[
        "policy",
        "P(clashes) as is",
        "with policy",
        "change (points)",
        "paired 95 % interval",
        "independent runs' interval",
        "width ratio",
    ],
)

# %% [markdown]
# The same comparison over the whole year and for war-level fighting (rung 5):

# %%
year = [
    (name, k, base.compare(runs[name], rung=k, within=365)) for name in policies for k in (4, 5)
]
plots.policy_comparison(
    [c for *_, c in year], labels=[f"{name}, rung {k} ({sim.RUNG_NAMES[k]})" for name, k, _ in year]
)

# %% [markdown]
# ## Reading these results
#
# * A lever's effect is measured on the same random numbers at every point, so small
#   differences are real differences *of the model*. Whether the model's assumptions hold is
#   a separate question: every assumption in `configs/scenario/pak_afg_2026.yaml` is marked.
# * The Sobol ranking holds over the ranges given; a narrower or wider range changes it.
# * For a batch version with a results folder, see `python -m sim experiment=restraint` and
#   the sweep configs; sweeps resume where they stopped when run again on the same folder.
