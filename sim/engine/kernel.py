"""The compiled day's kernel: numba functions over per-replication arrays (see :mod:`~.compiled`).

numba is imported here only; :mod:`sim.engine.compiled` imports this module only when a compiled run
starts. Every function is compiled once per machine and cached in ``__pycache__``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.core.ladder import MAX_RUNG
from sim.engine.agents import STATE_DRAWS


@njit(cache=True, inline="always")
def _expit(x: float) -> float:
    return 1.0 / (1.0 + np.exp(-x))


@njit(cache=True, inline="always")
def _decide(
    code, par, s, pressure, received, harm, grievance, weariness, rung, resolve, restraint, u
):
    """The rung state `s` wants (before the ceasefire cap); mirrors `sim.rules.retaliation`.

    Indices rather than views (`par[s]`) keep reference counting off the hot path.
    """
    if code == 0:
        return 0
    if code == 6:
        return min(rung + 1, MAX_RUNG) if u < par[s, 0] else 0
    if code == 5:
        log_odds = (
            par[s, 0]
            + par[s, 1] * pressure
            + par[s, 2] * grievance
            + par[s, 3] * resolve
            - par[s, 4] * restraint
            - par[s, 5] * weariness
        )
        return min(max(received, 1) + int(par[s, 6]), MAX_RUNG) if u < _expit(log_odds) else 0
    if not (received > 0 and u < par[s, 0]):
        return 0
    if code == 1:
        return received
    if code == 2:
        return min(received + 1, MAX_RUNG)
    if code == 3:
        return int(min(max(np.ceil(harm / par[s, 1]), 1.0), par[s, 2]))
    if code == 7:
        # Ordered logit: the smallest rung k with v < P(Y <= k), v = u / p_act, as the rule does.
        mu = par[s, 1] + par[s, 2] * received + par[s, 3] * np.log1p(harm) + par[s, 4] * resolve
        mu -= par[s, 5] * restraint
        top = min(received + 1, int(par[s, 7]))
        v = u / par[s, 0]
        k = 1
        while k < top and v >= _expit((k + 0.5 - mu) / par[s, 6]):
            k += 1
        return k
    # code == 4, threshold
    if pressure > par[s, 1]:
        return min(received + int(par[s, 2]), MAX_RUNG)
    return 0


@njit(cache=True, inline="always")
def _ends(code, par, days_in, violations, history, p, r, day, u):
    """Whether a ceasefire in force ends today; mirrors `sim.rules.ceasefire`."""
    if code == 0:
        return True
    if code == 1:
        return violations > 0 and u >= (1.0 - par[4]) ** float(violations)
    if code == 2:
        return violations > 0
    if code == 3:
        window = int(par[2])
        horizon = history.shape[1]
        total = 0
        for d in range(window):
            total += history[p, (day - d) % horizon, r]
        return total > par[1]
    if code == 4:
        duration = int(par[1])
        return days_in > 0 and days_in % duration == 0 and u >= par[2]
    return u < par[1]


@njit(cache=True, inline="always")
def _agree(code, par, leverage, trust, cost, u):
    """Whether a mediator's attempt makes a ceasefire; mirrors `sim.rules.ceasefire`."""
    if code == 0:
        return False
    if code == 1:
        return u < _expit(par[0] + par[1] * leverage + par[2] * trust + par[3] * cost)
    return u < par[0]


@njit(cache=True, inline="always")
def _geometric(u, mean):
    # As sim.engine.agents.geometric.
    if mean > 0:
        return np.int64(np.floor(np.log1p(-u) / np.log(mean / (1.0 + mean))))
    return np.int64(0)


@njit(cache=True, inline="always")
def _suffer(s, r, military, civilian, mil_deaths, civ_deaths, pressure, weariness, sf):
    mil_deaths[s, r] += military
    civ_deaths[s, r] += civilian
    pressure[s, r] += sf[s, 3] * (military + civilian)
    weariness[s, r] += sf[s, 4] * military


@njit(cache=True, inline="always")
def _provoked(s, by, r, rung, deaths, attacks, provocation, age, harm, grievance, sf):
    current = provocation[s, by, r]
    if rung > 0 and rung >= current:
        age[s, by, r] = 0
    provocation[s, by, r] = max(current, rung)
    harm[s, by, r] += deaths
    grievance[s, by, r] += sf[s, 5] * attacks + sf[s, 6] * deaths


@njit(cache=True)
def day(
    day,
    u,
    p_zero,
    state_row,
    militant_row,
    mediator_row,
    ladder_row,
    opponents,
    pair_index,
    pair_states,
    sf,
    inflict,
    rule_code,
    rule_par,
    pressure,
    weariness,
    grievance,
    provocation,
    age,
    harm,
    action,
    mil_deaths,
    civ_deaths,
    strikes,
    mi,
    mf,
    targets,
    rates,
    targets_state,
    strength,
    attacks,
    fighters_killed,
    med_i,
    med_f,
    attempts,
    cf_code,
    cf_par,
    scen_i,
    scen_f,
    rung,
    in_ceasefire,
    ceasefire_age,
    violation_history,
    max_rung,
    day_rung,
    clashes,
    battle_deaths,
    day_war,
    ceasefires_made,
    ceasefires_broken,
    ceasefire_days,
):
    """One day of every replication, replication by replication, phases as in `sim.engine.model`.

    `p_zero[g, j]` is ``exp(-tempo)`` of group g's attacks on its target j today, computed by
    :meth:`CompiledDay._no_attack` with NumPy's vectorised ``exp`` (a scalar ``exp`` per
    replication would cost more than the rest of the day).
    """
    S, R = pressure.shape
    G = strength.shape[0]
    P = rung.shape[0]
    M = attempts.shape[0]
    H = violation_history.shape[1]
    cap, ceasefire_rung, start_rung = scen_i[0], scen_i[1], scen_i[2]
    decay, war_deaths = scen_f[0], scen_f[1]
    start = np.empty(P, np.int64)
    top_action = np.empty(P, np.int64)
    escalated = np.empty(P, np.int64)
    free = np.empty(P, np.bool_)
    made = np.empty(P, np.bool_)
    for r in range(R):
        # Start of the day: pressure and grievance decay, provocations age and are forgotten.
        for s in range(S):
            pressure[s, r] *= sf[s, 0]
            for j in range(S - 1):
                o = opponents[s, j]
                grievance[s, o, r] *= sf[s, 1]
                age[s, o, r] += 1
                if age[s, o, r] > sf[s, 2]:
                    provocation[s, o, r] = 0
                    harm[s, o, r] = 0.0
        # 1-2. Militants attack; targets attribute, and their pressure and grievance grow.
        for g in range(G):
            host, n_targets, slots, attack_rung = mi[g, 0], mi[g, 1], mi[g, 2], mi[g, 3]
            block = 2 + slots
            for j in range(n_targets):
                row = militant_row[g] + block * j
                t = targets[g, j]
                tempo = rates[g, j] * strength[g, r]
                if t != host and in_ceasefire[pair_index[host, t], r]:
                    tempo = tempo * mf[g, 0]
                none = p_zero[g, j, r]
                u0 = u[row, r]
                if u0 < none:
                    continue
                term = none * tempo
                cdf = none + term
                count = 1
                for k in range(2, slots + 1):
                    if u0 >= cdf:
                        count += 1
                    term *= tempo / k
                    cdf += term
                deaths = 0.0
                for slot in range(slots):
                    size = u[row + 2 + slot, r]
                    if count > slot and size >= mf[g, 7]:
                        x = np.floor(((1.0 - size) ** mf[g, 3] - 1.0) * mf[g, 4])
                        deaths += min(x, mf[g, 5])
                attacks[g, r] += count
                if deaths > 0:
                    killed = np.int64(deaths)
                    soldiers = np.int64(np.floor(killed * mf[g, 6] + 0.5))
                    _suffer(
                        t,
                        r,
                        soldiers,
                        killed - soldiers,
                        mil_deaths,
                        civ_deaths,
                        pressure,
                        weariness,
                        sf,
                    )
                if t != host and u[row + 1, r] < mf[g, 1]:
                    provoked_rung = attack_rung if deaths >= mf[g, 2] else 0
                    _provoked(
                        t,
                        host,
                        r,
                        provoked_rung,
                        deaths,
                        count,
                        provocation,
                        age,
                        harm,
                        grievance,
                        sf,
                    )
        # 3. States decide (on the start-of-day rung), capped where they comply with a ceasefire.
        for s in range(S):
            for j in range(S - 1):
                o = opponents[s, j]
                p = pair_index[s, o]
                row = state_row[s] + STATE_DRAWS * j
                wanted = _decide(
                    rule_code[s],
                    rule_par,
                    s,
                    pressure[s, r],
                    provocation[s, o, r],
                    harm[s, o, r],
                    grievance[s, o, r],
                    weariness[s, r],
                    rung[p, r],
                    sf[s, 8],
                    sf[s, 9],
                    u[row, r],
                )
                wanted = min(max(wanted, 0), MAX_RUNG)
                if in_ceasefire[p, r] and u[row + 1, r] < sf[s, 7]:
                    wanted = min(wanted, cap)
                action[s, o, r] = wanted
        for s in range(S):
            for j in range(S - 1):
                o = opponents[s, j]
                a = action[s, o, r]
                if a > 0 and a >= min(provocation[s, o, r], 2):
                    provocation[s, o, r] = 0
                    harm[s, o, r] = 0.0
        # 4. Consequences, and each pair's rung rises to the highest action.
        for p in range(P):
            start[p] = rung[p, r]
        for s in range(S):
            for j in range(S - 1):
                o = opponents[s, j]
                a = action[s, o, r]
                if a == 0:
                    continue
                row = state_row[s] + STATE_DRAWS * j
                soldiers = _geometric(u[row + 2, r], inflict[s, 0, a])
                civilians = _geometric(u[row + 3, r], inflict[s, 1, a])
                fighters = _geometric(u[row + 4, r], inflict[s, 2, a])
                _suffer(o, r, soldiers, civilians, mil_deaths, civ_deaths, pressure, weariness, sf)
                _provoked(
                    o,
                    s,
                    r,
                    a,
                    float(soldiers + civilians),
                    1.0 if a >= 2 else 0.0,
                    provocation,
                    age,
                    harm,
                    grievance,
                    sf,
                )
                if a == 3:
                    strikes[s, r] += 1
                if a >= 4:
                    clashes[r] += 1
                battle_deaths[r] += soldiers + fighters
                for g in range(G):
                    if mi[g, 0] != o:
                        continue
                    fighters_killed[g, r] += np.int64(np.floor(fighters * mf[g, 12] + 0.5))
                    if targets_state[g, s]:
                        factor = 1.0 - mf[g, 8] if a >= 3 else 1.0
                        strength[g, r] = strength[g, r] * factor + mf[g, 11] * civilians
        for p in range(P):
            a, b = pair_states[p, 0], pair_states[p, 1]
            top_action[p] = max(action[a, b, r], action[b, a, r])
            escalated[p] = max(start[p], top_action[p])
        # 5. Ceasefires end or are made.
        for p in range(P):
            free[p] = not in_ceasefire[p, r]
        for p in range(P):
            a, b = pair_states[p, 0], pair_states[p, 1]
            violations = 0
            if in_ceasefire[p, r]:
                violations = int(action[a, b, r] > cap) + int(action[b, a, r] > cap)
            violation_history[p, day % H, r] = violations
            if in_ceasefire[p, r] and _ends(
                cf_code,
                cf_par,
                ceasefire_age[p, r],
                violations,
                violation_history,
                p,
                r,
                day,
                u[ladder_row[p] + 1, r],
            ):
                in_ceasefire[p, r] = False
                ceasefires_broken[r] += 1
        for p in range(P):
            made[p] = False
        for m in range(M):
            p = med_i[m, 0]
            row = mediator_row[m]
            if free[p] and escalated[p] >= med_i[m, 1] and u[row, r] < med_f[m, 0]:
                attempts[m, r] += 1
                cost = weariness[med_i[m, 2], r] + weariness[med_i[m, 3], r]
                if _agree(cf_code, cf_par, med_f[m, 1], med_f[m, 2], cost, u[row + 1, r]):
                    made[p] = True
        for p in range(P):
            a, b = pair_states[p, 0], pair_states[p, 1]
            if in_ceasefire[p, r]:
                ceasefire_age[p, r] += 1
            if made[p]:
                in_ceasefire[p, r] = True
                ceasefire_age[p, r] = 0
                for h in range(H):
                    violation_history[p, h, r] = 0
                ceasefires_made[r] += 1
                provocation[a, b, r] = 0
                harm[a, b, r] = 0.0
                provocation[b, a, r] = 0
                harm[b, a, r] = 0.0
            if in_ceasefire[p, r]:
                ceasefire_days[r] += 1
        # 6. Rung update and decay; outcomes; militants recover.
        top = 0
        for p in range(P):
            decays = top_action[p] < start[p] and escalated[p] > 0 and u[ladder_row[p], r] < decay
            if made[p]:
                rung[p, r] = min(escalated[p], ceasefire_rung)
            else:
                rung[p, r] = escalated[p] - decays
            top = max(top, escalated[p])
        for k in range(start_rung + 1, MAX_RUNG + 1):
            if top >= k and np.isnan(day_rung[k, r]):
                day_rung[k, r] = day
        max_rung[r] = max(max_rung[r], top)
        if battle_deaths[r] >= war_deaths and np.isnan(day_war[r]):
            day_war[r] = day
        for g in range(G):
            strength[g, r] = min(1.0 + (strength[g, r] - 1.0) * mf[g, 9], mf[g, 10])
