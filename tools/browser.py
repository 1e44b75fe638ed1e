"""Serve the interactive page and drive it in headless Chromium (for its test and its screenshot).

Developer tooling, not part of the installed package: ``tests/e2e/test_viz_browser.py`` and
``docs/make_figures.py`` import it from a checkout (``from tools import browser``).

The browser is Debian's ``chromium`` (``apt-get install -y chromium``; ``make setup`` installs it),
driven by Playwright; Playwright's own browser downloads are not used. :func:`serve` starts
``solara run`` on a free local port and always stops it; :func:`step_page` opens the page, presses
*Step* and returns what changed.
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
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
APP = Path(find_spec("sim.viz").origin)  # the page's file, found without importing Solara
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
def serve(app: Path = APP, port: int | None = None, timeout: float = 240.0) -> Iterator[str]:
    """Run ``solara run app`` on localhost until the block ends, and yield the page's URL.

    Parameters
    ----------
    app : Path
        The Solara app file.
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


@dataclass(frozen=True)
class PageRun:
    """What the page showed before and after stepping.

    Parameters
    ----------
    plot_before, plot_after : bytes
        PNG screenshots of the rung-over-time plot.
    time_before, time_after : str
        The step counter's text ("Time: 0.0").
    events_after : str
        Text of the event list after stepping.
    """

    plot_before: bytes
    plot_after: bytes
    time_before: str
    time_after: str
    events_after: str


def step_page(
    url: str, steps: int = 5, screenshot: Path | None = None, timeout: float = 60.0
) -> PageRun:
    """Open the page in headless Chromium, press *Step* `steps` times and report what changed.

    Parameters
    ----------
    url : str
        The page, e.g. from :func:`serve`.
    steps : int
        Days to advance, one click each.
    screenshot : Path, optional
        Where to save a PNG of the whole page after stepping.
    timeout : float
        Seconds to wait for each change on the page.

    Returns
    -------
    PageRun
    """
    from playwright.sync_api import sync_playwright

    wait_ms = timeout * 1000
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=find_chromium(), args=list(CHROMIUM_ARGS)
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 950})
            page.goto(url, timeout=wait_ms)
            counter = page.get_by_text("Time: ")
            counter.wait_for(timeout=wait_ms)
            plot = page.locator("img[src^='blob:']").first
            plot.wait_for(timeout=wait_ms)
            time_before, src_before = counter.inner_text(), plot.get_attribute("src")
            plot_before = plot.screenshot()
            button = page.get_by_role("button", name="Step")
            for day in range(1, steps + 1):
                button.click()
                page.get_by_text(f"Time: {day}.0").wait_for(timeout=wait_ms)
            page.wait_for_function(
                "src => { const img = document.querySelector(\"img[src^='blob:']\");"
                " return img && img.src !== src && img.complete; }",
                arg=src_before,
                timeout=wait_ms,
            )
            events = page.get_by_text(f"Day {steps} (")
            events.wait_for(timeout=wait_ms)
            if screenshot is not None:
                page.screenshot(path=str(screenshot), full_page=True)
            return PageRun(
                plot_before=plot_before,
                plot_after=plot.screenshot(),
                time_before=time_before,
                time_after=counter.inner_text(),
                events_after=events.inner_text(),
            )
        finally:
            browser.close()
