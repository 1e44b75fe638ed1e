"""Posterior files: checks with one clear message per mistake, the draws' scenarios, and the
assignment of replications to draws."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sim
from sim.core.errors import ConfigError
from sim.scenario.posterior import CELL, load_posterior, posterior_from_frame

P_ACT = "states.pakistan.retaliation.p_act"


def _draws(**columns):
    return pd.DataFrame({"decay": [0.04, 0.08], P_ACT: [0.02, 0.1], "weight": [1.0, 3.0]} | columns)


def test_a_good_file_loads_and_each_draw_is_a_checked_scenario(seed_scenario, tmp_path):
    path = tmp_path / "posterior.parquet"
    _draws().to_parquet(path)
    post = load_posterior(path, seed_scenario)
    assert len(post) == 2 and post.paths == ["decay", P_ACT]
    assert post.weights.tolist() == [0.25, 0.75]
    second = post.scenario(seed_scenario, 1)
    assert second.decay == 0.08
    assert second.states["pakistan"].retaliation.p_act == 0.1
    assert second.states["afghanistan"] == seed_scenario.states["afghanistan"]
    assert post.scenario(seed_scenario, 1) is second  # built once


def test_whole_number_parameters_take_whole_draws(seed_scenario):
    post = posterior_from_frame(
        pd.DataFrame({"states.pakistan.memory_days": [20.0, 40.0], "weight": [1, 1]}),
        seed_scenario,
    )
    assert post.scenario(seed_scenario, 1).states["pakistan"].memory_days == 40
    with pytest.raises(ConfigError, match=r"column 'states.pakistan.memory_days'.*whole number"):
        posterior_from_frame(
            pd.DataFrame({"states.pakistan.memory_days": [20.5], "weight": [1]}), seed_scenario
        )


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (
            _draws().rename(columns={"decay": "decya"}),
            r"^posterior .*f.parquet: column 'decya': 'decya' is not a parameter of the scenario "
            r"here; did you mean 'decay'\?.*Name each column by a parameter's key path",
        ),
        (
            _draws().rename(columns={P_ACT: "states.pakistan.retaliation.p_ac"}),
            r"column 'states.pakistan.retaliation.p_ac': 'p_ac' is not a parameter.*'p_act'",
        ),
        (
            _draws().drop(columns="weight"),
            r"^posterior .*f.parquet: has no 'weight' column; add the draws' importance weights",
        ),
        (
            _draws(weight=[1.0, -2.0]),
            r"column 'weight': row 1 holds -2.0; weights must be finite numbers >= 0",
        ),
        (_draws(weight=[np.nan, 1.0]), r"column 'weight': row 0 holds nan; weights must be finite"),
        (_draws(weight=[0.0, 0.0]), r"column 'weight': every weight is 0"),
        (
            _draws(decay=[0.04, 1.5]),
            r"column 'decay': its largest draw, 1.5, leaves the parameter's range "
            r"\(scenario.decay: .*\); keep the draws inside the prior's bounds",
        ),
        (
            _draws(**{P_ACT: [-0.1, 0.1]}),
            rf"column '{P_ACT}': its smallest draw, -0.1, leaves the parameter's range",
        ),
        (_draws(decay=[0.04, None]), r"column 'decay': row 1 has no value"),
        (_draws(decay=["a", "b"]), r"column 'decay': holds .* values: draws must be numbers"),
        (pd.DataFrame({"decay": [], "weight": []}), r"holds no draws"),
        (
            _draws(**{"states.pakistan.name": [1.0, 2.0]}),
            r"column 'states.pakistan.name': 'name' is not a parameter",
        ),
    ],
    ids=[
        "unknown-path",
        "unknown-rule-parameter",
        "no-weight",
        "negative-weight",
        "nan-weight",
        "zero-weights",
        "above-range",
        "below-range",
        "missing-value",
        "not-numeric",
        "empty",
        "not-a-number-parameter",
    ],
)
def test_bad_posteriors_give_one_clear_error(seed_scenario, tmp_path, frame, message):
    path = tmp_path / "f.parquet"
    frame.to_parquet(path)
    with pytest.raises(ConfigError, match=message) as info:
        load_posterior(path, seed_scenario)
    assert "\n" not in str(info.value)


def test_missing_or_unreadable_file(seed_scenario, tmp_path):
    with pytest.raises(ConfigError, match=r"^posterior: no file .*nope.parquet; give the path"):
        load_posterior(tmp_path / "nope.parquet", seed_scenario)
    (tmp_path / "x.parquet").write_text("not parquet")
    with pytest.raises(ConfigError, match=r"^posterior: cannot read .*x.parquet as Parquet"):
        load_posterior(tmp_path / "x.parquet", seed_scenario)


def test_a_swapped_rule_leaves_its_columns_out(seed_scenario):
    post = posterior_from_frame(_draws(), seed_scenario)
    data = seed_scenario.to_dict()
    data["states"]["pakistan"]["retaliation"] = {"name": "tit_for_tat", "p_act": 0.3}
    tit = sim.scenario_from_dict(data)
    assert post.scenario(tit, 1).states["pakistan"].retaliation.p_act == 0.1  # still applies
    data["states"]["pakistan"]["retaliation"] = {"name": "none"}
    none = sim.scenario_from_dict(data)
    assert post.scenario(none, 1).decay == 0.08  # p_act left out: the rule has none


def test_assignment_is_proportional_and_keyed_by_seed_and_index(seed_scenario):
    weights = np.array([0.1, 0.6, 0.3])
    frame = pd.DataFrame({"decay": [0.03, 0.05, 0.07], "weight": weights * 7})
    post = posterior_from_frame(frame, seed_scenario)
    cells = 4000
    draws = post.assign(seed=5, first=0, size=cells * CELL)
    assert (draws.reshape(cells, CELL) == draws[::CELL, None]).all()  # a cell shares its draw
    share = np.bincount(draws[::CELL], minlength=3) / cells
    # A Weyl sequence's counts are within a few cells of proportional (no binomial noise).
    assert np.abs(share - weights).max() <= 3 / cells
    for n in (10, 37, 100):  # every prefix too, so that adaptive stopping sees the posterior
        prefix = np.bincount(draws[: n * CELL : CELL], minlength=3) / n
        assert np.abs(prefix - weights).max() <= 3 / n
    part = post.assign(seed=5, first=1000, size=777)
    assert np.array_equal(part, draws[1000:1777])
    assert not np.array_equal(post.assign(seed=6, first=0, size=cells * CELL), draws)
    fine = post.assign(seed=5, first=0, size=1000, cell=1)
    assert len(set(fine[:10])) > 1


def test_a_calibration_s_posterior_file_runs_as_written(seed_scenario, tmp_path):
    """The two sides of the format meet: what the calibration writes, a run reads."""
    from sim.calibration import CalibrationSettings, calibrate

    paths = ("states.pakistan.retaliation.p_act", "ceasefire.intercept")
    settings = CalibrationSettings(
        parameters=paths, population_size=5, generations=1, max_simulations=40
    )
    calibrate(seed_scenario, tmp_path, settings, seed=3)
    post = load_posterior(tmp_path / "posterior.parquet", seed_scenario)
    assert post.paths == list(paths) and len(post) == 5
    run = sim.simulate(
        seed_scenario,
        replications=300,
        horizon=30,
        seed=1,
        posterior=tmp_path / "posterior.parquet",
    )
    assert set(run.outcomes["draw"]) <= set(range(5))
    assert 0 <= run.predictive(4, 30).estimate <= 1
