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


OVERLAPS_JS = """() => {
  const map = document.querySelector('[data-testid="contour-plot"]');
  const box = (e) => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  const titles = [...map.querySelectorAll('.annotation')].filter(a => a.textContent.includes("●")).map(box);
  const ticks = [...map.querySelectorAll('.xtick text, .ytick text')].filter(t => t.textContent).map(box);
  const bar = map.querySelector('.modebar');
  return { titles, ticks, toolbar: bar ? box(bar) : null };
}"""


def overlap(a: list[float], b: list[float]) -> bool:
    return a[0] < b[2] - 0.5 and b[0] < a[2] - 0.5 and a[1] < b[3] - 0.5 and b[1] < a[3] - 0.5


@pytest.mark.parametrize("width", [1440, 390], ids=["laptop", "phone"])
def test_small_multiples_titles_and_ticks_keep_clear_of_each_other_and_the_toolbar(
    page: Page, server_url: str, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 900 if width > 500 else 844})
    open_default(page, server_url)
    if width > 500:  # long names, as a lecturer's runs have (a phone's default names are already wider than a panel)
        for index in range(4):
            page.locator(".run-label").nth(index).fill(f"Same optimizer at another learning rate, run {index}")
    page.get_by_test_id("view-select").select_option("multiples")
    page.wait_for_function(f"() => ({OVERLAPS_JS})().titles.length === 4", timeout=30_000)
    drawn = page.evaluate(OVERLAPS_JS)
    titles, ticks = drawn["titles"], drawn["ticks"]
    assert not [(a, b) for i, a in enumerate(titles) for b in titles[i + 1 :] if overlap(a, b)]
    assert drawn["toolbar"] is None or not [t for t in titles if overlap(t, drawn["toolbar"])]
    assert ticks and not [(a, b) for i, a in enumerate(ticks) for b in ticks[i + 1 :] if overlap(a, b)]
