"""PRIM scenario discovery, on synthetic data with a known box."""

import numpy as np
import pandas as pd
import pytest

from sim.analysis.discovery import prim


@pytest.fixture(scope="module")
def known_box():
    """Outcome inside a < 0.4 and b > 0.6 (c is noise), with 3 % of labels flipped."""
    rng = np.random.default_rng(1)
    X = pd.DataFrame(rng.random((2000, 3)), columns=["a", "b", "c"])
    inside = ((X["a"] < 0.4) & (X["b"] > 0.6)).to_numpy()
    return X, inside ^ (rng.random(len(X)) < 0.03), inside


def one_peel(edge: float, low: float = 0.0) -> float:
    """How far PRIM may stop from a true edge: one peel of the box on that axis.

    Each peel cuts ``peel_alpha`` (0.05) of the box's points off one side; for uniform data that is
    5 % of the box's width (from `low` to the edge), and the final point-by-point pasting can only
    bring the limit closer. A wrong side, axis or quantile misses by far more.
    """
    return 0.05 * abs(edge - low)


def test_prim_finds_the_known_box(known_box):
    X, y, inside = known_box
    box = prim(X, y).box()
    assert box.restricted == ("b", "a") or box.restricted == ("a", "b")
    assert box.limits["a"][1] == pytest.approx(0.4, abs=one_peel(0.4))
    assert box.limits["b"][0] == pytest.approx(0.6, abs=one_peel(0.6, low=1.0))
    assert box.density > 0.95 and box.coverage > 0.8
    # Coverage and density are what they claim.
    found = box.contains(X)
    assert box.density == pytest.approx(y[found].mean())
    assert box.coverage == pytest.approx(y[found].sum() / y.sum())
    assert (found & inside).sum() / inside.sum() > 0.9


def test_the_trajectory_trades_coverage_for_density(known_box):
    X, y, _ = known_box
    result = prim(X, y)
    steps = result.trajectory()
    assert steps["coverage"].iloc[0] == 1.0 and steps["box"].iloc[0] == "everywhere"
    assert steps["coverage"].is_monotonic_decreasing
    assert steps["mass"].iloc[-1] >= 0.05
    assert steps["density"].iloc[-1] > steps["density"].iloc[0]
    dense = result.box(min_density=0.98, paste=False)
    assert dense.density >= 0.98 and dense.coverage < result.box(paste=False).coverage
    with pytest.raises(ValueError, match=r"no box reaches density 1.0; the densest has 0.9"):
        result.box(min_density=1.0)
    with pytest.raises(ValueError, match=r"min_density must be in \[0, 1\]"):
        result.box(min_density=1.01)


def test_a_box_reads_as_conditions_with_its_density_and_coverage(known_box):
    X, y, _ = known_box
    text = prim(X, y).box().describe()
    assert text.startswith(("b >= 0.6", "a <= 0.4")) and " and " in text
    assert ": density 0.9" in text and "coverage 0.8" in text


def test_categories_are_peeled_one_at_a_time():
    rng = np.random.default_rng(2)
    X = pd.DataFrame({"a": rng.random(2000), "rule": rng.choice(["x", "y", "z"], 2000)})
    y = ((X["a"] < 0.5) & (X["rule"] != "z")).to_numpy()
    box = prim(X, y).box()
    assert box.limits["rule"] == frozenset({"x", "y"})
    assert box.density > 0.95 and box.coverage > 0.95
    assert box.limits["a"][1] == pytest.approx(0.5, abs=one_peel(0.5))
    assert "rule in {x, y}" in box.describe()


def test_pasting_widens_a_box_while_density_holds(known_box):
    X, y, _ = known_box
    result = prim(X, y, peel_alpha=0.1)
    peeled, pasted = result.box(paste=False), result.box()
    assert pasted.n >= peeled.n and pasted.density >= peeled.density - 1e-12


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"peel_alpha": 0.5}, "peel_alpha"),
        ({"min_mass": 0}, "min_mass"),
        ({"y": np.zeros(10, bool)}, "holds at no point"),
        ({"y": np.ones(3, bool)}, "X has 10 rows but y has 3"),
    ],
)
def test_bad_arguments_are_refused(kwargs, match):
    X = pd.DataFrame({"a": np.arange(10.0)})
    y = kwargs.pop("y", np.arange(10) > 5)
    with pytest.raises(ValueError, match=match):
        prim(X, y, **kwargs)
