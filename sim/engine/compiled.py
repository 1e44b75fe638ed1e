"""The compiled day: the engine's day as one numba loop over replications.

:class:`~sim.engine.model.EscalationModel` advances R replications with NumPy, phase by phase, each
phase a pass over arrays of shape (R,). This module runs the same day for the same model as one
loop over replications that performs the whole day for replication ``r`` before moving to
``r + 1`` (numba ``@njit(cache=True)``, compiled once per machine and cached in
``__pycache__``). Nothing else differs: the model is built, seeded and started as usual, every
actor draws the same uniforms from the same streams, in the same layout, and the outcome table is
the model's own. Only the built-in rules are compiled: :func:`unsupported` names what keeps a
scenario on the NumPy path (a user's own rule, event or trajectory recording).

How the two paths stay one day. What can be shared is shared: the compiled path builds the same
:class:`~.model.EscalationModel` (scenario checks, start values, streams), reads every derived
constant from the model's own agents (decay factors, casualty means, Lomax thresholds, shares),
draws the uniforms from the agents' own streams in the agents' layout, and returns the model's own
outcome table. The per-replication arithmetic of each phase in :mod:`~.kernel` follows
:meth:`~.model.EscalationModel.step` operation for operation (same floating-point operations,
same order), so both paths give the same outcomes except where a library ``exp``, ``log1p`` or
``pow`` rounds differently in the last bit (NumPy's vectorised versions against the C library's).
``tests/statistical/test_compiled_equivalence.py`` holds them to it: every built-in rule run on
both paths must give identical replications (at least 99 % of rows; identical ladder columns for
the constant-probability scenarios), the exact-chain validation runs on both, and every outcome
column is compared in distribution at 10^5 replications. A change to a phase of the day is made in
both places, and those tests fail until it is.

Where the time goes. A replication-day reads some 10 of the 30 uniforms its actors' streams hold
for it and runs one pass of the kernel's day. :meth:`CompiledDay.run` calls the kernel once per
stream block of 1,024 replications (:func:`~.kernel.days`), which runs each of the block's
replications through all the days before the next one, so that a replication's state stays in
the core's first-level cache, and computes each number the replication reads straight from the
(actor, block) generator's state with NumPy's PCG64 written in numba (same generator, same
numbers; each a jump ahead from the replication's start of the day). Nothing is allocated or
stored per day, and Python runs once per block, not once per day; afterwards each generator is
put where drawing those days' numbers in order would have left it.

The numba kernel is :mod:`~.kernel`, imported only when a compiled run starts: choosing a path
(:func:`choose_engine`) does not import numba.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.core.streams import BLOCK
from sim.engine.agents import MEDIATOR_DRAWS, STATE_DRAWS
from sim.rules import ceasefire as cf
from sim.rules import retaliation as rt

if TYPE_CHECKING:
    from sim.scenario.schema import Scenario

# How a run advances its days: `auto` picks `compiled` when it can and it pays (runs.montecarlo).
# Defined here, beside the choice, so the model imports this module and never the reverse.
ENGINES = ("auto", "numpy", "compiled")

# Retaliation rules: code and parameters in the order the kernel reads them.
_RETALIATION: dict[type, tuple[int, tuple[str, ...]]] = {
    rt.NoRetaliation: (0, ()),
    rt.TitForTat: (1, ("p_act",)),
    rt.Graduated: (2, ("p_act",)),
    rt.Proportional: (3, ("p_act", "deaths_per_rung", "max_rung")),
    rt.Threshold: (4, ("p_act", "level", "step")),
    rt.Logistic: (
        5,
        (
            "intercept",
            "pressure_weight",
            "grievance_weight",
            "resolve_weight",
            "restraint_weight",
            "weariness_weight",
            "step",
        ),
    ),
    rt.ConstantProbability: (6, ("p_escalate",)),
    rt.OrderedLogit: (
        7,
        (
            "p_act",
            "intercept",
            "received_weight",
            "harm_weight",
            "resolve_weight",
            "restraint_weight",
            "scale",
            "max_rung",
        ),
    ),
}
_CEASEFIRE: dict[type, tuple[int, tuple[str, ...]]] = {
    cf.NoCeasefire: (0, ()),
    cf.Mediated: (
        1,
        (
            "intercept",
            "leverage_weight",
            "trust_weight",
            "cost_weight",
            "break_per_violation",
            "rung_weight",
        ),
    ),
    cf.GrimTrigger: (2, ("p_agree",)),
    cf.Forgiving: (3, ("p_agree", "tolerance", "window")),
    cf.FixedDuration: (4, ("p_agree", "duration", "p_renew")),
    cf.ConstantProbability: (5, ("p_agree", "p_break")),
}
_MAX_PARAMS = 8


def unsupported(scenario: Scenario) -> str | None:
    """Why `scenario` cannot run on the compiled path, or None if it can.

    Only the built-in rules are compiled (by exact type: a subclass may change `decide`).
    """
    for sid, spec in scenario.states.items():
        if type(spec.retaliation) not in _RETALIATION:
            cls = type(spec.retaliation)
            return f"retaliation rule {cls.__module__}.{cls.__qualname__} of state '{sid}'"
    if type(scenario.ceasefire) not in _CEASEFIRE:
        cls = type(scenario.ceasefire)
        return f"ceasefire rule {cls.__module__}.{cls.__qualname__}"
    return None


# `engine="auto"` takes the compiled day for runs of at least this many replication-days once
# the kernel is in numba's cache: below, importing numba and loading the kernel (about a second
# per process) costs more than it saves.
AUTO_MIN_REPLICATION_DAYS = 2_000_000
# ... and, while nothing is cached yet, only for runs long enough to repay compiling it (20-60 s,
# the NumPy day's time for some 5 x 10^7 replication-days), so that a fresh clone's first
# `make run` and test suite do not wait for the compiler.
AUTO_MIN_REPLICATION_DAYS_UNCACHED = 50_000_000


def kernel_cached() -> bool:
    """Whether numba's cache holds a compiled kernel at least as new as its source.

    Looks for the cache index numba writes beside :mod:`sim.engine.kernel` (or under
    ``NUMBA_CACHE_DIR``) without importing numba: that of ``days``, the kernel's entry.
    """
    source = Path(__file__).with_name("kernel.py")
    folders = [source.parent / "__pycache__"]
    if os.environ.get("NUMBA_CACHE_DIR"):
        folders.append(Path(os.environ["NUMBA_CACHE_DIR"]))
    newest = source.stat().st_mtime
    for folder in folders:
        for index in folder.rglob("kernel.days-*.nbi") if folder.is_dir() else ():
            if index.stat().st_mtime >= newest:
                return True
    return False


def choose_engine(
    engine: str, scenario: Scenario, replication_days: int, recording: bool
) -> tuple[str, str | None]:
    """The path a run takes, ``"numpy"`` or ``"compiled"``, and a one-line note when it matters.

    Parameters
    ----------
    engine : {"auto", "numpy", "compiled"}
        ``auto`` takes the compiled day when the scenario's rules are built-in, nothing is
        recorded and the run is long enough to repay loading it (or, before the kernel is
        first compiled, compiling it); the others force a path.
    scenario : Scenario
        What will run.
    replication_days : int
        Replications times days of the whole run.
    recording : bool
        Whether events or trajectories are recorded (the NumPy path only).

    Returns
    -------
    tuple of (str, str or None)
        The path, and a note saying why a user's rule keeps an ``auto`` run on NumPy.

    Raises
    ------
    ValueError
        An unknown `engine`, or ``"compiled"`` for a run it cannot take.
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}; got {engine!r}")
    reason = unsupported(scenario)
    if engine == "compiled":
        if reason is not None:
            raise ValueError(
                f"engine='compiled' runs the built-in rules only, and this scenario has {reason};"
                " use engine='numpy' or 'auto'"
            )
        if recording:
            raise ValueError(
                "engine='compiled' records no events or trajectories; pass "
                "record_events=False, record_trajectory=False or use engine='numpy'"
            )
        return "compiled", None
    if engine == "numpy":
        return "numpy", None
    if reason is not None:
        return (
            "numpy",
            f"note: the {reason} runs on the NumPy path (the compiled day has built-in rules only)",
        )
    if recording or replication_days < AUTO_MIN_REPLICATION_DAYS:
        return "numpy", None
    if replication_days < AUTO_MIN_REPLICATION_DAYS_UNCACHED and not kernel_cached():
        return "numpy", None
    if importlib.util.find_spec("numba") is None:
        return "numpy", "note: numba is not installed, so the run takes the NumPy path"
    return "compiled", None


def _rule(rule: Any, table: dict[type, tuple[int, tuple[str, ...]]]) -> tuple[int, np.ndarray]:
    code, names = table[type(rule)]
    params = np.zeros(_MAX_PARAMS)
    params[: len(names)] = [float(getattr(rule, n)) for n in names]
    return code, params


# --- packing the model's arrays --------------------------------------------------------------


class CompiledDay:
    """Runs a model's days with the compiled kernel, reading and writing the model's arrays.

    The agents' per-opponent arrays are stacked on entry and written back on exit of
    :meth:`run`; the kernel takes them, and the model's own arrays (rungs, ceasefires,
    outcomes), replication-major, copied back after it (the counters with one number per
    replication are used in place).
    """

    def __init__(self, model: Any) -> None:  # an EscalationModel (it imports this module)
        from sim.engine import kernel

        self._days = kernel.days
        reason = unsupported(model.spec)
        if reason is not None:
            raise ValueError(
                f"the compiled day runs built-in rules only; this scenario has {reason}"
            )
        self.model = model
        states = list(model.states.values())
        militants = list(model.militants.values())
        mediators = list(model.mediators.values())
        self.index = {sid: i for i, sid in enumerate(model.states)}
        index = self.index
        S, P = len(states), len(model.pairs)
        # Index tables are unsigned: numba then leaves out its negative-index wraparound on
        # every access through them.
        self.opponents = np.array(
            [[index[o] for o in st.opponents] for st in states], np.uint64
        ).reshape(S, S - 1)
        self.pair_index = np.zeros((S, S), np.uint64)  # its diagonal is never read
        for (a, b), p in model.pair_index.items():
            self.pair_index[index[a], index[b]] = p
        self.pair_states = np.array(
            [[index[a], index[b]] for a, b in model.pairs], np.uint64
        ).reshape(P, 2)
        self.sf = np.array(
            [
                [
                    st._pressure_decay,
                    st._grievance_decay,
                    st.spec.memory_days,
                    st.spec.pressure_per_death,
                    st.spec.weariness_per_death,
                    st.spec.grievance_per_attack,
                    st.spec.grievance_per_death,
                    st.spec.compliance,
                    st.spec.resolve,
                    st.spec.restraint,
                ]
                for st in states
            ],
            float,
        )
        self.inflict = np.stack([st._inflict for st in states])
        rules = [_rule(st.rule, _RETALIATION) for st in states]
        self.rule_code = np.array([c for c, _ in rules], np.int64)
        self.rule_par = np.stack([p for _, p in rules])
        G = len(militants)
        width = max([len(g.targets) for g in militants], default=1)
        self.mi = np.zeros((G, 4), np.int64)
        self.mf = np.zeros((G, 13))
        self.targets = np.zeros((G, width), np.uint64)
        self.rates = np.zeros((G, width))
        self.targets_state = np.zeros((G, S), np.bool_)
        for g, group in enumerate(militants):
            spec = group.spec
            self.mi[g] = (index[spec.host], len(group.targets), group._slots, spec.attack_rung)
            self.mf[g] = (
                spec.spoiler,
                spec.attribution,
                spec.major_attack_deaths,
                -1.0 / (spec.casualty_alpha - 1.0),
                spec.casualty_scale,
                spec.max_deaths_per_attack,
                spec.military_share,
                group._zero_below,
                spec.degradation,
                group._recovery,
                spec.max_strength,
                spec.recruitment_per_civilian_death,
                group.share,
            )
            for j, (target, rate) in enumerate(group.targets):
                self.targets[g, j] = index[target]
                self.rates[g, j] = rate
            for target in spec.targets:
                self.targets_state[g, index[target]] = True
        self.med_i = np.array(
            [
                [m.pair, m.spec.engage_rung, index[m.spec.parties[0]], index[m.spec.parties[1]]]
                for m in mediators
            ],
            np.int64,
        ).reshape(len(mediators), 4)
        self.med_f = np.array(
            [[m.spec.attempt_rate, m.spec.leverage, m.trust] for m in mediators], float
        ).reshape(len(mediators), 3)
        self.cf_code, self.cf_par = _rule(model.spec.ceasefire, _CEASEFIRE)
        scenario = model.spec
        self.scen_i = np.array(
            [scenario.ceasefire_cap, scenario.ceasefire_rung, int(scenario.start_rung)], np.int64
        )
        self.scen_f = np.array([scenario.decay, scenario.war_deaths], float)
        # The day's streams in the order the kernel numbers them (states, militant groups,
        # mediators, ladders), with the rows of uniforms each draws a day.
        self.draws: list[tuple[Any, int]] = [
            *((st.stream, STATE_DRAWS * len(st.opponents)) for st in states),
            *((g.stream, g._block * len(g.targets)) for g in militants),
            *((m.stream, MEDIATOR_DRAWS) for m in mediators),
            *((s, 2) for s in model.ladder_rng),
        ]

    def _stack(self, field: str, dtype: Any) -> np.ndarray:
        states = list(self.model.states.values())
        S, R = len(states), self.model.R
        out = np.zeros((S, S, R), dtype)
        for s, st in enumerate(states):
            for o, values in getattr(st, field).items():
                out[s, self.index[o]] = values
        return out

    def _unstack(self, field: str, stacked: np.ndarray) -> None:
        for s, st in enumerate(self.model.states.values()):
            for o, values in getattr(st, field).items():
                values[:] = stacked[s, self.index[o]]

    def run(self, days: int) -> None:
        """Advance the model `days` days."""
        model = self.model
        states = list(model.states.values())
        militants = list(model.militants.values())
        per_state = {
            "pressure": np.stack([st.pressure for st in states]),
            "weariness": np.stack([st.weariness for st in states]),
            "military_deaths": np.stack([st.military_deaths for st in states]),
            "civilian_deaths": np.stack([st.civilian_deaths for st in states]),
            "strikes": np.stack([st.strikes for st in states]),
        }
        stacked = {
            "grievance": self._stack("grievance", float),
            "provocation": self._stack("provocation", np.int8),
            "provocation_age": self._stack("provocation_age", np.int32),
            "harm": self._stack("harm", float),
            "action": self._stack("action", np.int8),
            "highest": self._stack("highest", np.int8),
        }
        R = model.R
        per_group = {
            name: np.stack([getattr(g, name) for g in militants] or [np.zeros(R, dtype)])[
                : len(militants)
            ]
            for name, dtype in (
                ("strength", float),
                ("attacks", np.int64),
                ("fighters_killed", np.int64),
            )
        }
        mediators = list(model.mediators.values())
        attempts = np.stack([m.attempts for m in mediators] or [np.zeros(R, np.int64)])[
            : len(mediators)
        ]
        engaged = np.stack([m.engaged for m in mediators] or [np.zeros(R, bool)])[: len(mediators)]
        # One kernel call per stream block: it runs the block's replications (those of this model)
        # through all the days, drawing from each (actor, block) generator's state, and leaves
        # the generators where drawing those days day by day would leave them.
        streams = [stream for stream, _ in self.draws]
        counts = np.array([count for _, count in self.draws], np.int64)
        # The kernel takes the replications' state replication-major (its axis first), so that a
        # replication's state is a contiguous row of each array; copied back after the calls.
        moved: list[tuple[np.ndarray, np.ndarray]] = []

        def by_replication(whole: np.ndarray) -> np.ndarray:
            rows = np.ascontiguousarray(np.moveaxis(whole, -1, 0))
            moved.append((whole, rows))
            return rows

        args = (
            self.opponents,
            self.pair_index,
            self.pair_states,
            self.sf,
            self.inflict,
            self.rule_code,
            self.rule_par,
            by_replication(per_state["pressure"]),
            by_replication(per_state["weariness"]),
            by_replication(stacked["grievance"]),
            by_replication(stacked["provocation"]),
            by_replication(stacked["provocation_age"]),
            by_replication(stacked["harm"]),
            by_replication(stacked["action"]),
            by_replication(stacked["highest"]),
            by_replication(per_state["military_deaths"]),
            by_replication(per_state["civilian_deaths"]),
            by_replication(per_state["strikes"]),
            self.mi,
            self.mf,
            self.targets,
            self.rates,
            self.targets_state,
            by_replication(per_group["strength"]),
            by_replication(per_group["attacks"]),
            by_replication(per_group["fighters_killed"]),
            self.med_i,
            self.med_f,
            by_replication(attempts),
            by_replication(engaged),
            self.cf_code,
            self.cf_par,
            self.scen_i,
            self.scen_f,
            by_replication(model.rung),
            by_replication(model.in_ceasefire),
            by_replication(model.ceasefire_age),
            by_replication(model.violation_history),
            model.max_rung,
            by_replication(model.day_rung),
            model.clashes,
            model.battle_deaths,
            model.day_war,
            model.ceasefires_made,
            model.ceasefires_broken,
            model.ceasefire_days,
            by_replication(model.pair_ceasefires_made),
        )
        offset = model.first_replication % BLOCK
        for block in range((offset + R - 1) // BLOCK + 1):
            col0 = offset - block * BLOCK
            r0, r1 = max(0, -col0), min(R, BLOCK - col0)
            pcg = np.stack([stream.state_words(block) for stream in streams])
            self._days(
                model.day + 1, days, pcg, counts, r0 + col0, np.uint64(r0), np.uint64(r1), *args
            )
            for stream, words in zip(streams, pcg, strict=True):
                stream.set_state_words(block, words)
        for whole, rows in moved:
            whole[...] = np.moveaxis(rows, 0, -1)
        model.day += days
        for s, st in enumerate(states):
            for name, values in per_state.items():
                getattr(st, name)[:] = values[s]
        for name, values in stacked.items():
            self._unstack(name, values)
        for g, group in enumerate(militants):
            group.strength = per_group["strength"][g].copy()
            group.attacks[:] = per_group["attacks"][g]
            group.fighters_killed[:] = per_group["fighters_killed"][g]
        for m, mediator in enumerate(mediators):
            mediator.attempts[:] = attempts[m]
