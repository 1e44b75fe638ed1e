"""The recorder's event log, trajectory and counters, fed by hand and compared with tables written
out in full: every column, every row, every dtype (docs/outcomes.md, ``Recorder.events``)."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from sim.engine.recorder import ACTION_KINDS, Recorder

COLUMNS = ["replication", "day", "actor", "target", "kind", "rung", "killed", "count"]
DTYPES = {
    "replication": "int64",
    "day": "int64",
    "rung": "int8",
    "killed": "int64",
    "count": "int64",
}


def _recorder(**kwargs) -> Recorder:
    settings = dict(start_rung=1, war_deaths=3, first_replication=10, events=True, trajectory=True)
    settings.update(kwargs)
    return Recorder([("a", "b"), ("a", "c")], np.zeros((2, 3), np.int8), **settings)


def _frame(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=COLUMNS).astype(DTYPES)


def test_action_kinds_name_the_rungs_of_the_ladder():
    assert ACTION_KINDS == ("", "protest", "show_of_force", "strike", "clash", "war")


def test_every_kind_of_event_is_logged_with_its_columns():
    rec = _recorder()
    # Attacks: logged where at least one attack happened (replication 12 had a count of 0).
    rec.attacks(1, "g", "a", np.array([0, 2]), np.array([2, 0]), np.array([4, 0]))
    # Actions: one event per replication acting, of the kind of its rung, with all its dead.
    rec.action(
        2,
        "a",
        "b",
        np.array([1, 2]),
        np.array([3, 5], np.int8),
        np.array([1, 2]),
        np.array([0, 4]),
        np.array([2, 0]),
    )
    rec.action(2, "b", "a", slice(None), np.array([1, 2, 4], np.int8), *([np.zeros(3, int)] * 3))
    # A ceasefire check: where it ended (the pair's rung) and where it was violated (the action).
    rec.ceasefire_check(
        3,
        1,
        np.array([True, False, False]),
        np.array([0, 2, 0]),
        np.array([2, 2, 2], np.int8),
        np.array([0, 4, 0], np.int8),
    )
    rec.ceasefires(
        4,
        0,
        np.array([False, True, False]),
        np.array([False, True, True]),
        np.array([1, 3, 1], np.int8),
    )
    expected = _frame(
        [
            (10, 1, "g", "a", "attack", 0, 4, 2),
            (10, 2, "b", "a", "protest", 1, 0, 1),
            (10, 3, "a-c", "", "ceasefire_ended", 2, 0, 1),
            (11, 2, "a", "b", "strike", 3, 3, 1),
            (11, 2, "b", "a", "show_of_force", 2, 0, 1),
            (11, 3, "a-c", "", "violation", 4, 0, 2),
            (11, 4, "a-b", "", "ceasefire_made", 3, 0, 1),
            (12, 2, "a", "b", "war", 5, 6, 1),
            (12, 2, "b", "a", "clash", 4, 0, 1),
        ]
    )
    pd.testing.assert_frame_equal(rec.events(), expected)
    # The counters move whether or not events are kept.
    np.testing.assert_array_equal(rec.ceasefires_broken, [1, 0, 0])
    np.testing.assert_array_equal(rec.violations, [[0, 0, 0], [0, 2, 0]])
    np.testing.assert_array_equal(rec.ceasefires_made, [0, 1, 0])
    np.testing.assert_array_equal(rec.ceasefire_days, [0, 1, 1])
    np.testing.assert_array_equal(rec.clashes, [0, 0, 2])
    np.testing.assert_array_equal(rec.battle_deaths, [0, 3, 2])


def test_counters_are_the_same_without_the_event_log():
    rec = _recorder(events=False, trajectory=False)
    where = np.array([0, 2])
    rec.attacks(1, "g", "a", where, np.array([1, 1]), np.array([9, 9]))
    rec.action(2, "a", "b", where, np.array([4, 5], np.int8), *([np.array([2, 1])] * 3))
    rec.ceasefires(2, 0, np.array([True, True, False]), np.array([True, True, False]), where)
    np.testing.assert_array_equal(rec.clashes, [1, 0, 1])
    np.testing.assert_array_equal(rec.battle_deaths, [4, 0, 2])
    np.testing.assert_array_equal(rec.ceasefires_made, [1, 1, 0])
    with pytest.raises(RuntimeError) as info:
        rec.events()
    assert str(info.value) == ("events were not recorded: create the model with record_events=True")
    with pytest.raises(RuntimeError) as info:
        rec.trajectory()
    assert str(info.value) == (
        "the trajectory was not recorded: create the model with record_trajectory=True"
    )


def test_an_empty_event_log_has_the_columns_and_their_types():
    out = _recorder().events()
    assert list(out.columns) == COLUMNS and len(out) == 0
    for column in COLUMNS:
        text = column in ("actor", "target", "kind")
        assert out[column].dtype == (object if text else np.int64), column


def test_first_days_at_each_rung_max_rung_and_war():
    rec = _recorder()  # start rung 1: rungs 0 and 1 count as reached on day 0
    np.testing.assert_array_equal(rec.day_rung[:2], 0.0)
    assert np.isnan(rec.day_rung[2:]).all()
    rec.action(4, "a", "b", np.array([1]), np.array([4], np.int8), np.array([2]), 0, np.array([1]))
    rec.rungs(4, np.array([[2, 0, 3], [1, 4, 0]]))  # the day's top: 2, 4, 3
    rec.rungs(6, np.array([[5, 5, 3], [0, 0, 1]]))  # later: only rungs not reached before
    nan = np.nan
    expected = [
        [0, 0, 0],
        [0, 0, 0],
        [4, 4, 4],
        [6, 4, 4],
        [6, 4, nan],
        [6, 6, nan],
    ]
    np.testing.assert_array_equal(rec.day_rung, expected)
    np.testing.assert_array_equal(rec.max_rung, [5, 5, 3])
    # Replication 11 reached war_deaths = 3 (2 soldiers, 1 fighter) on day 4, and stays there.
    np.testing.assert_array_equal(rec.day_war, [nan, 4, nan])
    rec.action(7, "a", "b", np.array([0]), np.array([2], np.int8), np.array([2]), 0, np.array([0]))
    rec.rungs(7, np.zeros((2, 3), np.int8))
    np.testing.assert_array_equal(rec.day_war, [nan, 4, nan])  # 2 < 3: not yet at war
    rec.action(8, "a", "b", np.array([0]), np.array([2], np.int8), np.array([1]), 0, np.array([0]))
    rec.rungs(8, np.zeros((2, 3), np.int8))
    np.testing.assert_array_equal(rec.day_war, [8, 4, nan])  # exactly war_deaths: at war
    np.testing.assert_array_equal(rec.max_rung, [5, 5, 3])  # a calmer day lowers nothing


def test_the_start_rung_of_each_pair_is_the_first_max_rung():
    rung = np.array([[0, 2, 1], [3, 0, 1]], np.int8)
    rec = Recorder([("a", "b"), ("a", "c")], rung, start_rung=0, war_deaths=10)
    np.testing.assert_array_equal(rec.max_rung, [3, 2, 1])
    assert rec.first_replication == 0 and not rec.record_events and not rec.record_trajectory


def _world(pressure: float, strength: float, rung: list, ceasefire: list):
    a = SimpleNamespace(
        pressure=np.array([pressure, pressure + 1]),
        opponents=["b", "c"],
        grievance={"b": np.array([0.5, 0.25]), "c": np.array([2.0, 3.0])},
    )
    b = SimpleNamespace(pressure=np.array([7.0, 8.0]), opponents=["a"], grievance={"a": [9, 9]})
    return SimpleNamespace(
        rung=np.array(rung, np.int8),
        in_ceasefire=np.array(ceasefire),
        states={"a": a, "b": b},
        militants={"g": SimpleNamespace(strength=np.array([strength, strength * 2]))},
    )


def test_the_trajectory_has_one_row_per_day_pair_and_replication():
    rec = Recorder([("a", "b"), ("a", "c")], np.zeros((2, 2), np.int8), 0, 10, 5, trajectory=True)
    world = _world(1.0, 0.5, [[1, 2], [3, 4]], [[True, False], [False, True]])
    rec.snapshot(world)
    world.states["a"].pressure += 10  # the snapshot kept a copy of the day's state
    rec.snapshot(_world(4.0, 1.5, [[5, 0], [0, 5]], [[False, False], [True, True]]))
    out = rec.trajectory()
    expected = pd.DataFrame(
        {
            "replication": [5, 6] * 4,
            "day": [0, 0, 0, 0, 1, 1, 1, 1],
            "pair": ["a-b", "a-b", "a-c", "a-c"] * 2,
            "rung": np.array([1, 2, 3, 4, 5, 0, 0, 5], np.int8),
            "ceasefire": [True, False, False, True, False, False, True, True],
            "pressure_a": [1.0, 2.0, 1.0, 2.0, 4.0, 5.0, 4.0, 5.0],
            "grievance_a_b": [0.5, 0.25] * 4,
            "grievance_a_c": [2.0, 3.0] * 4,
            "pressure_b": [7.0, 8.0] * 4,
            "grievance_b_a": [9] * 8,
            "strength_g": [0.5, 1.0, 0.5, 1.0, 1.5, 3.0, 1.5, 3.0],
        }
    )
    pd.testing.assert_frame_equal(out, expected)


def test_no_snapshot_is_kept_unless_the_trajectory_is_recorded():
    rec = Recorder([("a", "b")], np.zeros((1, 2), np.int8), 0, 10)
    rec.snapshot(None)  # not even read
    assert rec._trajectory == []


def test_the_outcome_table_holds_every_counter_of_every_actor():
    rec = Recorder([("a", "b")], np.array([[1, 2]], np.int8), 1, 5, first_replication=7)
    rec.action(1, "a", "b", slice(None), np.array([4, 2], np.int8), *[np.array([3, 1])] * 3)
    rec.action(1, "b", "a", slice(None), np.array([5, 0], np.int8), *[np.array([1, 0])] * 3)
    rec.ceasefire_check(1, 0, np.array([False, True]), np.zeros(2, int), [0, 0], [0, 0])
    rec.ceasefires(1, 0, np.array([True, False]), np.array([True, False]), [0, 0])
    rec.rungs(1, np.array([[5, 2]]))

    def state(military, civilian, strikes):
        return SimpleNamespace(
            military_deaths=np.array(military),
            civilian_deaths=np.array(civilian),
            strikes=np.array(strikes),
        )

    def group(killed, attacks):
        return SimpleNamespace(fighters_killed=np.array(killed), attacks=np.array(attacks))

    model = SimpleNamespace(
        day=1,
        states={"a": state([1, 2], [3, 4], [5, 6]), "b": state([7, 8], [9, 10], [11, 12])},
        militants={"g": group([13, 14], [15, 16]), "h": group([17, 18], [19, 20])},
    )
    out = rec.outcomes(model)
    nan = np.nan
    expected = pd.DataFrame(
        {
            "replication": np.array([7, 8], np.int64),
            "max_rung": np.array([5, 2], np.int8),
            "day_rung_0": [0.0, 0.0],
            "day_rung_1": [0.0, 0.0],
            "day_rung_2": [1.0, 1.0],
            "day_rung_3": [1.0, nan],
            "day_rung_4": [1.0, nan],
            "day_rung_5": [1.0, nan],
            "military_deaths_a": [1, 2],
            "civilian_deaths_a": [3, 4],
            "military_deaths_b": [7, 8],
            "civilian_deaths_b": [9, 10],
            "militant_deaths_g": [13, 14],
            "attacks_g": [15, 16],
            "militant_deaths_h": [17, 18],
            "attacks_h": [19, 20],
            "strikes_a": [5, 6],
            "strikes_b": [11, 12],
            "clashes": [2, 0],
            "ceasefires_made": [1, 0],
            "ceasefires_broken": [0, 1],
            "ceasefire_days": [1, 0],
            "battle_deaths": [8, 2],  # soldiers and fighters: 3 + 3 + 1 + 1, and 1 + 1
            "war": [True, False],  # war_deaths 5: at 8 a war, at 2 not
            "day_war": [1.0, nan],
        }
    )
    pd.testing.assert_frame_equal(out, expected)
    assert out.attrs == {"horizon": 1, "start_rung": 1}
    # The table is a copy: a later day leaves it as it was.
    rec.action(2, "a", "b", slice(None), np.array([4, 4], np.int8), *[np.array([9, 9])] * 3)
    model.states["a"].military_deaths += 100
    pd.testing.assert_frame_equal(out, expected)


def test_war_starts_at_war_deaths_exactly():
    rec = Recorder([("a", "b")], np.zeros((1, 3), np.int8), 0, 5)
    rec.action(1, "a", "b", slice(None), np.full(3, 4, np.int8), np.array([4, 5, 6]), 0, 0)
    model = SimpleNamespace(day=1, states={}, militants={})
    assert rec.outcomes(model)["war"].tolist() == [False, True, True]


def test_violations_add_up_over_days():
    rec = _recorder(events=False)
    for day in (1, 2):
        rec.ceasefire_check(day, 0, np.zeros(3, bool), np.array([1, 0, 2]), [0] * 3, [0] * 3)
    np.testing.assert_array_equal(rec.violations, [[2, 0, 4], [0, 0, 0]])
