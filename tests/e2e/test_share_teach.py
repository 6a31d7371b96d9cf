"""Sharing and teaching in Chromium against the real server: the experiment in the URL, lessons,
presenter mode with its QR code, the JSON / CSV / PNG exports and the Python code panel.

Paths are read through Plotly's `element.data` (a path trace has `meta.role == "path"`); the views
set `aria-busy="false"` once a stream is drawn completely.
"""

from __future__ import annotations

import base64
import csv
import io
import ipaddress
import json
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.api.test_qr import dark_modules, segno_modules
from tests.conftest import ROOT

pytestmark = pytest.mark.e2e

# The surfaces lessons (the picker offers the network lessons after them; test_network_lessons.py).
ALL_LESSONS = json.loads((ROOT / "static" / "lessons.json").read_text(encoding="utf-8"))["lessons"]
LESSONS = [lesson for lesson in ALL_LESSONS if "experiment" in lesson]

# Every drawn path in full, as JSON text compared in Python: [[x...], [y...]] per run.
PATHS_JS = """() => JSON.stringify((document.querySelector('[data-testid="contour-plot"]').data || [])
  .filter(t => t.meta && t.meta.role === "path").map(t => [Array.from(t.x), Array.from(t.y)]))"""

# Done drawing `labels` (in order): no stream running, every run's row in the summary finished.
SETTLED_JS = """([labels, before]) => {
  const rows = [...document.querySelectorAll('[data-testid="summary-table"] tbody tr')];
  const paths = (document.querySelector('[data-testid="contour-plot"]').data || [])
    .filter(t => t.meta && t.meta.role === "path");
  return document.querySelector(".stage").getAttribute("aria-busy") === "false"
    && rows.length === labels.length && paths.length === labels.length
    && rows.every((r, i) => labels[i] === null || r.querySelector(".run-name").textContent.trim() === labels[i])
    && rows.every(r => !/running|stopped/.test(r.querySelector(".status").textContent))
    && JSON.stringify(paths.map(t => [t.x.length, t.x[t.x.length - 1]])) !== before;
}"""

# The compact document in the page's URL hash (`#v1=` + base64url JSON).
HASH_DOC_JS = """() => {
  const m = /^#v\\d+=(.*)$/.exec(location.hash);
  if (!m) return null;
  const b64 = m[1].replace(/-/g, "+").replace(/_/g, "/");
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(b64), c => c.charCodeAt(0))));
}"""

# The seed bands drawn (static/js/figures/seed-band.js), by role: the map's faint seed paths (one trace per band, the
# seeds' paths separated by nulls) and the loss plot's 10 %, median and 90 % lines.
SEED_BAND_JS = """() => {
  const of = (testid, role) => (document.querySelector(`[data-testid="${testid}"]`).data || [])
    .filter(t => t.meta && t.meta.role === role)
    .map(t => ({ key: t.meta.key, x: Array.from(t.x), y: Array.from(t.y), color: t.line.color }));
  return Object.fromEntries([["seed-paths", "contour-plot"], ["band-p10", "loss-plot"],
    ["band-median", "loss-plot"], ["band-p90", "loss-plot"]].map(([role, testid]) => [role, of(testid, role)]));
}"""

DEFAULT_LABELS: list[str | None] = [None] * 4  # the default comparison: labels made from the settings
SERIES = ("x", "y", "loss", "lr")
PNG_BUTTON = '.modebar-btn[data-title="Download plot as a PNG"]'


def short_link_fragment(server_url: str, path: str) -> str:
    """The state a short link (`/l/<id>`) redirects to, asked of the server itself."""
    response = httpx.get(server_url + path)
    assert response.status_code == 302, response.text
    return urlsplit(response.headers["location"]).fragment


def wait_qr_holds_the_page(page: Page, server_url: str, timeout: float = 20.0) -> None:
    """Wait until the QR code's short link leads to the page's state as it is now (a lesson's trail
    plays by itself in presenter mode, and the URL takes the step where it stops)."""
    deadline = time.monotonic() + timeout
    while True:
        shown, held_url = page.url, page.get_by_test_id("qr-code").get_attribute("data-url")
        held = short_link_fragment(server_url, urlsplit(held_url).path)
        if held == urlsplit(shown).fragment:
            return
        assert time.monotonic() < deadline, f"the QR code holds {held}, the page shows {shown}"
        # They differ: the QR code is about to follow the URL (or the URL moved on again).
        page.wait_for_function(
            "([held, shown]) => document.querySelector('[data-testid=\"qr-code\"]').dataset.url !== held"
            " || location.href !== shown",
            arg=[held_url, shown],
        )


def path_fingerprint(page: Page) -> str:
    return page.evaluate(
        """() => JSON.stringify((document.querySelector('[data-testid="contour-plot"]').data || [])
             .filter(t => t.meta && t.meta.role === "path").map(t => [t.x.length, t.x[t.x.length - 1]]))"""
    )


def wait_settled(page: Page, labels: list[str | None], before: str | None = None) -> None:
    page.wait_for_function(SETTLED_JS, arg=[labels, before or ""], timeout=20_000)


def drawn_paths(page: Page) -> list:
    return json.loads(page.evaluate(PATHS_JS))


def curve_ys(page: Page, testid: str) -> list[list[float]]:
    return page.evaluate(
        f"""() => (document.querySelector('[data-testid="{testid}"]').data || [])
              .filter(t => t.mode === "lines" && !(t.meta && t.meta.role)).map(t => Array.from(t.y))"""
    )


def hash_document(page: Page) -> dict | None:
    return page.evaluate(HASH_DOC_JS)


def encode_hash(document: object, version: int = 1) -> str:
    text = base64.urlsafe_b64encode(json.dumps(document).encode()).decode().rstrip("=")
    return f"#v{version}={text}"


def controls_snapshot(page: Page) -> dict:
    """What the controls show: surface, its params, each run's optimizer, scheduler and label, the view."""
    return page.evaluate(
        """() => ({
          surface: document.querySelector('[data-testid="surface-select"]').value,
          params: [...document.querySelectorAll('#surface-form input')].map(i => [i.id, i.value]),
          optimizers: [...document.querySelectorAll('[data-testid="optimizer-select"]')].map(s => s.value),
          schedulers: [...document.querySelectorAll('[data-testid="scheduler-select"]')].map(s => s.value),
          labels: [...document.querySelectorAll('.run-label')].map(i => i.value),
          colors: [...document.querySelectorAll('.color-input')].map(i => i.value),
          starts: [...document.querySelectorAll('[data-field$=".start"] input')].map(i => i.value || i.placeholder),
          view: document.querySelector('[data-testid="view-select"]').value,
          step: document.querySelector('[data-testid="scrubber"]').value,
        })"""
    )


def open_default(page: Page, url: str) -> None:
    page.goto(url)
    wait_settled(page, DEFAULT_LABELS)


def open_lessons(page: Page, url: str) -> None:
    """The page with its lesson list loaded (the default comparison may still be drawing)."""
    page.goto(url)
    expect(page.get_by_test_id("preset-select").locator("option")).to_have_count(len(ALL_LESSONS) + 1, timeout=20_000)


def load_lesson(page: Page, lesson: dict) -> None:
    page.get_by_test_id("preset-select").select_option(lesson["id"])
    wait_settled(page, [run["label"] for run in lesson["experiment"]["runs"]])


def present_lesson(page: Page, url: str, lesson: dict, width: int = 1280, height: int = 720) -> None:
    """The lesson drawn, then presenter mode on, on a screen of this size."""
    page.set_viewport_size({"width": width, "height": height})
    open_lessons(page, url)
    load_lesson(page, lesson)
    page.get_by_test_id("presenter-button").click()


def seed_bands(page: Page) -> dict[str, list[dict]]:
    return page.evaluate(SEED_BAND_JS)


def wait_seed_band(page: Page, points: int | None) -> None:
    """Wait until one band is drawn, `points` steps long on the loss plot (None: until none is)."""
    page.wait_for_function(
        f"""(points) => {{
          const bands = Object.values(({SEED_BAND_JS})());
          return points === null ? bands.every(ts => ts.length === 0)
            : bands.every(ts => ts.length === 1) && bands.slice(1).every(([t]) => t.y.length === points);
        }}""",
        arg=points,
        timeout=30_000,
    )


def watch_console(page: Page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(f"uncaught: {e}"))
    return errors


# ---- the experiment in the URL ----


def test_a_nontrivial_state_round_trips_through_a_shared_link(
    page: Page, server_url: str, browser_context: BrowserContext
) -> None:
    browser_context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server_url)
    open_default(page, server_url)
    assert hash_document(page)["s"] == "rosenbrock"  # the URL mirrors the state from the start

    page.locator("#f-steps").fill("150")
    page.get_by_test_id("surface-select").select_option("quadratic")
    page.locator("#f-surface-params-b").fill("20")
    page.locator("#f-surface-params-angle").fill("30")
    page.locator(".run-card").nth(3).get_by_role("button", name="Remove this run").click()
    page.locator(".run-card").nth(1).get_by_test_id("scheduler-select").select_option("StepLR")
    page.locator(".run-card").nth(2).locator(".run-label").fill("RMSprop, labelled")
    page.locator(".run-card").nth(0).locator(".color-input").fill("#123456")
    page.get_by_test_id("view-select").select_option("multiples")
    wait_settled(page, [None, None, "RMSprop, labelled"])
    page.get_by_test_id("scrubber").fill("42")
    page.wait_for_function(f"() => {{ const d = ({HASH_DOC_JS})(); return d && d.k === 42 && d.m === 'multiples'; }}")

    document = hash_document(page)
    assert document["s"] == ["quadratic", {"b": 20, "angle": 30}] and document["n"] == 150
    assert [run["o"][0] for run in document["r"]] == ["SGD", "Adam", "RMSprop"]
    assert document["r"][1]["s"] == ["StepLR"]
    assert document["r"][0]["c"] == "123456"

    page.get_by_test_id("share-link").click()
    expect(page.get_by_test_id("page-notice")).to_contain_text("Link copied")
    link = page.evaluate("() => navigator.clipboard.readText()")
    assert link == page.url

    shown = controls_snapshot(page)
    paths, lr = drawn_paths(page), curve_ys(page, "lr-plot")
    fresh = browser_context.new_page()
    errors = watch_console(fresh)
    try:
        fresh.goto(link)
        wait_settled(fresh, [None, None, "RMSprop, labelled"])
        fresh.wait_for_function("() => document.querySelector('[data-testid=\"scrubber\"]').value === '42'")
        assert controls_snapshot(fresh) == shown
        assert drawn_paths(fresh) == paths
        assert curve_ys(fresh, "lr-plot") == lr
        assert [len(x) for x, _ in paths] == [151] * 3 and lr[1][-1] < lr[1][0]  # StepLR lowered Adam's lr
        expect(fresh.get_by_test_id("page-notice")).to_be_hidden()
        assert fresh.url == link
    finally:
        fresh.close()
    assert errors == []


def test_back_undoes_a_structural_change_and_the_new_controls_show_focus(page: Page, server_url: str) -> None:
    open_default(page, server_url)
    for testid in ("share-link", "presenter-button", "code-button", "preset-select"):
        control = page.get_by_test_id(testid)
        control.focus()
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")  # focused by keyboard, so :focus-visible applies
        style, width = control.evaluate("e => [getComputedStyle(e).outlineStyle, getComputedStyle(e).outlineWidth]")
        assert style != "none" and float(width.removesuffix("px")) >= 2, testid

    before = path_fingerprint(page)
    page.get_by_test_id("surface-select").select_option("himmelblau")
    wait_settled(page, DEFAULT_LABELS, before)
    himmelblau = path_fingerprint(page)
    page.go_back()
    expect(page.get_by_test_id("surface-select")).to_have_value("rosenbrock")
    wait_settled(page, DEFAULT_LABELS, himmelblau)
    assert path_fingerprint(page) == before


def test_a_mangled_or_foreign_link_loads_what_it_can_and_says_what_it_dropped(page: Page, server_url: str) -> None:
    page.goto(server_url + "/#v1=eyJzIjoicm9zZW5icm9jayIsIm4iOjUwMCwiciI6W3sibyI6")  # cut short
    wait_settled(page, DEFAULT_LABELS)
    notice = page.get_by_test_id("page-notice")
    expect(notice).to_contain_text("could not be read")
    expect(page.get_by_test_id("surface-select")).to_have_value("rosenbrock")
    assert [len(x) for x, _ in drawn_paths(page)] == [501] * 4
    page.get_by_role("button", name="Dismiss this message").click()
    expect(notice).to_be_hidden()

    document = {
        "s": ["quadratic", {"b": 5, "wobble": 3}],
        "n": 120,
        "r": [
            {"o": ["Adam", {"lr": 0.05, "warp_drive": True}], "x": [1, 1], "c": "D55E00"},
            {"o": "NoSuchOptimizer", "x": [0, 1]},
            {"o": "SGD", "s": ["NoSuchScheduler"], "z": [0.5, 3], "x": "somewhere"},
        ],
        "m": "sideways",
        "future_field": 1,
    }
    page.goto(server_url + "/" + encode_hash(document, version=7))
    wait_settled(page, [None, None])
    for dropped in ("newer version", "wobble", "warp_drive", "NoSuchOptimizer", "NoSuchScheduler", "start", "sideways"):
        expect(notice).to_contain_text(dropped)
    expect(notice).to_contain_text("future_field")
    expect(page.get_by_test_id("surface-select")).to_have_value("quadratic")
    assert [len(x) for x, _ in drawn_paths(page)] == [121, 121]
    assert [s.input_value() for s in page.get_by_test_id("optimizer-select").all()] == ["Adam", "SGD"]
    # Once loaded, the URL holds the experiment as this version writes it.
    assert hash_document(page)["r"][1]["z"] == [0.5, 3]


# ---- lessons ----


def test_every_lesson_loads_draws_and_shows_its_text(page: Page, server_url: str) -> None:
    open_lessons(page, server_url)
    select = page.get_by_test_id("preset-select")
    options = select.locator("option").evaluate_all("os => os.map(o => o.value)")
    assert options == ["", *(lesson["id"] for lesson in ALL_LESSONS)]
    for lesson in LESSONS:
        load_lesson(page, lesson)
        expect(page).to_have_title(f"{lesson['title']} · optimlab")
        banner = page.get_by_test_id("lesson-banner")
        expect(banner).to_contain_text(lesson["title"])
        expect(banner.get_by_test_id("lesson-text")).to_have_text(lesson["text"])
        expect(banner).to_contain_text(lesson["look_for"])
        statuses = page.locator('[data-testid="summary-table"] tbody .status').all_inner_texts()
        assert [s.split(" ")[0] for s in statuses] == lesson["expect"], lesson["id"]
        steps = lesson["experiment"]["steps"]
        for (x, _), status in zip(drawn_paths(page), lesson["expect"], strict=True):
            assert len(x) == steps + 1 if status == "completed" else 1 < len(x) < steps + 1
        assert hash_document(page)["e"] == lesson["id"]
    select.select_option("")  # back to free exploration: the default comparison, no banner
    wait_settled(page, DEFAULT_LABELS, path_fingerprint(page))
    expect(page.get_by_test_id("lesson-banner")).to_be_hidden()


def test_the_noise_lesson_shows_a_seed_band_that_lives_like_a_readers(page: Page, server_url: str) -> None:
    lesson = next(lesson for lesson in LESSONS if lesson["id"] == "noise-minibatches")
    [banded] = lesson["seed_bands"]
    runs = lesson["experiment"]["runs"]
    assert runs[banded]["noise"]["std"] > 0
    open_lessons(page, server_url)
    load_lesson(page, lesson)
    expect(page.get_by_test_id("lesson-banner")).to_contain_text("10–90 % band")

    # Loading the lesson draws the band: every seed's path faint on the map, the band on the loss plot.
    wait_seed_band(page, lesson["experiment"]["steps"] + 1)
    band = seed_bands(page)
    [cloud] = band["seed-paths"]
    assert cloud["x"].count(None) == 63  # 64 seeds' paths, one trace
    [low], [median], [high] = band["band-p10"], band["band-median"], band["band-p90"]
    assert len({cloud["key"], low["key"], median["key"], high["key"]}) == 1
    assert all(a <= m <= b for a, m, b in zip(low["y"], median["y"], high["y"], strict=True))
    assert low["y"][-1] < high["y"][-1]  # a noisy run's seeds end apart
    run_colors = page.evaluate(
        """() => document.querySelector('[data-testid="contour-plot"]').data
                   .filter(t => t.meta && t.meta.role === "path").map(t => t.line.color)"""
    )
    assert median["color"] == run_colors[banded]  # the band of the run the lesson names

    # As if the reader had switched it on: the Seeds tab shows that run's box checked, and only it.
    page.get_by_test_id("sweep-button").click()
    page.get_by_test_id("sweep-tab-seeds").click()
    toggles = page.get_by_test_id("seed-band-toggle")
    expect(toggles).to_have_count(len(runs))
    for index in range(len(runs)):
        expect(toggles.nth(index)).to_be_checked(checked=index == banded)

    # A band follows its run: a change to the experiment re-sweeps it; leaving the lesson drops it.
    page.locator("#f-steps").fill("100")
    wait_seed_band(page, 101)
    page.get_by_test_id("preset-select").select_option("")
    wait_settled(page, DEFAULT_LABELS)
    wait_seed_band(page, None)
    expect(page.get_by_test_id("lesson-banner")).to_be_hidden()


# ---- presenter mode ----


def test_presenter_mode_is_large_hides_controls_and_shows_a_qr_code_of_the_page(page: Page, server_url: str) -> None:
    first, second = LESSONS[0], LESSONS[1]
    present_lesson(page, server_url, first, 1920, 1080)

    qr = page.get_by_test_id("qr-code")
    svg = qr.locator("svg")
    expect(svg).to_be_visible()
    expect(page.locator(".controls")).to_be_hidden()
    page.wait_for_function("() => document.querySelector('[data-testid=\"loss-plot\"]').layout.font.size >= 24")
    sizes = page.evaluate(
        """() => ({
          text: parseFloat(getComputedStyle(document.querySelector('[data-testid="lesson-text"]')).fontSize),
          legend: parseFloat(getComputedStyle(document.querySelector('#legend li')).fontSize),
          path: document.querySelector('[data-testid="contour-plot"]').data
                  .filter(t => t.meta && t.meta.role === "path")[0].line.width,
        })"""
    )
    assert sizes["text"] >= 24 and sizes["legend"] >= 24 and sizes["path"] >= 4

    # The code holds the page's short link, pointed at an address a phone can reach; segno agrees module
    # for module, and the link leads back to this very state.
    page.wait_for_function("() => document.querySelector('[data-testid=\"qr-code\"]').dataset.url")
    wait_qr_holds_the_page(page, server_url)
    target, page_url = urlsplit(qr.get_attribute("data-url")), urlsplit(page.url)
    assert target.path.startswith("/l/") and target.port == page_url.port, target
    host = ipaddress.ip_address(target.hostname)
    assert target.hostname == page_url.hostname or (host.is_private and not host.is_loopback)
    assert dark_modules(svg.evaluate("s => s.outerHTML")) == segno_modules(target.geturl())

    # → moves to the next lesson; the QR code follows the URL.
    page.keyboard.press("ArrowRight")
    expect(page).to_have_title(f"{second['title']} · optimlab")
    wait_settled(page, [run["label"] for run in second["experiment"]["runs"]])
    page.wait_for_function(
        "(url) => document.querySelector('[data-testid=\"qr-code\"]').dataset.url !== url", arg=target.geturl()
    )
    wait_qr_holds_the_page(page, server_url)
    page.keyboard.press("Escape")
    expect(page.locator(".controls")).to_be_visible()
    expect(qr).to_be_hidden()


# ---- exports ----


def test_exports_hold_exactly_the_drawn_data(page: Page, server_url: str, tmp_path: Path) -> None:
    open_default(page, server_url)
    paths, lrs = drawn_paths(page), curve_ys(page, "lr-plot")

    # JSON: the whole result document; CSV: one row per run and step.
    with page.expect_download() as json_download:
        page.get_by_test_id("export-json").click()
    result = json.loads(Path(json_download.value.path()).read_text())
    with page.expect_download() as csv_download:
        page.get_by_test_id("export-csv").click()
    rows = list(csv.DictReader(io.StringIO(Path(csv_download.value.path()).read_text())))
    assert result["steps"] == 500 and result["surface"]["id"] == "rosenbrock"
    assert [[run["x"], run["y"]] for run in result["runs"]] == paths
    assert [run["lr"] for run in result["runs"]] == lrs
    for run in result["runs"]:
        assert run["status"] == "completed" and run["summary"]["final_loss"] == run["loss"][-1]
    assert list(rows[0]) == ["run", "label", "step", "x", "y", "loss", "lr"]
    assert len(rows) == sum(result["steps"] + 1 for run in result["runs"] if run["status"] == "completed")
    for row in rows:
        run = result["runs"][int(row["run"])]
        k = int(row["step"])
        assert row["label"] == run["label"]
        assert [float(row[name]) for name in SERIES] == [run[name][k] for name in SERIES]

    # PNG: Plotly's own button, always shown on every plot (and no "share to the cloud").
    for testid in ("contour-plot", "loss-plot", "lr-plot"):
        expect(page.get_by_test_id(testid).locator(PNG_BUTTON)).to_be_visible()
        expect(page.get_by_test_id(testid).locator('.modebar-btn[data-title^="Share chart"]')).to_have_count(0)
    with page.expect_download() as png_download:
        page.get_by_test_id("loss-plot").locator(PNG_BUTTON).click()
    assert png_download.value.suggested_filename.endswith(".png")

    # Python: the selected run's script, highlighted; run on its own it prints the drawn trajectory.
    page.get_by_test_id("code-button").click()
    panel = page.get_by_test_id("code-panel")
    expect(panel).to_be_visible()
    panel.get_by_label("Run").select_option("1")
    page.wait_for_function("() => document.querySelector('[data-testid=\"code-panel\"]').ariaBusy === 'false'")
    expect(panel.locator(".tok-kw").first).to_be_visible()
    script = tmp_path / "run.py"
    script.write_text(panel.get_by_test_id("code-text").inner_text())
    with page.expect_download() as py_download:
        panel.get_by_test_id("code-download").click()
    assert Path(py_download.value.path()).read_text() == script.read_text()
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()

    printed = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60, check=True)
    records = [json.loads(line) for line in printed.stdout.splitlines()]
    x, y = paths[1]
    assert [r["k"] for r in records] == list(range(len(x)))
    assert [r["x"] for r in records] == x and [r["y"] for r in records] == y
    assert [r["lr"] for r in records] == lrs[1]
    assert [r["loss"] for r in records] == result["runs"][1]["loss"]


# ---- a phone ----


def test_a_lesson_a_notice_and_the_code_panel_fit_a_phone(page: Page, server_url: str) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(server_url + "/#v1=not-base64!")
    expect(page.get_by_test_id("page-notice")).to_contain_text("could not be read")
    expect(page.get_by_test_id("preset-select").locator("option")).to_have_count(len(ALL_LESSONS) + 1, timeout=20_000)
    load_lesson(page, LESSONS[0])
    expect(page.get_by_test_id("lesson-banner")).to_be_visible()
    expect(page.get_by_test_id("presenter-button")).to_be_hidden()  # presenting is for projectors
    assert page.evaluate("() => document.scrollingElement.scrollWidth") <= 390
    page.get_by_test_id("code-button").click()
    expect(page.get_by_test_id("code-text").locator(".tok-kw").first).to_be_visible()
    box = page.get_by_test_id("code-panel").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert page.evaluate("() => document.scrollingElement.scrollWidth") <= 390
