"""Orientation for a newcomer (issue 20 item 7): a line says what the first picture shows, the folded lesson
banner on a phone says it opens, and the minimum's ★ lies over the cursor's dot of the run that ends on it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_share_teach import LESSONS, load_lesson, open_default, open_lessons

pytestmark = pytest.mark.e2e

AFTER_JS = "e => getComputedStyle(e, '::after').content"


def test_a_line_says_what_the_default_picture_shows_until_the_reader_makes_it_theirs(
    page: Page, server_url: str
) -> None:
    open_default(page, server_url)
    line = page.get_by_test_id("orientation")
    expect(line).to_be_visible()
    expect(line).to_contain_text("Rosenbrock")
    expect(line).to_contain_text("★ at (1, 1)")
    assert (
        line.bounding_box()["y"] + line.bounding_box()["height"]
        <= page.get_by_test_id("contour-plot").bounding_box()["y"]
    )

    load_lesson(page, LESSONS[0])
    expect(line).to_be_hidden()  # a lesson says what it shows itself


def test_the_folded_lesson_banner_on_a_phone_says_that_it_opens(page: Page, server_url: str) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    open_lessons(page, server_url)
    load_lesson(page, LESSONS[1])
    banner = page.get_by_test_id("lesson-banner")
    expect(banner).not_to_have_attribute("open", "")  # phones: the map first
    summary = banner.locator("summary")
    assert "show lesson" in summary.evaluate(AFTER_JS)
    summary.click()
    expect(banner).to_have_attribute("open", "")
    expect(banner.get_by_test_id("lesson-text")).to_be_visible()
    assert "hide" in summary.evaluate(AFTER_JS)


def test_the_minimums_star_lies_over_the_cursor_dot_of_the_run_that_ends_on_it(page: Page, server_url: str) -> None:
    open_default(page, server_url)
    star = page.evaluate(
        """() => { const map = document.querySelector('[data-testid="contour-plot"]');
          const stars = map.layout.annotations.filter(a => a.name === "minimum");
          const drawn = [...map.querySelectorAll('.annotation-text')].find(t => t.textContent === "★");
          const dots = map.querySelector('.layer-above .shapelayer');
          const after = dots && drawn && dots.compareDocumentPosition(drawn) & Node.DOCUMENT_POSITION_FOLLOWING;
          const cursors = map.layout.shapes.filter(s => s.name.startsWith("cursor:")).length;
          return { stars: stars.map(a => [a.x, a.y]), cursors, over: Boolean(after) }; }"""
    )
    assert star == {"stars": [[1, 1]], "cursors": 4, "over": True}
