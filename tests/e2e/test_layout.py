"""The page's layout in Chromium against the real server (UX.md): what stays visible at laptop and
projector sizes, the map's axes, how runs are told apart, the end markers and the keyboard help.

Sizes come from `getBoundingClientRect`; plots are read through Plotly's `element.data` and
`element.layout` (a path trace has `meta.role == "path"`). The views set `aria-busy="false"` once a
stream is drawn completely.
"""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import ROOT
from tests.e2e.test_network_mode import open_network

pytestmark = pytest.mark.e2e

# The surfaces lessons (the picker offers the network lessons after them; test_network_lessons.py).
ALL_LESSONS = json.loads((ROOT / "static" / "lessons.json").read_text(encoding="utf-8"))["lessons"]
LESSONS = [lesson for lesson in ALL_LESSONS if "experiment" in lesson]
MAP = '[data-testid="contour-plot"]'

# Done drawing `count` runs: no stream running, each run's row finished, `count` paths on the map.
SETTLED_JS = f"""([count, before]) => {{
  const rows = [...document.querySelectorAll('[data-testid="summary-table"] tbody tr')];
  const paths = (document.querySelector('{MAP}').data || []).filter(t => t.meta && t.meta.role === "path");
  return document.querySelector(".stage").getAttribute("aria-busy") === "false"
    && rows.length === count && paths.length === count
    && rows.every(r => !/running|stopped/.test(r.querySelector(".status").textContent))
    && JSON.stringify(paths.map(t => [t.x.length, t.x[t.x.length - 1]])) !== before;
}}"""

FINGERPRINT_JS = f"""() => JSON.stringify((document.querySelector('{MAP}').data || [])
  .filter(t => t.meta && t.meta.role === "path").map(t => [t.x.length, t.x[t.x.length - 1]]))"""

# Shape names on the map: "cursor:<run>" is the cursor's dot on run <run>'s path.
SHAPES_JS = f"() => (document.querySelector('{MAP}').layout.shapes || []).map(s => s.name)"


def wait_settled(page: Page, count: int = 4, before: str | None = None) -> None:
    page.wait_for_function(SETTLED_JS, arg=[count, before], timeout=30_000)


def open_workbench(page: Page, url: str) -> None:
    page.goto(url)
    wait_settled(page)


def box(page: Page, selector: str) -> dict:
    return page.locator(selector).first.evaluate(
        "e => { const r = e.getBoundingClientRect(); return {top: r.top, bottom: r.bottom, left: r.left, "
        "right: r.right, width: r.width, height: r.height}; }"
    )


# ---- the charts column: nothing in it shrinks to a sliver ----


def assert_summary_rows_visible(page: Page) -> None:
    """Every summary row has its height, the table is not clipped, and scrolled to, a row is in view."""
    wrap = page.locator(".summary-wrap")
    clipped = wrap.evaluate("w => w.scrollHeight - w.clientHeight")
    assert clipped <= 1, f"the summary is clipped by {clipped}px"
    rows = page.locator('[data-testid="summary-table"] tbody tr')
    heights = rows.evaluate_all("rs => rs.map(r => r.getBoundingClientRect().height)")
    assert len(heights) == 4 and all(h > 20 for h in heights), heights
    last = rows.last
    last.scroll_into_view_if_needed()
    row = last.bounding_box()
    viewport = page.viewport_size
    assert row is not None and row["height"] > 20
    assert row["y"] >= 0 and row["y"] + row["height"] <= viewport["height"] + 1, row


def test_the_summary_keeps_its_rows_with_the_inspector_or_sweeps_open(page: Page, server_url: str) -> None:
    page.set_viewport_size({"width": 1440, "height": 900})
    open_workbench(page, server_url)
    page.locator('[data-testid="inspector"] > summary').click()
    expect(page.locator(".inspect-run")).to_have_count(4)
    assert_summary_rows_visible(page)
    # The sweep panel opens at the top of the same column.
    page.get_by_test_id("sweep-button").click()
    expect(page.get_by_test_id("sweep-panel")).to_be_visible()
    assert_summary_rows_visible(page)


# ---- presenter mode on small projectors ----


@pytest.mark.parametrize("size", [(1280, 720), (1024, 768)], ids=["720p", "xga"])
def test_presenter_mode_fits_a_small_projector(page: Page, server_url: str, size: tuple[int, int]) -> None:
    width, height = size
    page.set_viewport_size({"width": width, "height": height})
    # Each lesson's trail waits at step 0 instead of playing by itself: a playing trail redraws every plot at
    # every frame, minutes of the renderer's CPU over the lessons, and nothing here looks at playback.
    page.emulate_media(reduced_motion="reduce")
    page.goto(server_url)
    expect(page.get_by_test_id("preset-select").locator("option")).to_have_count(len(ALL_LESSONS) + 1, timeout=20_000)
    page.get_by_test_id("preset-select").select_option(LESSONS[0]["id"])
    page.get_by_test_id("presenter-button").click()
    expect(page.get_by_test_id("qr-code").locator("svg")).to_be_visible()

    for index, lesson in enumerate(LESSONS):
        if index:
            page.keyboard.press("ArrowRight")
        expect(page).to_have_title(f"{lesson['title']} · optimlab")
        runs = len(lesson["experiment"]["runs"])
        expect(page.locator("#legend li")).to_have_count(runs)
        wait_settled(page, runs)

        # What to look for is there in full: inside the banner, which shows all it holds, inside the window.
        look = page.locator(".lesson-look")
        expect(look).to_contain_text(lesson["look_for"])
        banner = page.get_by_test_id("lesson-banner")
        overflow = banner.evaluate("b => b.scrollHeight - b.clientHeight")
        assert overflow <= 1, f"{lesson['id']}: the banner hides {overflow}px"
        look_box, banner_box = box(page, ".lesson-look"), box(page, "#lesson-banner")
        assert banner_box["top"] >= 0 and look_box["bottom"] <= banner_box["bottom"] + 1, lesson["id"]

        # The map is the largest thing: at least half the height; nothing spills out of the window.
        map_box = box(page, MAP)
        assert map_box["height"] >= 0.5 * height, f"{lesson['id']}: map {map_box['height']}px of {height}"
        scroll = page.evaluate("() => [document.scrollingElement.scrollWidth, document.scrollingElement.scrollHeight]")
        assert scroll == [width, height], lesson["id"]
        # The QR code keeps clear of the plots.
        qr, lr = box(page, '[data-testid="qr-code"]'), box(page, '[data-testid="lr-plot"]')
        loss = box(page, '[data-testid="loss-plot"]')
        assert qr["left"] >= lr["right"] and qr["top"] >= loss["bottom"] and qr["bottom"] <= height, lesson["id"]

    page.keyboard.press("Escape")
    expect(page.locator(".controls")).to_be_visible()


# ---- the map ----


def test_the_map_plots_the_surface_domain_at_equal_scales(drawn_page: Page, server_url: str) -> None:
    catalog = drawn_page.request.get(f"{server_url}/api/catalog").json()
    domain = next(s for s in catalog["surfaces"] if s["id"] == "rosenbrock")["domain"]
    for width, height in [(1920, 1080), (1440, 900), (390, 844)]:
        drawn_page.set_viewport_size({"width": width, "height": height})
        # The plot area (Plotly's drag rectangle) follows the window: wait until it has the domain's shape.
        drawn_page.wait_for_function(
            """([dx, dy]) => {
              const gd = document.querySelector('[data-testid="contour-plot"]');
              const r = gd.querySelector('.nsewdrag').getBoundingClientRect();
              return Math.abs(r.width / r.height - dx / dy) < 0.02;
            }""",
            arg=[domain["x"][1] - domain["x"][0], domain["y"][1] - domain["y"][0]],
        )
        ranges = drawn_page.evaluate(
            f"""() => {{
              const full = document.querySelector('{MAP}')._fullLayout;
              return [full.xaxis.range, full.yaxis.range];
            }}"""
        )
        assert ranges == [pytest.approx(domain["x"]), pytest.approx(domain["y"])], (width, ranges)


def test_a_failed_runs_end_marker_stays_above_the_cursor(page: Page, server_url: str) -> None:
    open_workbench(page, server_url)
    before = page.evaluate(FINGERPRINT_JS)
    card = page.locator(".run-card").nth(1)
    card.get_by_test_id("scheduler-select").select_option("OneCycleLR")
    card.locator('[data-field="runs.1.scheduler.params.total_steps"] input').fill("10")
    page.wait_for_function(
        "() => /failed/.test(document.querySelectorAll('[data-testid=\"summary-table\"] .status')[1].textContent)",
        timeout=30_000,
    )
    wait_settled(page, before=before)
    page.evaluate("() => document.activeElement.blur()")  # the keys are the page's, not the field's
    end = page.evaluate(
        f"""() => document.querySelector('{MAP}').data
              .filter(t => t.meta && t.meta.role === "end").map(t => t.text && t.text[0])"""
    )
    assert end[1] == "!"
    # At the end (and at the run's own last record) the failed run shows its "!" and no cursor dot.
    page.keyboard.press("End")
    page.wait_for_function(f"() => !({SHAPES_JS})().includes('cursor:1')")
    assert sorted(page.evaluate(SHAPES_JS)) == ["cursor:0", "cursor:2", "cursor:3"]
    # Before it failed, its dot is back.
    page.keyboard.press("Home")
    page.wait_for_function(f"() => ({SHAPES_JS})().includes('cursor:1')")


def test_the_lr_plot_labels_its_log_axis_as_learning_rates_are_written(drawn_page: Page) -> None:
    wait_settled(drawn_page)  # lrs 0.0015 … 0.5
    axis = drawn_page.evaluate("() => document.querySelector('[data-testid=\"lr-plot\"]').layout.yaxis")
    assert axis["type"] == "log"
    assert axis["ticktext"] == ["0.001", "0.003", "0.01", "0.03", "0.1", "0.3", "1", "3"]


# ---- telling runs apart ----


def test_long_run_names_wrap_in_the_summary_and_dark_theme_shows_every_colour(page: Page, server_url: str) -> None:
    open_workbench(page, server_url)
    before = page.evaluate(FINGERPRINT_JS)
    page.locator("#f-steps").fill("100")  # eight runs, each re-run as it is edited: short ones
    for _ in range(4):
        page.get_by_test_id("add-run").click()
    labels = [f"Adagrad, same settings, run {i}" for i in range(8)]
    for index, label in enumerate(labels):
        page.locator(".run-label").nth(index).fill(label)
    wait_settled(page, 8, before)
    # Settled means the run that carries every label has finished: each label edit re-runs, and while a row
    # runs its numbers are dashes, which leave its name a wider column than the finished numbers do.
    page.wait_for_function(
        """(labels) => {
          const rows = [...document.querySelectorAll('[data-testid="summary-table"] tbody tr')];
          return document.querySelector(".stage").getAttribute("aria-busy") === "false"
            && JSON.stringify(rows.map(r => r.querySelector(".run-name").textContent)) === JSON.stringify(labels)
            && rows.every(r => r.querySelector(".status").textContent === "completed");
        }""",
        arg=labels,
        timeout=30_000,
    )
    # Each name wraps onto a second line rather than ending in an ellipsis: all of it shows.
    lines = page.evaluate(
        """() => [...document.querySelectorAll('[data-testid="summary-table"] .run-name')].map(n => {
          const line = parseFloat(getComputedStyle(n).lineHeight);
          return [n.scrollHeight <= n.clientHeight + 1, n.getBoundingClientRect().height / line];
        })"""
    )
    assert all(whole and 1.5 < count < 2.5 for whole, count in lines), lines

    # The 8th colour is Okabe–Ito black: in the dark theme it is drawn light, on the map as in the legend.
    def eighth() -> dict:
        return page.evaluate(
            f"""() => ({{
              path: document.querySelector('{MAP}').data.filter(t => t.meta && t.meta.role === "path")[7].line.color,
              swatch: getComputedStyle(document.querySelectorAll('#legend .run-swatch')[7]).backgroundColor,
              background: getComputedStyle(document.body).backgroundColor,
            }})"""
        )

    def luminance(rgb: str) -> float:
        r, g, b = (int(c) / 255 for c in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3])
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    light = eighth()
    assert light["path"] == light["swatch"] == "rgb(0, 0, 0)"
    page.emulate_media(color_scheme="dark")
    page.wait_for_function(
        f"""() => document.querySelector('{MAP}').data.filter(t => t.meta && t.meta.role === "path")[7].line.color
              !== "rgb(0, 0, 0)" """
    )
    dark = eighth()
    assert dark["path"] == dark["swatch"]
    assert luminance(dark["path"]) - luminance(dark["background"]) > 0.4, dark
    page.locator("#sweep-button").click()  # the sweep panel's run list shows the same colour
    sweep_swatch = page.locator("#sweep-panel .sweep-run-head .run-swatch").nth(7)
    assert sweep_swatch.evaluate("s => getComputedStyle(s).backgroundColor") == dark["swatch"]
    page.keyboard.press("Escape")
    page.emulate_media(color_scheme="light")
    page.wait_for_function(
        f"""() => document.querySelector('{MAP}').data.filter(t => t.meta && t.meta.role === "path")[7].line.color
              === "rgb(0, 0, 0)" """
    )


def test_parameter_names_break_only_after_underscores(drawn_page: Page) -> None:
    wait_settled(drawn_page)
    card = drawn_page.locator(".run-card").nth(1)  # Adam
    label = card.locator('[data-field="runs.1.optimizer.params.decoupled_weight_decay"] label')
    expect(label).to_have_text("decoupled_weight_decay")
    assert label.evaluate("l => [...l.childNodes].map(n => n.nodeName === 'WBR' ? '|' : n.textContent).join('')") == (
        "decoupled_|weight_|decay"
    )
    expect(card.get_by_label("decoupled_weight_decay", exact=True)).to_have_count(1)


# ---- the keyboard's own help ----


def test_question_mark_shows_the_keyboard_shortcuts_and_esc_closes_them(page: Page, server_url: str) -> None:
    open_workbench(page, server_url)
    scrubber = page.get_by_test_id("scrubber")
    expect(scrubber).to_have_value("500")
    page.locator("body").press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    for key in ("Space", "←", "→", "Home", "End", "Esc", "?"):
        expect(dialog.locator("kbd", has_text=key).first).to_be_visible()
    expect(dialog).to_contain_text("Presenter mode")
    # Focus is inside the dialog; the page's shortcuts rest behind it.
    assert page.evaluate("() => document.getElementById('shortcuts-dialog').contains(document.activeElement)")
    page.keyboard.press("Home")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(scrubber).to_have_value("500")

    # The topbar's ? button opens it too, and ✕ closes it, giving focus back to the button.
    button = page.get_by_role("button", name="Keyboard shortcuts")
    button.click()
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()
    expect(button).to_be_focused()

    # In a text field, ? is a character.
    field = page.locator(".run-label").first
    field.click()
    page.keyboard.press("?")
    expect(dialog).to_be_hidden()
    expect(field).to_have_value("?")


def test_the_map_says_it_is_loading_until_plotly_draws(browser: Browser, server_url: str) -> None:
    # Hold Plotly.js back: until it draws, the empty map says what is coming (css/layout.css). A context
    # of its own, so nothing is cached and the request for Plotly.js is made (and held) here.
    context = browser.new_context()
    try:
        page = context.new_page()
        held = []
        page.route("**/static/vendor/plotly-cartesian.min.js", lambda route: held.append(route))
        page.goto(server_url, wait_until="domcontentloaded")  # "load" would wait for the held script
        page.wait_for_function("() => document.querySelector('[data-testid=\"summary-table\"] tbody tr')")
        loading = f"() => getComputedStyle(document.querySelector('{MAP}'), '::after').content"
        assert page.evaluate(loading) == '"Loading the plots…"'
        assert held, "Plotly.js was asked for"
        for route in held:
            route.continue_()
        page.wait_for_function(f"() => ({loading})() === 'none'", timeout=20_000)
    finally:
        context.close()


# ---- presenter mode in network mode ----

# Every plot drawn on the screen (Plotly's graph divs with a size), by test id.
PLOT_BOXES_JS = """() => [...document.querySelectorAll('.js-plotly-plot')]
  .map(e => [e.dataset.testid || e.id, e.getBoundingClientRect()])
  .filter(([, r]) => r.width > 0 && r.height > 0)
  .map(([id, r]) => ({id, top: r.top, bottom: r.bottom, left: r.left, right: r.right}))"""


def overlaps(a: dict, b: dict) -> bool:
    return a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]


def test_presenter_mode_keeps_the_qr_code_off_every_network_plot(page: Page, server_url: str) -> None:
    open_network(page, server_url)
    page.get_by_test_id("presenter-button").click()
    expect(page.get_by_test_id("qr-code").locator("svg")).to_be_visible(timeout=20_000)
    for width, height in [(1920, 1080), (1280, 720)]:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_function("([w, h]) => innerWidth === w && innerHeight === h", arg=[width, height])
        qr = box(page, '[data-testid="qr-code"]')
        plots = page.evaluate(PLOT_BOXES_JS)
        assert {"landscape-plot", "epoch-loss-plot", "accuracy-plot", "lr-plot"} <= {p["id"] for p in plots}
        covered = [p["id"] for p in plots if overlaps(qr, p)]
        assert not covered, f"{width}×{height}: the QR code covers {covered} ({qr})"
        svg = box(page, '[data-testid="qr-code"] svg')
        assert svg["width"] >= 100 and svg["top"] >= 0 and svg["bottom"] <= height, (width, height, svg)
    # Back on the workbench, the small multiples the presenter left out are drawn again.
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("boundary-multiples-plot")).to_be_visible()
