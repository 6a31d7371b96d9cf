"""Lesson decks in Chromium (design.md §11): experiments saved as lessons, reordered and deleted; the
deck exported as JSON (lessons.json's shape), imported again, shared by a link the server stores, and
stepped through in presenter mode."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_share_teach import LESSONS, load_lesson, open_lessons

pytestmark = pytest.mark.e2e

SETTLED_JS = "() => document.querySelector('.stage').getAttribute('aria-busy') === 'false' && location.hash"


def fresh_page(page: Page, server_url: str) -> None:
    """The page with the lesson list loaded and no deck left in this browser by an earlier test."""
    page.goto(server_url + "/")
    page.evaluate("() => localStorage.removeItem('optimlab:deck')")
    open_lessons(page, server_url + "/")


def save_lesson(page: Page, title: str, text: str = "", look_for: str = "") -> None:
    if not page.get_by_test_id("deck-dialog").is_visible():
        page.get_by_test_id("save-lesson").click()
    page.get_by_test_id("lesson-title-input").fill(title)
    page.get_by_test_id("lesson-text-input").fill(text)
    page.get_by_test_id("lesson-look-input").fill(look_for)
    page.get_by_test_id("deck-add").click()


def deck_titles(page: Page) -> list[str]:
    return [
        text.split(". ", 1)[1] for text in page.get_by_test_id("deck-list").locator(".deck-title").all_text_contents()
    ]


def test_a_deck_is_made_reordered_exported_imported_shared_and_presented(
    page: Page, server_url: str, tmp_path: Path
) -> None:
    fresh_page(page, server_url)
    first, second = LESSONS[0], LESSONS[2]
    load_lesson(page, first)
    save_lesson(page, "Schedulers side by side", "Four schedules.", "The LR plot.")
    page.keyboard.press("Escape")
    load_lesson(page, second)
    page.get_by_test_id("save-lesson").click()
    save_lesson(page, "Second look", "Another.", "The paths.")
    save_lesson(page, "To be deleted")
    expect(page.get_by_test_id("deck-list").locator("li")).to_have_count(3)

    # Reorder (the second one up) and delete the last.
    page.get_by_test_id("deck-up").nth(1).click()
    assert deck_titles(page) == ["Second look", "Schedulers side by side", "To be deleted"]
    page.get_by_test_id("deck-delete").nth(2).click()
    assert deck_titles(page) == ["Second look", "Schedulers side by side"]

    # Export: lessons.json's shape, each experiment the one that was on the page.
    with page.expect_download() as download:
        page.get_by_test_id("deck-export").click()
    exported_path = tmp_path / "deck.json"
    download.value.save_as(exported_path)
    exported = json.loads(exported_path.read_text())
    assert exported["version"] == 1
    assert [lesson["title"] for lesson in exported["lessons"]] == ["Second look", "Schedulers side by side"]
    assert [lesson["look_for"] for lesson in exported["lessons"]] == ["The paths.", "The LR plot."]
    for lesson, source in zip(exported["lessons"], [second, first], strict=True):
        assert lesson["experiment"]["surface"] == source["experiment"]["surface"]
        ids = [run["optimizer"]["id"] for run in lesson["experiment"]["runs"]]
        assert ids == [run["optimizer"]["id"] for run in source["experiment"]["runs"]]

    # Import into a browser that has no deck: the same lessons come back.
    page.evaluate("() => localStorage.removeItem('optimlab:deck')")
    open_lessons(page, server_url + "/")  # loaded anew, and the deck editor listening (it starts before the list)
    page.get_by_test_id("save-lesson").click()
    expect(page.get_by_test_id("deck-list").locator("li")).to_have_count(0)
    page.get_by_test_id("deck-import").set_input_files(exported_path)
    expect(page.get_by_test_id("deck-list").locator("li")).to_have_count(2)
    assert deck_titles(page) == ["Second look", "Schedulers side by side"]

    # Share by link; the link opens the deck in the lesson picker, and presenter mode steps through it.
    page.get_by_test_id("deck-share").click()
    link = page.get_by_test_id("deck-link")
    expect(link).to_have_value(re.compile(re.escape(server_url) + r"/\?deck=[A-Za-z0-9_-]+$"))
    page.goto(link.input_value())
    options = page.get_by_test_id("preset-select").locator("option")
    expect(options).to_have_count(3)
    assert options.all_text_contents()[1:] == ["1. Second look", "2. Schedulers side by side"]
    expect(page).to_have_title("Second look · optimlab")
    page.wait_for_function(SETTLED_JS, timeout=30_000)
    page.get_by_test_id("presenter-button").click()
    expect(page.get_by_test_id("lesson-banner")).to_contain_text("Lesson 1 of 2")
    page.keyboard.press("ArrowRight")
    expect(page).to_have_title("Schedulers side by side · optimlab")
    expect(page.get_by_test_id("lesson-banner")).to_contain_text("What to look for: The LR plot.")
    page.keyboard.press("Escape")
