"""The explorer end to end, in headless system Chromium (tests/browser.py has the harness).

One server, one page, as a user would go: the baseline appears; moving the deadline recomputes
the drive and changes the cumulative curve and the headline numbers; a deadline before the
announcement shows the command line's error next to the control and the page keeps working;
"Save scenario" writes a file that `ifrp run` turns into the same numbers the page shows.
"""

from __future__ import annotations

import csv

import pytest
from browser import wait_for_change

from experiments.cli import main as ifrp

FIGURE = ".cumulative-figure img"
RECOMPUTE_MS = 90_000  # a loaded CI machine; about a second when quiet


def headline(page) -> dict[str, list[str]]:
    """The headline table: output -> [baseline, scenario, difference] as shown."""
    rows = page.locator(".headline tr").all_inner_texts()
    return {cells[0]: cells[1:] for row in rows[1:] if (cells := row.split("\t"))}


def persons(text: str) -> int:
    return int(text.replace(",", "").replace("+", ""))


def set_text(page, label: str, value: str) -> None:
    box = page.get_by_role("textbox", name=label, exact=True)
    box.fill(value)
    box.press("Enter")


@pytest.mark.browser
def test_explorer_recomputes_reports_errors_and_saves(explorer_server, page, request_log, tmp_path):
    server = explorer_server("experiments.explorer.app")
    page.goto(server.url)
    page.locator(FIGURE).wait_for(timeout=RECOMPUTE_MS)
    first_figure = page.locator(FIGURE).get_attribute("src")
    before = headline(page)
    total = "Departures, total"
    assert persons(before[total][0]) == persons(before[total][1]) > 400_000
    assert persons(before[total][2]) == 0  # the baseline against itself

    table_before = page.locator(".headline").inner_text()
    set_text(page, "Deadline", "2023-11-30")
    wait_for_change(page, FIGURE, "src", first_figure, timeout=RECOMPUTE_MS)
    page.wait_for_function(
        "old => document.querySelector('.headline').innerText !== old",
        arg=table_before,
        timeout=RECOMPUTE_MS,
    )
    after = headline(page)
    assert after[total][0] == before[total][0]  # the baseline stays behind
    assert persons(after[total][1]) != persons(before[total][1])
    assert persons(after[total][2]) == persons(after[total][1]) - persons(after[total][0])
    assert persons(after["Deported"][2]) < 0  # a later deadline: fewer deportations by 2 Jan
    page.screenshot(path=tmp_path / "explorer.png", full_page=True)
    assert (tmp_path / "explorer.png").stat().st_size > 50_000

    set_text(page, "Deadline", "2023-09-30")  # before the announcement of 3 Oct
    error = page.locator(".control-error")
    error.wait_for()
    assert "explorer: phases.phase1" in error.inner_text()
    assert "allowed" in error.inner_text()
    set_text(page, "Deadline", "2023-11-30")
    error.wait_for(state="detached")

    saved = tmp_path / "saved.toml"
    set_text(page, "Scenario file", str(saved))
    page.get_by_role("button", name="Save scenario").click()
    page.locator(".saved-message").wait_for()
    assert (
        f"ifrp run {saved} --replicates 1 --seed 1" in page.locator(".saved-message").inner_text()
    )
    out = tmp_path / "run"
    assert (
        ifrp(["run", str(saved), "--replicates", "1", "--seed", "1", "--out", str(out), "--quiet"])
        == 0
    )
    with (out / "summary.csv").open() as handle:
        row = next(csv.DictReader(handle))
    assert int(row["total"]) == persons(after[total][1])
    assert int(row["deported"]) == persons(after["Deported"][1])

    request_log.assert_only_local()
    assert server.stop() == 0, server.log()
