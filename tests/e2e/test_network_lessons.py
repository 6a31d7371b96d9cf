"""The "Training a network" lessons on the page in Chromium (issue 18 item 9, design.md §10/§11).

One page steps through the lessons in order. Each must switch to network mode and draw its training
(the landscape's contour and a path per run, train and validation loss per epoch, each step's loss, the
lr per step), and the numbers its words print must hold for the DRAWN numbers: the picture is read
back from Plotly's own `element.data` into a training result's shape and put through the very checks
tests/unit/test_network_lessons.py runs on the engine's result. What no plot draws comes from the page
too: the task's counts from the status line, a run's best and final validation loss from its drawn
dashed curve. The LR finder lesson's finder numbers are the lesson's own settings (its `lr_finder`),
checked against the engine in the unit test; the finder's plot is another view's.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_deck import fresh_page, save_lesson
from tests.e2e.test_share_teach import ALL_LESSONS, LESSONS, load_lesson, open_lessons
from tests.unit.test_network_lessons import CHECKS, Claims

pytestmark = pytest.mark.e2e

NETWORK_LESSONS = [lesson for lesson in ALL_LESSONS if lesson.get("mode") == "network"]
GROUP = "Training a network"

# What the page drew, as numbers: the curves by split ("step": each step's loss), the lr per step, the
# landscape's paths and contour, the status line, each run's status in the summary, the page's mode.
DRAWN_JS = """() => {
  const data = (id) => document.querySelector(`[data-testid="${id}"]`).data || [];
  const losses = data("epoch-loss-plot");
  const split = (name) => losses.filter(t => t.meta.split === name).map(t => Array.from(t.y));
  return JSON.stringify({
    busy: document.querySelector(".stage").getAttribute("aria-busy"),
    mode: document.body.dataset.mode,
    paths: data("landscape-plot").filter(t => t.meta && t.meta.role === "path").map(t => Array.from(t.x)),
    contours: data("landscape-plot").filter(t => t.type === "contour").length,
    train: split("train"), val: split("val"), step: split("step"),
    lr: data("lr-plot").map(t => Array.from(t.y)),
    status: document.querySelector("#run-status").textContent,
    statuses: [...document.querySelectorAll('[data-testid="summary-table"] tbody .status')].map(e => e.textContent),
  });
}"""

# Settled on a training of `runs` runs and `epochs` epochs, other than the picture `before`: in network
# mode, not busy, the status line final, every plot drawn from the same finished training.
SETTLED_JS = f"""([runs, epochs, before]) => {{
  const d = JSON.parse(({DRAWN_JS})());
  return d.mode === "network" && d.busy === "false" && / steps · /.test(d.status) && d.contours === 1
    && d.paths.length === runs && d.train.length === runs && d.val.length === runs && d.lr.length === runs
    && d.step.length === runs && d.train.every(y => y.length === epochs + 1)
    && d.step.every((y, i) => y.length === d.lr[i].length) && JSON.stringify(d) !== before;
}}"""

TASK = re.compile(r"(\d+) training points · (\d+) weights")


def drawn(page: Page) -> str:
    return page.evaluate(DRAWN_JS)


def wait_lesson(page: Page, lesson: dict[str, Any], before: str | None = None) -> dict[str, Any]:
    """Wait until `lesson`'s training is drawn (other than `before`); the drawn picture."""
    training = lesson["training"]
    page.wait_for_function(SETTLED_JS, arg=[len(training["runs"]), training["epochs"], before], timeout=120_000)
    return json.loads(drawn(page))


def drawn_result(picture: dict[str, Any], epochs: int) -> dict[str, Any]:
    """The drawn picture as a training result (POST /api/trainings' shape) for the lessons' checks.

    A run's lr per epoch is the lr plot's value at each epoch's first step (the scheduler steps per epoch
    or per step; per step, the checks read the steps); best and final validation loss, and the epoch of
    the best, are read off the dashed curve as the summary defines them (the first lowest).
    """
    points, weights = map(int, TASK.search(picture["status"]).groups())
    per_epoch = len(picture["lr"][0]) // epochs
    runs = []
    for train, val, step, lr in zip(picture["train"], picture["val"], picture["step"], picture["lr"], strict=True):
        best = min(range(len(val)), key=val.__getitem__)
        runs.append({
            "epochs": {"train_loss": train, "val_loss": val, "lr": lr[::per_epoch]},
            "steps": {"loss": step, "lr": lr},
            "summary": {"final_val_loss": val[-1], "best_val_loss": val[best], "best_epoch": best},
        })  # fmt: skip
    return {"task": {"n_train": points, "parameters": weights, "steps_per_epoch": per_epoch}, "runs": runs}


# Seven trainings, each with its landscape, one after another on one page (and the LR finder lesson's
# finder in this process, which the checks take from the engine): longer than the suite's 300 s on a
# loaded machine.
@pytest.mark.timeout(900)
def test_every_training_lesson_draws_what_its_words_say(page: Page, server_url: str, browser_context) -> None:
    open_lessons(page, server_url)
    select = page.get_by_test_id("preset-select")
    group = select.locator(f'optgroup[label="{GROUP}"] option')
    assert group.evaluate_all("os => os.map(o => o.value)") == [lesson["id"] for lesson in NETWORK_LESSONS]

    results: dict[str, dict[str, Any]] = {}
    before = None
    for lesson in NETWORK_LESSONS:
        select.select_option(lesson["id"])
        picture = wait_lesson(page, lesson, before)
        before = drawn(page)
        expect(page).to_have_title(f"{lesson['title']} · optimlab")
        expect(page.get_by_test_id("lesson-text")).to_have_text(lesson["text"])
        expect(page.get_by_test_id("mode-select")).to_have_value("network")
        assert [status.split(" ")[0] for status in picture["statuses"]] == lesson["expect"], lesson["id"]
        results[lesson["id"]] = drawn_result(picture, lesson["training"]["epochs"])
        CHECKS[lesson["id"]](Claims(lesson["id"]), results.__getitem__)

    # The last lesson's link opens the same picture in a new tab.
    other = browser_context.new_page()
    try:
        other.goto(page.url)
        same = ("paths", "train", "val", "step", "lr", "statuses")  # not the status line: it holds the time taken
        shown, opened = json.loads(before), wait_lesson(other, NETWORK_LESSONS[-1])
        assert {key: opened[key] for key in same} == {key: shown[key] for key in same}
        expect(other.get_by_test_id("lesson-text")).to_have_text(NETWORK_LESSONS[-1]["text"])
    finally:
        other.close()

    # A surfaces lesson switches back to the map.
    load_lesson(page, LESSONS[0])
    expect(page.get_by_test_id("mode-select")).to_have_value("surfaces")
    expect(page.get_by_test_id("contour-plot")).to_be_visible()


def test_a_network_lesson_goes_into_a_deck_and_presenter_mode_steps_through_it(
    page: Page, server_url: str, tmp_path: Path
) -> None:
    fresh_page(page, server_url)
    full_batch = next(lesson for lesson in NETWORK_LESSONS if lesson["id"] == "net-full-batch")
    page.get_by_test_id("preset-select").select_option(full_batch["id"])
    wait_lesson(page, full_batch)
    save_lesson(page, "One batch", "The whole set per step.", "The epoch loss plot.")
    page.keyboard.press("Escape")
    load_lesson(page, LESSONS[0])
    save_lesson(page, "Back on a surface")

    with page.expect_download() as download:
        page.get_by_test_id("deck-export").click()
    exported = json.loads(Path(download.value.path()).read_text())
    network, surfaces = exported["lessons"]
    assert network["mode"] == "network" and "experiment" not in network and "experiment" in surfaces
    training = network["training"]
    assert {key: training[key] for key in ("task", "epochs", "batch_size")} == {
        key: full_batch["training"][key] for key in ("task", "epochs", "batch_size")
    }
    assert [run["optimizer"] for run in training["runs"]] == [
        run["optimizer"] for run in full_batch["training"]["runs"]
    ]

    # Imported into a browser without a deck, shared by link (the server checks it), then presented.
    page.evaluate("() => localStorage.removeItem('optimlab:deck')")
    open_lessons(page, server_url + "/")  # loaded anew, and the deck editor listening (it starts before the list)
    page.get_by_test_id("save-lesson").click()
    saved = tmp_path / "deck.json"
    saved.write_text(json.dumps(exported))
    page.get_by_test_id("deck-import").set_input_files(saved)
    expect(page.get_by_test_id("deck-list").locator("li")).to_have_count(2)
    page.get_by_test_id("deck-share").click()
    link = page.get_by_test_id("deck-link")
    expect(link).to_have_value(re.compile(re.escape(server_url) + r"/\?deck=[A-Za-z0-9_-]+$"))
    page.goto(link.input_value())
    expect(page).to_have_title("One batch · optimlab")
    wait_lesson(page, full_batch)
    page.get_by_test_id("presenter-button").click()
    expect(page.get_by_test_id("lesson-banner")).to_contain_text("Lesson 1 of 2")
    expect(page.get_by_test_id("epoch-loss-plot")).to_be_visible()
    page.keyboard.press("ArrowRight")
    expect(page).to_have_title("Back on a surface · optimlab")
    expect(page.get_by_test_id("mode-select")).to_have_value("surfaces")
