"""Exact results for the constant-probability configuration, to validate the Monte Carlo.

When every state follows :class:`~sim.rules.retaliation.ConstantProbability` (or never acts) and
the ceasefire rule is :class:`~sim.rules.ceasefire.ConstantProbability` (or none), the pair's
(rung, ceasefire) is a Markov chain on 12 states. This module builds that chain from the same
scenario the engine runs, following the engine's day (``sim.engine.model``): the *action* half-step
(states act; the rung rises) and the *mediation* half-step (a ceasefire ends or is made; the rung
decays where nobody acted at or above it). The probability that the rung reaches ``k`` by day ``t``
is the mass absorbed at rungs >= k after the action half-step, accumulated day by day.

References
----------
Kemeny, J. G. and Snell, J. L. (1960). *Finite Markov Chains*, ch. 3 (absorbing chains).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core.ladder import MAX_RUNG
from sim.rules import ceasefire as cf_rules
from sim.rules import retaliation as ret_rules
from sim.scenario.schema import Scenario

_RUNGS = MAX_RUNG + 1
N_STATES = 2 * _RUNGS  # (rung, in ceasefire): index = rung + 6 * in_ceasefire


def _index(rung: int, ceasefire: int) -> int:
    return rung + _RUNGS * ceasefire


@dataclass(frozen=True)
class ChainParameters:
    """The constants of the chain, read from a scenario.

    Parameters
    ----------
    p_escalate : list of float
        Each state's daily chance of acting one rung above the current rung.
    compliance : list of float
        Each state's chance of keeping to the ceasefire cap.
    mediators : list of (engage_rung, attempt_rate)
        The pair's mediators.
    p_agree, p_break : float
        The ceasefire rule's chances (0 and 1 for no ceasefire).
    decay, cap, ceasefire_rung, start_rung, start_ceasefire
        As in :class:`~sim.scenario.Scenario`.
    """

    p_escalate: list[float]
    compliance: list[float]
    mediators: list[tuple[int, float]]
    p_agree: float
    p_break: float
    decay: float
    cap: int
    ceasefire_rung: int
    start_rung: int
    start_ceasefire: bool


def chain_parameters(scenario: Scenario) -> ChainParameters:
    """Read the chain's constants from a scenario, refusing one that is not a Markov chain.

    Raises
    ------
    ValueError
        If the scenario has other than two states, or a rule other than constant-probability
        (or none).
    """
    if len(scenario.states) != 2:
        raise ValueError(
            f"the exact chain covers one pair of states; the scenario has "
            f"{len(scenario.states)} states"
        )
    p_escalate = []
    for sid, state in scenario.states.items():
        rule = state.retaliation
        if isinstance(rule, ret_rules.ConstantProbability):
            p_escalate.append(rule.p_escalate)
        elif isinstance(rule, ret_rules.NoRetaliation):
            p_escalate.append(0.0)
        else:
            raise ValueError(
                f"scenario.states.{sid}.retaliation: the exact chain needs "
                f"'constant_probability' or 'none', got {type(rule).__name__}"
            )
    rule = scenario.ceasefire
    if isinstance(rule, cf_rules.ConstantProbability):
        p_agree, p_break = rule.p_agree, rule.p_break
    elif isinstance(rule, cf_rules.NoCeasefire):
        p_agree, p_break = 0.0, 1.0
    else:
        raise ValueError(
            "scenario.ceasefire: the exact chain needs 'constant_probability' or "
            f"'none', got {type(rule).__name__}"
        )
    return ChainParameters(
        p_escalate=p_escalate,
        compliance=[s.compliance for s in scenario.states.values()],
        mediators=[(m.engage_rung, m.attempt_rate) for m in scenario.mediators.values()],
        p_agree=p_agree,
        p_break=p_break,
        decay=scenario.decay,
        cap=scenario.ceasefire_cap,
        ceasefire_rung=scenario.ceasefire_rung,
        start_rung=scenario.start_rung,
        start_ceasefire=scenario.in_ceasefire,
    )


def _max_action_distribution(chain: ChainParameters, rung: int, ceasefire: int) -> np.ndarray:
    """P(highest action today = a), a = 0..5, from (rung, ceasefire) at the start of the day."""
    full = min(rung + 1, MAX_RUNG)
    capped = min(full, chain.cap)
    cdf = np.ones(_RUNGS)
    for p, comply in zip(chain.p_escalate, chain.compliance, strict=True):
        pmf = np.zeros(_RUNGS)
        pmf[0] += 1.0 - p
        keep = comply if ceasefire else 0.0
        pmf[capped] += p * keep
        pmf[full] += p * (1.0 - keep)
        cdf *= np.cumsum(pmf)
    return np.diff(cdf, prepend=0.0)


def action_matrix(chain: ChainParameters) -> np.ndarray:
    """The action half-step: (rung, ceasefire) -> (escalated rung, ceasefire, blocked).

    Returns an array of shape (12, 6, 2, 2): ``[state, escalated rung, ceasefire, blocked]``,
    where *blocked* means some state acted at or above the day's starting rung (no decay).
    """
    out = np.zeros((N_STATES, _RUNGS, 2, 2))
    for c in (0, 1):
        for r in range(_RUNGS):
            for a, prob in enumerate(_max_action_distribution(chain, r, c)):
                out[_index(r, c), max(r, a), c, int(a >= r)] += prob
    return out


def mediation_matrix(chain: ChainParameters) -> np.ndarray:
    """The mediation half-step: (escalated rung, ceasefire, blocked) -> (rung, ceasefire).

    Returns an array of shape (6, 2, 2, 12).
    """
    out = np.zeros((_RUNGS, 2, 2, N_STATES))
    for re in range(_RUNGS):
        attempts_fail = np.prod(
            [1.0 - rate * chain.p_agree for engage, rate in chain.mediators if re >= engage]
        )
        made = 1.0 - attempts_fail
        for c in (0, 1):
            for blocked in (0, 1):
                decays = chain.decay if (not blocked and re > 0) else 0.0
                row = out[re, c, blocked]
                stays_in = 1.0 - chain.p_break if c else 0.0
                free = 1.0 - stays_in
                # Under a ceasefire that holds, or free with no agreement: decay may apply.
                for c_next, prob in ((1, stays_in), (0, free * (1.0 - made if not c else 1.0))):
                    row[_index(re, c_next)] += prob * (1.0 - decays)
                    if decays:
                        row[_index(re - 1, c_next)] += prob * decays
                if not c:
                    row[_index(min(re, chain.ceasefire_rung), 1)] += made
    return out


def transition_matrix(scenario: Scenario) -> np.ndarray:
    """The one-day transition matrix (12 x 12) of (rung, ceasefire); rows sum to 1."""
    chain = chain_parameters(scenario)
    return action_matrix(chain).reshape(N_STATES, -1) @ mediation_matrix(chain).reshape(
        -1, N_STATES
    )


@dataclass(frozen=True)
class ExactResult:
    """Exact finite-horizon probabilities of the constant-probability chain.

    Parameters
    ----------
    reached : ndarray, shape (6, T + 1)
        ``reached[k, t]`` = P(the rung has stood at >= k by day t).
    in_ceasefire : ndarray, shape (T + 1,)
        P(the pair is under a ceasefire at the end of day t).
    horizon : int
        T.
    """

    reached: np.ndarray
    in_ceasefire: np.ndarray
    horizon: int

    def expected_ceasefire_days(self) -> float:
        """E[days ending under a ceasefire, days 1..T] (the outcome ``ceasefire_days``)."""
        return float(self.in_ceasefire[1:].sum())

    def escalation_probability(self, rung: int, within: int | None = None) -> float:
        """P(max rung >= `rung` within `within` days (default: the horizon))."""
        return float(self.reached[rung, self.horizon if within is None else within])

    def first_day_pmf(self, rung: int) -> np.ndarray:
        """P(the rung first reaches >= `rung` on day t), t = 0..T (the rest is censored)."""
        return np.diff(self.reached[rung], prepend=0.0)

    def max_rung_distribution(self) -> np.ndarray:
        """P(max rung = k by the horizon), k = 0..5."""
        at_least = np.append(self.reached[:, self.horizon], 0.0)
        return at_least[:-1] - at_least[1:]


def exact_escalation(scenario: Scenario, horizon: int) -> ExactResult:
    """Exact P(max rung >= k by day t) for every k and t <= `horizon`, by matrix iteration.

    Parameters
    ----------
    scenario : Scenario
        A constant-probability scenario (see :func:`chain_parameters`).
    horizon : int
        T, in days.

    Returns
    -------
    ExactResult
    """
    chain = chain_parameters(scenario)
    act = action_matrix(chain).reshape(N_STATES, _RUNGS, 4)
    mediate = mediation_matrix(chain).reshape(_RUNGS * 4, N_STATES)
    reached = np.zeros((_RUNGS, horizon + 1))
    start = np.zeros(N_STATES)
    start[_index(chain.start_rung, int(chain.start_ceasefire))] = 1.0
    in_ceasefire = np.zeros(horizon + 1)
    dist = start.copy()
    for t in range(horizon + 1):
        in_ceasefire[t] = dist[_RUNGS:].sum()
        dist = dist @ (act.reshape(N_STATES, -1) @ mediate)
    for k in range(_RUNGS):
        if k <= chain.start_rung:
            reached[k] = 1.0
            continue
        dist = start.copy()
        for t in range(1, horizon + 1):
            mid = np.einsum("s,srx->rx", dist, act)
            reached[k, t] = reached[k, t - 1] + mid[k:].sum()
            mid[k:] = 0.0
            dist = mid.reshape(-1) @ mediate
    return ExactResult(reached=reached, in_ceasefire=in_ceasefire, horizon=horizon)


def gamblers_ruin(p_up: float, p_down: float, start: int, top: int) -> float:
    """Closed-form chance that a walk from `start` hits `top` before 0 (steps +1 / -1 / stay).

    With ratio rho = p_down / p_up, the chance is (1 - rho**start) / (1 - rho**top), or
    start / top when rho = 1 (Feller, *An Introduction to Probability Theory*, vol. 1, XIV.2).
    """
    rho = p_down / p_up
    if np.isclose(rho, 1.0):
        return start / top
    return (1.0 - rho**start) / (1.0 - rho**top)


def absorption_probability(
    matrix: np.ndarray, start: int, target: int, absorbing: list[int], days: int
) -> float:
    """P(chain `matrix` from `start` is absorbed in `target` within `days`, given `absorbing`."""
    P = matrix.copy()
    for s in absorbing:
        P[s] = 0.0
        P[s, s] = 1.0
    dist = np.zeros(len(P))
    dist[start] = 1.0
    return float((dist @ np.linalg.matrix_power(P, days))[target])
