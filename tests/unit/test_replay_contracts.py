"""What the replay does with each kind of timeline row, and what its result holds, written out in
full (docs/history.md, "How each kind of row maps to the model"), on a small crisis whose two
groups and two states differ."""

import dataclasses
import datetime

import numpy as np
import pandas as pd
import pytest

import sim
from sim.history.effects import _largest_remainder, _split, _spread
from sim.history.replayer import replay, start_from_history
from sim.history.timeline import EVENT_COLUMNS, TimelineError

G_ATTACK, G_DEATH = 0.1, 0.01


def _state(name: str) -> dict:
    return {
        "name": name,
        "retaliation": {"name": "none"},
        "grievance_per_attack": G_ATTACK,
        "grievance_per_death": G_DEATH,
        "memory_days": 7,
        "inflicted": {
            "military": [0, 0, 0.3, 1.0, 6.0, 20.0],
            "civilian": [0, 0, 0.0, 3.0, 2.0, 10.0],
            "militant": [0, 0, 0.0, 4.0, 2.0, 10.0],
        },
    }


@pytest.fixture(scope="module")
def crisis():
    return sim.scenario_from_dict(
        {
            "name": "crisis",
            "decay": 0.1,
            "ceasefire_cap": 1,
            "ceasefire_rung": 1,
            "ceasefire": {"name": "none"},
            "start_rung": 3,
            "in_ceasefire": True,
            "ceasefire_days": 9,
            "timeline": {"aliases": {"jua": "ttp"}, "actors": ["broker"]},
            "states": {"pakistan": _state("P"), "afghanistan": _state("A")},
            "militants": {
                "ttp": {
                    "name": "T",
                    "host": "afghanistan",
                    "targets": {"pakistan": 1.0},
                    "military_share": 0.5,
                    "major_attack_deaths": 10,
                    "attack_rung": 2,
                },
                "iskp": {
                    "name": "I",
                    "host": "afghanistan",
                    "targets": {"pakistan": 0.2, "afghanistan": 0.1},
                    "military_share": 0.25,
                    "major_attack_deaths": 5,
                    "attack_rung": 3,
                },
            },
        }
    )


def _events(rows: list[dict]) -> pd.DataFrame:
    """A timeline as `load_events` returns it: dates parsed, blanks as NaN."""
    table = pd.DataFrame([dict.fromkeys(EVENT_COLUMNS, np.nan) | row for row in rows])
    for column in ("date", "end_date"):
        table[column] = pd.to_datetime(table[column])
    for column in ("killed_low", "killed_best", "killed_high"):
        table[column] = table[column].astype(float)
    return table


def _row(date, actor, target, kind, best=np.nan, group=np.nan, end=np.nan, low=None, high=None):
    low = best if low is None else low
    high = best if high is None else high
    return dict(
        date=date,
        end_date=end,
        actor=actor,
        target=target,
        kind=kind,
        killed_low=low,
        killed_best=best,
        killed_high=high,
        killed_group=group,
    )


def test_each_kind_of_row_maps_to_its_role_actor_rung_and_note(crisis):
    rows = [
        _row("2026-01-01", "pakistan", "afghanistan", "strike", 2),
        _row("2026-01-01", "pakistan", "afghanistan", "agreement"),
        _row("2026-01-01", "pakistan", "afghanistan", "talks"),
        _row("2026-01-01", "jua", "pakistan", "attack", 12),  # an alias of the TTP, major
        _row("2026-01-01", "ttp", "pakistan", "attack", 9),  # below major_attack_deaths
        _row("2026-01-01", "ttp", "pakistan", "strike"),  # no deaths known: not major
        _row("2026-01-01", "iskp", "afghanistan", "attack", 50),  # on its host: no rung
        _row("2026-01-01", "iskp", "pakistan", "clash", 5),  # ISKP's own threshold, 5
        _row("2026-01-01", "militants", "afghanistan", "attack"),  # unnamed: ISKP's target
        _row("2026-01-01", "militants", "pakistan", "attack"),  # unnamed: the TTP's tempo
        _row("2026-01-01", "pakistan", "ttp", "strike"),  # a strike on a group in its host
        _row("2026-01-01", "pakistan", "militants", "statement"),
        _row("2026-01-01", "afghanistan", "ttp", "clash"),
        _row("2026-01-01", "afghanistan", "ttp", "strike"),  # at home: not the model's action
        _row("2026-01-01", "broker", "pakistan", "talks"),
        _row("2026-01-01", "someone", "pakistan", "attack", 3),
        _row("2026-01-01", "pakistan", "afghanistan", "ceasefire"),
    ]
    applied = replay(_events(rows), crisis, as_of=datetime.date(2026, 1, 1)).applied
    got = applied[["role", "as_actor", "against", "rung", "note"]].to_dict("split")["data"]
    no_model = "no counterpart in the model"
    assert got == [
        ["action", "pakistan", "afghanistan", 3, ""],
        ["agreement", "pakistan", "afghanistan", 0, ""],
        ["none", "", "", 0, f"talks: {no_model}"],
        ["attack", "ttp", "pakistan", 2, "as ttp"],
        ["attack", "ttp", "pakistan", 0, ""],
        ["attack", "ttp", "pakistan", 0, ""],
        ["attack", "iskp", "afghanistan", 0, ""],
        ["attack", "iskp", "pakistan", 3, ""],
        ["attack", "iskp", "afghanistan", 0, "as iskp"],
        ["attack", "ttp", "pakistan", 0, "as ttp"],
        ["action", "pakistan", "afghanistan", 3, "on ttp in afghanistan"],
        ["action", "pakistan", "afghanistan", 1, "on ttp in afghanistan"],
        [
            "none",
            "",
            "",
            0,
            "clash with ttp on afghanistan's own soil: the model has no such action",
        ],
        ["none", "", "", 0, f"strike: {no_model}"],
        # timeline.actors may be named, but are no party of the model's.
        ["none", "", "", 0, "a party outside the scenario"],
        ["none", "", "", 0, "a party outside the scenario"],
        ["ceasefire", "pakistan", "afghanistan", 0, ""],
    ]
    assert list(applied.columns) == [
        "date",
        "end_date",
        "actor",
        "target",
        "kind",
        "killed_best",
        "role",
        "as_actor",
        "against",
        "rung",
        "note",
    ]


def test_unnamed_militants_no_group_attacks_are_no_counterpart(crisis):
    data = crisis.to_dict()
    data["militants"]["iskp"]["targets"] = {"pakistan": 0.2}
    calm = sim.scenario_from_dict(data)
    rows = [
        _row("2026-01-01", "militants", "afghanistan", "attack", 3),
        _row("2026-01-01", "ttp", "pakistan", "attack", 1),
    ]
    applied = replay(_events(rows), calm, as_of=datetime.date(2026, 1, 1)).applied
    assert applied.loc[0, ["role", "note"]].tolist() == [
        "none",
        "attack: no counterpart in the model",
    ]


@pytest.mark.parametrize(
    ("end", "best", "rung"),
    [
        (np.nan, 9, 3),  # one day, under 10 dead: isolated
        ("2026-01-01", 9, 3),  # an end date on the same day is one day too
        (np.nan, 10, 4),  # at the threshold: a clash
        (np.nan, np.nan, 3),  # no deaths known: isolated
        ("2026-01-02", 2, 4),  # two days: a clash whatever the deaths
    ],
)
def test_a_clash_is_isolated_under_ten_dead_on_one_day(crisis, end, best, rung):
    row = _row("2026-01-01", "pakistan", "afghanistan", "clash", best, "military", end=end)
    applied = replay(_events([row]), crisis, as_of=datetime.date(2026, 1, 2)).applied
    assert applied.loc[0, "rung"] == rung


def test_two_attacks_of_a_day_count_twice_and_sum_their_dead(crisis):
    rows = [
        _row("2026-01-01", "ttp", "pakistan", "attack", 4, "civilian"),
        _row("2026-01-01", "jua", "pakistan", "attack", 3, "civilian"),
    ]
    start = replay(_events(rows), crisis, as_of=datetime.date(2026, 1, 1)).start
    # Grievance of day 0 is not yet decayed: two attacks and 7 dead.
    assert start["grievance.pakistan.afghanistan"][0] == pytest.approx(2 * G_ATTACK + 7 * G_DEATH)
    assert start["harm.pakistan.afghanistan"][0] == 7.0


def test_largest_remainder_splits_each_draw_exactly():
    shares = np.array([0.5, 0.3, 0.2])
    total = np.array([7, 10, 3, 0, 1])
    parts = _largest_remainder(total, shares)
    # 7: 3.5, 2.1, 1.4 -> 3, 2, 1 and the one left to the largest remainder (0.5): 4, 2, 1.
    np.testing.assert_array_equal(parts.T, [[4, 2, 1], [5, 3, 2], [1, 1, 1], [0, 0, 0], [1, 0, 0]])
    assert parts.dtype == np.int64
    # Equal remainders go to the earlier row.
    np.testing.assert_array_equal(
        _largest_remainder(np.array([1, 2]), np.array([0.5, 0.5]))[:, 0], [1, 0]
    )
    np.testing.assert_array_equal(_spread(np.array([[7], [2], [0]]), 3)[0][:, 0], [3, 1, 0])


def test_a_mixed_toll_is_split_as_the_actor_inflicts_at_that_rung(crisis):
    row = _events([_row("2026-01-01", "pakistan", "afghanistan", "strike", 16, "mixed")])
    row = next(row.itertuples(index=False))
    from sim.history.effects import _effect

    effect = _effect(row, crisis)
    # Rung 3: means 1, 3, 4 of 8 -> 2, 6, 8.
    np.testing.assert_array_equal(
        _split(row, effect, np.array([16, 8]), crisis), [[2, 1], [6, 3], [8, 4]]
    )


def test_the_result_of_a_replay_holds_its_settings_and_a_band_from_two_draws(crisis):
    rows = [
        _row("2026-01-01", "ttp", "pakistan", "attack", 10, "military", low=6, high=14),
        _row("2026-01-02", "pakistan", "afghanistan", "strike", 4, "civilian"),
    ]
    as_of = datetime.date(2026, 1, 5)
    result = replay(_events(rows), crisis, as_of=as_of, draws=2, seed=7, uncertainty=True)
    assert (result.draws, result.seed, result.uncertainty, result.as_of) == (2, 7, True, as_of)
    # Two draws already give a band; its rows are dated as the paths.
    assert result.low is not None and result.high is not None
    for band in (result.low, result.high):
        assert list(band.columns) == [
            c for c in result.paths.columns if not c.startswith(("rung", "ceasefire"))
        ]
        pd.testing.assert_series_equal(band["date"], result.paths["date"])
    assert list(result.paths.columns) == [
        "date",
        "pressure_pakistan",
        "weariness_pakistan",
        "grievance_pakistan_afghanistan",
        "pressure_afghanistan",
        "weariness_afghanistan",
        "grievance_afghanistan_pakistan",
        "strength_ttp",
        "strength_iskp",
        "rung_pakistan_afghanistan",
        "ceasefire_pakistan_afghanistan",
    ]
    # The scenario's own start (rung 3, a ceasefire of 9 days) is not the replay's: it starts calm.
    assert result.paths["rung_pakistan_afghanistan"].tolist()[:2] == [0.0, 3.0]
    assert result.paths["ceasefire_pakistan_afghanistan"].tolist() == [False] * 5
    assert result.ceasefire == {"pakistan-afghanistan": False}
    assert result.ceasefire_days == {"pakistan-afghanistan": 0}
    assert result.violations == {"pakistan-afghanistan": 0}


def test_the_rungs_decay_by_the_replays_own_seed(crisis):
    rows = [_row("2026-01-01", "pakistan", "afghanistan", "strike", 1, "military")]
    runs = [
        replay(_events(rows), crisis, as_of=datetime.date(2026, 2, 1), draws=50, seed=s)
        for s in (1, 2)
    ]
    a, b = (r.paths["rung_pakistan_afghanistan"].to_numpy() for r in runs)
    assert not np.array_equal(a, b)


def test_a_ceasefire_path_and_its_age(crisis):
    rows = [
        _row("2026-01-01", "pakistan", "afghanistan", "strike", 1, "military"),
        _row("2026-01-02", "pakistan", "afghanistan", "ceasefire"),
    ]
    result = replay(_events(rows), crisis, as_of=datetime.date(2026, 1, 5))
    assert result.paths["ceasefire_pakistan_afghanistan"].tolist() == [
        False,
        True,
        True,
        True,
        True,
    ]
    assert result.ceasefire_days == {"pakistan-afghanistan": 3}


def test_scenario_values_are_rounded_medians_and_provocation_a_whole_rung(crisis):
    rows = [_row("2026-01-01", "jua", "pakistan", "attack", 12, "military")]
    result = replay(_events(rows), crisis, as_of=datetime.date(2026, 1, 2))
    values = result.to_scenario_values(decimals=2)
    start = result.start
    assert values == {
        "states": {
            "pakistan": {
                "pressure": round(float(start["pressure.pakistan"][0]), 2),
                "weariness": round(float(start["weariness.pakistan"][0]), 2),
                "grievance": {
                    "afghanistan": round(float(start["grievance.pakistan.afghanistan"][0]), 2)
                },
                "provocation": {"afghanistan": 2},
                "harm": {"afghanistan": 12.0},
            },
            "afghanistan": {
                "pressure": 0.0,
                "weariness": 0.0,
                "grievance": {"pakistan": 0.0},
                "provocation": {"pakistan": 0},
                "harm": {"pakistan": 0.0},
            },
        },
        "militants": {"ttp": {"strength": 1.0}, "iskp": {"strength": 1.0}},
    }
    assert type(values["states"]["pakistan"]["provocation"]["afghanistan"]) is int
    assert values["states"]["pakistan"]["pressure"] != start["pressure.pakistan"][0]  # rounded


def test_start_from_history_sets_the_ladder_and_passes_its_settings(crisis):
    rows = [
        _row("2026-01-01", "ttp", "pakistan", "attack", 10, "military", low=2, high=30),
        _row("2026-01-02", "pakistan", "afghanistan", "clash", 20, "military"),
        _row("2026-01-03", "pakistan", "afghanistan", "ceasefire"),
    ]
    events = _events(rows)
    scenario = sim.scenario_from_dict(crisis.to_dict() | {"as_of": "2026-01-06"})
    started, result = start_from_history(scenario, events, draws=30, seed=4, uncertainty=True)
    assert (result.draws, result.seed, result.uncertainty) == (30, 4, True)
    direct = replay(events, scenario, draws=30, seed=4, uncertainty=True)
    for key, value in direct.start.items():
        np.testing.assert_array_equal(result.start[key], value, key)
    assert len(set(result.start["weariness.pakistan"])) > 1  # the deaths were drawn
    assert result.ladder() == {"start_rung": 1, "in_ceasefire": True, "ceasefire_days": 3}
    assert (started.start_rung, started.in_ceasefire, started.ceasefire_days) == (1, True, 3)
    assert started.decay == scenario.decay and started.name == "crisis"


def test_rows_with_a_state_and_a_group_or_outsider_that_the_model_cannot_act_on(crisis):
    rows = [
        _row("2026-01-01", "pakistan", "ttp", "talks"),  # a group, but no action of the model
        _row("2026-01-01", "pakistan", "someone", "statement"),
        _row("2026-01-01", "afghanistan", "militants", "strike"),  # every group is at home
        _row("2026-01-01", "ttp", "pakistan", "attack", 1),
    ]
    applied = replay(_events(rows), crisis, as_of=datetime.date(2026, 1, 1)).applied
    assert applied[["role", "note"]].to_dict("split")["data"] == [
        ["none", "talks: no counterpart in the model"],
        ["none", "a party outside the scenario"],
        ["none", "strike: no counterpart in the model"],
        ["attack", ""],
    ]


def test_a_toll_of_one_kind_goes_to_that_kind_and_attackers_dead_are_dropped(crisis):
    from sim.history.effects import _effect

    table = _events(
        [
            _row("2026-01-01", "ttp", "pakistan", "attack", 6, "militant"),
            _row("2026-01-01", "pakistan", "ttp", "strike", 6, "militant"),
            _row("2026-01-01", "ttp", "pakistan", "attack", 6, "mixed"),
            _row("2026-01-01", "pakistan", "afghanistan", "statement", 3, "mixed"),
        ]
    )
    deaths = np.array([6, 6])
    got = [_split(r, _effect(r, crisis), deaths, crisis) for r in table.itertuples(index=False)]
    np.testing.assert_array_equal(got[0], np.zeros((3, 2)))  # the attackers' own dead
    np.testing.assert_array_equal(got[1], [[0, 0], [0, 0], [6, 6]])
    np.testing.assert_array_equal(got[2], [[3, 3], [3, 3], [0, 0]])  # the TTP's share 0.5
    # Rung 1, where Pakistan inflicts nothing: a mixed toll counts as soldiers.
    np.testing.assert_array_equal(got[3], [[6, 6], [0, 0], [0, 0]])
    assert all(g.dtype == np.int64 for g in got)


def test_a_mixed_toll_at_a_rung_inflicting_less_than_one_death_keeps_its_proportions(crisis):
    from sim.history.effects import _effect

    data = crisis.to_dict()
    inflicted = data["states"]["pakistan"]["inflicted"]
    inflicted["military"][1], inflicted["civilian"][1] = 0.3, 0.1
    light = sim.scenario_from_dict(data)
    row = next(
        _events(
            [_row("2026-01-01", "pakistan", "afghanistan", "statement", 8, "mixed")]
        ).itertuples(index=False)
    )
    parts = _split(row, _effect(row, light), np.array([8]), light)
    np.testing.assert_array_equal(parts[:, 0], [6, 2, 0])


def test_uncertain_deaths_come_from_the_replays_own_stream_within_the_sources_range(crisis):
    from sim.core.streams import stream

    rows = [
        _row("2026-01-01", "ttp", "pakistan", "attack", 10, "military", low=6, high=14),
        # Only a best figure: no range to draw from.
        _row("2026-01-01", "ttp", "pakistan", "attack", 3, "military", low=np.nan, high=np.nan),
    ]
    result = replay(
        _events(rows), crisis, as_of=datetime.date(2026, 1, 1), draws=40, seed=5, uncertainty=True
    )
    drawn = stream(5, 0, "history", "replay").integers(6, 14, size=40, endpoint=True)
    weariness = crisis.states["pakistan"].weariness_per_death
    np.testing.assert_allclose(result.start["weariness.pakistan"], weariness * (drawn + 3))


def test_replay_defaults_one_draw_seed_zero_best_figures(crisis):
    rows = [_row("2026-01-01", "pakistan", "afghanistan", "strike", 1, "military", low=0, high=9)]
    events, as_of = _events(rows), datetime.date(2026, 3, 1)
    default = replay(events, crisis, as_of=as_of)
    assert (default.draws, default.seed, default.uncertainty) == (1, 0, False)
    assert default.low is None
    seed0 = replay(events, crisis, as_of=as_of, seed=0)
    pd.testing.assert_frame_equal(default.paths, seed0.paths)
    # The decay is random: another seed takes another path (checked: seeds 0 and 1 differ).
    seed1 = replay(events, crisis, as_of=as_of, seed=1)
    assert not default.paths.equals(seed1.paths)


def test_a_ceasefire_agreed_over_days_is_made_on_the_last(crisis):
    rows = [
        _row("2026-01-01", "pakistan", "afghanistan", "strike", 1, "military"),
        _row("2026-01-02", "pakistan", "afghanistan", "ceasefire", end="2026-01-04"),
    ]
    result = replay(_events(rows), crisis, as_of=datetime.date(2026, 1, 5))
    path = result.paths["ceasefire_pakistan_afghanistan"].tolist()
    assert path == [False, False, False, True, True]
    assert result.ceasefire_days == {"pakistan-afghanistan": 1}


def test_no_event_of_the_scenario_is_one_error_naming_the_file(crisis):
    rows = [_row("2026-01-01", "someone", "pakistan", "attack", 3)]
    events = _events(rows)
    message = (
        "{}: no event of the timeline up to 2026-01-01 involves the states or groups of scenario "
        "'crisis'; name them by their ids in its actor and target columns"
    )
    with pytest.raises(TimelineError) as info:
        replay(events, crisis, as_of=datetime.date(2026, 1, 1))
    assert str(info.value) == message.format("the timeline")
    events.attrs["path"] = "my/events.csv"
    with pytest.raises(TimelineError) as info:
        replay(events, crisis, as_of=datetime.date(2026, 1, 1))
    assert str(info.value) == message.format("my/events.csv")


def test_start_from_history_reads_a_file_checked_against_its_scenario(tmp_path, crisis):
    import csv

    scenario = sim.scenario_from_dict(crisis.to_dict() | {"as_of": "2026-01-04"})
    path = tmp_path / "events.csv"
    rows = [
        _row("2026-01-01", "jua", "pakistan", "attack", 12, "military"),
        _row("2026-01-02", "broker", "pakistan", "talks"),  # named in timeline.actors only
        _row("2026-01-03", "pakistan", "afghanistan", "clash", 30, "military"),
    ]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=EVENT_COLUMNS)
        writer.writeheader()
        for row in rows:
            cells = {k: "" if pd.isna(v) else v for k, v in row.items()}
            writer.writerow(
                dict.fromkeys(EVENT_COLUMNS, "") | cells | {"source": "t", "place": "x"}
            )
    started, result = start_from_history(scenario, path)
    assert (result.draws, result.seed, result.uncertainty) == (1, 0, False)
    assert result.info == {"scenario": "crisis", "events": str(path)}
    assert result.applied["kind"].tolist() == ["attack", "talks", "clash"]
    assert result.ladder() == {"start_rung": 4, "in_ceasefire": False, "ceasefire_days": 0}
    assert started.start_rung == 4
    assert result.start["provocation.pakistan.afghanistan"][0] == 0  # answered by the clash
    assert result.start["provocation.afghanistan.pakistan"][0] == 4


def test_a_replay_of_a_table_without_a_file_names_none(crisis):
    rows = [_row("2026-01-01", "ttp", "pakistan", "attack", 1, "civilian")]
    result = replay(_events(rows), crisis, as_of=datetime.date(2026, 1, 1))
    assert result.info == {"scenario": "crisis", "events": ""}


def test_the_ladder_of_a_result_without_pairs_is_calm(crisis):
    rows = [_row("2026-01-01", "ttp", "pakistan", "attack", 1, "civilian")]
    result = replay(_events(rows), crisis, as_of=datetime.date(2026, 1, 1))
    empty = dataclasses.replace(result, rung={}, ceasefire={}, ceasefire_days={})
    assert empty.ladder() == {"start_rung": 0, "in_ceasefire": False, "ceasefire_days": 0}


def test_deaths_are_whole_numbers_per_draw(crisis):
    from sim.history.effects import _deaths

    rows = _events(
        [
            _row("2026-01-01", "ttp", "pakistan", "attack"),
            _row("2026-01-01", "ttp", "pakistan", "attack", 7),
        ]
    )
    none, seven = rows.itertuples(index=False)
    rng = np.random.default_rng(0)
    for row, value in ((none, 0), (seven, 7)):
        for uncertainty in (False, True):
            got = _deaths(row, 3, rng, uncertainty)
            assert got.dtype == np.int64 and got.tolist() == [value] * 3


def _with_channel(crisis, mediator: str, kind: str):
    """The crisis with one mediator between the two states, its channel opened by `kind`."""
    data = crisis.to_dict()
    data["mediators"] = {
        mediator: {
            "name": mediator.title(),
            "parties": ["pakistan", "afghanistan"],
            "trust": {"pakistan": 0.5, "afghanistan": 0.5},
            "opened_by": kind,
        }
    }
    return sim.scenario_from_dict(data)


def test_a_channel_opened_by_clashes_is_open_after_a_clash_day(crisis):
    border = _with_channel(crisis, "border", "clash")
    rows = [
        _row("2026-01-01", "pakistan", "ttp", "strike", 1, "militant"),
        _row("2026-01-03", "afghanistan", "pakistan", "clash", 2, "military"),
    ]
    clash = replay(_events(rows), border, as_of=datetime.date(2026, 1, 4), draws=3)
    engaged = clash.start["engaged.border"]
    assert engaged.dtype == np.float64 and engaged.tolist() == [1.0, 1.0, 1.0]
    assert clash.to_scenario_values()["mediators"] == {"border": {"engaged": True}}
    strike = replay(_events(rows[:1]), border, as_of=datetime.date(2026, 1, 4), draws=3)
    assert strike.start["engaged.border"].tolist() == [0.0, 0.0, 0.0]
    # A channel open in half the draws is, as a scenario's one value, closed (median 0.5).
    half = dataclasses.replace(clash, start={"engaged.border": np.array([0.0, 1.0])})
    assert half.to_scenario_values()["mediators"] == {"border": {"engaged": False}}


def test_a_strike_on_a_group_in_its_host_counts_as_a_strike_for_the_channel(crisis):
    talks = _with_channel(crisis, "talks", "strike")
    rows = [_row("2026-01-01", "pakistan", "ttp", "strike", 1, "militant")]
    result = replay(_events(rows), talks, as_of=datetime.date(2026, 1, 2))
    assert result.start["engaged.talks"].tolist() == [1.0]


def test_a_ceasefire_that_replaces_a_truce_does_not_end_with_its_term(crisis):
    truce = _row("2026-01-02", "pakistan", "afghanistan", "ceasefire") | {"term_days": 3}
    rows = [
        _row("2026-01-01", "pakistan", "afghanistan", "strike", 1, "military"),
        truce,  # would end on 5 January
        _row("2026-01-03", "pakistan", "afghanistan", "ceasefire"),  # open-ended, replaces it
    ]
    result = replay(_events(rows), crisis, as_of=datetime.date(2026, 1, 8))
    assert result.paths["ceasefire_pakistan_afghanistan"].tolist() == [False] + [True] * 7
    alone = replay(_events(rows[:2]), crisis, as_of=datetime.date(2026, 1, 8))
    assert (
        alone.paths["ceasefire_pakistan_afghanistan"].tolist() == [False] + [True] * 3 + [False] * 4
    )
