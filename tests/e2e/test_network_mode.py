"""Network mode on the page in Chromium against the real server (issue 18; SPEC §10, design.md §10).

The plots are read through Plotly's own `element.data`: a landscape path carries `meta.role == "path"`,
an epoch curve `meta.split` ("train" or "val"; "step" for the faint per-step loss). The views set
`aria-busy="false"` once a training is in.
"""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, expect

from bench.browser import FIRST_DRAWN_JS, NETWORK_DRAW_MS_JS, NETWORK_DRAWN_JS

pytestmark = pytest.mark.e2e

DEFAULT_RUNS = 4
DEFAULT_EPOCHS = 30

# What the page drew, as numbers: each landscape path's points, each epoch curve, the summary's cells.
PICTURE_JS = """() => {
  const data = (id) => document.querySelector(`[data-testid="${id}"]`).data || [];
  return JSON.stringify({
    paths: data("landscape-plot").filter(t => t.meta && t.meta.role === "path").map(t => [t.x, t.y]),
    contour: data("landscape-plot").filter(t => t.type === "contour").map(t => t.z),
    losses: data("epoch-loss-plot").filter(t => t.meta.split !== "step").map(t => [t.meta.split, t.y]),
    accuracy: data("accuracy-plot").map(t => t.y),
    lr: data("lr-plot").map(t => t.y),
    summary: [...document.querySelectorAll('[data-testid="summary-table"] tbody td')].map(td => td.textContent),
  });
}"""

# Settled: the training is in (the views not busy), drawn with `runs` paths of `epochs` epochs, and
# (when given) other than the picture `before`.
SETTLED_JS = f"""([runs, epochs, before]) => {{
  if (document.querySelector(".stage").getAttribute("aria-busy") !== "false") return false;
  const picture = JSON.parse(({PICTURE_JS})());
  return picture.paths.length === runs && picture.losses.length === 2 * runs
    && picture.losses.every(([, y]) => y.length === epochs + 1) && picture.contour.length === 1
    && (before === null || JSON.stringify(picture) !== before);
}}"""


def snapshot(page: Page) -> str:
    """What the page drew, as the page writes it in JSON (compared as text, in the page's own number format)."""
    return page.evaluate(PICTURE_JS)


def picture(page: Page) -> dict:
    return json.loads(snapshot(page))


def wait_trained(page: Page, runs: int = DEFAULT_RUNS, epochs: int = DEFAULT_EPOCHS, before: str | None = None) -> None:
    """Wait until a training of `runs` runs of `epochs` epochs is drawn, other than `before` (a snapshot), if given."""
    page.wait_for_function(SETTLED_JS, arg=[runs, epochs, before], timeout=60_000)


def open_network(page: Page, url: str) -> None:
    """The page, its default comparison drawn, then switched to network mode and trained."""
    page.goto(url)
    page.wait_for_function(FIRST_DRAWN_JS, timeout=30_000)
    page.get_by_test_id("mode-select").select_option("network")
    page.wait_for_function(NETWORK_DRAWN_JS, timeout=30_000)
    wait_trained(page)


def field(page: Page, path: str):
    """A network control's field by its path in the training document."""
    return page.locator(f'[data-field="network.{path}"]')


def test_switching_draws_the_default_training_within_two_seconds(page: Page, server_url: str, capsys) -> None:
    open_network(page, server_url)
    drawn_ms = page.evaluate(NETWORK_DRAW_MS_JS)
    with capsys.disabled():
        print(
            f"\n[e2e] network mode: the default training's landscape drawn {drawn_ms:.0f} ms after the switch "
            "(goal ≤ 2000 ms)"
        )
    shown = picture(page)
    # Every path starts at θ0, the origin of the plane, and has a point per step plus θ0.
    steps = 300  # 30 epochs of ceil(300 training points / 32) = 10 steps
    for u, v in shown["paths"]:
        assert (u[0], v[0]) == (0, 0) and len(u) == len(v) == steps + 1
    assert sorted(split for split, _ in shown["losses"]) == ["train"] * DEFAULT_RUNS + ["val"] * DEFAULT_RUNS
    assert [len(lr) for lr in shown["lr"]] == [steps] * DEFAULT_RUNS
    expect(page.get_by_test_id("landscape-caption")).to_contain_text("% of how the weights moved")
    expect(page.get_by_test_id("summary-table").locator("tbody tr")).to_have_count(DEFAULT_RUNS)
    expect(page.get_by_test_id("summary-table").locator("thead")).to_contain_text("Best val. loss")
    expect(page.get_by_test_id("contour-plot")).to_be_hidden()
    # The StepLR run's lr falls tenfold at epochs 10 and 20, per epoch as its card says by default.
    step_lr = shown["lr"][1]
    assert (
        step_lr[99] == pytest.approx(0.1)
        and step_lr[100] == pytest.approx(0.01)
        and step_lr[-1] == pytest.approx(0.001)
    )
    expect(page.locator("#network-run-list .run-card").nth(1).get_by_label("interval", exact=True)).to_have_value(
        '"epoch"'
    )
    # The cursor moves by step, with the epoch beside it.
    page.get_by_test_id("scrubber").fill("95")
    expect(page.locator("#step-readout")).to_have_text("step 95 / 300 · epoch 9 / 30")


def test_switching_modes_and_back_keeps_each_modes_state(page: Page, server_url: str) -> None:
    open_network(page, server_url)
    page.get_by_test_id("mode-select").select_option("surfaces")
    surfaces_rows = page.get_by_test_id("summary-table").locator("tbody tr")
    expect(surfaces_rows).to_have_count(4)
    expect(page.get_by_test_id("contour-plot")).to_be_visible()
    # An edit in surfaces mode: the first run's optimizer swapped.
    page.locator("#run-list .run-card").first.get_by_test_id("optimizer-select").select_option("NAdam")
    expect(surfaces_rows.first).to_contain_text("NAdam")
    expect(surfaces_rows.first).to_contain_text("completed", timeout=60_000)
    expect(page.locator(".stage")).to_have_attribute("aria-busy", "false")
    surfaces_summary = page.get_by_test_id("summary-table").locator("tbody").inner_text()

    page.get_by_test_id("mode-select").select_option("network")
    trained = snapshot(page)
    field(page, "epochs").locator("input").fill("12")
    wait_trained(page, epochs=12, before=trained)
    twelve = picture(page)
    page.get_by_test_id("scrubber").fill("40")

    page.get_by_test_id("mode-select").select_option("surfaces")
    expect(surfaces_rows.first).to_contain_text("NAdam")
    assert page.get_by_test_id("summary-table").locator("tbody").inner_text() == surfaces_summary
    expect(page.locator("#run-list .run-card").first.get_by_test_id("optimizer-select")).to_have_value("NAdam")

    page.get_by_test_id("mode-select").select_option("network")
    expect(field(page, "epochs").locator("input")).to_have_value("12")
    expect(page.locator("#step-readout")).to_contain_text("step 40 / 120")
    wait_trained(page, epochs=12)
    assert picture(page) == twelve


def test_a_network_link_opens_the_same_picture(page: Page, server_url: str, browser_context) -> None:
    open_network(page, server_url)
    field(page, "task.data.params.noise").locator("input").fill("0.3")
    before = snapshot(page)
    wait_trained(page, before=before)
    page.locator("#network-run-list .run-card").nth(2).get_by_test_id("optimizer-select").select_option("AdamW")
    wait_trained(page, before=snapshot(page))
    shown = picture(page)
    page.get_by_test_id("share-link").click()  # writes the URL at once
    link = page.url
    assert "#v1=" in link

    other = browser_context.new_page()
    try:
        other.goto(link)
        other.wait_for_function(NETWORK_DRAWN_JS, timeout=30_000)
        wait_trained(other)
        expect(other.get_by_test_id("mode-select")).to_have_value("network")
        assert picture(other) == shown
        expect(field(other, "task.data.params.noise").locator("input")).to_have_value("0.3")
    finally:
        other.close()

    # Back returns to the training before the optimizer swap.
    page.go_back()
    expect(page.locator("#network-run-list .run-card").nth(2).get_by_test_id("optimizer-select")).to_have_value("Adam")


def test_changing_a_control_reruns_and_the_preview_follows(page: Page, server_url: str) -> None:
    open_network(page, server_url)
    before = snapshot(page)
    page.get_by_test_id("dataset-select").select_option("circles")
    wait_trained(page, before=before)
    assert picture(page)["summary"] != json.loads(before)["summary"]
    expect(page.get_by_test_id("dataset-preview")).to_have_attribute(
        "aria-label", "300 training and 100 validation points, 2 features, 2 classes"
    )
    # The landscape's plane switches to random directions: the caption says so.
    circles = snapshot(page)
    field(page, "landscape.method").locator("select").select_option('"random"')
    wait_trained(page, before=circles)
    expect(page.get_by_test_id("landscape-caption")).to_contain_text("random")


def test_bad_model_settings_show_an_inline_error(page: Page, server_url: str, page_log) -> None:
    page_log.expect_console_error("422")
    open_network(page, server_url)
    hidden = field(page, "task.model.hidden")
    hidden.locator("input").fill("500")
    expect(hidden.locator(".field-error")).to_be_visible()
    expect(hidden.locator(".field-error")).to_contain_text("128")
    expect(page.get_by_test_id("summary-table").locator("tbody tr")).to_have_count(
        DEFAULT_RUNS
    )  # the last result stays
    hidden.locator("input").fill("8")
    expect(hidden.locator(".field-error")).to_be_hidden()


def test_exports_and_code_follow_network_mode(page: Page, server_url: str) -> None:
    open_network(page, server_url)
    with page.expect_download() as download:
        page.get_by_test_id("export-json").click()
    result = json.loads(download.value.path().read_text())
    assert [len(run["epochs"]["val_loss"]) for run in result["runs"]] == [DEFAULT_EPOCHS + 1] * DEFAULT_RUNS
    assert result["landscape"]["method"] == "pca"
    with page.expect_download() as download:
        page.get_by_test_id("export-csv").click()
    rows = download.value.path().read_text().splitlines()
    assert rows[0] == "run,label,epoch,train_loss,val_loss,train_accuracy,val_accuracy,lr"
    assert len(rows) == 1 + DEFAULT_RUNS * (DEFAULT_EPOCHS + 1)

    page.get_by_test_id("code-button").click()
    script = page.get_by_test_id("code-text")
    expect(script).to_contain_text("val_accuracy")
    page.locator("#code-run").select_option("1")
    expect(script).to_contain_text("StepLR")


def test_phone_width_stacks_network_mode_without_sideways_scrolling(page: Page, server_url: str) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    open_network(page, server_url)
    assert page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    landscape = page.get_by_test_id("landscape-plot").bounding_box()
    controls = page.locator("#network-controls").bounding_box()
    assert landscape["width"] > 300
    assert landscape["y"] < controls["y"]  # the plots come first on a phone


def test_presenter_mode_shows_network_mode(page: Page, server_url: str) -> None:
    open_network(page, server_url)
    page.get_by_test_id("presenter-button").click()
    expect(page.get_by_test_id("landscape-plot")).to_be_visible()
    expect(page.get_by_test_id("epoch-loss-plot")).to_be_visible()
    expect(page.get_by_test_id("mode-select")).to_have_value("network")
    assert page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")
