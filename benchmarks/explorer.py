"""How long the explorer takes, in the browser, from a change to the new figure.

Starts the explorer's server (as `ifrp explore` does) and opens it in the machine's headless
Chromium (Playwright; `IFRP_CHROMIUM` or `chromium` on the PATH), picks a starting scenario
(default: the drive to 2025, the longest), waits for its first figure, then moves phase 1's
deadline `changes` times and measures, each time, the seconds from pressing Enter in the
deadline's box to the new cumulative figure in the page (its <img> gets a new src). One
replicate, seed 1: every change re-runs the whole scenario at full scale; the reference run
is computed once, with the first figure. Without Chromium or Playwright it says so and
measures nothing.
"""

from __future__ import annotations

import statistics
import time
from datetime import date, timedelta

from benchmarks.machine import machine
from experiments.explorer.chromium import CHROMIUM_ARGS, find_chromium
from experiments.explorer.screenshot import start_server

FIGURE = ".cumulative-figure img"
START = "baseline"  # the scenario the page opens on
TIMEOUT_MS = 180_000


def measure(changes: int = 5, scenario: str = "drive_2023_2025") -> dict:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {"skipped": "Playwright is not installed (the test extra)", "machine": machine()}
    chromium = find_chromium()
    if chromium is None:
        return {"skipped": "no Chromium (IFRP_CHROMIUM, or chromium on PATH)", "machine": machine()}
    server, url = start_server()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium, headless=True, args=CHROMIUM_ARGS
            )
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(TIMEOUT_MS)
            timings = _session(page, url, scenario, changes)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    seconds = timings["changes"]
    return {
        "what": (
            f"explorer, one replicate of {scenario}: seconds from a change of phase 1's "
            "deadline (Enter pressed) to the new cumulative figure in headless Chromium"
        ),
        "scenario": scenario,
        "first_figure_seconds": round(timings["first"], 3),
        "change_seconds": [round(value, 3) for value in seconds],
        "change_seconds_median": round(statistics.median(seconds), 3),
        "change_seconds_max": round(max(seconds), 3),
        "machine": machine(),
    }


def _session(page, url: str, scenario: str, changes: int) -> dict:
    page.goto(url)
    page.locator(FIGURE).wait_for()
    src = page.locator(FIGURE).get_attribute("src")
    start = time.perf_counter()
    if scenario != START:  # the page opens on the baseline
        _choose(page, scenario)
        src = _new_figure(page, src)
    first = time.perf_counter() - start
    deadline = date.fromisoformat(_deadline_box(page).input_value())
    seconds = []
    for change in range(1, changes + 1):
        box = _deadline_box(page)
        box.fill((deadline + timedelta(days=2 * change)).isoformat())
        start = time.perf_counter()
        box.press("Enter")
        src = _new_figure(page, src)
        seconds.append(time.perf_counter() - start)
    return {"first": first, "changes": seconds}


def _choose(page, scenario: str) -> None:
    """Pick the starting scenario in the page's select."""
    page.get_by_label("Start from scenario").click(force=True)
    page.get_by_role("option", name=scenario, exact=True).click()


def _deadline_box(page):
    return page.get_by_role("textbox", name="Deadline", exact=True)


def _new_figure(page, old: str | None) -> str | None:
    page.wait_for_function(
        """([selector, old]) => {
            const element = document.querySelector(selector);
            return element !== null && element.getAttribute("src") !== old;
        }""",
        arg=[FIGURE, old],
    )
    return page.locator(FIGURE).first.get_attribute("src")
