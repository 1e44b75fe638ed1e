import numpy as np
import pytest

from sim.core.errors import ConfigError
from sim.rules import CEASEFIRE_RULES, RETALIATION_RULES, build_rule, rule_name
from sim.rules import ceasefire as cf
from sim.rules import retaliation as ret
from sim.rules.inputs import CeasefireStatus, DecisionInputs, TalksInputs

R = 6


def inputs(
    pressure=0.0,
    received=0,
    harm=0.0,
    grievance=0.0,
    weariness=0.0,
    rung=0,
    in_ceasefire=False,
    resolve=0.5,
    restraint=0.5,
):
    def arr(x, dtype=float):
        return np.broadcast_to(np.asarray(x, dtype=dtype), (R,)).copy()

    return DecisionInputs(
        pressure=arr(pressure),
        received=arr(received, np.int8),
        harm=arr(harm),
        grievance=arr(grievance),
        weariness=arr(weariness),
        rung=arr(rung, np.int8),
        in_ceasefire=arr(in_ceasefire, bool),
        resolve=resolve,
        restraint=restraint,
    )


U_LOW = np.zeros(R)  # every "u < p" test passes
U_HIGH = np.full(R, 0.999)  # every "u < p" test fails for p < 0.999
U_MIX = np.array([0.0, 0.2, 0.4, 0.6, 0.8, 0.99])


def test_no_retaliation_never_acts():
    out = ret.NoRetaliation().decide(inputs(pressure=9, received=5), U_LOW)
    assert out.dtype == np.int8 and not out.any()


def test_tit_for_tat_answers_at_the_rung_received():
    received = np.array([0, 1, 2, 3, 4, 5])
    out = ret.TitForTat(p_act=1.0).decide(inputs(received=received), U_LOW)
    np.testing.assert_array_equal(out, received)
    out = ret.TitForTat(p_act=0.5).decide(inputs(received=3), U_MIX)
    np.testing.assert_array_equal(out, [3, 3, 3, 0, 0, 0])


def test_graduated_answers_one_rung_above_capped_at_war():
    received = np.array([0, 1, 2, 3, 4, 5])
    out = ret.Graduated(p_act=1.0).decide(inputs(received=received), U_LOW)
    np.testing.assert_array_equal(out, [0, 2, 3, 4, 5, 5])


def test_proportional_scales_with_harm():
    harm = np.array([0, 5, 10, 11, 35, 500])
    out = ret.Proportional(deaths_per_rung=10).decide(inputs(received=2, harm=harm), U_LOW)
    np.testing.assert_array_equal(out, [1, 1, 1, 2, 4, 5])
    quiet = ret.Proportional().decide(inputs(received=0, harm=harm), U_LOW)
    assert not quiet.any()


def test_threshold_acts_only_above_level_zero_pressure_included():
    pressure = np.array([0.0, 0.5, 1.0, 1.01, 2.0, 3.0])
    out = ret.Threshold(level=1.0, p_act=1.0).decide(inputs(pressure=pressure, received=3), U_LOW)
    np.testing.assert_array_equal(out, [0, 0, 0, 3, 3, 3])
    stepped = ret.Threshold(level=1.0, p_act=1.0, step=1)
    out = stepped.decide(inputs(pressure=pressure, received=[0, 2, 3, 3, 4, 5]), U_LOW)
    np.testing.assert_array_equal(out, [0, 0, 0, 4, 5, 5])
    assert (
        not ret.Threshold(level=0.0, p_act=1.0)
        .decide(inputs(pressure=0.0, received=3), U_LOW)
        .any()
    )


def test_logistic_probability_grows_with_pressure():
    rule = ret.Logistic(
        intercept=0.0,
        pressure_weight=1.0,
        grievance_weight=0.0,
        resolve_weight=0.0,
        restraint_weight=0.0,
        weariness_weight=0.0,
    )
    # p = expit(pressure): 0.5 at 0, 0.88 at 2; u = 0.6 acts only at pressure 2.
    out = rule.decide(
        inputs(pressure=[0, 0, 0, 2, 2, 2], received=[0, 3, 4, 0, 3, 4]), np.full(R, 0.6)
    )
    np.testing.assert_array_equal(out, [0, 0, 0, 1, 3, 4])
    stepped = ret.Logistic(intercept=50, step=1).decide(inputs(received=5), U_HIGH)
    np.testing.assert_array_equal(stepped, np.full(R, 5))


def test_constant_probability_escalates_one_rung_above_the_pair():
    rung = np.array([0, 1, 2, 3, 4, 5])
    out = ret.ConstantProbability(p_escalate=1.0).decide(inputs(rung=rung), U_LOW)
    np.testing.assert_array_equal(out, [1, 2, 3, 4, 5, 5])
    assert not ret.ConstantProbability(p_escalate=0.0).decide(inputs(rung=rung), U_LOW).any()


@pytest.mark.parametrize("cls", list(RETALIATION_RULES.values()))
def test_every_retaliation_rule_returns_rungs_for_any_situation(cls):
    rng = np.random.default_rng(0)
    situation = inputs(
        pressure=rng.uniform(0, 5, R),
        received=rng.integers(0, 6, R),
        harm=rng.uniform(0, 50, R),
        grievance=rng.uniform(0, 3, R),
        rung=rng.integers(0, 6, R),
        in_ceasefire=rng.integers(0, 2, R),
    )
    out = cls().decide(situation, rng.random(R))
    assert out.shape == (R,) and out.min() >= 0 and out.max() <= 5


def status(days_in=0, violations=0, history=None, day=10):
    hist = np.zeros((30, R), np.int16) if history is None else history
    return CeasefireStatus(
        days_in=np.full(R, days_in), violations=np.full(R, violations), history=hist, day=day
    )


def test_grim_trigger_ends_on_first_violation_only():
    v = np.array([0, 1, 2, 0, 1, 0])
    st = CeasefireStatus(days_in=np.full(R, 5), violations=v, history=np.zeros((1, R)), day=1)
    np.testing.assert_array_equal(cf.GrimTrigger().ends(st, U_LOW), v > 0)


def test_forgiving_counts_violations_in_the_window():
    hist = np.zeros((30, R), np.int16)
    day = 40
    hist[day % 30] = [0, 1, 1, 2, 0, 3]  # today
    hist[(day - 5) % 30] = [0, 0, 1, 1, 3, 0]  # five days ago
    hist[(day - 20) % 30] = [3, 0, 0, 0, 0, 0]  # outside a 14-day window
    rule = cf.Forgiving(tolerance=2, window=14)
    st = CeasefireStatus(days_in=np.full(R, 25), violations=hist[day % 30], history=hist, day=day)
    np.testing.assert_array_equal(st.violations_within(14), [0, 1, 2, 3, 3, 3])
    np.testing.assert_array_equal(rule.ends(st, U_LOW), [False, False, False, True, True, True])


def test_fixed_duration_expires_unless_renewed():
    days = np.array([0, 29, 30, 30, 60, 61])
    st = CeasefireStatus(days_in=days, violations=np.full(R, 3), history=np.zeros((1, R)), day=1)
    u = np.array([0.0, 0.0, 0.9, 0.1, 0.9, 0.9])
    out = cf.FixedDuration(duration=30, p_renew=0.5).ends(st, u)
    np.testing.assert_array_equal(out, [False, False, True, False, True, False])


def test_mediated_agreement_grows_with_leverage_and_breaks_with_violations():
    rule = cf.Mediated(
        intercept=-3, leverage_weight=2, trust_weight=2, cost_weight=1, break_per_violation=0.5
    )
    u = np.linspace(0, 0.99, R)
    weak = rule.agree(TalksInputs(leverage=0.0, trust=0.0, cost=np.zeros(R), rung=np.full(R, 4)), u)
    strong = rule.agree(
        TalksInputs(leverage=1.0, trust=1.0, cost=np.zeros(R), rung=np.full(R, 4)), u
    )
    assert strong.sum() > weak.sum() and (strong >= weak).all()
    v = np.array([0, 0, 1, 1, 2, 2])
    st = CeasefireStatus(days_in=np.full(R, 5), violations=v, history=np.zeros((1, R)), day=1)
    # survival (1 - 0.5) ** v = 1, 1, .5, .5, .25, .25; ends where u >= survival
    out = rule.ends(st, np.array([0.9, 0.0, 0.6, 0.4, 0.3, 0.2]))
    np.testing.assert_array_equal(out, [False, False, True, False, True, False])


def test_constant_probability_ceasefire_and_none():
    st = status()
    assert cf.ConstantProbability(p_break=1.0).ends(st, U_HIGH).all()
    assert not cf.ConstantProbability(p_break=0.0).ends(st, U_LOW).any()
    talks = TalksInputs(leverage=1, trust=1, cost=np.zeros(R), rung=np.full(R, 5))
    assert not cf.NoCeasefire().agree(talks, U_LOW).any()
    assert cf.NoCeasefire().ends(st, U_HIGH).all()


@pytest.mark.parametrize(
    ("kind", "node", "match"),
    [
        (
            "retaliation",
            {"name": "treshold"},
            r"retaliation\.name: unknown .*did you mean 'threshold'",
        ),
        (
            "retaliation",
            {"name": "threshold", "levl": 1},
            r"retaliation\.levl: .*did you mean 'level'",
        ),
        (
            "retaliation",
            {"name": "threshold", "level": "high"},
            r"retaliation\.level: must be a number",
        ),
        ("retaliation", {"name": "tit_for_tat", "p_act": 1.5}, r"retaliation\.p_act: .*\[0, 1\]"),
        ("retaliation", {"_target_": "no_such_module.Rule"}, r"_target_: cannot import module"),
        (
            "retaliation",
            {"_target_": "user_rules.Missing"},
            r"_target_: module 'user_rules' has no",
        ),
        ("retaliation", {"_target_": "user_rules.NeverAgree"}, r"not a retaliation rule"),
        (
            "ceasefire",
            {"name": "forgiving", "window": 0},
            r"ceasefire\.window: .*between 1 and 365",
        ),
        ("ceasefire", {}, r"give exactly one of 'name'"),
    ],
)
def test_bad_rule_nodes_get_one_clear_message(kind, node, match):
    with pytest.raises(ConfigError, match=match):
        build_rule(node, kind)


def test_user_rules_load_by_import_path():
    rule = build_rule({"_target_": "user_rules.AlwaysAt", "rung": 3}, "retaliation")
    assert rule.decide(inputs(), U_LOW).tolist() == [3] * R
    assert rule_name(rule) == "user_rules.AlwaysAt"
    plain = build_rule({"_target_": "user_rules.NeverAgree"}, "ceasefire")
    assert type(plain).__name__ == "NeverAgree"


def test_registered_names_round_trip():
    for registry, kind in ((RETALIATION_RULES, "retaliation"), (CEASEFIRE_RULES, "ceasefire")):
        for name in registry:
            assert rule_name(build_rule({"name": name}, kind)) == name


# The ordered-logit rule ---------------------------------------------------------------------

N_GRID = 2000
U_GRID = (np.arange(N_GRID) + 0.5) / N_GRID  # evenly spread uniforms: one run covers the law


def ordered_inputs(received=3, harm=9.0, resolve=0.6, restraint=0.4):
    return DecisionInputs(
        pressure=np.zeros(N_GRID),
        received=np.full(N_GRID, received, np.int8),
        harm=np.full(N_GRID, harm),
        grievance=np.zeros(N_GRID),
        weariness=np.zeros(N_GRID),
        rung=np.full(N_GRID, 3, np.int8),
        in_ceasefire=np.zeros(N_GRID, bool),
        resolve=resolve,
        restraint=restraint,
    )


BASE = {
    "p_act": 0.6,
    "intercept": -0.5,
    "received_weight": 1.0,
    "harm_weight": 0.2,
    "resolve_weight": 1.0,
    "restraint_weight": 1.0,
    "scale": 0.4,
    "max_rung": 5,
}


@pytest.mark.parametrize(
    ("param", "low", "high", "direction"),
    [
        ("intercept", -0.5, 0.0, +1),
        ("received_weight", 0.8, 1.0, +1),
        ("harm_weight", 0.1, 0.3, +1),
        ("resolve_weight", 0.5, 1.5, +1),
        ("restraint_weight", 0.5, 1.5, -1),
        ("max_rung", 5, 3, -1),
    ],
)
def test_ordered_logit_each_parameter_moves_the_rung_its_documented_way(
    param, low, high, direction
):
    """Same uniforms, one parameter changed between two non-zero settings: every replication's
    rung moves the documented way (or stays), and the mean rung moves strictly."""
    situation = ordered_inputs()
    a = ret.OrderedLogit(**{**BASE, param: low}).decide(situation, U_GRID).astype(int)
    b = ret.OrderedLogit(**{**BASE, param: high}).decide(situation, U_GRID).astype(int)
    assert (direction * (b - a) >= 0).all()
    assert direction * (b.mean() - a.mean()) > 0


def test_ordered_logit_chance_to_act_and_scale_move_their_way():
    situation = ordered_inputs()
    rare = ret.OrderedLogit(**{**BASE, "p_act": 0.3}).decide(situation, U_GRID)
    often = ret.OrderedLogit(**{**BASE, "p_act": 0.6}).decide(situation, U_GRID)
    assert ((often > 0) >= (rare > 0)).all() and (often > 0).sum() > (rare > 0).sum()
    # A larger scale spreads the answer away from the rung nearest the location (3 here).
    rule = {**BASE, "intercept": 0.0, "harm_weight": 0.0, "resolve_weight": 0.0}
    rule["restraint_weight"] = 0.0
    sharp = ret.OrderedLogit(**{**rule, "scale": 0.3}).decide(situation, U_GRID)
    wide = ret.OrderedLogit(**{**rule, "scale": 0.9}).decide(situation, U_GRID)
    acting = sharp > 0
    assert (sharp[acting] == 3).mean() > (wide[acting] == 3).mean()
    assert np.abs(wide[acting] - 3).mean() > np.abs(sharp[acting] - 3).mean()


def test_ordered_logit_never_acts_without_provocation_and_never_above_one_rung_up():
    rule = ret.OrderedLogit(**{**BASE, "intercept": 3.0, "p_act": 1.0})  # location far above
    for received in range(6):
        out = rule.decide(ordered_inputs(received=received), U_GRID)
        if received == 0:
            assert not out.any()
        else:
            assert out.min() >= 1 and out.max() == min(received + 1, 5)
    capped = ret.OrderedLogit(**{**BASE, "intercept": 3.0, "p_act": 1.0, "max_rung": 4})
    assert capped.decide(ordered_inputs(received=4), U_GRID).max() == 4
    # One rung up is a chance, not a certainty, at a location near the rung received.
    near = ret.OrderedLogit(**{**BASE, "p_act": 1.0}).decide(ordered_inputs(received=4), U_GRID)
    assert 0 < (near == 5).mean() < 1


@pytest.mark.parametrize("received", [1, 2, 3, 4])
def test_ordered_logit_inverse_cdf_matches_the_analytic_probabilities(received):
    """Random uniforms through `decide` give each rung at its ordered-logit probability.

    The analytic law is written out here with SciPy's logistic distribution (not the rule's own
    code); each rung's frequency must be within 4 standard errors of it."""
    from scipy import stats

    n = 200_000
    rule = ret.OrderedLogit(**BASE)
    harm = 9.0
    situation = DecisionInputs(
        pressure=np.zeros(n),
        received=np.full(n, received, np.int8),
        harm=np.full(n, harm),
        grievance=np.zeros(n),
        weariness=np.zeros(n),
        rung=np.full(n, 3, np.int8),
        in_ceasefire=np.zeros(n, bool),
        resolve=0.6,
        restraint=0.4,
    )
    out = rule.decide(situation, np.random.default_rng(received).random(n))
    mu = -0.5 + received + 0.2 * np.log(1 + harm) + 0.6 - 0.4
    top = min(received + 1, 5)
    cdf = [0.0] + [stats.logistic.cdf(k + 0.5, loc=mu, scale=0.4) for k in range(1, top)] + [1.0]
    probs = {0: 1 - BASE["p_act"]}
    probs.update({k: BASE["p_act"] * (cdf[k] - cdf[k - 1]) for k in range(1, top + 1)})
    for k in range(6):
        p = probs.get(k, 0.0)
        freq = (out == k).mean()
        se = np.sqrt(max(p * (1 - p), 1e-12) / n)
        assert abs(freq - p) <= 4 * se, (k, freq, p)


def test_ordered_logit_rejects_bad_parameters_by_name():
    for node, match in [
        ({"scale": 0.0}, r"retaliation\.scale: .*> 0"),
        ({"harm_weight": -1.0}, r"retaliation\.harm_weight: .*>= 0"),
        ({"max_rung": 6}, r"retaliation\.max_rung: .*1\.\.5"),
        ({"p_act": 2.0}, r"retaliation\.p_act: .*\[0, 1\]"),
    ]:
        with pytest.raises(ConfigError, match=match):
            build_rule({"name": "ordered_logit", **node}, "retaliation")
