"""The curve plots' log/linear toggles (issue 20 item 4): each plot switches scale on its own button,
and on a log axis a schedule's zero is drawn on the floor, marked, instead of turning the axis linear."""

from __future__ import annotations

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.test_share_teach import HASH_DOC_JS, LESSONS, hash_document, load_lesson, open_default, open_lessons

pytestmark = pytest.mark.e2e

AXIS_JS = "(id) => document.querySelector(`[data-testid='${id}']`).layout?.yaxis.type"  # undefined until Plotly draws
FLOORED_JS = """(id) => (document.querySelector(`[data-testid='${id}']`).data || [])
  .filter(t => t.meta && t.meta.role === "floored").map(t => Array.from(t.x))"""


def test_each_curve_plot_toggles_log_and_linear_and_a_zero_lr_sits_on_the_floor(page: Page, server_url: str) -> None:
    lesson = next(lesson for lesson in LESSONS if lesson["id"] == "step-cosine-plateau")  # cosine ends at lr 0
    open_lessons(page, server_url)
    load_lesson(page, lesson)
    lr_toggle, loss_toggle = page.get_by_test_id("lr-plot-scale"), page.get_by_test_id("loss-plot-scale")
    expect(lr_toggle).to_have_attribute("aria-pressed", "true")
    assert page.evaluate(AXIS_JS, "lr-plot") == "log"
    assert page.evaluate(FLOORED_JS, "lr-plot") == [[lesson["experiment"]["steps"]]]  # cosine's last step, marked

    lr_toggle.click()
    expect(lr_toggle).to_have_text("linear")
    page.wait_for_function(f"() => ({AXIS_JS})('lr-plot') === 'linear'")
    assert page.evaluate(FLOORED_JS, "lr-plot") == []
    assert page.evaluate(AXIS_JS, "loss-plot") == "log"  # the other plot keeps its own scale

    loss_toggle.click()
    expect(loss_toggle).to_have_text("linear")
    page.wait_for_function(f"() => ({AXIS_JS})('loss-plot') === 'linear'")
    expect(page.locator("#loss-title")).to_have_text("Loss")
    lr_toggle.click()
    page.wait_for_function(f"() => ({AXIS_JS})('lr-plot') === 'log'")


def test_a_shared_link_keeps_each_plots_scale(page: Page, server_url: str, browser_context: BrowserContext) -> None:
    open_default(page, server_url)
    page.get_by_test_id("lr-plot-scale").click()
    page.wait_for_function(f"() => ({AXIS_JS})('lr-plot') === 'linear'")
    page.wait_for_function(f"() => (({HASH_DOC_JS})() || {{}}).a?.lr === 'linear'")
    assert hash_document(page)["a"] == {"lr": "linear"}

    other = browser_context.new_page()
    try:
        other.goto(page.url)
        other.wait_for_function(f"() => ({AXIS_JS})('lr-plot') === 'linear'", timeout=20_000)
        expect(other.get_by_test_id("lr-plot-scale")).to_have_text("linear")
        assert other.evaluate(AXIS_JS, "loss-plot") == "log"  # the plot the reader left alone keeps its default
    finally:
        other.close()


LR_VALUES_JS = "() => Array.from(document.querySelector('[data-testid=\"lr-plot\"]').data[0].y)"


def test_per_epoch_stepping_starts_with_twenty_epochs_and_the_card_says_what_m_is(page: Page, server_url: str) -> None:
    page.goto(server_url)
    card = page.locator(".run-card").first
    card.get_by_test_id("scheduler-select").select_option("StepLR")
    note = card.get_by_test_id("scheduler-calls")
    expect(note).to_contain_text("m = 500 scheduler calls (once a step)")
    expect(note).to_contain_text("step_size = 125 calls (max(1, m // 4))")  # what auto became, and its rule
    cut_at = """(k) => { const lr = (LR)();
      return lr.length === 501 && new Set(lr).size === 5 && lr[k - 1] === lr[0] && lr[k] < lr[0]; }""".replace(
        "LR", LR_VALUES_JS
    )
    page.wait_for_function(cut_at, arg=125)  # step_size auto = m // 4 = 125 steps

    card.locator('[data-field$="scheduler.interval"] select').select_option("epoch")
    expect(note).to_contain_text("m = 20 scheduler calls (once every 25 steps)")
    per_epoch = card.locator('[data-field$="scheduler.steps_per_epoch"] input')
    expect(per_epoch).to_have_attribute("placeholder", "25")
    page.wait_for_function(cut_at, arg=125)  # auto = 20 // 4 = 5 epochs of 25 steps: the same cut
    per_epoch.fill("10")
    expect(note).to_contain_text("m = 50 scheduler calls (once every 10 steps)")
    page.wait_for_function(cut_at, arg=120)  # auto = 50 // 4 = 12 epochs of 10 steps

    # The number the card shows is the one the API resolved for the same run.
    scheduler = {"id": "StepLR", "interval": "epoch", "steps_per_epoch": 10}
    run = {"start": [-1.5, 2], "optimizer": {"id": "SGD", "params": {"lr": 0.0015, "momentum": 0.9}}}
    body = {"surface": {"id": "rosenbrock"}, "steps": 500, "runs": [{**run, "scheduler": scheduler}]}
    resolved = page.request.post(server_url + "/api/experiments", data=body).json()["runs"][0]["scheduler"]
    assert resolved["calls"] == 50
    step_size = resolved["auto"]["step_size"]
    expect(note).to_contain_text(f"step_size = {step_size} calls = {step_size * 10} steps")
    # On the LR plot: the run's scheduler calls as ticks on its curve, the epochs as a dotted minor grid.
    marks = page.evaluate(
        """() => { const plot = document.querySelector('[data-testid="lr-plot"]');
          return [plot.data.filter(t => t.meta && t.meta.role === "scheduler-call").map(t => Array.from(t.x)),
                  plot.layout.xaxis.minor && plot.layout.xaxis.minor.dtick]; }"""
    )
    assert marks == [[list(range(10, 501, 10))], 10]


def test_the_inspector_opens_beside_the_plots_at_1440_by_900(page: Page, server_url: str) -> None:
    page.set_viewport_size({"width": 1440, "height": 900})
    open_default(page, server_url)
    inspector = page.get_by_test_id("inspector")
    inspector.locator("summary").click()
    expect(inspector).to_have_attribute("open", "")
    box, lr, loss, stage = (
        page.get_by_test_id(testid).bounding_box() for testid in ("inspector", "lr-plot", "loss-plot", "contour-plot")
    )
    assert box["x"] >= stage["x"] + stage["width"]  # in the column beside the map
    assert lr["y"] + lr["height"] <= box["y"] < 900  # right under the curves, on screen
    assert loss["y"] >= 0  # reading it leaves the loss and LR plots in view
    summary = page.get_by_test_id("summary-table").bounding_box()
    assert summary["y"] > box["y"]  # the summary comes after it


def test_look_alike_optimizers_carry_their_source_in_the_list(page: Page, server_url: str) -> None:
    catalog = page.request.get(server_url + "/api/catalog").json()
    by_name: dict[str, list[dict]] = {}
    for entry in catalog["optimizers"]:
        by_name.setdefault(entry["name"], []).append(entry)
    pairs = [entries for entries in by_name.values() if len(entries) > 1]
    if not pairs:
        pytest.skip("no optimizer name is shared by two sources in this catalog")
    open_default(page, server_url)
    select = page.locator(".run-card").first.get_by_test_id("optimizer-select")
    texts = dict(select.locator("option").evaluate_all("os => os.map(o => [o.value, o.textContent])"))
    for entries in pairs:
        shown = {texts[entry["id"]] for entry in entries}
        assert len(shown) == len(entries) and all(entries[0]["name"] in text for text in shown)
    assert texts["SGD"] == "SGD" or "SGD" not in {p[0]["name"] for p in pairs}


def test_the_lesson_pickers_label_is_visible(page: Page, server_url: str) -> None:
    page.set_viewport_size({"width": 1440, "height": 900})
    open_lessons(page, server_url)
    label = page.locator(".topbar-field .topbar-label")
    expect(label).to_be_visible()
    expect(label).to_have_text("Lesson")
    expect(page.get_by_role("combobox", name="Lesson", exact=True)).to_have_attribute("data-testid", "preset-select")
