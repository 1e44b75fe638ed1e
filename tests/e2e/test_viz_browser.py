"""The interactive page in a real headless browser: what it shows is what sim.simulate gives.

The page's logic without a browser is tests/unit/test_viz.py. Here the page runs in Solara and
Chromium (tools/browser.py): its numbers are checked against runs made here with the engine's own
Monte Carlo on the same seed, lever changes must show (stale until Run, then new numbers), every
slider's value is in its label, the single-path viewer plays a year, and no request fails (the page
must work offline: no CDN).
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

import sim
from sim.core.intervals import format_interval
from tools import browser

pytestmark = [
    pytest.mark.slow,
    # Above the server's own start-up wait (240 s in tools/browser.py) plus the page's runs, so
    # a slow start on a loaded machine ends with the server's message, not a bare timeout.
    pytest.mark.timeout(900),
]


def shown(result_a: sim.SimulationResult, result_b: sim.SimulationResult, rung: int, within: int):
    """The three texts the page should show for these runs: A, B and the paired B - A."""
    texts = {}
    for key, run in (("a", result_a), ("b", result_b)):
        e = run.escalation_probability(rung, within)
        texts[key] = format_interval(e.estimate, e.low, e.high)
    d = result_a.compare(result_b, rung, within)
    texts["diff"] = format_interval(d.difference, d.low, d.high, signed=True)
    return texts


def with_rule(scenario: sim.Scenario, state: str, rule: dict) -> sim.Scenario:
    data = scenario.to_dict()
    data["states"][state]["retaliation"] = rule
    return sim.scenario_from_dict(data)


@pytest.fixture(scope="module")
def url():
    """One server for the module (starting it is the slow part)."""
    with browser.serve() as address:
        yield address


@pytest.fixture
def opened(url):
    """The page in a browser of its own (a new session: default settings), and its failed
    requests from the first one on; the tests run in any order."""
    with browser.open_page(url, timeout=240.0) as (page, failures):
        page.get_by_text("Not run yet").wait_for()
        yield page, failures


def test_the_comparison_shows_the_engines_numbers_and_follows_the_levers(opened, tmp_path):
    page, failures = opened
    pak_afg = sim.load_scenario("pak_afg_2026")
    first = browser.run_comparison(page)
    # Defaults: Pakistan's rule as in the scenario (A) against no retaliation (B), 2,000
    # replications, seed 0, P(rung >= 4 within 90 days).
    runs = [
        sim.simulate(s, replications=2000, horizon=365, seed=0)
        for s in (pak_afg, with_rule(pak_afg, "pakistan", {"name": "none"}))
    ]
    assert first == shown(*runs, rung=4, within=90)
    assert first["a"] != first["b"]

    # A lever changes: the label shows the new value at once, the old numbers are marked stale
    # until Run, and Run shows the engine's numbers for the new policy.
    browser.choose(page, "rule-b", "tit_for_tat")
    browser.nudge(page, "lever-b-leverage-qatar", 5)
    page.get_by_text("leverage of Qatar: 0.65").wait_for()
    stale = page.locator(".stale-note").inner_text()
    assert "policy B: Pakistan's retaliation rule: none -> tit_for_tat" in stale
    assert "leverage of Qatar: 0.60 -> 0.65" in stale
    assert page.locator(".estimate-b").inner_text() == first["b"]  # not yet run
    second = browser.run_comparison(page)
    data = with_rule(pak_afg, "pakistan", {"name": "tit_for_tat", "p_act": 0.04}).to_dict()
    data["mediators"]["qatar"]["leverage"] = 0.65
    run_b = sim.simulate(sim.scenario_from_dict(data), replications=2000, horizon=365, seed=0)
    assert second == shown(runs[0], run_b, rung=4, within=90)
    assert second["b"] != first["b"]

    # Reading another rung and horizon needs no new run.
    browser.nudge(page, "lever-rung", 1)
    page.get_by_text("rung k: 5 (war)").wait_for()
    assert page.locator(".estimate-a").inner_text() == shown(runs[0], run_b, 5, 90)["a"]
    page.screenshot(path=str(tmp_path / "compare.png"), full_page=True)
    assert failures == []


def test_another_scenario_brings_its_own_actors_and_levers(opened):
    page, failures = opened
    browser.choose(page, "scenario-select", "ind_pak_2019")
    browser.choose(page, "replications-select", "500")
    page.get_by_text("leverage of United States: 0.60").first.wait_for()
    assert page.locator(".rule-a").inner_text().startswith("India's retaliation rule")
    # Both policy panels show the lever; the second may render after the first (seen under load).
    tempo = page.get_by_text("Jaish-e-Mohammed tempo x1.00 (0.35/day on India)")
    tempo.nth(1).wait_for()
    assert tempo.count() == 2
    assert page.get_by_text("Qatar").count() == 0
    texts = browser.run_comparison(page)
    ind_pak = sim.load_scenario("ind_pak_2019")
    runs = [
        sim.simulate(s, replications=500, horizon=365, seed=0)
        for s in (ind_pak, with_rule(ind_pak, "india", {"name": "none"}))
    ]
    assert texts == shown(*runs, rung=4, within=90)
    assert failures == []


def test_the_single_path_viewer_steps_plays_a_year_and_restarts_on_a_change(opened, tmp_path):
    page, failures = opened
    page.get_by_role("tab", name="One path").click()
    page.get_by_text("Day 0 of 365").wait_for()
    timeline = page.locator("img.timeline, .timeline img").first
    before = timeline.get_attribute("src")
    page.get_by_role("button", name="Step").click()
    page.get_by_text("Day 1 of 365").wait_for()
    page.get_by_role("button", name="Play to day 365").click()
    page.get_by_text("Day 365 of 365").wait_for(timeout=120_000)
    page.get_by_role("button", name="Play to day 365").wait_for()  # play has stopped
    assert timeline.get_attribute("src") != before
    end = pd.Timestamp(sim.load_scenario("pak_afg_2026").as_of) + pd.Timedelta(days=365)
    status = page.locator(".event-list").inner_text()
    assert re.match(rf"Day 365 \({end:%-d %b %Y}\): rung \d", status), status
    page.screenshot(path=str(tmp_path / "path.png"), full_page=True)
    # A new seed is a new path, from day 0, with its value in the label.
    browser.nudge(page, "lever-path-seed", 1)
    page.get_by_text("seed: 8").wait_for()
    page.get_by_text("Day 0 of 365").wait_for()
    # So is a lever changed in the Compare tab: the path restarts under it and says so.
    page.get_by_role("button", name="Step").click()
    page.get_by_text("Day 1 of 365").wait_for()
    assert "retaliation rule: none" not in page.locator(".path-levers").inner_text()
    page.get_by_role("tab", name="Compare policies").click()
    browser.choose(page, "rule-a", "none")
    page.get_by_role("tab", name="One path").click()
    page.get_by_text("Day 0 of 365").wait_for()
    assert "retaliation rule: none" in page.locator(".path-levers").inner_text()
    assert failures == []


def test_serve_reports_a_server_that_does_not_start(tmp_path):
    broken = tmp_path / "broken.py"
    broken.write_text("raise SystemExit('no page here')\n")
    with pytest.raises(RuntimeError, match="did not come up"), browser.serve(broken, timeout=20):
        pass
