"""Browser-test harness: the explorer's server in a child process, and system Chromium.

The fixtures built on this (tests/conftest.py: `explorer_server`, `chromium`, `page`,
`request_log`) are what a browser test uses:

    @pytest.mark.browser
    def test_something(explorer_server, page, request_log):
        server = explorer_server("experiments.explorer.app")   # started, answering
        page.goto(server.url)
        ...
        request_log.assert_only_local()

- `ExplorerServer` runs `python -m experiments.explorer.server --port 0 --app APP` (the same
  `serve()` as `ifrp explore`, on a free port), reads the address it prints, and stops it as
  Ctrl-C would (SIGINT, then a kill of its whole process group if it lingers).
- Chromium is the machine's own (Debian's `chromium`, or IFRP_CHROMIUM), launched by
  Playwright with `executable_path`: Playwright's browser downloads are impossible on a
  closed network. Without a browser (or Playwright, or Solara) the browser tests skip with a
  message saying how to enable them, except under CI=true, where they fail.
- `RequestLog` records every request the page makes (and its websockets), and aborts any to
  a host other than this machine, so a page behaves as on a closed network even where the
  internet is reachable, and a test can assert that none was attempted.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]

HOW_TO_ENABLE = (
    "to run the browser tests, install the test and viz extras (make test does) and "
    "Chromium (Debian: apt-get install chromium; or set IFRP_CHROMIUM=/path/to/chromium); "
    ".ci/run installs it, and under CI=true a missing browser fails"
)


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def unavailable(reason: str):
    """Skip a browser test for a missing tool, or fail under CI=true."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: the browser tests must run; {HOW_TO_ENABLE})")
    pytest.skip(f"{reason}: {HOW_TO_ENABLE}")


# ---------------------------------------------------------------------------------------
# Requests


def is_local(url: str) -> bool:
    """True for addresses on this machine (loopback) and for data:, blob: and about: URLs."""
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    host = parts.hostname
    if host is None:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class RequestLog:
    """Every request (and websocket) of a browser context's pages, from attachment on."""

    requests: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @classmethod
    def attach(cls, context, block_external: bool = True) -> RequestLog:
        log = cls()
        context.on("request", lambda request: log.requests.append(request.url))
        context.on(
            "requestfailed",
            lambda request: log.failures.append(f"{request.url}: {request.failure}"),
        )
        context.on(
            "response",
            lambda response: (
                log.failures.append(f"{response.url}: HTTP {response.status}")
                if response.status >= 400
                else None
            ),
        )
        context.on(
            "page", lambda page: page.on("websocket", lambda ws: log.requests.append(ws.url))
        )
        if block_external:
            context.route("**/*", _local_only)
        return log

    def external(self) -> list[str]:
        """Requests to any host but this machine (blocked, but recorded)."""
        return [url for url in self.requests if not is_local(url)]

    def assert_only_local(self) -> None:
        external = self.external()
        assert not external, f"the page asked hosts other than this machine for: {external}"

    def assert_no_failures(self) -> None:
        assert not self.failures, f"requests that failed: {self.failures}"


def _local_only(route) -> None:
    if is_local(route.request.url):
        route.continue_()
    else:
        route.abort("blockedbyclient")


# ---------------------------------------------------------------------------------------
# The server


class ExplorerServer:
    """`python -m experiments.explorer.server` in a child process, on a free port."""

    ADDRESS = re.compile(r"(http://\S+?:\d+/)")

    def __init__(self, app: str, host: str = "127.0.0.1") -> None:
        self.app = app
        self.host = host
        self.url: str | None = None
        self.output: list[str] = []
        self.process: subprocess.Popen | None = None
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._reader: threading.Thread | None = None

    @property
    def command(self) -> list[str]:
        module = "experiments.explorer.server"
        return [sys.executable, "-m", module, "--host", self.host, "--port", "0", "--app", self.app]

    def start(self, timeout: float = 90.0) -> ExplorerServer:
        """Start the server and wait until it answers (its address is printed then)."""
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group, all stopped in stop()
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        deadline = time.monotonic() + timeout
        while self.url is None:
            try:
                line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                self.stop()
                raise RuntimeError(f"no address within {timeout:.0f} s:\n{self.log()}") from None
            if line is None:
                self.stop()
                raise RuntimeError(f"the server exited before answering:\n{self.log()}")
            match = self.ADDRESS.search(line)
            if match:
                self.url = match.group(1)
        return self

    def _read(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        with self.process.stdout as stdout:
            for line in stdout:
                self.output.append(line)
                self._lines.put(line)
        self._lines.put(None)

    def log(self) -> str:
        return "".join(self.output)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 20.0) -> int | None:
        """Stop as Ctrl-C does; kill the process group if anything lingers. Exit status."""
        process = self.process
        if process is None:
            return None
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
            _wait_unreaped(process.pid, timeout)
            # Until it is reaped below, the server's pid (its process group's id) cannot be
            # reused, so this reaches only the server and the processes its app started.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
        status = process.wait()
        if self._reader is not None:
            self._reader.join(5)  # the pipe ends with the process group
        return status

    def __enter__(self) -> ExplorerServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _wait_unreaped(pid: int, timeout: float) -> None:
    """Wait until the child `pid` exits (or `timeout`), leaving it to be reaped."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
                return
        except ChildProcessError:
            return
        time.sleep(0.05)


# ---------------------------------------------------------------------------------------
# Waiting for the page


def wait_for_change(page, selector: str, attribute: str, old: str | None, timeout=30_000):
    """Wait until the first element matching `selector` has `attribute` != `old`.

    For a figure (solara.FigureMatplotlib is an <img> whose src is a new blob: URL each
    time it is redrawn): read the src, act, then wait for another src.
    """
    page.wait_for_function(
        """([selector, attribute, old]) => {
            const element = document.querySelector(selector);
            return element !== null && element.getAttribute(attribute) !== old;
        }""",
        arg=[selector, attribute, old],
        timeout=timeout,
    )
    return page.locator(selector).first.get_attribute(attribute)
