"""The workbench page in Chromium against the real server (design.md §7, UX.md).

Plots are read through Plotly's own `element.data`; a path trace carries `meta.role == "path"`.
The views set `aria-busy="false"` when a stream has been drawn completely.
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Locator, Page, expect

from bench.browser import FIRST_DRAW_TIMES_JS, FIRST_DRAWN_JS
from tests.e2e.conftest import PageLog

pytestmark = pytest.mark.e2e

FULL = 501  # 500 steps plus the start

# The paths on the map as JSON (each its length and last point), compared as text in the page.
PATHS_JS = """() => {
  const gd = document.querySelector('[data-testid="contour-plot"]');
  return JSON.stringify((gd.data || []).filter(t => t.meta && t.meta.role === "path")
    .map(t => [t.x.length, t.x[t.x.length - 1], t.y[t.y.length - 1]]));
}"""

SETTLED_JS = f"""([count, length, before]) => {{
  const now = JSON.parse(({PATHS_JS})());
  return document.querySelector(".stage").getAttribute("aria-busy") === "false" && now.length === count
    && (length === null || now.every(([n]) => n === length)) && JSON.stringify(now) !== before;
}}"""


def paths(page: Page) -> str:
    """A snapshot of the drawn paths; `json.loads` it to look at one run."""
    return page.evaluate(PATHS_JS)


def wait_drawn(page: Page, count: int = 4, length: int | None = FULL, before: str | None = None) -> None:
    """Wait until `count` paths (of `length` points) are drawn and differ from the snapshot `before`."""
    page.wait_for_function(SETTLED_JS, arg=[count, length, before], timeout=20_000)


def open_workbench(page: Page, url: str) -> None:
    page.goto(url)
    wait_drawn(page)


def run_card(page: Page, index: int) -> Locator:
    return page.locator(".run-card").nth(index)


def trace_count(page: Page, testid: str) -> int:
    return page.evaluate(f"() => (document.querySelector('[data-testid=\"{testid}\"]').data || []).length")


def test_default_comparison_draws_four_full_paths(drawn_page: Page, capsys) -> None:
    wait_drawn(drawn_page)
    # The paths can be drawn a frame before the surface grid is in; the mark waits for both.
    drawn_page.wait_for_function(FIRST_DRAWN_JS)
    timings = drawn_page.evaluate(FIRST_DRAW_TIMES_JS)
    with capsys.disabled():
        print(
            f"\n[e2e] default comparison drawn {timings['drawn']:.0f} ms after navigation (goal < 1000 ms); "
            f"Plotly.js start-up {timings['plotly']:.0f} ms and the frame that drew it "
            f"{timings['frame']:.0f} ms of that"
        )

    assert [p[0] for p in json.loads(paths(drawn_page))] == [FULL] * 4
    assert trace_count(drawn_page, "loss-plot") == 4
    assert trace_count(drawn_page, "lr-plot") == 4
    rows = drawn_page.get_by_test_id("summary-table").locator("tbody tr")
    expect(rows).to_have_count(4)
    for name in ("SGD", "Adam", "RMSprop", "Adagrad"):
        expect(rows.filter(has_text=name)).to_have_count(1)
    # None of the defaults diverges, and each row has numbers.
    expect(drawn_page.get_by_test_id("summary-table")).not_to_contain_text("diverged")
    assert re.search(r"\d", rows.first.locator("td").nth(1).inner_text())


def test_changing_the_surface_redraws(page: Page, server_url: str) -> None:
    open_workbench(page, server_url)
    before = paths(page)
    page.get_by_test_id("surface-select").select_option("himmelblau")
    wait_drawn(page, before=before)
    minima = page.evaluate(
        """() => document.querySelector('[data-testid="contour-plot"]').data
             .filter(t => t.marker && t.marker.symbol === "star")[0].x.length"""
    )
    assert minima == 4
    # Every run starts from Himmelblau's default start.
    starts = page.evaluate(
        """() => document.querySelector('[data-testid="contour-plot"]').data
             .filter(t => t.meta && t.meta.role === "path").map(t => [t.x[0], t.y[0]])"""
    )
    assert starts == [[0, 0]] * 4


def test_changing_an_optimizer_swaps_its_form_and_redraws(page: Page, server_url: str) -> None:
    open_workbench(page, server_url)
    before = paths(page)
    card = run_card(page, 0)
    expect(card.locator('[data-field="runs.0.optimizer.params.nesterov"]')).to_have_count(1)
    card.get_by_test_id("optimizer-select").select_option("NAdam")
    expect(card.locator('[data-field="runs.0.optimizer.params.momentum_decay"]')).to_have_count(1)
    expect(card.locator('[data-field="runs.0.optimizer.params.nesterov"]')).to_have_count(0)
    # torch's default is the placeholder.
    expect(card.locator("#f-runs-0-optimizer-params-lr")).to_have_attribute("placeholder", "0.002")
    wait_drawn(page, before=before)
    expect(page.get_by_test_id("summary-table").locator("tbody tr").first).to_contain_text("NAdam")


def test_the_optimizer_list_is_grouped_by_source_and_filterable(page: Page, server_url: str) -> None:
    open_workbench(page, server_url)
    catalog = page.request.get(server_url + "/api/catalog").json()
    card = run_card(page, 0)
    select = card.get_by_test_id("optimizer-select")
    groups = select.locator("optgroup").evaluate_all("gs => gs.map(g => g.label)")
    assert len(groups) == len({entry["source"] for entry in catalog["optimizers"]})
    assert select.locator("option").count() == len(catalog["optimizers"])
    if len(catalog["optimizers"]) <= 20:
        pytest.skip("the filter box appears only for a long catalog")
    card.get_by_role("searchbox", name="Filter the optimizer list").fill("adam")
    shown = set(select.locator("option").evaluate_all("os => os.map(o => o.value)"))
    matching = {e["id"] for e in catalog["optimizers"] if "adam" in f"{e['name']} {e['id']} {e['doc']}".lower()}
    assert shown == matching | {"SGD"}  # the current choice stays listed

    # A default JSON cannot carry (growth_rate=inf) is still shown as torch has it.
    select.select_option("pytorch_optimizer.DAdaptAdam")
    expect(card.locator("#f-runs-0-optimizer-params-growth_rate")).to_have_attribute("placeholder", "inf")


def test_a_scheduler_changes_the_lr_curve(page: Page, server_url: str) -> None:
    open_workbench(page, server_url)
    before = paths(page)
    run_card(page, 1).get_by_test_id("scheduler-select").select_option("StepLR")
    wait_drawn(page, before=before)
    lr = page.evaluate("() => document.querySelector('[data-testid=\"lr-plot\"]').data[1].y")
    assert lr[0] == pytest.approx(0.1)
    assert lr[-1] == pytest.approx(0.1 * 0.1**4)  # StepLR: step_size m // 4, gamma 0.1


def test_nested_schedulers_edit_their_children(page: Page, server_url: str) -> None:
    open_workbench(page, server_url)
    card = run_card(page, 1)
    before = paths(page)
    card.get_by_test_id("scheduler-select").select_option("SequentialLR")
    children = card.locator(".nested-item")
    expect(children).to_have_count(2)  # the catalog's default: LinearLR, then CosineAnnealingLR
    wait_drawn(page, before=before)
    before = paths(page)
    lr_before = page.evaluate("() => document.querySelector('[data-testid=\"lr-plot\"]').data[1].y")
    children.nth(1).locator("select").select_option("ExponentialLR")
    expect(card.locator('[data-field="runs.1.scheduler.params.schedulers.1.params.gamma"]')).to_have_count(1)
    wait_drawn(page, before=before)
    lr_after = page.evaluate("() => document.querySelector('[data-testid=\"lr-plot\"]').data[1].y")
    assert lr_after != lr_before


def test_a_hyperparameter_change_redraws_and_can_be_reset(page: Page, server_url: str) -> None:
    open_workbench(page, server_url)
    before = paths(page)
    field = page.locator('[data-field="runs.1.optimizer.params.lr"]')
    field.locator("input").fill("0.02")
    wait_drawn(page, before=before)
    now, then = json.loads(paths(page)), json.loads(before)
    assert now[1] != then[1]
    assert now[0] == then[0]
    expect(field).to_have_class(re.compile(r"\bis-changed\b"))
    field.get_by_role("button", name=re.compile("Reset")).click()
    expect(field.locator("input")).to_have_value("")
    expect(field).not_to_have_class(re.compile(r"\bis-changed\b"))


def test_an_invalid_value_is_explained_next_to_its_field(page: Page, server_url: str, page_log: PageLog) -> None:
    page_log.expect_console_error("status of 422")
    open_workbench(page, server_url)
    field = page.locator('[data-field="runs.1.optimizer.params.lr"]')
    field.locator("input").fill("-1")
    expect(field.locator(".field-error")).to_contain_text("Invalid learning rate")
    expect(page.locator("#experiment-error")).to_be_hidden()
    # The last good paths stay on the map.
    assert len(json.loads(paths(page))) == 4


def test_adding_and_removing_runs(page: Page, server_url: str) -> None:
    open_workbench(page, server_url)
    page.get_by_test_id("add-run").click()
    wait_drawn(page, count=5)
    expect(page.get_by_test_id("summary-table").locator("tbody tr")).to_have_count(5)
    run_card(page, 0).get_by_role("button", name="Remove this run").click()
    wait_drawn(page, count=4, before=paths(page))
    expect(page.get_by_test_id("summary-table").locator("tbody tr").first).to_contain_text("Adam")


def test_a_bad_formula_shows_its_position(page: Page, server_url: str, page_log: PageLog) -> None:
    page_log.expect_console_error("status of 422")
    open_workbench(page, server_url)
    page.get_by_test_id("surface-select").select_option("expression")
    formula = page.get_by_test_id("formula-input")
    formula.fill("x**2 + * y")
    error = page.get_by_test_id("formula-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("position 7")
    expect(error.locator("mark")).to_have_text("*")
    formula.fill("x**2 + 3*y**2")
    expect(error).to_be_hidden()
    wait_drawn(page, length=None)


def test_a_superseded_stream_is_aborted(page: Page, server_url: str) -> None:
    open_workbench(page, server_url)
    aborted: list[str] = []
    page.on("requestfailed", lambda r: r.url.endswith("/api/experiments/stream") and aborted.append(r.url))
    page.locator("#f-steps").fill("20000")
    page.wait_for_function("() => document.querySelector('.stage').getAttribute('aria-busy') === 'true'")
    page.get_by_test_id("run-button").click()  # starts over: the long stream in flight is dropped
    page.locator("#f-steps").fill("300")
    wait_drawn(page, length=301)
    assert aborted


def test_phone_width_has_no_horizontal_scrolling(page: Page, server_url: str) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    open_workbench(page, server_url)
    assert page.evaluate("() => document.scrollingElement.scrollWidth") <= 390
    # Stacked: the map comes first and is as wide as the screen allows.
    box = page.get_by_test_id("contour-plot").bounding_box()
    assert box is not None and box["width"] > 330


def test_theme_toggle_switches_page_and_plots(page: Page, server_url: str) -> None:
    open_workbench(page, server_url)
    background = "() => document.querySelector('[data-testid=\"loss-plot\"]').layout.paper_bgcolor"
    light = page.evaluate(background)
    page.get_by_test_id("theme-toggle").click()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    page.wait_for_function(f"(light) => ({background})() !== light", arg=light)
    page.get_by_test_id("theme-toggle").click()  # back to following the system (light here)
    expect(page.locator("html")).not_to_have_attribute("data-theme", re.compile("."))


def test_every_control_is_labelled_and_the_hooks_are_present(drawn_page: Page) -> None:
    wait_drawn(drawn_page)
    unlabelled = drawn_page.evaluate(
        """() => [...document.querySelectorAll("input, select, button")]
             .filter(el => !(el.labels && el.labels.length) && !el.getAttribute("aria-label")
                           && !el.textContent.trim())
             .map(el => el.outerHTML.slice(0, 80))"""
    )
    assert unlabelled == []
    for hook in [
        "play-button",
        "scrubber",
        "share-link",
        "preset-select",
        "sweep-button",
        "code-button",
        "view-select",
        "inspector",
        "presenter-button",
        "qr-code",
        "export-json",
        "export-csv",
        "theme-toggle",
        # the classroom's (design.md §11)
        "trail-toggle",
        "short-link",
        "save-lesson",
        "deck-export",
        "deck-import",
        "export-video",
    ]:  # formula-input appears with the custom surface: see test_a_bad_formula_shows_its_position
        expect(drawn_page.get_by_test_id(hook)).to_have_count(1)
    assert drawn_page.get_by_test_id("view-select").locator("option").evaluate_all("os => os.map(o => o.value)") == [
        "overlay",
        "multiples",
        "3d",
    ]


def test_the_page_needs_no_inline_script_or_style(page: Page, server_url: str) -> None:
    html = page.request.get(server_url + "/").text()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"\son[a-z]+\s*=", html)
    assert not re.search(r"\sstyle\s*=", html)
