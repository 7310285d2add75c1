"""The explorer's server and the browser-test harness, on a throwaway Solara app.

tests/explorer_smoke_app.py is markdown, a button, a count and a matplotlib figure. The first test
needs only Solara (the viz extra): the page names local assets only, and each one is served.
The second drives the page in headless system Chromium: it renders, a click reaches the
server and redraws the figure, no request goes to another host (tests/browser.py), and Ctrl-C
stops the server, with the page still connected, with exit status 0.
"""

from __future__ import annotations

import re
import urllib.request
from html.parser import HTMLParser
from urllib.parse import urljoin

import pytest
from browser import is_local, wait_for_change

SMOKE_APP = "tests/explorer_smoke_app.py"


class _Resources(HTMLParser):
    """The URLs a page loads by itself: src of any element, href of <link>."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if attributes.get("src"):
            self.urls.append(attributes["src"])
        if tag == "link" and attributes.get("href"):
            self.urls.append(attributes["href"])


def _get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.read()


def test_the_server_serves_the_page_from_local_assets_only(explorer_server):
    server = explorer_server(SMOKE_APP)
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", server.url)
    status, body = _get(server.url)
    assert status == 200
    parser = _Resources()
    parser.feed(body.decode())
    urls = [urljoin(server.url, url) for url in parser.urls]
    assert [url for url in urls if not is_local(url)] == []
    cdn = [url for url in urls if "/_solara/cdn/" in url]
    assert any("solara-vuetify-app" in url for url in cdn)
    assert any("require" in url for url in cdn)
    for url in urls:  # every script, style sheet and font list the page names is served
        assert _get(url)[0] == 200, url


@pytest.mark.browser
def test_smoke_app_in_chromium(explorer_server, page, request_log, tmp_path):
    server = explorer_server(SMOKE_APP)  # the test above's, if it ran; stopped at the end
    page.goto(server.url)
    count = page.locator(".smoke-clicks")
    count.wait_for()  # the page rendered: Solara's JavaScript ran and reached the server
    assert count.inner_text() == "clicks: 0"
    figure = ".smoke-figure img"
    first = page.locator(figure).get_attribute("src")

    page.get_by_role("button", name="Add a point").click()
    page.wait_for_function(
        "selector => document.querySelector(selector).innerText === 'clicks: 1'",
        arg=".smoke-clicks",
    )
    second = wait_for_change(page, figure, "src", first)  # the redrawn figure arrived
    assert second.startswith("blob:")

    shot = tmp_path / "smoke_app.png"
    page.screenshot(path=shot, full_page=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 10_000

    request_log.assert_only_local()
    request_log.assert_no_failures()
    assert any("/_solara/cdn/@widgetti/solara-vuetify-app" in url for url in request_log.requests)
    assert any(url.startswith("ws://127.0.0.1:") for url in request_log.requests)
    assert "markdown loads KaTeX" in page.inner_text("body")
    assert server.stop() == 0, server.log()  # Ctrl-C with the page still connected
    assert server.log().rstrip().endswith("The explorer stopped.")


@pytest.mark.browser
def test_request_log_records_and_blocks_other_hosts(page, request_log):
    page.set_content(
        '<img src="https://cdn.jsdelivr.net/npm/font-awesome@4.5.0/fonts/none.png">'
        '<img src="http://127.0.0.1:9/local.png">'
    )
    page.wait_for_timeout(500)
    external = "https://cdn.jsdelivr.net/npm/font-awesome@4.5.0/fonts/none.png"
    assert request_log.external() == [external]
    assert any(failure.startswith(external) for failure in request_log.failures)
    with pytest.raises(AssertionError, match=r"cdn\.jsdelivr\.net"):
        request_log.assert_only_local()


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://127.0.0.1:8765/", True),
        ("ws://localhost:8765/jupyter/api/kernels", True),
        ("http://[::1]:8765/x.js", True),
        ("http://127.5.0.1/", True),
        ("blob:http://127.0.0.1:8765/0f3a", True),
        ("data:image/png;base64,AAAA", True),
        ("https://cdn.jsdelivr.net/npm/requirejs@2.3.6/require.js", False),
        ("https://solara.dev/static/public/success.html", False),
        ("http://10.0.0.1/", False),
        ("http://localhost.example.com/", False),
    ],
)
def test_is_local(url, local):
    assert is_local(url) is local
