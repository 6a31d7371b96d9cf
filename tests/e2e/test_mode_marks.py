"""The page's shared marks follow the mode shown (design.md §7, §10): surfaces mode's stream, still running
when a lesson shows network mode, must not leave the views busy (aria-busy) nor write the status line.

The ordering that once left a shared deck's network lesson undrawn, forced with held requests: surfaces
mode has drawn part of its experiment when the deck's first lesson (a network one) arrives; the lesson
re-runs the experiment, and that stream ends after the training is drawn. Surfaces mode's mark still held
its partial drawing, and its end set the views busy again, for good.
"""

from __future__ import annotations

import base64
import json
import urllib.request

import pytest
from playwright.sync_api import Page, Request, Route

from tests.e2e.test_network_lessons import NETWORK_LESSONS, wait_lesson
from tests.e2e.test_share_teach import LESSONS

pytestmark = pytest.mark.e2e

# A link's experiment long enough that its stream is seen half drawn: "Running… k of n done" is written by
# the renderer only, for a result that has not finished.
LONG_EXPERIMENT = {"s": "rosenbrock", "n": 5_000, "t": 1e-12, "r": [{"o": "Adam"}, {"o": "SGD"}, {"o": "RMSprop"}]}
HALF_DRAWN_JS = "() => /^Running… \\d+ of \\d+ done$/.test(document.querySelector('#run-status').textContent)"
EXPERIMENT_STREAM = "**/api/experiments/stream"


def is_experiment_stream(request: Request) -> bool:
    return request.url.endswith("/api/experiments/stream")


def share_deck(server_url: str, lessons: list[dict]) -> str:
    """A deck stored by the server (POST /api/decks, as the deck dialog's Share does); its id."""
    body = json.dumps({"version": 1, "lessons": lessons}).encode()
    request = urllib.request.Request(server_url + "/api/decks", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["id"]


def hash_of(document: dict) -> str:
    return "#v1=" + base64.urlsafe_b64encode(json.dumps(document).encode()).decode().rstrip("=")


def test_a_surfaces_stream_ending_after_a_network_lesson_is_drawn_leaves_it_drawn(page: Page, server_url: str) -> None:
    full_batch = next(lesson for lesson in NETWORK_LESSONS if lesson["id"] == "net-full-batch")
    deck = share_deck(server_url, [full_batch, LESSONS[0]])
    held_deck: list[Route] = []
    held_streams: list[Route] = []
    streams = 0

    def hold_later_streams(route: Route) -> None:
        nonlocal streams
        streams += 1
        if streams == 1:  # the link's own experiment runs; the lesson's re-run waits
            route.continue_()
        else:
            held_streams.append(route)

    page.route(f"**/api/decks/{deck}", lambda route: held_deck.append(route))
    page.route(EXPERIMENT_STREAM, hold_later_streams)
    page.goto(f"{server_url}/?deck={deck}{hash_of(LONG_EXPERIMENT)}")
    page.wait_for_function(HALF_DRAWN_JS, timeout=120_000)
    assert len(held_deck) == 1, "the deck's request is held until surfaces mode has drawn part of its experiment"

    with page.expect_request(is_experiment_stream, timeout=120_000):
        held_deck[0].continue_()  # the deck arrives: its first lesson shows network mode and re-runs the experiment
    wait_lesson(page, full_batch)
    drawn_status = page.locator("#run-status").text_content()

    with page.expect_event("requestfinished", is_experiment_stream, timeout=120_000):
        held_streams[-1].continue_()  # the re-run ends after the training is drawn
    page.wait_for_function(
        """() => performance.getEntriesByType("resource")
          .filter((entry) => entry.name.endsWith("/api/experiments/stream")).length >= 2""",
    )
    wait_lesson(page, full_batch)  # the page says the training's picture is settled, after surfaces mode's stream
    assert page.locator("#run-status").text_content() == drawn_status
