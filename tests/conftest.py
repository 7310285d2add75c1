"""Shared fixtures: scenario files in a temporary folder and in-process CLI runs; the explorer's
server and a headless Chromium page for the browser tests (see tests/browser.py)."""

from __future__ import annotations

import importlib.util
import textwrap

import pytest
from browser import ExplorerServer, RequestLog
from browser import unavailable as browser_unavailable

from experiments.explorer.chromium import CHROMIUM_ARGS, CHROMIUM_NAMES, find_chromium

# A quick scenario for command-line runs: the baseline at a small population.
SMALL_TOML = "[population]\nundocumented = 30000\n"

# The longest test files, longest first (measured in one process, 7 Dec 2026). `make test` hands
# out whole files to its workers in collection order (--dist loadfile --no-loadscope-reorder):
# a long file handed out last would keep one worker busy while the other sits idle.
LONG_FILES = (
    "test_calibration.py",
    "test_explorer_browser.py",
    "test_sweep.py",
    "test_shutdown.py",
    "test_docking.py",
    "test_fuzz_inputs.py",
    "test_benchmarks.py",
    "test_cli_run.py",
    "test_explorer_harness.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest files first, the rest in their usual order (a stable sort)."""

    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return LONG_FILES.index(name) if name in LONG_FILES else len(LONG_FILES)

    items.sort(key=rank)


@pytest.fixture
def write_toml(tmp_path):
    """Write a scenario file in tmp_path and return its path."""

    def write(text: str, name: str = "scenario.toml"):
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


@pytest.fixture
def small_toml(write_toml):
    return write_toml(SMALL_TOML, "small.toml")


@pytest.fixture
def ifrp(capsys):
    """Run `ifrp` in-process: returns (exit status, stdout, stderr)."""
    # Imported when first used: under pytest-xdist (make test) the controlling process loads this
    # file but runs no test, and the command line's imports (Mesa, SciPy, ...) take seconds.
    from experiments.cli import main

    def call(*args):
        status = main([str(arg) for arg in args])
        captured = capsys.readouterr()
        return status, captured.out, captured.err

    return call


@pytest.fixture
def no_run_figures(monkeypatch):
    """`ifrp run` writes its tables but draws no figures, for tests of the tables only.

    Drawing is most of a small run's time; a run's own figures are test_cli_run's.
    """
    monkeypatch.setattr("experiments.run.figures.draw_all", lambda *args: [])


@pytest.fixture
def no_compare_figures(monkeypatch):
    """`ifrp compare` (and `ifrp run A B`) and `ifrp validate` write their tables but draw no
    figures, for tests of their tables and messages (their figures have tests of their own)."""
    for figure in ("figures.cumulative", "figures.differences", "validate.plot"):
        monkeypatch.setattr(f"experiments.compare.{figure}", lambda *args: None)


@pytest.fixture(scope="module")
def explorer_server():
    """Start a Solara app under the explorer's server (experiments/explorer/server.py).

    `server = explorer_server("experiments.explorer.app")` (a module name, or a .py file
    relative to the repository) returns once the server answers on a free port of
    127.0.0.1, at `server.url`. The tests of a module share one server per app (starting
    one takes seconds; each page load is a new Solara session all the same): pass
    `fresh=True` for a server of the test's own. `server.stop()` stops it as Ctrl-C does
    and gives its exit status; `server.log()` is what it printed. All are stopped after
    the module's tests.
    """
    if importlib.util.find_spec("solara") is None:
        browser_unavailable("Solara (the viz extra) is not installed")
    shared: dict[str, ExplorerServer] = {}
    started: list[ExplorerServer] = []

    def start(app: str = "experiments.explorer.app", fresh: bool = False) -> ExplorerServer:
        server = shared.get(app)
        if fresh or server is None or not server.running:
            server = ExplorerServer(app).start()
            started.append(server)
            if not fresh:
                shared[app] = server
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="module")
def chromium():
    """The machine's Chromium, headless, driven by Playwright (one per test module).

    Skips, saying how to enable it, without Playwright or a Chromium; fails under CI=true.
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        browser_unavailable("Playwright is not installed")
    with sync_playwright() as playwright:
        # else a Chromium that `playwright install chromium` downloaded (where that works)
        executable = find_chromium(fallback=playwright.chromium.executable_path)
        if executable is None:
            names = ", ".join(CHROMIUM_NAMES)
            browser_unavailable(f"no Chromium found (IFRP_CHROMIUM, {names}, or Playwright's)")
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def browser_context(chromium):
    """A fresh browser profile (cookies, cache) for one test."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    yield context
    context.close()


@pytest.fixture
def request_log(browser_context) -> RequestLog:
    """Every request of the test's page; requests to other hosts are recorded and aborted."""
    return RequestLog.attach(browser_context)


@pytest.fixture
def page(browser_context, request_log):
    """A Playwright page in headless system Chromium, its requests in `request_log`."""
    page = browser_context.new_page()
    page.set_default_timeout(30_000)
    return page
