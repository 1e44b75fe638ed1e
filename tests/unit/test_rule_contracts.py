"""What every rule promises a user: its ranges checked at the bound, its errors naming the key,
its parameters moving the decision in the documented direction, and its chance-zero and
chance-one settings holding even for the extreme uniforms 0 and just below 1.

The tests of `test_rules.py` check each rule's mechanics; these were added where mutation testing
(docs/testing.md) showed a planted bug that no test noticed.
"""

import math

import numpy as np
import pytest
from scipy.special import expit

from sim.core.errors import ConfigError
from sim.rules import CEASEFIRE_RULES, RETALIATION_RULES, build_rule
from sim.rules import ceasefire as cf
from sim.rules import retaliation as ret
from sim.rules.inputs import CeasefireStatus, DecisionInputs, TalksInputs

R = 8
N_GRID = 4000
# Evenly spread uniforms: the share of them below p is within 1/N_GRID of p, deterministically.
U_GRID = (np.arange(N_GRID) + 0.5) / N_GRID


def situation(n=R, **values):
    base = dict(
        pressure=0.0, received=0, harm=0.0, grievance=0.0, weariness=0.0, rung=0,
        in_ceasefire=False,
    )  # fmt: skip
    base.update({k: v for k, v in values.items() if k in base})
    dtypes = {"received": np.int8, "rung": np.int8, "in_ceasefire": bool}
    arrays = {
        k: np.broadcast_to(np.asarray(v, dtype=dtypes.get(k, float)), (n,)).copy()
        for k, v in base.items()
    }
    return DecisionInputs(
        **arrays, resolve=values.get("resolve", 0.5), restraint=values.get("restraint", 0.5)
    )


def talks(n=R, leverage=0.0, trust=0.0, cost=0.0, rung=3):
    return TalksInputs(
        leverage=leverage, trust=trust, cost=np.full(n, cost), rung=np.full(n, rung, np.int8)
    )


def status(days_in=5, violations=0, n=R, horizon=30, day=40):
    return CeasefireStatus(
        days_in=np.broadcast_to(np.asarray(days_in), (n,)).copy(),
        violations=np.broadcast_to(np.asarray(violations), (n,)).copy(),
        history=np.zeros((horizon, n), np.int16),
        day=day,
    )


# Ranges: accepted at the bound and just inside, refused just outside, the error naming the key --

# (kind, rule name, parameter, values accepted, values refused)
RANGES = [
    ("retaliation", "tit_for_tat", "p_act", [0.0, 1.0], [-0.001, 1.001]),
    ("retaliation", "graduated", "p_act", [0.0, 1.0], [-0.001, 1.001]),
    ("retaliation", "proportional", "p_act", [0.0, 1.0], [-0.001, 1.001]),
    ("retaliation", "proportional", "deaths_per_rung", [1e-6, 0.5], [0.0, -1.0]),
    ("retaliation", "proportional", "max_rung", [1, 5], [0, 6]),
    ("retaliation", "threshold", "p_act", [0.0, 1.0], [-0.001, 1.001]),
    ("retaliation", "threshold", "level", [0.0], [-0.001]),
    ("retaliation", "threshold", "step", [0, 1], [-1, 2]),
    ("retaliation", "logistic", "pressure_weight", [0.0], [-0.001]),
    ("retaliation", "logistic", "grievance_weight", [0.0], [-0.001]),
    ("retaliation", "logistic", "resolve_weight", [0.0], [-0.001]),
    ("retaliation", "logistic", "restraint_weight", [0.0], [-0.001]),
    ("retaliation", "logistic", "weariness_weight", [0.0], [-0.001]),
    ("retaliation", "logistic", "step", [0, 1], [-1, 2]),
    ("retaliation", "ordered_logit", "p_act", [0.0, 1.0], [-0.001, 1.001]),
    ("retaliation", "ordered_logit", "received_weight", [0.0], [-0.001]),
    ("retaliation", "ordered_logit", "harm_weight", [0.0], [-0.001]),
    ("retaliation", "ordered_logit", "resolve_weight", [0.0], [-0.001]),
    ("retaliation", "ordered_logit", "restraint_weight", [0.0], [-0.001]),
    ("retaliation", "ordered_logit", "scale", [1e-6], [0.0, -0.5]),
    ("retaliation", "ordered_logit", "max_rung", [1, 5], [0, 6]),
    ("retaliation", "constant_probability", "p_escalate", [0.0, 1.0], [-0.001, 1.001]),
    ("ceasefire", "mediated", "leverage_weight", [0.0], [-0.001]),
    ("ceasefire", "mediated", "trust_weight", [0.0], [-0.001]),
    ("ceasefire", "mediated", "cost_weight", [0.0], [-0.001]),
    ("ceasefire", "mediated", "rung_weight", [0.0], [-0.001]),
    ("ceasefire", "mediated", "break_per_violation", [0.0, 1.0], [-0.001, 1.001]),
    ("ceasefire", "grim_trigger", "p_agree", [0.0, 1.0], [-0.001, 1.001]),
    ("ceasefire", "forgiving", "p_agree", [0.0, 1.0], [-0.001, 1.001]),
    ("ceasefire", "forgiving", "tolerance", [0, 10_000], [-1, 10_001]),
    ("ceasefire", "forgiving", "window", [1, 365], [0, 366]),
    ("ceasefire", "fixed_duration", "p_agree", [0.0, 1.0], [-0.001, 1.001]),
    ("ceasefire", "fixed_duration", "duration", [1, 36_500], [0, 36_501]),
    ("ceasefire", "fixed_duration", "p_renew", [0.0, 1.0], [-0.001, 1.001]),
    ("ceasefire", "constant_probability", "p_agree", [0.0, 1.0], [-0.001, 1.001]),
    ("ceasefire", "constant_probability", "p_break", [0.0, 1.0], [-0.001, 1.001]),
]


@pytest.mark.parametrize(("kind", "name", "param", "good", "bad"), RANGES)
def test_every_range_is_checked_at_its_bound_and_the_error_names_the_key(
    kind, name, param, good, bad
):
    for value in good:
        rule = build_rule({"name": name, param: value}, kind)
        assert getattr(rule, param) == value
    for value in bad:
        with pytest.raises(ConfigError) as info:
            build_rule({"name": name, param: value}, kind)
        # The path points at the key and the message repeats the refused value.
        assert info.value.path == f"{kind}.{param}"
        assert str(value) in str(info.value).split(": ", 1)[1]


def test_every_bounded_parameter_of_every_rule_is_in_the_range_table():
    tested = {(kind, name, param) for kind, name, param, _, _ in RANGES}
    # Parameters without bounds: the intercepts (any real number).
    free = {"intercept"}
    for kind, registry in (("retaliation", RETALIATION_RULES), ("ceasefire", CEASEFIRE_RULES)):
        for name, cls in registry.items():
            for field in getattr(cls, "__dataclass_fields__", {}):
                if field not in free:
                    assert (kind, name, field) in tested, (kind, name, field)


@pytest.mark.parametrize(
    ("cls", "field"),
    [
        (ret.Logistic, "intercept"),
        (ret.Threshold, "level"),
        (ret.Proportional, "deaths_per_rung"),
        (ret.OrderedLogit, "intercept"),
        (cf.Mediated, "intercept"),
        (cf.Mediated, "cost_weight"),
    ],
)
@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_rules_built_in_code_refuse_nan_and_infinity_by_name(cls, field, bad):
    # NaN passes no bound check and infinity passes every lower bound: both must be refused.
    with pytest.raises(ValueError, match=rf"^{field} must be a finite number, got {bad}"):
        cls(**{field: bad})


def test_ordered_logit_refuses_a_non_finite_numpy_float32_intercept():
    # A float32 (a calibration draw, say) is not a Python float, so the generic check skips it.
    with pytest.raises(ValueError, match=r"^intercept must be a finite number"):
        ret.OrderedLogit(intercept=np.float32("nan"))


@pytest.mark.parametrize(
    ("node", "path", "text"),
    [
        ({"name": "threshold", "level": math.nan}, "retaliation.level", "finite number, got nan"),
        ({"name": "threshold", "level": math.inf}, "retaliation.level", "finite number, got inf"),
        ({"name": "threshold", "step": 0.5}, "retaliation.step", "whole number, got 0.5"),
        (
            {"name": "none", "level": 1},
            "retaliation.level",
            "unknown parameter of NoRetaliation; this rule takes no parameters",
        ),
        ({"_target_": "NoDots"}, "retaliation._target_", "not an import path"),
        (
            {"_target_": "no_such_module.Rule"},
            "retaliation._target_",
            "; check the spelling and that the module is on PYTHONPATH",
        ),
        (
            {"_target_": "user_rules.AlwaysAx"},
            "retaliation._target_",
            "has no 'AlwaysAx'; did you mean 'AlwaysAt'?",
        ),
        ({"name": "tit_for_tat", "_target_": "user_rules.AlwaysAt"}, "retaliation", "exactly one"),
    ],
)
def test_bad_nodes_name_their_key_and_the_fix(node, path, text):
    with pytest.raises(ConfigError) as info:
        build_rule(node, "retaliation")
    assert info.value.path == path
    message = str(info.value)
    assert text in message
    if text.startswith(("unknown parameter", "; check")):
        assert message.endswith(text)  # the fix is the message's last words


def test_an_unknown_attribute_hint_offers_only_public_names():
    with pytest.raises(ConfigError) as info:
        build_rule({"_target_": "user_rules.Missing"}, "retaliation")
    valid = str(info.value).split("Valid: ", 1)[1].split(", ")
    assert "AlwaysAt" in valid and "NeverAgree" in valid
    assert not [name for name in valid if name.startswith("_")]


def test_a_dotted_target_imports_the_module_before_the_last_dot():
    rule = build_rule({"_target_": "sim.rules.retaliation.TitForTat", "p_act": 0.25}, "retaliation")
    assert type(rule) is ret.TitForTat and rule.p_act == 0.25


def test_exactly_one_of_name_or_target_lists_the_registered_names():
    with pytest.raises(ConfigError) as info:
        build_rule({"level": 1}, "ceasefire")
    assert info.value.path == "ceasefire"
    assert f"({', '.join(sorted(CEASEFIRE_RULES))})" in str(info.value)


def test_a_class_of_the_wrong_kind_lists_every_missing_method():
    with pytest.raises(ConfigError) as info:
        build_rule({"_target_": "user_rules.AlwaysAt"}, "ceasefire")
    assert info.value.path == "ceasefire"
    assert str(info.value).endswith("AlwaysAt is not a ceasefire rule: it lacks agree(), ends()")


def test_a_rule_object_passes_through_and_a_wrong_object_is_refused_by_path():
    rule = ret.TitForTat(p_act=0.3)
    assert build_rule(rule, "retaliation") is rule
    truce = cf.GrimTrigger(p_agree=0.2)
    assert build_rule(truce, "ceasefire", "pair.truce") is truce
    with pytest.raises(ConfigError) as info:
        build_rule(rule, "ceasefire", "pair.truce")  # decides, but neither agrees nor ends
    assert info.value.path == "pair.truce"
    assert "expected a mapping with 'name' or '_target_', got TitForTat" in str(info.value)


def test_a_constructor_error_that_names_no_parameter_points_at_the_rule():
    with pytest.raises(ConfigError) as info:
        build_rule({"_target_": "user_rules.NeverAgree", "p": 1}, "ceasefire")
    assert info.value.path == "ceasefire"
    assert "NeverAgree" in str(info.value)


def test_a_window_as_long_as_the_history_kept_is_allowed_and_one_day_more_is_not():
    st = status(horizon=30)
    st.history[:, 0] = 1
    assert st.violations_within(30)[0] == 30
    with pytest.raises(ValueError, match="window of 31 days exceeds the 30 days of history kept"):
        st.violations_within(31)


# Chance zero never happens, chance one always does: even for u = 0 exactly -------------------

U_ZERO = np.zeros(R)


@pytest.mark.parametrize(
    "rule",
    [
        ret.TitForTat(p_act=0.0),
        ret.Graduated(p_act=0.0),
        ret.Proportional(p_act=0.0),
        ret.Threshold(p_act=0.0, level=0.0),
        ret.OrderedLogit(p_act=0.0),
        ret.ConstantProbability(p_escalate=0.0),
        # log-odds so low that the chance underflows to exactly 0
        ret.Logistic(intercept=-1000.0),
    ],
    ids=lambda r: type(r).__name__,
)
def test_a_retaliation_rule_with_chance_zero_never_acts_even_at_u_zero(rule):
    out = rule.decide(situation(pressure=5.0, received=3, harm=40.0, rung=2), U_ZERO)
    assert out.dtype == np.int8
    np.testing.assert_array_equal(out, 0)


@pytest.mark.parametrize(
    "rule",
    [
        cf.GrimTrigger(p_agree=0.0),
        cf.Forgiving(p_agree=0.0),
        cf.FixedDuration(p_agree=0.0),
        cf.ConstantProbability(p_agree=0.0),
        cf.Mediated(intercept=-1000.0),
        cf.NoCeasefire(),
    ],
    ids=lambda r: type(r).__name__,
)
def test_a_ceasefire_with_chance_zero_is_never_agreed_even_at_u_zero(rule):
    out = rule.agree(talks(leverage=1.0, trust=1.0, cost=3.0), U_ZERO)
    assert out.dtype == bool
    assert not out.any()


def test_every_rule_answers_with_int8_rungs_and_boolean_ceasefire_decisions():
    u = np.linspace(0.0, 0.99, R)
    inp = situation(pressure=3.0, received=2, harm=15.0, grievance=1.0, rung=2)
    for cls in RETALIATION_RULES.values():
        assert cls().decide(inp, u).dtype == np.int8, cls
    for cls in CEASEFIRE_RULES.values():
        rule = cls()
        assert rule.agree(talks(leverage=0.5, trust=0.5), u).dtype == bool, cls
        assert rule.ends(status(days_in=30, violations=1), u).dtype == bool, cls
        assert rule.ends(status(days_in=3, violations=0), u).dtype == bool, cls


def test_certain_break_and_non_renewal_hold_even_at_u_zero():
    # break_per_violation = 1: any violation ends the ceasefire, whatever u.
    ends = cf.Mediated(break_per_violation=1.0).ends(status(violations=[0, 1] * (R // 2)), U_ZERO)
    np.testing.assert_array_equal(ends, [False, True] * (R // 2))
    # p_renew = 0: an expiring ceasefire is never renewed, whatever u.
    rule = cf.FixedDuration(duration=30, p_renew=0.0)
    np.testing.assert_array_equal(rule.ends(status(days_in=30), U_ZERO), True)


def test_fixed_duration_expires_on_every_multiple_of_the_duration_and_never_on_day_zero():
    u = np.full(R, 0.99)  # never renewed
    days = np.array([0, 1, 2, 3, 4, 5, 6, 7])
    st = status(days_in=days)
    np.testing.assert_array_equal(cf.FixedDuration(duration=1, p_renew=0.5).ends(st, u), days > 0)
    np.testing.assert_array_equal(
        cf.FixedDuration(duration=3, p_renew=0.5).ends(st, u), (days > 0) & (days % 3 == 0)
    )


def test_an_acting_ordered_logit_state_answers_at_rung_one_or_more_even_at_u_zero():
    out = ret.OrderedLogit(p_act=0.5, intercept=-20.0).decide(situation(received=4), U_ZERO)
    np.testing.assert_array_equal(out, 1)


def test_ordered_logit_cumulative_has_one_row_per_rung_and_is_one_from_the_top():
    rule = ret.OrderedLogit(intercept=0.5, max_rung=4)
    received = np.array([0, 1, 2, 3, 4, 5, 2, 1], np.int8)
    cdf = rule.cumulative(situation(received=received, harm=7.0))
    assert cdf.shape == (6, R)
    np.testing.assert_array_equal(cdf[0], 0.0)
    top = np.minimum(received.astype(int) + 1, 4)
    for k in range(6):
        at_or_above = k >= top
        np.testing.assert_array_equal(cdf[k][at_or_above], 1.0)
        assert (cdf[k][~at_or_above] < 1.0).all()


# Each parameter moves the decision its documented way, the actors' inputs all different ------


def acting_share(rule, **inputs):
    out = rule.decide(situation(n=N_GRID, **inputs), U_GRID)
    return float((out > 0).mean())


def test_logistic_chance_is_the_documented_formula_with_every_input_different():
    rule = ret.Logistic(
        intercept=-1.0,
        pressure_weight=0.3,
        grievance_weight=0.2,
        resolve_weight=0.7,
        restraint_weight=0.4,
        weariness_weight=0.6,
    )
    x = dict(pressure=1.5, grievance=2.0, resolve=0.6, restraint=0.3, weariness=0.8)
    p = expit(-1.0 + 0.3 * 1.5 + 0.2 * 2.0 + 0.7 * 0.6 - 0.4 * 0.3 - 0.6 * 0.8)
    # The grid's share below p is within 1/N_GRID of p.
    assert abs(acting_share(rule, received=2, **x) - p) <= 1 / N_GRID


@pytest.mark.parametrize(
    ("weight", "input_", "direction"),
    [
        ("pressure_weight", "pressure", +1),
        ("grievance_weight", "grievance", +1),
        ("resolve_weight", "resolve", +1),
        ("restraint_weight", "restraint", -1),
        ("weariness_weight", "weariness", -1),
    ],
)
def test_each_logistic_weight_moves_the_chance_its_documented_way(weight, input_, direction):
    base = dict(pressure=1.0, grievance=1.0, resolve=0.5, restraint=0.5, weariness=1.0)
    low = ret.Logistic(intercept=-1.0, **{weight: 0.5})
    high = ret.Logistic(intercept=-1.0, **{weight: 1.5})
    # A heavier weight moves the chance by at least 0.05 (far above the grid's 1/N resolution).
    diff = acting_share(high, received=1, **base) - acting_share(low, received=1, **base)
    assert direction * diff > 0.05
    more = dict(base, **{input_: base[input_] + 0.4})
    diff = acting_share(low, received=1, **more) - acting_share(low, received=1, **base)
    assert direction * diff > 0.02


@pytest.mark.parametrize(
    ("weight", "value"), [("leverage_weight", 0.8), ("trust_weight", 0.6), ("cost_weight", 1.5)]
)
def test_each_mediated_weight_raises_the_chance_of_agreement(weight, value):
    x = dict(leverage=0.8, trust=0.6, cost=1.5)
    zero = dict(leverage_weight=0.0, trust_weight=0.0, cost_weight=0.0)
    without = cf.Mediated(intercept=-2.0, **zero)
    with_ = cf.Mediated(intercept=-2.0, **dict(zero, **{weight: 1.0}))
    share0 = without.agree(talks(N_GRID, **x), U_GRID).mean()
    share1 = with_.agree(talks(N_GRID, **x), U_GRID).mean()
    assert abs(share0 - expit(-2.0)) <= 1 / N_GRID
    assert abs(share1 - expit(-2.0 + value)) <= 1 / N_GRID


def test_mediated_chance_is_the_documented_formula_with_every_input_different():
    rule = cf.Mediated(intercept=-3.0, leverage_weight=1.5, trust_weight=0.5, cost_weight=0.8)
    share = rule.agree(talks(N_GRID, leverage=0.7, trust=0.4, cost=2.5), U_GRID).mean()
    assert abs(share - expit(-3.0 + 1.5 * 0.7 + 0.5 * 0.4 + 0.8 * 2.5)) <= 1 / N_GRID


@pytest.mark.parametrize("rung", [1, 3, 4, 5])
def test_mediated_rung_weight_lowers_agreement_per_rung_above_three(rung):
    rule = cf.Mediated(
        intercept=-1.0, leverage_weight=1.5, trust_weight=0.5, cost_weight=0.8, rung_weight=0.9
    )
    share = rule.agree(talks(N_GRID, leverage=0.7, trust=0.4, cost=0.5, rung=rung), U_GRID).mean()
    expected = expit(-1.0 + 1.5 * 0.7 + 0.5 * 0.4 + 0.8 * 0.5 - 0.9 * (rung - 3))
    assert abs(share - expected) <= 1 / N_GRID


def test_mediated_rung_weight_zero_is_the_rule_without_it_bit_for_bit():
    # The default (0) must leave every decision as it was: users' runs and hashes depend on it.
    u = np.random.default_rng(3).random(N_GRID)
    for rung in (0, 3, 5):
        x = talks(N_GRID, leverage=0.37, trust=0.61, cost=0.13, rung=rung)
        old = u < expit(-2.7 + 2.0 * 0.37 + 2.0 * 0.61 + 1.0 * x.cost)
        np.testing.assert_array_equal(cf.Mediated(intercept=-2.7).agree(x, u), old)


def test_each_violation_risks_the_mediated_ceasefire_independently():
    b = 0.3
    for v in (1, 2, 4):
        ends = cf.Mediated(break_per_violation=b).ends(status(n=N_GRID, violations=v), U_GRID)
        assert abs(ends.mean() - (1 - (1 - b) ** v)) <= 1 / N_GRID
