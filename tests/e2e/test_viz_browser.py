"""The interactive page in a real headless browser: it loads, steps, and its plot changes."""

from __future__ import annotations

import pytest

from sim import browser

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]


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


def test_serve_reports_a_server_that_does_not_start(tmp_path):
    broken = tmp_path / "broken.py"
    broken.write_text("raise SystemExit('no page here')\n")
    with pytest.raises(RuntimeError, match="did not come up"), browser.serve(broken, timeout=20):
        pass
