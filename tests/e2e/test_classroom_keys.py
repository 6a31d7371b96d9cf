"""The keyboard where a lecturer meets it (issue 20, items 1 and 2): in presenter mode Space, ←/→ and
Home/End do what the shortcut help says, the Exit button covers no plot's toolbar, and after a choice in
the lesson picker (or any select) ←/→ step playback instead of changing the choice again."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_share_teach import LESSONS, load_lesson, open_lessons, present_lesson

pytestmark = pytest.mark.e2e

STEP_JS = "() => Number(document.querySelector('[data-testid=\"scrubber\"]').value)"


def step(page: Page) -> int:
    return page.evaluate(STEP_JS)


def wait_step(page: Page, value: int) -> None:
    page.wait_for_function(f"(k) => ({STEP_JS})() === k", arg=value, timeout=10_000)


def boxes_overlap(a: dict, b: dict) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and (a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"])
    )


def test_presenter_mode_keys_do_what_the_help_says_and_exit_covers_no_toolbar(page: Page, server_url: str) -> None:
    first, second = LESSONS[0], LESSONS[1]
    present_lesson(page, server_url, first)
    exit_button = page.get_by_role("button", name="Exit presenter mode")
    expect(exit_button).to_be_visible()
    expect(exit_button).not_to_be_focused()

    # Space plays (and stays in presenter mode), Space again pauses.
    page.keyboard.press("Home")
    wait_step(page, 0)
    page.keyboard.press(" ")
    expect(page.get_by_test_id("play-button")).to_have_attribute("aria-label", "Pause")
    expect(page.locator("html")).to_have_class("presenting")
    page.wait_for_function(f"() => ({STEP_JS})() > 0")
    page.keyboard.press(" ")
    expect(page.get_by_test_id("play-button")).to_have_attribute("aria-label", "Play")
    # Home and End: the first step, the newest.
    page.keyboard.press("End")
    wait_step(page, first["experiment"]["steps"])
    page.keyboard.press("Home")
    wait_step(page, 0)
    expect(page.locator("html")).to_have_class("presenting")

    # No plot's toolbar lies under Exit (the toolbar shows on hover: hover each plot, then compare boxes).
    exit_box = exit_button.bounding_box()
    for testid in ("contour-plot", "loss-plot", "lr-plot"):
        page.get_by_test_id(testid).hover()
        modebar = page.get_by_test_id(testid).locator(".modebar")
        expect(modebar).to_be_visible()
        assert not boxes_overlap(exit_box, modebar.bounding_box()), testid

    # ←/→ move between lessons (the help's presenter section); Esc leaves.
    page.keyboard.press("ArrowRight")
    expect(page).to_have_title(f"{second['title']} · optimlab")
    page.keyboard.press("ArrowLeft")
    expect(page).to_have_title(f"{first['title']} · optimlab")
    page.keyboard.press("Escape")
    expect(page.locator("html")).not_to_have_class("presenting")


def test_after_a_choice_in_a_select_the_arrows_step_playback(page: Page, server_url: str) -> None:
    lesson = LESSONS[1]
    open_lessons(page, server_url)
    picker = page.get_by_test_id("preset-select")
    picker.focus()  # as a reader's choice leaves it
    load_lesson(page, lesson)
    expect(picker).to_be_focused()
    page.keyboard.press("Home")
    wait_step(page, 0)
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    wait_step(page, 2)
    page.keyboard.press("ArrowLeft")
    wait_step(page, 1)
    expect(picker).to_have_value(lesson["id"])  # the lesson stayed
    expect(page).to_have_title(f"{lesson['title']} · optimlab")
