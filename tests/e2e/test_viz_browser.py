"""The interactive page: its model and levers, and the page itself in a real headless browser."""

from __future__ import annotations

import pytest

from sim import viz
from sim.rules.retaliation import Threshold
from tools import browser


def test_levers_change_the_scenario(seed_scenario):
    changed = viz.lever_scenario(
        seed_scenario, retaliation="threshold", p_act=0.5, level=0.2, leverage=0.9, ttp_tempo=2.0
    )
    assert changed.states["pakistan"].retaliation == Threshold(level=0.2, p_act=0.5)
    assert changed.mediators["qatar"].leverage == 0.9
    assert changed.militants["ttp"].targets["pakistan"] == 2.0
    # None keeps the scenario's values; a rule without p_act ignores the slider.
    assert viz.lever_scenario(seed_scenario) == seed_scenario
    assert (
        viz.lever_scenario(seed_scenario, retaliation="none", p_act=0.9)
        .states["pakistan"]
        .retaliation
        == viz.RETALIATION_RULES["none"]()
    )


def test_page_model_is_one_recorded_replication_that_stops_at_its_horizon():
    model = viz.CrisisModel(seed=3, horizon=4)
    assert model.R == 1 and model.record_events and model.record_trajectory
    while model.running:
        model.step()
    assert model.day == 4 and model.time == 4
    assert viz.status(model).startswith("Day 4 (26 Feb 2026): rung ")
    assert list(viz.latest_events(model).columns) == [
        "date",
        "who",
        "what",
        "against",
        "rung",
        "killed",
    ]


def test_sliders_start_at_the_scenario_values(seed_scenario):
    params = viz.model_params(seed_scenario)
    assert params["retaliation"]["value"] == "ordered_logit"
    assert params["p_act"]["value"] == seed_scenario.states["pakistan"].retaliation.p_act
    assert params["leverage"]["value"] == seed_scenario.mediators["qatar"].leverage
    assert "constant_probability" not in params["retaliation"]["values"]
    # Every input is an argument of the model SolaraViz rebuilds on Reset.
    model = viz.CrisisModel(
        **{k: v["value"] if isinstance(v, dict) else v for k, v in params.items()}
    )
    assert model.spec == seed_scenario


@pytest.mark.slow
# Above the server's own start-up wait (240 s in tools/browser.py) plus the page's steps, so a slow
# start on a loaded machine ends with the server's message, not a bare timeout.
@pytest.mark.timeout(600)
def test_page_steps_the_model_and_redraws_the_plot(tmp_path):
    shot = tmp_path / "viz.png"
    with browser.serve() as url:
        run = browser.step_page(url, steps=5, screenshot=shot)
    assert run.time_before == "Time: 0.0"
    assert run.time_after == "Time: 5.0"
    assert run.plot_before[:8] == run.plot_after[:8] == b"\x89PNG\r\n\x1a\n"
    assert run.plot_before != run.plot_after
    assert run.events_after.startswith("Day 5 (27 Feb 2026): rung ")
    assert shot.stat().st_size > 10_000


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_serve_reports_a_server_that_does_not_start(tmp_path):
    broken = tmp_path / "broken.py"
    broken.write_text("raise SystemExit('no page here')\n")
    with pytest.raises(RuntimeError, match="did not come up"), browser.serve(broken, timeout=20):
        pass
