"""The compiled day's kernel: numba functions over per-replication arrays (see :mod:`~.compiled`).

numba is imported here only; :mod:`sim.engine.compiled` imports this module only when a compiled run
starts. Every function is compiled once per machine and cached in ``__pycache__``.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

from sim.core.ladder import MAX_RUNG
from sim.core.streams import BLOCK
from sim.engine.agents import STATE_DRAWS

# --- NumPy's PCG64, in numba -----------------------------------------------------------------
# The streams are NumPy PCG64 generators (sim.core.streams). The compiled day computes their numbers
# here instead of drawing them through `Generator.random`: the same generator (PCG-XSL-RR 128/64,
# the 128-bit LCG multiplier NumPy uses), the same uniform (the top 53 bits times 2**-53), so the
# same numbers (tests/unit/test_streams.py compares them with NumPy's). An LCG jumps any number of
# steps with one multiply-add (Brown 1994), so the kernel reaches each number a replication reads
# directly (see `days`) and computes none it does not read.
_MULT_HIGH = np.uint64(2549297995355413924)
_MULT_LOW = np.uint64(4865540595714422341)
_ZERO = np.uint64(0)
_ONE = np.uint64(1)
_SHIFT_ROTATE = np.uint64(58)
_SHIFT_DOUBLE = np.uint64(11)
_SIXTY_FOUR = np.uint64(64)
_SIXTY_THREE = np.uint64(63)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53


@intrinsic
def _mulhilo(typingctx, a, b):
    """The high and low 64-bit words of the 128-bit product ``a * b`` (one x86-64 `mul`)."""
    signature = types.UniTuple(types.uint64, 2)(types.uint64, types.uint64)

    def codegen(context, builder, sig, args):
        wide = ir.IntType(128)
        product = builder.mul(builder.zext(args[0], wide), builder.zext(args[1], wide))
        high = builder.trunc(builder.lshr(product, ir.Constant(wide, 64)), ir.IntType(64))
        return context.make_tuple(
            builder, sig.return_type, (high, builder.trunc(product, ir.IntType(64)))
        )

    return signature, codegen


@njit(cache=True, inline="always")
def _mul128(ah, al, bh, bl):
    high, low = _mulhilo(al, bl)
    return high + al * bh + ah * bl, low


@njit(cache=True, inline="always")
def _add128(ah, al, bh, bl):
    low = al + bl
    return ah + bh + (_ONE if low < al else _ZERO), low


@njit(cache=True, inline="always")
def _pcg_step(sh, sl, ih, il):
    high, low = _mul128(sh, sl, _MULT_HIGH, _MULT_LOW)
    return _add128(high, low, ih, il)


@njit(cache=True, inline="always")
def pcg_uniform(sh, sl):
    """The uniform NumPy's PCG64 outputs from the LCG state ``(sh, sl)``."""
    # XSL-RR output, then NumPy's double: (word >> 11) * 2**-53.
    x = sh ^ sl
    rotate = sh >> _SHIFT_ROTATE
    word = (x >> rotate) | (x << ((_SIXTY_FOUR - rotate) & _SIXTY_THREE))
    return np.float64(word >> _SHIFT_DOUBLE) * _TO_UNIT


@njit(cache=True)
def _jump_constants(ih, il, delta):
    """Multiplier and addend that move an LCG state `delta` steps on (Brown 1994).

    ``delta`` steps of ``x -> a x + inc`` are one step of ``x -> A x + C``: returns A and C as
    (high, low) words, for the stream whose increment is ``(ih, il)``.
    """
    acc_h, acc_l = _ZERO, _ONE
    plus_h, plus_l = _ZERO, _ZERO
    mult_h, mult_l = _MULT_HIGH, _MULT_LOW
    inc_h, inc_l = ih, il
    while delta > _ZERO:
        if delta & _ONE:
            acc_h, acc_l = _mul128(acc_h, acc_l, mult_h, mult_l)
            plus_h, plus_l = _mul128(plus_h, plus_l, mult_h, mult_l)
            plus_h, plus_l = _add128(plus_h, plus_l, inc_h, inc_l)
        next_h, next_l = _add128(mult_h, mult_l, _ZERO, _ONE)
        inc_h, inc_l = _mul128(next_h, next_l, inc_h, inc_l)
        mult_h, mult_l = _mul128(mult_h, mult_l, mult_h, mult_l)
        delta >>= _ONE
    return acc_h, acc_l, plus_h, plus_l


@njit(cache=True)
def pcg_advance(sh, sl, ih, il, delta):
    """The LCG state `delta` steps after ``(sh, sl)``, as PCG64's ``advance``."""
    acc_h, acc_l, plus_h, plus_l = _jump_constants(ih, il, delta)
    sh, sl = _mul128(acc_h, acc_l, sh, sl)
    return _add128(sh, sl, plus_h, plus_l)


@njit(cache=True, inline="always")
def _draw(anchor, jumps, s, k):
    """Uniform `k` rows on from the one stream `s`'s state `anchor[s]` gives (see :func:`days`)."""
    high, low = _mul128(anchor[s, 0], anchor[s, 1], jumps[s, k, 0], jumps[s, k, 1])
    high, low = _add128(high, low, jumps[s, k, 2], jumps[s, k, 3])
    return pcg_uniform(high, low)


# --- the day ---------------------------------------------------------------------------------


@njit(cache=True, inline="always")
def _expit(x: float) -> float:
    return 1.0 / (1.0 + np.exp(-x))


@njit(cache=True, inline="always")
def _decide(
    code, par, pressure, received, harm, grievance, weariness, rung, resolve, restraint, a, j, i, k
):
    """The rung a state wants (before the ceasefire cap); mirrors `sim.rules.retaliation`.

    `par` is a tuple of the rule's parameters: scalars, not an array, so that no reference
    counting (an atomic operation per array argument) runs on the hot path. The decision's
    uniform is ``_draw(a, j, i, k)``, computed only when the rule reads it (most days a state
    received nothing).
    """
    if code == 0:
        return 0
    u = _draw(a, j, i, k) if code == 5 or code == 6 or received > 0 else 1.0
    if code == 6:
        return min(rung + 1, MAX_RUNG) if u < par[0] else 0
    if code == 5:
        log_odds = (
            par[0]
            + par[1] * pressure
            + par[2] * grievance
            + par[3] * resolve
            - par[4] * restraint
            - par[5] * weariness
        )
        return min(max(received, 1) + int(par[6]), MAX_RUNG) if u < _expit(log_odds) else 0
    if received <= 0 or u >= par[0]:
        return 0
    if code == 1:
        return received
    if code == 2:
        return min(received + 1, MAX_RUNG)
    if code == 3:
        return int(min(max(np.ceil(harm / par[1]), 1.0), par[2]))
    if code == 7:
        # Ordered logit: the smallest rung k with v < P(Y <= k), v = u / p_act, as the rule does.
        mu = par[1] + par[2] * received + par[3] * np.log1p(harm) + par[4] * resolve
        mu -= par[5] * restraint
        top = min(received + 1, int(par[7]))
        v = u / par[0]
        k = 1
        while k < top and v >= _expit((k + 0.5 - mu) / par[6]):
            k += 1
        return k
    # code == 4, threshold
    if pressure > par[1]:
        return min(received + int(par[2]), MAX_RUNG)
    return 0


@njit(cache=True, inline="always")
def _ends(code, par, days_in, violations, window_total, a, j, i, k):
    """Whether a ceasefire in force ends today; mirrors `sim.rules.ceasefire`.

    `par` is the rule's parameters as a tuple; `window_total` the violations of the last
    ``window`` days (the forgiving rule's, computed by the caller). The uniform is
    ``_draw(a, j, i, k)``, computed only when the rule reads it (most days nobody violated).
    """
    if code == 0:
        return True
    if code == 1:
        return violations > 0 and _draw(a, j, i, k) >= (1.0 - par[4]) ** float(violations)
    if code == 2:
        return violations > 0
    if code == 3:
        return window_total > par[1]
    if code == 4:
        duration = int(par[1])
        return days_in > 0 and days_in % duration == 0 and _draw(a, j, i, k) >= par[2]
    return _draw(a, j, i, k) < par[1]


@njit(cache=True, inline="always")
def _agree(code, par, leverage, trust, cost, rung, u):
    """Whether a mediator's attempt makes a ceasefire; mirrors `sim.rules.ceasefire`.

    `par` is the rule's parameters as a tuple.
    """
    if code == 0:
        return False
    if code == 1:
        # par[5], the rung weight, subtracted last: a weight of 0 changes no bit.
        x = par[0] + par[1] * leverage + par[2] * trust + par[3] * cost
        return u < _expit(x - par[5] * (rung - 3.0))
    return u < par[0]


@njit(cache=True, inline="always")
def _geometric(u, mean):
    # As sim.engine.agents.geometric.
    if mean > 0:
        return np.int64(np.floor(np.log1p(-u) / np.log(mean / (1.0 + mean))))
    return np.int64(0)


@njit(cache=True)
def _strike(
    s,
    o,
    a,
    anchor,
    jumps,
    row,
    inflict,
    sf,
    mi,
    mf,
    targets_state,
    mil_deaths_r,
    civ_deaths_r,
    pressure_r,
    weariness_r,
    provocation_r,
    age_r,
    harm_r,
    grievance_r,
    strikes_r,
    fighters_killed_r,
    strength_r,
):
    """State `s` acts at rung `a` against `o`: the casualties and what they do (phase 4).

    Apart from the day (not inlined): a state acts on few days, and the day's loop compiles to
    tighter code without this branch. Returns the battle deaths and whether it was a clash.
    """
    G = mi.shape[0]
    soldiers = _geometric(_draw(anchor, jumps, s, row + 2), inflict[s, 0, a])
    civilians = _geometric(_draw(anchor, jumps, s, row + 3), inflict[s, 1, a])
    fighters = _geometric(_draw(anchor, jumps, s, row + 4), inflict[s, 2, a])
    # The opponent suffers and is provoked (State.consequences).
    mil_deaths_r[o] += soldiers
    civ_deaths_r[o] += civilians
    pressure_r[o] += sf[o, 3] * (soldiers + civilians)
    weariness_r[o] += sf[o, 4] * soldiers
    current = provocation_r[o, s]
    if a > 0 and a >= current:
        age_r[o, s] = 0
    provocation_r[o, s] = max(current, a)
    lost = float(soldiers + civilians)
    harm_r[o, s] += lost
    grievance_r[o, s] += sf[o, 5] * (1.0 if a >= 2 else 0.0) + sf[o, 6] * lost
    if a == 3:
        strikes_r[s] += 1
    for g in range(G):
        if np.uint64(mi[g, 0]) != o:
            continue
        fighters_killed_r[g] += np.int64(np.floor(fighters * mf[g, 12] + 0.5))
        if targets_state[g, s]:
            factor = 1.0 - mf[g, 8] if a >= 3 else 1.0
            strength_r[g] = strength_r[g] * factor + mf[g, 11] * civilians
    return soldiers + fighters, 1 if a >= 4 else 0


@njit(cache=True)
def days(
    first_day,
    n_days,
    pcg,
    counts,
    col0,
    r0,
    r1,
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
    highest,
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
    engaged,
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
    pair_made,
):
    """`n_days` days of replications `r0` to `r1 - 1`, replication by replication.

    The phases are those of `sim.engine.model`, day ``first_day + d`` for ``d < n_days``. The
    uniforms are those of one stream block: stream ``i`` (the states', then the militant groups',
    the mediators' and the pairs' ladder streams) holds ``counts[i]`` rows of `BLOCK` numbers a
    day, and replication ``r`` reads column ``col0 + r - r0`` of each row. ``pcg[i]`` is the
    stream's PCG64 state at the first of these days as four words (state and increment, high
    word first), and is left where drawing all the days' numbers would leave it. The arrays of
    the replications' state from `pressure` on are replication-major (replication ``r``'s part
    of each is row ``r``), except the counters, which hold one number per replication.

    Why replication by replication, with its own PCG64. A replication's state (some 60 numbers
    over the arrays below) then stays in the core's first-level cache through all its days,
    where a day-by-day sweep over the block's replications moved every array through the cache
    each day. The number in row ``k``, column ``c`` of a day is the LCG's state ``k * BLOCK + c
    + 1`` steps after the day's start: each replication keeps, per stream, the state of its row 0
    for the day (`anchor`), and reaches row ``k`` with one multiply-add (`jumps`, the constants of
    a jump of ``k * BLOCK`` steps), so it computes only the numbers it reads, in any order, and
    nothing is stored in between.
    """
    S = pressure.shape[1]
    G = strength.shape[1]
    P = rung.shape[1]
    M = attempts.shape[1]
    H = violation_history.shape[2]
    n_streams = pcg.shape[0]
    cap, ceasefire_rung, start_rung = scen_i[0], scen_i[1], scen_i[2]
    decay, war_deaths = scen_f[0], scen_f[1]
    start = np.empty(P, np.int64)
    top_action = np.empty(P, np.int64)
    escalated = np.empty(P, np.int64)
    free = np.empty(P, np.bool_)
    made = np.empty(P, np.bool_)
    # The ceasefire rule's parameters as a tuple (scalars: no reference counting in the loop).
    cf = (cf_par[0], cf_par[1], cf_par[2], cf_par[3], cf_par[4], cf_par[5])
    window = int(cf_par[2]) if cf_code == 3 else 0
    # Jumps of 0 to counts[i] rows (the last one to the next day), and each stream's state for
    # replication r's column (`column`), stepped on by one per replication.
    jumps = np.empty((n_streams, counts.max() + 1, 4), np.uint64)
    column = np.empty((n_streams, 2), np.uint64)
    anchor = np.empty((n_streams, 2), np.uint64)
    for i in range(n_streams):
        ih, il = pcg[i, 2], pcg[i, 3]
        for k in range(counts[i] + 1):
            jump = _jump_constants(ih, il, np.uint64(k * BLOCK))
            jumps[i, k, 0], jumps[i, k, 1], jumps[i, k, 2], jumps[i, k, 3] = jump
        first = np.uint64(col0 + 1)
        column[i, 0], column[i, 1] = pcg_advance(pcg[i, 0], pcg[i, 1], ih, il, first)
    militant_stream = S
    mediator_stream = S + G
    ladder_stream = S + G + M
    for r in range(r0, r1):
        # Replication r's state (`_r`): its rows of the arrays (contiguous, and without the
        # replication index they take fewer operations to address) and its counters (local
        # variables, written back after its days).
        pressure_r = pressure[r]
        weariness_r = weariness[r]
        grievance_r = grievance[r]
        provocation_r = provocation[r]
        age_r = age[r]
        harm_r = harm[r]
        action_r = action[r]
        highest_r = highest[r]
        mil_deaths_r = mil_deaths[r]
        civ_deaths_r = civ_deaths[r]
        strikes_r = strikes[r]
        strength_r = strength[r]
        attacks_r = attacks[r]
        fighters_killed_r = fighters_killed[r]
        attempts_r = attempts[r]
        engaged_r = engaged[r]
        rung_r = rung[r]
        in_ceasefire_r = in_ceasefire[r]
        ceasefire_age_r = ceasefire_age[r]
        violation_history_r = violation_history[r]
        day_rung_r = day_rung[r]
        pair_made_r = pair_made[r]
        max_rung_r = max_rung[r]
        clashes_r = clashes[r]
        battle_deaths_r = battle_deaths[r]
        day_war_r = day_war[r]
        ceasefires_made_r = ceasefires_made[r]
        ceasefires_broken_r = ceasefires_broken[r]
        ceasefire_days_r = ceasefire_days[r]
        for i in range(n_streams):
            anchor[i, 0], anchor[i, 1] = column[i, 0], column[i, 1]
            column[i, 0], column[i, 1] = _pcg_step(column[i, 0], column[i, 1], pcg[i, 2], pcg[i, 3])
        # Today's column of the violation history, moved on a day at a time (no division).
        today = first_day % H
        for d in range(n_days):
            day = first_day + d
            # Start of the day: pressure and grievance decay, provocations age and are forgotten.
            for s in range(S):
                pressure_r[s] *= sf[s, 0]
                for j in range(S - 1):
                    o = opponents[s, j]
                    grievance_r[s, o] *= sf[s, 1]
                    age_r[s, o] += 1
                    if age_r[s, o] > sf[s, 2]:
                        provocation_r[s, o] = 0
                        harm_r[s, o] = 0.0
            # 1-2. Militants attack; targets attribute, and their pressure and grievance grow.
            for g in range(G):
                host, n_targets, slots, attack_rung = (
                    np.uint64(mi[g, 0]),
                    mi[g, 1],
                    mi[g, 2],
                    mi[g, 3],
                )
                block = 2 + slots
                for j in range(n_targets):
                    row = block * j
                    t = targets[g, j]
                    tempo = rates[g, j] * strength_r[g]
                    if t != host and in_ceasefire_r[pair_index[host, t]]:
                        tempo = tempo * mf[g, 0]
                    u0 = _draw(anchor, jumps, militant_stream + g, row)
                    # No attack when u0 < exp(-tempo). Since exp(-t) >= 1 - t, a u0 below
                    # 1 - tempo - 1e-9 is below exp(-tempo) as any exp within a few ulps
                    # computes it (NumPy's included): the same answer without calling exp,
                    # which a rare group's target (small tempo) mostly needs no more.
                    if u0 < 1.0 - tempo - 1e-9:
                        continue
                    none = np.exp(-tempo)
                    if u0 < none:
                        continue
                    term = none * tempo
                    cdf = none + term
                    count = 1
                    # The count is 1 + the k with u0 >= P(N < k); the cdf only grows.
                    for k in range(2, slots + 1):
                        if u0 < cdf:
                            break
                        count += 1
                        term *= tempo / k
                        cdf += term
                    deaths = 0.0
                    for slot in range(count):
                        size = _draw(anchor, jumps, militant_stream + g, row + 2 + slot)
                        if size >= mf[g, 7]:
                            x = np.floor(((1.0 - size) ** mf[g, 3] - 1.0) * mf[g, 4])
                            deaths += min(x, mf[g, 5])
                    attacks_r[g] += count
                    if deaths > 0:
                        killed = np.int64(deaths)
                        soldiers = np.int64(np.floor(killed * mf[g, 6] + 0.5))
                        civilians = killed - soldiers
                        # The target suffers (State.suffer).
                        mil_deaths_r[t] += soldiers
                        civ_deaths_r[t] += civilians
                        pressure_r[t] += sf[t, 3] * (soldiers + civilians)
                        weariness_r[t] += sf[t, 4] * soldiers
                    if t != host and _draw(anchor, jumps, militant_stream + g, row + 1) < mf[g, 1]:
                        # The target blames the host (State.provoked).
                        provoked_rung = attack_rung if deaths >= mf[g, 2] else 0
                        current = provocation_r[t, host]
                        if provoked_rung > 0 and provoked_rung >= current:
                            age_r[t, host] = 0
                        provocation_r[t, host] = max(current, provoked_rung)
                        harm_r[t, host] += deaths
                        grievance_r[t, host] += sf[t, 5] * count + sf[t, 6] * deaths
            # 3. States decide (on the start-of-day rung), capped where they comply with a ceasefire
            for s in range(S):
                for j in range(S - 1):
                    o = opponents[s, j]
                    p = pair_index[s, o]
                    row = STATE_DRAWS * j
                    wanted = _decide(
                        rule_code[s],
                        (
                            rule_par[s, 0],
                            rule_par[s, 1],
                            rule_par[s, 2],
                            rule_par[s, 3],
                            rule_par[s, 4],
                            rule_par[s, 5],
                            rule_par[s, 6],
                            rule_par[s, 7],
                        ),
                        pressure_r[s],
                        provocation_r[s, o],
                        harm_r[s, o],
                        grievance_r[s, o],
                        weariness_r[s],
                        rung_r[p],
                        sf[s, 8],
                        sf[s, 9],
                        anchor,
                        jumps,
                        s,
                        row,
                    )
                    wanted = min(max(wanted, 0), MAX_RUNG)
                    # Complying caps the action: a draw only when there is something to cap.
                    if (
                        wanted > cap
                        and in_ceasefire_r[p]
                        and _draw(anchor, jumps, s, row + 1) < sf[s, 7]
                    ):
                        wanted = cap
                    action_r[s, o] = wanted
            for s in range(S):
                for j in range(S - 1):
                    o = opponents[s, j]
                    a = action_r[s, o]
                    highest_r[s, o] = max(highest_r[s, o], a)
                    if a > 0 and a >= min(provocation_r[s, o], 2):
                        provocation_r[s, o] = 0
                        harm_r[s, o] = 0.0
            # 4. Consequences, and each pair's rung rises to the highest action.
            for p in range(P):
                start[p] = rung_r[p]
            for s in range(S):
                for j in range(S - 1):
                    o = opponents[s, j]
                    a = action_r[s, o]
                    if a == 0:
                        continue
                    lost, clash = _strike(
                        s,
                        o,
                        a,
                        anchor,
                        jumps,
                        STATE_DRAWS * j,
                        inflict,
                        sf,
                        mi,
                        mf,
                        targets_state,
                        mil_deaths_r,
                        civ_deaths_r,
                        pressure_r,
                        weariness_r,
                        provocation_r,
                        age_r,
                        harm_r,
                        grievance_r,
                        strikes_r,
                        fighters_killed_r,
                        strength_r,
                    )
                    clashes_r += clash
                    battle_deaths_r += lost
            for p in range(P):
                a, b = pair_states[p, 0], pair_states[p, 1]
                top_action[p] = max(action_r[a, b], action_r[b, a])
                escalated[p] = max(start[p], top_action[p])
            # 5. Ceasefires end or are made.
            for p in range(P):
                free[p] = not in_ceasefire_r[p]
            for p in range(P):
                a, b = pair_states[p, 0], pair_states[p, 1]
                violations = 0
                if in_ceasefire_r[p]:
                    violations = int(action_r[a, b] > cap) + int(action_r[b, a] > cap)
                violation_history_r[p, today] = violations
                total = 0
                if cf_code == 3:
                    for back in range(window):
                        total += violation_history_r[p, (day - back) % H]
                if in_ceasefire_r[p] and _ends(
                    cf_code,
                    cf,
                    ceasefire_age_r[p],
                    violations,
                    total,
                    anchor,
                    jumps,
                    ladder_stream + p,
                    1,
                ):
                    in_ceasefire_r[p] = False
                    ceasefires_broken_r += 1
            for p in range(P):
                made[p] = False
            for m in range(M):
                p = med_i[m, 0]
                i = mediator_stream + m
                if (
                    free[p]
                    and engaged_r[m]
                    and escalated[p] >= med_i[m, 1]
                    and _draw(anchor, jumps, i, 0) < med_f[m, 0]
                ):
                    attempts_r[m] += 1
                    cost = weariness_r[med_i[m, 2]] + weariness_r[med_i[m, 3]]
                    at = float(escalated[p])
                    if _agree(
                        cf_code, cf, med_f[m, 1], med_f[m, 2], cost, at, _draw(anchor, jumps, i, 1)
                    ):
                        made[p] = True
            for p in range(P):
                a, b = pair_states[p, 0], pair_states[p, 1]
                if in_ceasefire_r[p]:
                    ceasefire_age_r[p] += 1
                if made[p]:
                    in_ceasefire_r[p] = True
                    ceasefire_age_r[p] = 0
                    for h in range(H):
                        violation_history_r[p, h] = 0
                    ceasefires_made_r += 1
                    pair_made_r[p] += 1
                    provocation_r[a, b] = 0
                    harm_r[a, b] = 0.0
                    provocation_r[b, a] = 0
                    harm_r[b, a] = 0.0
                if in_ceasefire_r[p]:
                    ceasefire_days_r += 1
            # 6. Rung update and decay; outcomes; militants recover.
            top = 0
            for p in range(P):
                decays = (
                    top_action[p] < start[p]
                    and escalated[p] > 0
                    and _draw(anchor, jumps, ladder_stream + p, 0) < decay
                )
                if made[p]:
                    rung_r[p] = min(escalated[p], ceasefire_rung)
                else:
                    rung_r[p] = escalated[p] - decays
                top = max(top, escalated[p])
            for k in range(start_rung + 1, top + 1):
                if np.isnan(day_rung_r[k]):
                    day_rung_r[k] = day
            max_rung_r = max(max_rung_r, top)
            if battle_deaths_r >= war_deaths and np.isnan(day_war_r):
                day_war_r = day
            for g in range(G):
                strength_r[g] = min(1.0 + (strength_r[g] - 1.0) * mf[g, 9], mf[g, 10])
            today = today + 1 if today + 1 < H else 0
            # The next day's row 0: a jump over this day's rows.
            for i in range(n_streams):
                k = counts[i]
                high, low = _mul128(anchor[i, 0], anchor[i, 1], jumps[i, k, 0], jumps[i, k, 1])
                anchor[i, 0], anchor[i, 1] = _add128(high, low, jumps[i, k, 2], jumps[i, k, 3])
        max_rung[r] = max_rung_r
        clashes[r] = clashes_r
        battle_deaths[r] = battle_deaths_r
        day_war[r] = day_war_r
        ceasefires_made[r] = ceasefires_made_r
        ceasefires_broken[r] = ceasefires_broken_r
        ceasefire_days[r] = ceasefire_days_r
    for i in range(n_streams):
        steps = np.uint64(n_days * counts[i] * BLOCK)
        pcg[i, 0], pcg[i, 1] = pcg_advance(pcg[i, 0], pcg[i, 1], pcg[i, 2], pcg[i, 3], steps)
