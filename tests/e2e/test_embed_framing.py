"""Embedding in a real browser (design.md §11): a course page on an origin listed in
OPTIMLAB_FRAME_ANCESTORS shows optimlab in an iframe; a page on any other origin gets Chromium's
blocked-frame error instead. Two tiny host pages on their own ports (so their own origins) frame it: the
configured server (tests/conftest.py) lists http://localhost:*, so the allowed one is reached as localhost
— another site than optimlab's 127.0.0.1, as a real course site is, where the framed page gets no
storage — and the other as 127.0.0.1."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import Browser, Frame, expect

pytestmark = pytest.mark.e2e

BLOCKED_FRAME_URL = "chrome-error://chromewebdata/"


class CoursePage(BaseHTTPRequestHandler):
    """A course page that frames optimlab's embed view and marks itself once the frame has loaded."""

    embedded_url = ""

    def do_GET(self) -> None:
        html = (
            "<!doctype html><title>ML 101</title>"
            f'<iframe src="{self.embedded_url}" width="800" height="600" '
            "onload=\"document.body.dataset.framed = 'yes'\"></iframe>"
        )
        body = html.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        pass


# Each course site by the host name its origin is reached at.
COURSE_HOSTS = {"allowed": "localhost", "other": "127.0.0.1"}


@pytest.fixture(scope="module")
def course_sites(configured_server_url: str) -> Iterator[dict[str, str]]:
    """Two course sites on free loopback ports, both framing optimlab's embed view: their origins by name."""
    CoursePage.embedded_url = f"{configured_server_url}/?embed=1"
    sites = {name: ThreadingHTTPServer(("127.0.0.1", 0), CoursePage) for name in COURSE_HOSTS}
    for site in sites.values():
        threading.Thread(target=site.serve_forever, daemon=True).start()
    yield {name: f"http://{COURSE_HOSTS[name]}:{site.server_address[1]}" for name, site in sites.items()}
    for site in sites.values():
        site.shutdown()
        site.server_close()


def framed_from(browser: Browser, origin: str) -> Frame:
    """Open the course page at `origin` and return its iframe once it has loaded (or failed to)."""
    page = browser.new_page()
    page.goto(origin + "/")
    page.wait_for_selector("body[data-framed='yes']")
    [frame] = [frame for frame in page.frames if frame is not page.main_frame]
    return frame


def test_a_configured_origin_frames_the_page(
    browser: Browser, course_sites: dict[str, str], configured_server_url: str
) -> None:
    frame = framed_from(browser, course_sites["allowed"])
    assert frame.url.startswith(configured_server_url), frame.url
    frame.wait_for_selector('[data-testid="contour-plot"]', state="attached")
    frame.page.close()


def test_embed_mode_shows_the_map_playback_and_legend_only(
    browser: Browser, course_sites: dict[str, str], configured_server_url: str
) -> None:
    frame = framed_from(browser, course_sites["allowed"])
    frame.wait_for_function("() => document.querySelector('.stage').getAttribute('aria-busy') === 'false'")
    for shown in ('[data-testid="contour-plot"]', '[data-testid="play-button"]', "#legend li"):
        expect(frame.locator(shown).first).to_be_visible()
    for hidden in (".topbar", ".controls", ".charts", "#map-tools"):
        expect(frame.locator(hidden)).to_be_hidden()
    # The map takes the frame; the link opens the same experiment in optimlab, in a new tab.
    assert frame.locator('[data-testid="contour-plot"]').bounding_box()["height"] > 400
    link = frame.get_by_test_id("open-in-optimlab")
    expect(link).to_be_visible()
    expect(link).to_have_attribute("target", "_blank")
    frame.wait_for_function("() => location.hash.startsWith('#v')")
    href = link.get_attribute("href")
    assert href == "/" + frame.evaluate("location.hash"), href
    frame.page.close()


def test_any_other_origin_is_refused_the_frame(
    browser: Browser, course_sites: dict[str, str], configured_server_url: str
) -> None:
    frame = framed_from(browser, course_sites["other"])
    assert frame.url == BLOCKED_FRAME_URL, f"framed from {course_sites['other']}: {frame.url}"
    frame.page.close()
