"""Each figure is checked for what it draws: the plotted data equal the results, axes labelled."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection, PathCollection, PolyCollection
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.patches import StepPatch

import sim
from sim.analysis.stats import paired_difference
from sim.plots import figures as plots

KINDS_SHOWN = {"strike", "clash", "ceasefire_made", "ceasefire_ended"}


@pytest.fixture(scope="module")
def small_run(seed_scenario):
    """40 replications of the seed scenario over 120 days, with events and trajectory."""
    return sim.simulate(seed_scenario, replications=40, horizon=120, seed=3)


@pytest.fixture(scope="module")
def busy_replication(small_run):
    """A replication with strikes, clashes and a ceasefire made and ended."""
    events = small_run.events
    for rep, rows in events.groupby("replication"):
        if KINDS_SHOWN <= set(rows["kind"]):
            return int(rep)
    raise AssertionError("no replication of seed 3 shows every kind of event")


@pytest.fixture(scope="module")
def mc_run(seed_scenario):
    return sim.simulate(seed_scenario, replications=400, horizon=120, seed=5)


def _line(ax, label):
    (line,) = [ln for ln in ax.get_lines() if ln.get_label() == label]
    return line


def _collection(ax, label):
    (found,) = [c for c in ax.collections if c.get_label() == label]
    return found


def _band_limits(band: PolyCollection, xs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lowest and highest y of a fill_between polygon at each x."""
    vertices = band.get_paths()[0].vertices
    low = np.array([vertices[vertices[:, 0] == x, 1].min() for x in xs])
    high = np.array([vertices[vertices[:, 0] == x, 1].max() for x in xs])
    return low, high


# -- timeline ----------------------------------------------------------------------------------


def test_timeline_draws_the_rung_path_of_the_replication(small_run, busy_replication):
    fig = plots.timeline(small_run, replication=busy_replication)
    assert isinstance(fig, Figure)
    ladder, attacks = fig.axes[:2]
    path = small_run.trajectory.query("replication == @busy_replication")
    line = _line(ladder, "rung, Pakistan–Afghanistan (Taliban government)")
    np.testing.assert_array_equal(line.get_xdata(), path["day"])
    np.testing.assert_array_equal(line.get_ydata(), path["rung"])
    assert line.get_drawstyle() == "steps-post"
    labels = [t.get_text() for t in ladder.get_yticklabels()]
    assert labels == [f"{k} {name}" for k, name in enumerate(sim.RUNG_NAMES)]
    assert attacks.get_xlabel() == "days since 22 Feb 2026"
    assert ladder.get_ylabel() and attacks.get_ylabel()
    assert fig.get_suptitle().startswith(f"One simulated path (replication {busy_replication})")


def test_timeline_marks_strikes_clashes_and_ceasefires(small_run, busy_replication):
    fig = plots.timeline(small_run, replication=busy_replication)
    ladder = fig.axes[0]
    log = small_run.events.query("replication == @busy_replication")
    names = {"pakistan": "Pakistan", "afghanistan": "Afghanistan (Taliban government)"}
    strikes = log[log["kind"] == "strike"]
    for state, rows in strikes.groupby("actor"):
        marks = _collection(ladder, f"{names[state]}: strike").get_offsets()
        np.testing.assert_array_equal(marks, rows[["day", "rung"]].to_numpy())
    clashes = log[log["kind"].isin(["clash", "war"])]
    drawn = np.concatenate(
        [
            c.get_offsets()
            for c in ladder.collections
            if isinstance(c, PathCollection) and c.get_label().endswith("clash")
        ]
    )
    assert sorted(map(tuple, drawn)) == sorted(map(tuple, clashes[["day", "rung"]].to_numpy()))
    for kind in ("ceasefire_made", "ceasefire_ended"):
        lines = _collection(ladder, plots.KIND_WORDS[kind])
        assert isinstance(lines, LineCollection)
        days = [segment[0, 0] for segment in lines.get_segments()]
        assert days == log.loc[log["kind"] == kind, "day"].tolist()
    # The shaded days are the days the trajectory says a ceasefire was in force.
    shade = _collection(ladder, "ceasefire in force")
    assert isinstance(shade, PolyCollection)
    path = small_run.trajectory.query("replication == @busy_replication")
    shaded_days = {x for p in shade.get_paths() for x in p.vertices[:, 0]}
    in_force = set(path.loc[path["ceasefire"], "day"])
    assert in_force <= shaded_days


def test_timeline_bars_are_the_deaths_in_militant_attacks(small_run, busy_replication):
    attacks = plots.timeline(small_run, replication=busy_replication).axes[1]
    log = small_run.events.query("replication == @busy_replication and kind == 'attack'")
    expected = log.groupby("day")["killed"].sum()
    # One stacked step patch per group: its height over its baseline is the group's deaths.
    drawn = pd.Series(0.0, index=range(small_run.horizon + 2))
    for step in (p for p in attacks.patches if isinstance(p, StepPatch)):
        values, edges, baseline = step.get_data()
        days = np.rint((edges[:-1] + edges[1:]) / 2).astype(int)
        drawn = drawn.add(pd.Series(values - baseline, index=days), fill_value=0.0)
    pd.testing.assert_series_equal(
        drawn[expected.index], expected.astype(float), check_names=False, check_index_type=False
    )
    assert (drawn.drop(expected.index) == 0).all()  # nothing drawn on days without an attack
    legend = [t.get_text() for t in attacks.get_legend().get_texts()]
    assert "Tehrik-e-Taliban Pakistan" in legend


def test_timeline_of_a_model_equals_that_of_its_result(seed_scenario):
    model = sim.EscalationModel(
        seed_scenario, replications=1, seed=7, record_events=True, record_trajectory=True
    )
    model.run(60)
    result = sim.simulate(seed_scenario, replications=1, horizon=60, seed=7)
    from_model, from_result = (plots.timeline(x).axes[0] for x in (model, result))
    label = "rung, Pakistan–Afghanistan (Taliban government)"
    np.testing.assert_array_equal(
        _line(from_model, label).get_ydata(), _line(from_result, label).get_ydata()
    )


def test_timeline_explains_what_is_missing(seed_scenario):
    run = sim.simulate(seed_scenario, replications=2, horizon=5, seed=1, record_events=False)
    with pytest.raises(ValueError, match="record_events=True"):
        plots.timeline(run)
    with pytest.raises(ValueError, match="replication 9 is not in the trajectory"):
        plots.timeline(sim.simulate(seed_scenario, replications=2, horizon=5, seed=1), 9)


def test_describe_events_says_each_event_in_words():
    events = pd.DataFrame(
        {
            "replication": [0, 0, 0, 0],
            "day": [1, 1, 1, 9],
            "actor": ["ttp", "pakistan", "pakistan-afghanistan", "pakistan-afghanistan"],
            "target": ["pakistan", "afghanistan", "", ""],
            "kind": ["attack", "strike", "violation", "ceasefire_made"],
            "rung": [0, 3, 3, 1],
            "killed": [12, 4, 0, 0],
            "count": [2, 1, 1, 1],
        }
    )
    table = plots.describe_events(
        events, as_of="2026-02-22", names={"pakistan": "Pakistan", "afghanistan": "Afghanistan"}
    )
    assert table["date"].tolist() == ["23 Feb 2026"] * 3 + ["3 Mar 2026"]
    assert table["who"].tolist() == ["TTP", "Pakistan"] + ["Pakistan–Afghanistan"] * 2
    assert table["what"].tolist() == [
        "2 militant attacks",
        "limited strike",
        "ceasefire violation",
        "ceasefire agreed",
    ]
    assert table["against"].tolist() == ["Pakistan", "Afghanistan", "", ""]
    assert table["rung"].tolist() == [
        "",
        "3 limited strikes",
        "3 limited strikes",
        "1 diplomatic crisis",
    ]
    assert table["killed"].tolist() == [12, 4, 0, 0]


# -- many replications -------------------------------------------------------------------------


def test_fan_chart_bands_are_the_shares_at_each_rung(small_run):
    fig = plots.fan_chart(small_run)
    ax = fig.axes[0]
    trajectory = small_run.trajectory
    days = np.sort(trajectory["day"].unique())
    # Shares counted directly: one pair, so each replication's rung is the pair's.
    counts = np.array(
        [np.bincount(trajectory.loc[trajectory["day"] == d, "rung"], minlength=6) for d in days]
    )
    upper = np.cumsum(counts, axis=1) / counts.sum(axis=1, keepdims=True) * 100
    for k, name in enumerate(sim.RUNG_NAMES):
        low, high = _band_limits(_collection(ax, f"{k} {name}"), days)
        np.testing.assert_allclose(high, upper[:, k])
        np.testing.assert_allclose(low, upper[:, k - 1] if k else 0)
    assert ax.get_xlabel() == "days since 22 Feb 2026"
    assert ax.get_ylabel() == "share of replications"
    assert "40 replications" in fig.get_suptitle()


def test_fan_chart_takes_a_trajectory_table(small_run):
    ax = plots.fan_chart(small_run.trajectory, as_of="2026-02-22").axes[0]
    assert ax.get_xlabel() == "days since 22 Feb 2026"
    with pytest.raises(ValueError, match="record_trajectory=True"):
        plots.fan_chart(sim.simulate(sim.load_scenario(), replications=101, horizon=2))


def test_survival_curves_are_the_kaplan_meier_curves(mc_run):
    ax = plots.survival_curves(mc_run).axes[0]
    # The run starts at rung 3: by default the rungs above it.
    assert [ln.get_label() for ln in ax.get_lines()] == ["4 interstate clashes", "5 war"]
    for k in (4, 5):
        curve = mc_run.survival(k)
        line = _line(ax, f"{k} {sim.RUNG_NAMES[k]}")
        np.testing.assert_array_equal(line.get_xdata(), [0, *curve.days, 120])
        expected = 100 * (1 - np.array([1, *curve.survival, curve.survival[-1]]))
        np.testing.assert_allclose(line.get_ydata(), expected)
    band = [c for c in ax.collections if isinstance(c, PolyCollection)][0]
    vertices = band.get_paths()[0].vertices
    curve = mc_run.survival(4)
    # A step band has both the old and the new limits at each day: the new ones must be there.
    for day, low, high in zip(curve.days, curve.low, curve.high, strict=True):
        at_day = vertices[vertices[:, 0] == day, 1]
        for limit in (100 * (1 - high), 100 * (1 - low)):
            assert np.isclose(at_day, limit).any()
    # Before the first event the band is the one-sided bound, not the point 0.
    before = vertices[vertices[:, 0] == 0, 1]
    assert np.isclose(before, 100 * (1 - curve.low_before_first)).any()
    assert ax.get_ylabel() == "chance the rung has been reached"
    assert ax.get_xlabel() == "days since 22 Feb 2026"


def test_survival_curves_can_show_survival_itself(mc_run):
    ax = plots.survival_curves(mc_run.outcomes, rungs=[4], reached=False).axes[0]
    curve = mc_run.survival(4)
    np.testing.assert_allclose(
        _line(ax, "4 interstate clashes").get_ydata(),
        100 * np.array([1, *curve.survival, curve.survival[-1]]),
    )
    assert ax.get_ylabel() == "chance the rung has not been reached"
    assert ax.get_xlabel() == "days from the start"


def test_exceedance_is_the_share_at_or_above():
    x, p = plots.exceedance([3, 0, 1, 1])
    np.testing.assert_array_equal(x, [0, 1, 3])
    np.testing.assert_array_equal(p, [1, 0.75, 0.25])


def test_casualty_distribution_draws_exceedance_curves():
    rng = np.random.default_rng(0)
    outcomes = pd.DataFrame(
        {
            "civilian_deaths_pakistan": np.floor(rng.pareto(1.5, 500) * 10),
            "military_deaths_pakistan": rng.integers(50, 60, 500),
        }
    )
    ax = plots.casualty_distribution(outcomes).axes[0]
    for column, words in (
        ("civilian_deaths_pakistan", "civilians killed, Pakistan"),
        ("military_deaths_pakistan", "soldiers killed, Pakistan"),
    ):
        (line,) = [ln for ln in ax.get_lines() if ln.get_label().startswith(words)]
        x, p = plots.exceedance(outcomes[column])
        np.testing.assert_array_equal(line.get_xdata(), x)
        np.testing.assert_allclose(line.get_ydata(), 100 * p)
        assert f"median {outcomes[column].median():,.0f}" in line.get_label()
    # A heavy tail spans orders of magnitude: log scales, zero kept visible by symlog.
    assert (ax.get_xscale(), ax.get_yscale()) == ("symlog", "log")
    assert ax.get_xlabel() == "deaths over the run (x)"
    assert ax.get_ylabel() == "chance of at least x deaths"
    narrow = plots.casualty_distribution(outcomes, ["military_deaths_pakistan"]).axes[0]
    assert (narrow.get_xscale(), narrow.get_yscale()) == ("linear", "linear")


def test_casualty_distribution_names_actors_from_the_scenario(mc_run):
    ax = plots.casualty_distribution(mc_run, ["military_deaths_afghanistan"]).axes[0]
    assert (
        ax.get_lines()[0]
        .get_label()
        .startswith("soldiers killed, Afghanistan (Taliban government)")
    )
    with pytest.raises(ValueError, match="no such outcome column"):
        plots.casualty_distribution(mc_run, ["deaths_of_nobody"])


# -- sweeps and policies -----------------------------------------------------------------------


@pytest.fixture
def sweep_table():
    grid = pd.DataFrame(
        [(lev, tempo) for lev in (0.2, 0.4, 0.6, 0.8) for tempo in (1.0, 1.5)],
        columns=["leverage", "tempo"],
    )
    grid["probability"] = 0.1 + 0.2 * grid["tempo"] - 0.25 * grid["leverage"]
    grid["ci_low"] = grid["probability"] - 0.02
    grid["ci_high"] = grid["probability"] + 0.03
    return grid.sample(frac=1, random_state=1)  # rows in no order


def test_sweep_response_draws_the_points_and_their_band(sweep_table):
    one = sweep_table[sweep_table["tempo"] == 1.0]
    ax = plots.sweep_response(one, "leverage", "probability", "ci_low", "ci_high").axes[0]
    (line,) = ax.get_lines()
    ordered = one.sort_values("leverage")
    np.testing.assert_array_equal(line.get_xdata(), ordered["leverage"])
    np.testing.assert_allclose(line.get_ydata(), 100 * ordered["probability"])
    low, high = _band_limits(ax.collections[0], ordered["leverage"].to_numpy())
    np.testing.assert_allclose(low, 100 * ordered["ci_low"])
    np.testing.assert_allclose(high, 100 * ordered["ci_high"])
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("leverage", "probability")


def test_sweep_response_draws_one_curve_per_group(sweep_table):
    ax = plots.sweep_response(
        sweep_table,
        "leverage",
        "probability",
        group="tempo",
        percent=False,
        xlabel="Qatar's leverage",
    ).axes[0]
    assert [ln.get_label() for ln in ax.get_lines()] == ["tempo = 1.5", "tempo = 1.0"]
    line = _line(ax, "tempo = 1.5")
    rows = sweep_table[sweep_table["tempo"] == 1.5].sort_values("leverage")
    np.testing.assert_allclose(line.get_ydata(), rows["probability"])
    assert ax.get_xlabel() == "Qatar's leverage"
    with pytest.raises(ValueError, match="no column"):
        plots.sweep_response(sweep_table, "leverage", "p")


def test_heatmap_image_is_the_pivot(sweep_table):
    fig = plots.heatmap(sweep_table, "leverage", "tempo", "probability")
    ax = fig.axes[0]
    pivot = sweep_table.pivot(index="tempo", columns="leverage", values="probability")
    np.testing.assert_allclose(ax.images[0].get_array(), 100 * pivot.sort_index().to_numpy())
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0.2", "0.4", "0.6", "0.8"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["1", "1.5"]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("leverage", "tempo")
    assert fig.axes[1].get_ylabel() == "probability (%)"
    cell = 100 * pivot.loc[1.0, 0.2]
    assert f"{cell:.0f}%" in [t.get_text() for t in ax.texts]


def test_sensitivity_bars_are_the_indices():
    indices = pd.DataFrame(
        {
            "parameter": ["ttp_tempo", "mediator_leverage", "p_act"],
            "S1": [0.2, 0.5, 0.01],
            "S1_conf": [0.04, 0.05, 0.02],
            "ST": [0.3, 0.6, 0.05],
            "ST_conf": [0.05, 0.05, 0.03],
        }
    )
    ax = plots.sensitivity_bars(indices, parameter="parameter").axes[0]
    # Sorted by total index, smallest at the bottom.
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "p act",
        "ttp tempo",
        "mediator leverage",
    ]
    ordered = indices.sort_values("ST")
    bars = {c.get_label(): c for c in ax.containers if isinstance(c, BarContainer)}
    for key, prefix in (("S1", "first-order"), ("ST", "total")):
        (container,) = [c for label, c in bars.items() if label.startswith(prefix)]
        np.testing.assert_allclose([b.get_width() for b in container], ordered[key])
        segments = container.errorbar.lines[2][0].get_segments()
        np.testing.assert_allclose(
            [s[1, 0] - s[0, 0] for s in segments], 2 * ordered[f"{key}_conf"]
        )
    assert ax.get_xlabel() == "share of the outcome's variance explained"
    with pytest.raises(ValueError, match="ST_conf"):
        plots.sensitivity_bars(indices.drop(columns="ST_conf"))


def test_sensitivity_bars_take_interval_limits():
    # The shape of sim.analysis.sensitivity.SobolResult.indices: limits rather than half-widths.
    indices = pd.DataFrame(
        {
            "S1": [0.5, 0.1],
            "S1_low": [0.4, 0.0],
            "S1_high": [0.7, 0.2],
            "ST": [0.6, 0.2],
            "ST_low": [0.5, 0.1],
            "ST_high": [0.8, 0.3],
        },
        index=["mediators.qatar.leverage", "militants.ttp.targets.pakistan"],
    )

    class Result:  # anything with an `indices` table
        pass

    result = Result()
    result.indices = indices
    ax = plots.sensitivity_bars(result).axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "TTP: targets pakistan",
        "Qatar: leverage",
    ]
    named = plots.sensitivity_bars(result, labels={"militants.ttp.targets.pakistan": "tempo"})
    assert [t.get_text() for t in named.axes[0].get_yticklabels()] == ["tempo", "Qatar: leverage"]
    (s1,) = [
        c
        for c in ax.containers
        if isinstance(c, BarContainer) and c.get_label().startswith("first-order")
    ]
    segments = s1.errorbar.lines[2][0].get_segments()
    np.testing.assert_allclose([s[:, 0] for s in segments], [[0.0, 0.2], [0.4, 0.7]])


def test_policy_comparison_draws_paired_and_independent_intervals(seed_scenario, mc_run):
    data = seed_scenario.to_dict()
    data["states"]["pakistan"]["retaliation"]["p_act"] = 0.2
    other = sim.simulate(sim.scenario_from_dict(data), replications=400, horizon=120, seed=5)
    comparisons = [
        mc_run.compare(other, rung=4, within=30),
        mc_run.compare(other, rung=4, within=30),
    ]
    ax = plots.policy_comparison(comparisons, labels=["p_act 0.2", "again"]).axes[0]
    c = comparisons[0]
    points = _line(ax, "difference")
    np.testing.assert_allclose(points.get_xdata(), [100 * c.difference] * 2)
    independent, paired = ax.collections[0], ax.collections[-1]
    np.testing.assert_allclose(paired.get_segments()[0][:, 0], [100 * c.low, 100 * c.high])
    np.testing.assert_allclose(
        independent.get_segments()[0][:, 0], [100 * c.independent_low, 100 * c.independent_high]
    )
    assert [t.get_text() for t in ax.get_yticklabels()] == ["again", "p_act 0.2"]
    assert " ".join(ax.get_xlabel().split()) == (
        "change in the chance of reaching interstate clashes (rung 4) "
        "within 30 days, percentage points"
    )


def test_policy_comparison_takes_a_table():
    table = pd.DataFrame(
        {"difference": [-0.05, 0.02], "low": [-0.08, 0.0], "high": [-0.02, 0.04]},
        index=["talks", "strikes"],
    )
    ax = plots.policy_comparison(table).axes[0]
    assert len(ax.collections) == 1
    segments = ax.collections[0].get_segments()
    np.testing.assert_allclose([s[:, 0] for s in segments], [[-8, -2], [0, 4]])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["strikes", "talks"]
    # Same numbers through paired_difference's result object and a table give one picture.
    with pytest.raises(ValueError, match="2 labels for 1"):
        plots.policy_comparison(table.iloc[:1], labels=["a", "b"])
    with pytest.raises(ValueError, match="lacks column"):
        plots.policy_comparison(table.drop(columns="high"))


def test_comparison_table_from_results(mc_run):
    c = paired_difference(mc_run.outcomes, mc_run.outcomes, rung=4)
    table = plots.comparison_table([c], labels=["same run"])
    assert table.loc[0, ["label", "difference", "rung", "within"]].tolist() == [
        "same run",
        0.0,
        4,
        120.0,
    ]


# -- results folder ----------------------------------------------------------------------------


def test_save_figures_writes_the_standard_pngs(small_run, mc_run, tmp_path):
    paths = plots.save_figures(small_run, tmp_path / "small")
    assert [p.name for p in paths] == [
        "survival.png",
        "casualties.png",
        "fan_chart.png",
        "timeline.png",
    ]
    for path in paths:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in (tmp_path / "small").iterdir()) == sorted(
        p.name for p in paths
    )  # no temporary files left behind
    big = plots.save_figures(mc_run, tmp_path / "big")  # 400 replications: no trajectory
    assert [p.name for p in big] == ["survival.png", "casualties.png"]


def test_column_words():
    assert plots.column_words("military_deaths_pakistan") == "soldiers killed, Pakistan"
    assert plots.column_words("attacks_ttp", {"ttp": "Tehrik-e-Taliban Pakistan"}) == (
        "attacks by Tehrik-e-Taliban Pakistan"
    )
    assert plots.column_words("battle_deaths") == "battle deaths"
    assert plots.column_words("mediator_leverage") == "mediator leverage"
    assert plots.column_words("p_rung4_90d") == "chance of interstate clashes within 90 days"
    assert plots.column_words("p_rung4_90d_high") == (
        "chance of interstate clashes within 90 days (upper limit)"
    )
    assert plots.column_words("diff_rung5_30d") == "change in the chance of war within 30 days"
    assert plots.column_words("mean_civilian_deaths_afghanistan") == (
        "mean civilians killed, Afghanistan"
    )
    assert plots.column_words("mediators.qatar.leverage") == "Qatar: leverage"


def test_robustness_chart_draws_each_metric_of_each_policy():
    from sim.analysis.robustness import METRICS, robustness_metrics

    reached = np.arange(100) < np.array([[[10], [30]], [[20], [5]], [[15], [15]]]) * 1.0
    tables = []
    for outcome, threshold in (("p_rung4_365d", 0.2), ("p_rung5_365d", 0.1)):
        table = robustness_metrics(reached, ["a", "b", "c"], threshold, n_resamples=100)
        table.insert(0, "threshold", threshold)
        table.insert(0, "outcome", outcome)
        tables.append(table)
    table = pd.concat(tables, ignore_index=True)
    fig = plots.robustness_chart(table)
    assert isinstance(fig, Figure)
    axes = np.array(fig.axes).reshape(2, len(METRICS))
    assert [ax.get_title() for ax in axes[0]][0] == "mean over futures"
    assert [t.get_text() for t in axes[0, 0].get_yticklabels()] == ["a", "b", "c"]
    assert "chance of war within 365 days (threshold 10%)" in axes[1, 0].get_ylabel().replace(
        "\n", " "
    )
    for row, outcome in enumerate(("p_rung4_365d", "p_rung5_365d")):
        rows = table[table["outcome"] == outcome]
        for col, metric in enumerate(METRICS):
            dots = axes[row, col].lines[0]
            np.testing.assert_allclose(dots.get_xdata(), 100 * rows[metric])
    with pytest.raises(ValueError, match="no outcome rows"):
        plots.robustness_chart(table.iloc[:0])


def test_heatmap_colour_scale_is_fitted_to_the_data_unless_limits_are_given(sweep_table):
    image = plots.heatmap(sweep_table, "leverage", "tempo", "probability").axes[0].images[0]
    values = 100 * sweep_table["probability"]
    assert image.get_clim() == pytest.approx((values.min(), values.max()))
    shared = plots.heatmap(sweep_table, "leverage", "tempo", "probability", limits=(0.0, 0.5))
    assert shared.axes[0].images[0].get_clim() == pytest.approx((0.0, 50.0))


def test_heatmap_cells_show_the_interval_of_a_sweep_table(sweep_table):
    table = sweep_table.rename(columns={"probability": "p", "ci_low": "p_low", "ci_high": "p_high"})
    texts = [t.get_text() for t in plots.heatmap(table, "leverage", "tempo", "p").axes[0].texts]
    row = table[(table["leverage"] == 0.2) & (table["tempo"] == 1.0)].iloc[0]
    expected = f"{100 * row.p:.0f}%\n[{100 * row.p_low:.0f}, {100 * row.p_high:.0f}]"
    assert expected in texts
    assert len(texts) == len(table)


def test_heatmap_takes_a_categorical_axis_in_sorted_order():
    table = pd.DataFrame(
        {
            "rule": ["threshold", "graduated", "none"] * 2,
            "leverage": [0.2] * 3 + [0.8] * 3,
            "p": [0.3, 0.5, 0.2, 0.25, 0.45, 0.1],
        }
    )
    ax = plots.heatmap(table, "rule", "leverage", "p").axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["graduated", "none", "threshold"]
    np.testing.assert_allclose(ax.images[0].get_array()[0], [50, 20, 30])
