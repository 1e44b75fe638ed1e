"""Serve the interactive page and drive it in headless Chromium (for its test and its screenshot).

Developer tooling, not part of the installed package: ``tests/e2e/test_viz_browser.py`` and
``docs/make_figures.py`` import it from a checkout (``from tools import browser``).

The browser is Debian's ``chromium`` (``apt-get install -y chromium``; ``make setup`` installs it),
driven by Playwright; Playwright's own browser downloads are not used. :func:`serve` starts
``solara run`` on a free local port and always stops it; :func:`open_page` opens the page and
records every failed request; :func:`choose`, :func:`nudge` and :func:`run_comparison` work its
controls.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
# The page as a module name: Solara imports it (a file path would put sim/viz/ on sys.path).
APP = "sim.viz.page"
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
)


def find_chromium() -> str:
    """Path of the Chromium executable, or a RuntimeError saying how to install it."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        raise RuntimeError(
            "Chromium not found: install Debian's package (apt-get update && apt-get install -y "
            "chromium), which `make setup` does"
        )
    return found


def free_port() -> int:
    """A TCP port on 127.0.0.1 free at the time of asking."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(app: str | Path = APP, port: int | None = None, timeout: float = 240.0) -> Iterator[str]:
    """Run ``solara run app`` on localhost until the block ends, and yield the page's URL.

    Parameters
    ----------
    app : str or Path
        The Solara app: a module name or a file.
    port : int, optional
        Port to listen on; default a free one.
    timeout : float
        Seconds to wait for the server to answer (a loaded 2-core CI machine running the suite
        on two workers needed over a minute to start it).

    Yields
    ------
    str
        ``http://127.0.0.1:<port>/``.

    Raises
    ------
    RuntimeError
        If the server exits or does not answer within `timeout`; the message holds its output.
    """
    port = port or free_port()
    url = f"http://127.0.0.1:{port}/"
    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}
    command = [
        sys.executable,
        "-m",
        "solara",
        "run",
        str(app),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-open",
        "--production",
    ]
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=REPO_ROOT
        )
        try:
            _wait_until_up(url, server, timeout, log)
            yield url
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _wait_until_up(url: str, server: subprocess.Popen, timeout: float, log) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            break
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError as exc:
            # The server answers, but with an error page: waiting longer will not help.
            log.seek(0)
            output = log.read().decode(errors="replace")[-3000:]
            raise RuntimeError(
                f"the Solara server at {url} answered HTTP {exc.code}:\n{output}"
            ) from None
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    log.seek(0)
    output = log.read().decode(errors="replace")[-3000:]
    raise RuntimeError(f"the Solara server at {url} did not come up:\n{output}")


@contextmanager
def open_page(
    url: str, timeout: float = 60.0, height: int = 1000
) -> Iterator[tuple[Any, list[str]]]:
    """Open `url` in headless Chromium; yield the Playwright page and its failed requests.

    Parameters
    ----------
    url : str
        The page, e.g. from :func:`serve`.
    timeout : float
        Seconds Playwright waits for anything on the page (its default timeout).
    height : int
        Window height in pixels (the page scrolls inside its own frame, so a screenshot holds
        what the window shows).

    Yields
    ------
    page : playwright.sync_api.Page
    failures : list of str
        Filled as they happen: every request that failed (``requestfailed``: refused, aborted,
        offline) and every response with an HTTP status >= 400, as "URL: reason".
    """
    from playwright.sync_api import sync_playwright

    failures: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=find_chromium(), args=list(CHROMIUM_ARGS)
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": height})
            page.set_default_timeout(timeout * 1000)
            page.on("requestfailed", lambda r: failures.append(f"{r.url}: {r.failure}"))
            page.on(
                "response",
                lambda r: failures.append(f"{r.url}: HTTP {r.status}") if r.status >= 400 else None,
            )
            page.goto(url)
            yield page, failures
        finally:
            browser.close()


def choose(page: Any, css: str, option: str) -> None:
    """Pick `option` in the page's select of CSS class `css` (a Vuetify menu)."""
    page.locator(f".{css}").click()
    menu = page.locator(".menuable__content__active")
    menu.get_by_role("option", name=option, exact=True).click()
    menu.wait_for(state="hidden")


def nudge(page: Any, css: str, steps: int) -> None:
    """Move the slider inside the element of class `css` by `steps` (negative: down), by keys."""
    thumb = page.locator(f".{css} [role=slider]")
    thumb.focus()
    for _ in range(abs(steps)):
        thumb.press("ArrowRight" if steps > 0 else "ArrowLeft")


def run_comparison(page: Any) -> dict[str, str]:
    """Press Run on the comparison tab and return the estimates shown once it has finished.

    Parameters
    ----------
    page : playwright.sync_api.Page
        The page, on its comparison tab.

    Returns
    -------
    dict
        ``a``, ``b`` and ``diff``: the texts of policy A's and B's estimates and of the paired
        difference, e.g. ``"0.310 [0.291, 0.331]"``.
    """
    number = page.locator(".run-number")
    previous = number.inner_text() if number.count() else ""
    page.get_by_role("button", name="Run").click()
    # Done when the run counter moves on ("Run 2: ..."), the page reports no run under way.
    page.wait_for_function(
        "previous => { const n = document.querySelector('.run-number');"
        " return n && n.innerText !== previous && !document.querySelector('.run-status'); }",
        arg=previous,
    )
    return {key: page.locator(f".estimate-{key}").inner_text() for key in ("a", "b", "diff")}


def screenshot_page(url: str, path: Path) -> None:
    """Save a screenshot of the page after one comparison (``docs/make_figures.py``)."""
    with open_page(url, timeout=240.0, height=1900) as (page, _):
        run_comparison(page)
        page.screenshot(path=str(path))


def time_plays(url: str, plays: int = 3) -> list[float]:
    """Seconds from pressing Play at day 0 until the page shows day 365, `plays` times.

    Measured in the browser, so it holds the server's stepping and drawing and the transfer of
    each frame. Between plays, Reset restarts the path at day 0.
    """
    seconds = []
    with open_page(url, timeout=240.0) as (page, _):
        page.get_by_role("tab", name="One path").click()
        for _ in range(plays):
            page.get_by_role("button", name="Reset").click()
            page.get_by_text("Day 0 of 365").wait_for()
            began = time.perf_counter()
            page.get_by_role("button", name="Play to day 365").click()
            page.get_by_text("Day 365 of 365").wait_for()
            seconds.append(time.perf_counter() - began)
            page.get_by_role("button", name="Play to day 365").wait_for()  # stopped
    return seconds


if __name__ == "__main__":
    # python -m tools.browser [PLAYS]: time a year's play in the single-path viewer.
    with serve() as address:
        times = time_plays(address, int(sys.argv[1]) if len(sys.argv) > 1 else 3)
    print("a year's play took " + ", ".join(f"{t:.1f}" for t in times) + " s")
