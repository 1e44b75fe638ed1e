import csv
import datetime

import matplotlib.image as plt_image
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import sim
from sim.history.replayer import (
    BASIS,
    replay,
    write_start_values,
)
from sim.history.timeline import EVENT_COLUMNS, load_events
from sim.plots.history import plot_replay
from sim.runs.projection import project, run_projection

# A tiny crisis whose every rate is set here, so the test can compute the replay by hand.
PER_DEATH, HALF_LIFE = 0.02, 14.0
G_ATTACK, G_DEATH, G_HALF_LIFE = 0.1, 0.01, 60.0
WEARY = 0.002
DEGRADATION, RECRUIT, RECOVERY = 0.05, 0.002, 60.0
DECAY = 0.05


def _state(name):
    return {
        "name": name,
        "retaliation": {"name": "none"},
        "pressure_half_life": HALF_LIFE,
        "pressure_per_death": PER_DEATH,
        "grievance_half_life": G_HALF_LIFE,
        "grievance_per_attack": G_ATTACK,
        "grievance_per_death": G_DEATH,
        "weariness_per_death": WEARY,
        "memory_days": 7,
    }


@pytest.fixture(scope="module")
def tiny():
    return sim.scenario_from_dict(
        {
            "name": "tiny",
            "decay": DECAY,
            "ceasefire_cap": 1,
            "ceasefire_rung": 1,
            "ceasefire": {"name": "none"},
            "states": {"pakistan": _state("P"), "afghanistan": _state("A")},
            "militants": {
                "ttp": {
                    "name": "T",
                    "host": "afghanistan",
                    "targets": {"pakistan": 1.0},
                    "military_share": 0.5,
                    "major_attack_deaths": 10,
                    "attack_rung": 2,
                    "degradation": DEGRADATION,
                    "recovery_half_life": RECOVERY,
                    "recruitment_per_civilian_death": RECRUIT,
                }
            },
        }
    )


def _timeline(tmp_path, rows):
    path = tmp_path / "events.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=EVENT_COLUMNS)
        writer.writeheader()
        for row in rows:
            full = dict.fromkeys(EVENT_COLUMNS, "")
            full.update(source="test", place="x", **row)
            writer.writerow(full)
    return load_events(path)


def _killed(low, best, high, group):
    return {
        "killed_low": str(low),
        "killed_best": str(best),
        "killed_high": str(high),
        "killed_group": group,
    }


ATTACK = {"date": "2026-01-01", "actor": "ttp", "target": "pakistan", "kind": "attack"}


def test_one_attack_decays_at_the_half_lives(tmp_path, tiny):
    events = _timeline(tmp_path, [{**ATTACK, **_killed(10, 10, 10, "military")}])
    week = replay(events, tiny, as_of=datetime.date(2026, 1, 8)).start
    assert week["pressure.pakistan"][0] == pytest.approx(10 * PER_DEATH * 0.5 ** (7 / HALF_LIFE))
    assert week["weariness.pakistan"][0] == pytest.approx(10 * WEARY)
    grievance = (G_ATTACK * 1 + G_DEATH * 10) * 0.5 ** (7 / G_HALF_LIFE)
    assert week["grievance.pakistan.afghanistan"][0] == pytest.approx(grievance)
    # 10 deaths is a major attack: provocation at attack_rung, remembered for memory_days.
    assert week["provocation.pakistan.afghanistan"][0] == 2
    later = replay(events, tiny, as_of=datetime.date(2026, 1, 9)).start
    assert later["provocation.pakistan.afghanistan"][0] == 0
    assert week["pressure.afghanistan"][0] == 0
    assert week["strength.ttp"][0] == 1


def test_strike_clash_and_ceasefire_by_hand(tmp_path, tiny):
    rows = [
        {**ATTACK, **_killed(10, 10, 10, "")},  # blank group: the group's military share
        {"date": "2026-01-03", "actor": "pakistan", "target": "ttp", "kind": "strike"}
        | _killed(4, 6, 9, "civilian"),
        {"date": "2026-01-04", "end_date": "2026-01-05", "actor": "afghanistan"}
        | {"target": "pakistan", "kind": "clash"}
        | _killed(4, 4, 4, "military"),
        {"date": "2026-01-06", "actor": "pakistan", "target": "afghanistan", "kind": "ceasefire"},
    ]
    events = _timeline(tmp_path, rows)
    # The replay runs the model's own ladder, whose rung decays at random (one rung with
    # probability DECAY a day): many draws of the same deaths give its expected path.
    draws = 4000
    result = replay(events, tiny, as_of=datetime.date(2026, 1, 8), draws=draws, seed=2)
    start = result.start
    decay = 0.5 ** (1 / HALF_LIFE)
    # Pakistan: 10 deaths on day 0 (5 soldiers), 2 soldiers on days 3 and 4; as-of is day 7.
    pressure = PER_DEATH * (10 * decay**7 + 2 * decay**4 + 2 * decay**3)
    assert start["pressure.pakistan"][0] == pytest.approx(pressure)
    assert start["weariness.pakistan"][0] == pytest.approx(WEARY * (5 + 4))
    g = 0.5 ** (1 / G_HALF_LIFE)
    grievance = (G_ATTACK + G_DEATH * 10) * g**7 + sum(
        (G_ATTACK + G_DEATH * 2) * g**k for k in (4, 3)
    )
    assert start["grievance.pakistan.afghanistan"][0] == pytest.approx(grievance)
    # Afghanistan: the strike on the TTP in Afghanistan (day 2) killed 6 civilians.
    assert start["pressure.afghanistan"][0] == pytest.approx(6 * PER_DEATH * decay**5)
    assert start["weariness.afghanistan"][0] == 0
    assert start["grievance.afghanistan.pakistan"][0] == pytest.approx(
        (G_ATTACK + G_DEATH * 6) * g**5
    )
    # The TTP lost 5 % to the strike, recruited from its civilian dead, and recovers from day 2.
    struck = 1 - DEGRADATION + RECRUIT * 6
    assert start["strength.ttp"][0] == pytest.approx(1 + (struck - 1) * 0.5 ** (6 / RECOVERY))
    # The ceasefire of day 5 settled the scores and lowered the rung from 4 to 1, which decays:
    # a draw still at rung 1 after k days has escaped decay k times, probability (1 - DECAY)**k
    # (rung 0 does not decay further), so the mean path ends 1 - DECAY, (1 - DECAY)**2.
    assert start["provocation.pakistan.afghanistan"][0] == 0
    assert start["provocation.afghanistan.pakistan"][0] == 0
    rung = result.paths["rung_pakistan_afghanistan"].to_numpy()
    np.testing.assert_array_equal(rung[:6], [0, 0, 3, 4, 4, 1])
    for k, mean in ((1, rung[6]), (2, rung[7])):
        p = (1 - DECAY) ** k
        assert abs(mean - p) < 4 * np.sqrt(p * (1 - p) / draws), (k, mean)
    assert result.rung == {"pakistan-afghanistan": 1}
    assert result.ceasefire == {"pakistan-afghanistan": True}
    assert result.ladder() == {"start_rung": 1, "in_ceasefire": True, "ceasefire_days": 2}
    assert result.violations == {"pakistan-afghanistan": 0}
    assert list(result.applied["role"]) == ["attack", "action", "action", "ceasefire"]
    assert list(result.applied["rung"]) == [2, 3, 4, 0]


def test_uncertainty_draws_within_the_range_and_vary(tmp_path, tiny):
    rows = [
        {**ATTACK, **_killed(10, 10, 10, "military")},
        {"date": "2026-01-03", "actor": "pakistan", "target": "ttp", "kind": "strike"}
        | _killed(4, 6, 9, "civilian"),
    ]
    events = _timeline(tmp_path, rows)
    as_of = datetime.date(2026, 1, 3)
    drawn = replay(events, tiny, as_of=as_of, draws=400, seed=3, uncertainty=True)
    deaths = drawn.start["pressure.afghanistan"] / PER_DEATH
    np.testing.assert_allclose(deaths, np.round(deaths))
    assert set(np.round(deaths).astype(int)) == set(range(4, 10))
    # A row whose sources agree is not drawn.
    np.testing.assert_allclose(drawn.start["weariness.pakistan"], 10 * WEARY)
    again = replay(events, tiny, as_of=as_of, draws=400, seed=3, uncertainty=True)
    np.testing.assert_array_equal(deaths, again.start["pressure.afghanistan"] / PER_DEATH)
    # The band is the 5th and 95th percentile over the draws, ending at the final state.
    final = drawn.start["pressure.afghanistan"]
    assert drawn.low["pressure_afghanistan"].iloc[-1] == pytest.approx(np.quantile(final, 0.05))
    assert drawn.high["pressure_afghanistan"].iloc[-1] == pytest.approx(np.quantile(final, 0.95))
    assert drawn.low["pressure_afghanistan"].iloc[-1] < drawn.high["pressure_afghanistan"].iloc[-1]
    best = replay(events, tiny, as_of=as_of, draws=5)
    np.testing.assert_allclose(best.start["pressure.afghanistan"], 6 * PER_DEATH)
    assert replay(events, tiny, as_of=as_of, draws=1).low is None  # one draw: no band
    assert best.to_scenario_values()["states"]["afghanistan"]["pressure"] == pytest.approx(0.12)


def test_an_agreement_confirms_a_ceasefire_but_makes_none(tmp_path, tiny):
    # A crossing reopened after talks (an `agreement`) is no ceasefire: the clash after it is
    # no violation and the pair stays outside a ceasefire until one is agreed.
    clash = {"actor": "afghanistan", "target": "pakistan", "kind": "clash"}
    rows = [
        {"date": "2026-01-01", **clash},
        {"date": "2026-01-03", "actor": "pakistan", "target": "afghanistan", "kind": "agreement"},
        {"date": "2026-01-05", **clash},
        {"date": "2026-01-06", "actor": "pakistan", "target": "afghanistan", "kind": "ceasefire"},
        {"date": "2026-01-07", "actor": "pakistan", "target": "afghanistan", "kind": "agreement"},
        {"date": "2026-01-08", **clash},
    ]
    events = _timeline(tmp_path, rows)
    before = replay(events, tiny, as_of=datetime.date(2026, 1, 5))
    assert before.ceasefire == {"pakistan-afghanistan": False}
    assert before.violations == {"pakistan-afghanistan": 0}
    after = replay(events, tiny, as_of=datetime.date(2026, 1, 8))
    # The ceasefire of day 5 stands (the agreement of day 6 changes nothing, not even its age);
    # the clash of day 7 is its one violation.
    assert after.ladder()["in_ceasefire"] and after.ladder()["ceasefire_days"] == 2
    assert after.violations == {"pakistan-afghanistan": 1}


def test_seed_scenario_starts_from_the_replayed_state(seed_scenario):
    result = replay(load_events(), seed_scenario)
    for sid, fields in result.to_scenario_values()["states"].items():
        spec = seed_scenario.states[sid]
        assert spec.pressure == pytest.approx(fields["pressure"], abs=5e-4), sid
        assert spec.weariness == pytest.approx(fields["weariness"], abs=5e-4), sid
        for other, value in fields["grievance"].items():
            assert spec.grievance[other] == pytest.approx(value, abs=5e-4), (sid, other)
        assert spec.provocation == fields["provocation"], sid
    for gid, fields in result.to_scenario_values()["militants"].items():
        assert seed_scenario.militants[gid].strength == pytest.approx(fields["strength"], abs=5e-4)
    ladder = result.ladder()
    assert ladder == {
        "start_rung": seed_scenario.start_rung,
        "in_ceasefire": seed_scenario.in_ceasefire,
        "ceasefire_days": seed_scenario.ceasefire_days,
    }


def test_write_start_values_keeps_other_lines(tmp_path, seed_scenario):
    from sim.scenario.loading import scenario_path

    original = scenario_path("pak_afg_2026").read_text()
    copy = tmp_path / "copy.yaml"
    copy.write_text(original)
    values = {
        "states": {"pakistan": {"pressure": 0.123, "grievance": {"afghanistan": 0.5}}},
        "militants": {"iskp": {"strength": 0.75}},
    }
    write_start_values(values, copy)
    loaded = sim.load_scenario(copy)
    assert loaded.states["pakistan"].pressure == 0.123
    assert loaded.states["pakistan"].grievance == {"afghanistan": 0.5}
    assert loaded.states["afghanistan"].pressure == seed_scenario.states["afghanistan"].pressure
    assert loaded.militants["iskp"].strength == 0.75
    assert loaded.militants["ttp"].strength == seed_scenario.militants["ttp"].strength
    changed = [
        (a, b)
        for a, b in zip(original.splitlines(), copy.read_text().splitlines(), strict=True)
        if a != b
    ]
    assert len(changed) == 3
    assert all(b.endswith(f"# {BASIS}") for _, b in changed)
    with pytest.raises(ValueError, match="no line for states.pakistan.resolve"):
        write_start_values({"states": {"pakistan": {"resolve": 0.1}}}, copy)


@pytest.mark.parametrize("name", ["pak_afg_2026", "ind_pak_2019", "markov_validation"])
def test_a_scenario_file_round_trip_keeps_every_comment(tmp_path, name):
    from sim.scenario.loading import scenario_path

    original = scenario_path(name).read_text(encoding="utf-8")
    copy = tmp_path / "copy.yaml"
    copy.write_text(original, encoding="utf-8")
    write_start_values({}, copy)  # nothing to change: the file comes back byte for byte
    assert copy.read_text(encoding="utf-8") == original
    comments = [line.partition("#")[2] for line in original.splitlines() if "#" in line]
    assert comments
    if name == "pak_afg_2026":
        # With values written, every comment but the basis of the changed lines is still there.
        write_start_values({"states": {"pakistan": {"weariness": 0.3}}}, copy)
        written = copy.read_text(encoding="utf-8").splitlines()
        kept = [line.partition("#")[2] for line in written if "#" in line]
        assert len(kept) == len(comments)
        assert sum(a != b for a, b in zip(comments, kept, strict=True)) <= 1
        assert any(line.startswith("    weariness: 0.3 ") for line in written)


def test_projection_gives_probabilities_with_intervals(seed_scenario):
    events = load_events()
    best = replay(events, seed_scenario)
    table = project(seed_scenario, best, replications=300, horizons=(7, 30), seed=1)
    assert list(table["within_days"]) == [7, 30]
    assert table["probability"].between(0, 1).all()
    assert (table["ci_low"] <= table["probability"]).all()
    assert (table["probability"] <= table["ci_high"]).all()
    assert table["probability"].is_monotonic_increasing
    both = run_projection(seed_scenario, events, replications=300, horizons=(7, 30), seed=1)
    assert list(both["start"].unique()) == ["best figures", "uncertain figures", "difference"]
    pd.testing.assert_frame_equal(both.iloc[:2].reset_index(drop=True), table)


def test_plot_replay_returns_a_figure(seed_scenario):
    events = load_events()
    best = replay(events, seed_scenario)
    spread = replay(events, seed_scenario, draws=50, uncertainty=True)
    fig = plot_replay(best, spread)
    assert isinstance(fig, Figure)
    panels = dict(zip(("pressure_", "grievance_", "strength_", "rung_"), fig.axes, strict=True))
    # Each panel draws the replay's own columns, and shades the drawn replay's 5-95 % band.
    for prefix, ax in list(panels.items())[:3]:
        columns = [c for c in best.paths.columns if c.startswith(prefix)]
        assert columns, prefix
        lines = {line.get_label(): line for line in ax.get_lines()}
        for column in columns:
            label = column.removeprefix(prefix).replace("_", " → ")
            np.testing.assert_allclose(lines[label].get_ydata(), best.paths[column])
        top = max(path.vertices[:, 1].max() for c in ax.collections for path in c.get_paths())
        assert top == pytest.approx(max(spread.high[c].max() for c in columns))
    rung = [line for line in panels["rung_"].get_lines() if "expected rung" in line.get_label()]
    assert len(rung) == len(seed_scenario.pairs)
    rung_columns = [c for c in best.paths.columns if c.startswith("rung_")]
    np.testing.assert_allclose(rung[0].get_ydata(), best.paths[rung_columns[0]])


def test_replay_refuses_bad_input(tiny):
    with pytest.raises(ValueError, match="draws must be >= 1"):
        replay(load_events(), tiny, draws=0)
    with pytest.raises(ValueError, match="no event of the timeline up to 2020-01-01"):
        replay(load_events(), tiny, as_of=datetime.date(2020, 1, 1))


def test_main_prints_state_and_projection_and_saves_the_plot(tmp_path, capsys):
    from sim.app.history import main

    figure = tmp_path / "replay.png"
    main(["--replications", "200", "--figure", str(figure)])
    out = capsys.readouterr().out
    assert "pressure.pakistan" in out
    assert "uncertain figures" in out and "difference" in out
    assert "not a forecast" in out
    # The saved figure is the replay's 11 x 9 inch figure at 110 dpi.
    assert plt_image.imread(figure).shape[:2] == (9 * 110, 11 * 110)
