"""Every student (design.md §7): axe-core finds no WCAG 2 A/AA violation in the page's states, the
page works from the keyboard alone, the plots have words a screen reader reads, reduced motion is
honoured and the colours keep their contrast — in Chromium against the real server.

axe-core is npm's, vendored for the tests only (tests/e2e/vendor/, MPL-2.0): the test evaluates it
in the page through the DevTools protocol, which the page's script-src 'self' policy does not
govern; the page itself never loads it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from bench.browser import NETWORK_DRAWN_JS

pytestmark = pytest.mark.e2e

AXE_JS = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
MAP = '[data-testid="contour-plot"]'

# The default comparison drawn in full (the first-draw mark), or any later experiment settled.
SETTLED_JS = """(count) => {
  const paths = (document.querySelector('[data-testid="contour-plot"]').data || [])
    .filter(t => t.meta && t.meta.role === "path");
  return document.querySelector(".stage").getAttribute("aria-busy") === "false"
    && paths.length === count && document.querySelector("#run-status").textContent.includes("steps");
}"""

# Each run's hover text on the map at step k ("step k<br>x …, y …<br>loss …<br>lr …"), as the page shows it.
HOVER_JS = """(k) => document.querySelector('[data-testid="contour-plot"]').data
  .filter(t => t.meta && t.meta.role === "path").map(t => [t.text[Math.min(k, t.text.length - 1)], t.text[0]])"""


def wait_settled(page: Page, runs: int = 4) -> None:
    page.wait_for_function(SETTLED_JS, arg=runs, timeout=60_000)


def set_theme(page: Page, theme: str) -> None:
    """Switch to `theme` with the toggle; light is the test browser's own, where the page follows the system."""
    shown = lambda: page.locator("html").get_attribute("data-theme") or "light"  # noqa: E731
    if shown() != theme:
        page.get_by_test_id("theme-toggle").click()
    page.wait_for_function("(theme) => (document.documentElement.dataset.theme || 'light') === theme", arg=theme)


def axe_violations(page: Page) -> list[str]:
    """axe-core's WCAG 2 A and AA violations on the page as it is now: "rule: target" lines."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(f"() => {{ {AXE_JS}\n }}")
    found = page.evaluate(
        """async (tags) => {
          const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
          return result.violations.flatMap(v => v.nodes.map(n => `${v.id} (${v.impact}): ${n.target.join(" ")}`));
        }""",
        AXE_TAGS,
    )
    return found


def test_axe_finds_no_wcag_a_or_aa_violations_in_any_state(page: Page, server_url: str) -> None:
    page.goto(server_url)
    wait_settled(page)
    problems: dict[str, list[str]] = {}
    problems["1440 light"] = axe_violations(page)
    set_theme(page, "dark")
    problems["1440 dark"] = axe_violations(page)
    page.get_by_test_id("sweep-button").click()
    expect(page.get_by_test_id("sweep-panel")).to_be_visible()
    problems["1440 dark, sweeps open"] = axe_violations(page)
    set_theme(page, "light")
    problems["1440 light, sweeps open"] = axe_violations(page)
    page.get_by_test_id("presenter-button").click()
    expect(page.locator("html")).to_have_class(re.compile("presenting"))
    problems["1440 presenter"] = axe_violations(page)
    page.keyboard.press("Escape")
    expect(page.locator("html")).not_to_have_class(re.compile("presenting"))
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_function("() => document.scrollingElement.scrollWidth <= 390")
    problems["390 light"] = axe_violations(page)
    set_theme(page, "dark")
    problems["390 dark"] = axe_violations(page)
    set_theme(page, "light")  # the theme is remembered: the next test's page starts as the browser's
    assert {state: found for state, found in problems.items() if found} == {}


def test_axe_finds_no_wcag_a_or_aa_violations_in_network_mode(page: Page, server_url: str) -> None:
    page.goto(server_url)
    wait_settled(page)
    page.get_by_test_id("mode-select").select_option("network")
    page.wait_for_function(NETWORK_DRAWN_JS, timeout=60_000)
    expect(page.locator(".stage")).to_have_attribute("aria-busy", "false")
    # The decision boundary is drawn with the training; the LR finder shows once asked.
    expect(page.get_by_test_id("boundary-multiples-plot")).to_be_visible()
    page.get_by_test_id("lr-finder-button").click()
    page.get_by_test_id("lr-finder-use-steepest").wait_for(timeout=120_000)
    problems: dict[str, list[str]] = {"1440 network light": axe_violations(page)}
    set_theme(page, "dark")
    problems["1440 network dark"] = axe_violations(page)
    set_theme(page, "light")
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_function("() => document.scrollingElement.scrollWidth <= 390")
    problems["390 network"] = axe_violations(page)
    assert {state: found for state, found in problems.items() if found} == {}


# ---- keyboard only ----

NO_MOUSE_JS = """() => {
  window.__mouseEvents = [];
  for (const type of ["mousedown", "mouseup", "mousemove", "pointerdown", "pointermove", "wheel", "touchstart"]) {
    window.addEventListener(type, (event) => window.__mouseEvents.push(type), true);
  }
}"""


def tab_to(page: Page, selector: str, backwards: bool = False, limit: int = 80) -> None:
    """Press Tab (Shift+Tab) until `selector` has the focus, as a keyboard user reaches it."""
    for _ in range(limit):
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
    raise AssertionError(f"{selector} was not reached with {'Shift+' if backwards else ''}Tab")


def focus_ring(page: Page) -> str:
    return page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")


def first_points(page: Page) -> list[list[float]]:
    return page.evaluate(
        f"""() => document.querySelector('{MAP}').data.filter(t => t.meta && t.meta.role === "path")
              .map(t => [t.x[0], t.y[0]])"""
    )


def test_a_lesson_plays_scrubs_moves_a_start_and_opens_the_inspector_by_keyboard_alone(
    page: Page, server_url: str
) -> None:
    page.goto(server_url)
    page.evaluate(NO_MOUSE_JS)
    wait_settled(page)
    expect(page.get_by_test_id("preset-select")).to_be_enabled()

    # The first Tab stop is the skip link, shown when focused; the next, the mode switch; then the lesson picker.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to the plots")
    expect(skip).to_be_focused()
    assert skip.bounding_box()["y"] >= 0
    page.keyboard.press("Tab")
    expect(page.get_by_test_id("mode-select")).to_be_focused()
    assert focus_ring(page) not in ("none", "")
    page.keyboard.press("Tab")
    expect(page.get_by_test_id("preset-select")).to_be_focused()
    assert focus_ring(page) not in ("none", "")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_test_id("lesson-banner")).to_be_visible()
    expect(page.get_by_test_id("scrubber")).to_have_attribute("max", "200", timeout=30_000)  # the lesson's steps
    wait_settled(page)

    # The skip link takes the focus past the controls, to the plots.
    tab_to(page, ".skip-link", backwards=True)
    url = page.url
    page.keyboard.press("Enter")
    expect(page.locator("#plots")).to_be_focused()
    assert page.url == url  # the hash holds the experiment: the link leaves it alone

    # Play, then pause, from the play button.
    tab_to(page, '[data-testid="play-button"]')
    assert focus_ring(page) not in ("none", "")
    page.keyboard.press("Home")
    page.keyboard.press("Space")
    expect(page.get_by_test_id("play-button")).to_have_attribute("aria-label", "Pause")
    page.wait_for_function("() => Number(document.querySelector('[data-testid=\"scrubber\"]').value) >= 20")
    page.keyboard.press("Space")
    expect(page.get_by_test_id("play-button")).to_have_attribute("aria-label", "Play")
    expect(page.get_by_test_id("step-announcer")).to_have_text(re.compile(r"^Paused at step \d+ of 200$"))

    # Scrub: the scrubber's own keys.
    tab_to(page, '[data-testid="scrubber"]')
    page.keyboard.press("Home")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    expect(page.get_by_test_id("scrubber")).to_have_value("3")
    expect(page.locator("#step-readout")).to_have_text("step 3 / 200")

    # Move every start up by the arrow keys on the focused map.
    before = first_points(page)
    tab_to(page, MAP, backwards=True)
    assert focus_ring(page) not in ("none", "")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    page.wait_for_function(
        f"""(before) => {{
          const now = document.querySelector('{MAP}').data.filter(t => t.meta && t.meta.role === "path");
          return now.length === before.length && now.every((t, i) => t.x[0] === before[i][0] && t.y[0] > before[i][1])
            && document.querySelector(".stage").getAttribute("aria-busy") === "false";
        }}""",
        arg=before,
        timeout=30_000,
    )

    # The inspector opens with Enter on its summary and shows the runs' state at the cursor.
    tab_to(page, "#inspector > summary")
    assert focus_ring(page) not in ("none", "")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("inspector")).to_have_attribute("open", "")
    expect(page.locator("#inspector .inspect-run").first).to_be_visible(timeout=30_000)

    assert page.evaluate("() => window.__mouseEvents") == []


# ---- words for the pictures ----

NUMBER = re.compile(r"-?\d[\d.]*(?:e-?\d+)?")


def hover_numbers(text: str) -> dict[str, str]:
    """{"x": …, "y": …, "loss": …, "lr": …} from a path's hover text, as the page writes the numbers."""
    return dict(re.findall(r"\b(x|y|loss|lr) (-?[\d.e-]+|NaN|-?Infinity)", text))


def test_the_map_and_loss_plot_say_the_numbers_at_the_cursor(drawn_page: Page) -> None:
    wait_settled(drawn_page)
    scrubber = drawn_page.get_by_test_id("scrubber")
    for step in (40, 137):
        scrubber.fill(str(step))
        expect(drawn_page.get_by_test_id("contour-plot-text")).to_contain_text(f"at step {step} it is at")
        hovers = drawn_page.evaluate(HOVER_JS, step)
        lines = drawn_page.get_by_test_id("contour-plot-text").locator("p").all_inner_texts()
        loss_text = drawn_page.get_by_test_id("loss-plot-text").inner_text()
        lr_text = drawn_page.get_by_test_id("lr-plot-text").inner_text()
        assert len(lines) == len(hovers) == 4
        for line, (at_cursor, at_start) in zip(lines, hovers, strict=True):
            now, start = hover_numbers(at_cursor), hover_numbers(at_start)
            assert f"started at ({start['x']}, {start['y']})" in line
            assert f"at step {step} it is at ({now['x']}, {now['y']}), loss {now['loss']}" in line
            assert "without diverging" in line
            assert f"loss {now['loss']}" in loss_text
            assert f"learning rate {now['lr']}" in lr_text
        assert f"At step {step} of 500" in loss_text
        # The plots are named and described by those words; their tables hold the cursor's row.
        expect(drawn_page.get_by_test_id("contour-plot")).to_have_accessible_name(re.compile("Contour map"))
        expect(drawn_page.get_by_test_id("contour-plot")).to_have_accessible_description(re.compile(f"at step {step}"))
        expect(drawn_page.get_by_test_id("loss-plot")).to_have_accessible_name(re.compile("Loss"))
        expect(drawn_page.get_by_test_id("lr-plot")).to_have_accessible_name("Learning rate")
        expect(
            drawn_page.get_by_test_id("loss-plot-table").locator("tbody th", has_text=f"{step} (cursor)")
        ).to_have_count(1)


def test_a_diverged_run_is_said_to_have_diverged(page: Page, server_url: str) -> None:
    page.goto(server_url)
    wait_settled(page)
    page.locator("#f-runs-0-optimizer-params-lr").fill(
        "0.01"
    )  # SGD with momentum diverges from lr 0.003 on this start (state/experiment.js)
    page.wait_for_function("() => document.querySelector('.summary .status-diverged') !== null", timeout=60_000)
    expect(page.get_by_test_id("contour-plot-text").locator("p").first).to_contain_text(
        re.compile(r"diverged at step \d+")
    )


# ---- motion and contrast ----


def test_reduced_motion_stops_transitions_and_nothing_plays_by_itself(page: Page, server_url: str) -> None:
    page.emulate_media(reduced_motion="reduce")
    page.goto(server_url)
    wait_settled(page)
    # A run card's chevron turns in 0.15 s (css/controls.css): not for this reader.
    summary = page.locator(".run-card > summary").first
    assert summary.evaluate("el => getComputedStyle(el, '::after').transitionDuration") == "0s"
    # A lesson in presenter mode waits for Play.
    page.get_by_test_id("presenter-button").click()
    expect(page.locator("html")).to_have_class(re.compile("presenting"))  # its module loaded: it hears the keys
    page.keyboard.press("ArrowRight")
    expect(page.get_by_test_id("lesson-banner")).to_be_visible()
    wait_settled(page)
    page.evaluate("() => new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(resolve)))")
    expect(page.get_by_test_id("play-button")).to_have_attribute("aria-label", "Play")


# The colours the page uses, resolved by the browser in the current theme: text on its backgrounds,
# and each run colour as drawn (its theme stand-in) with the backgrounds a path or curve lies on.
COLORS_JS = """() => {
  const probe = document.body.appendChild(document.createElement("span"));
  const rgb = (css) => { probe.style.color = css; return getComputedStyle(probe).color; };
  const tokens = ["--bg", "--surface", "--surface-sunken", "--ink", "--ink-muted", "--accent", "--accent-ink",
    "--accent-soft", "--focus", "--danger", "--danger-soft", "--changed", "--plot-bg", "--plot-ink", "--map-low",
    "--map-mid", "--map-high", "--path-halo"];
  const colors = Object.fromEntries(tokens.map(t => [t, rgb(`var(${t})`)]));
  const runs = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"];
  const drawn = document.querySelector("#legend");
  colors.runs = runs.map(c => rgb({"#000000": "var(--run-black)", "#E69F00": "var(--run-orange)",
    "#56B4E9": "var(--run-sky-blue)", "#F0E442": "var(--run-yellow)", "#CC79A7": "var(--run-reddish-purple)"}[c] ?? c));
  colors.legend = [...drawn.querySelectorAll(".run-swatch")].map(s => getComputedStyle(s).backgroundColor);
  colors.paths = document.querySelector('[data-testid="contour-plot"]').data
    .filter(t => t.meta && t.meta.role === "path").map(t => rgb(t.line.color));
  probe.remove();
  return colors;
}"""

# Text on the backgrounds it is drawn on: 4.5:1 (WCAG 1.4.3); the focus ring and run colours 3:1 (1.4.11).
TEXT_PAIRS = [
    ("--ink", "--bg"),
    ("--ink", "--surface"),
    ("--ink", "--surface-sunken"),
    ("--ink-muted", "--bg"),
    ("--ink-muted", "--surface"),
    ("--ink-muted", "--surface-sunken"),
    ("--accent-ink", "--accent"),
    ("--accent", "--surface"),
    ("--ink", "--accent-soft"),
    ("--danger", "--surface"),
    ("--danger", "--danger-soft"),
    ("--changed", "--surface"),
    ("--plot-ink", "--plot-bg"),
    ("--ink", "--plot-bg"),
]
GRAPHIC_PAIRS = [("--focus", "--bg"), ("--focus", "--surface")]


def rgba(css: str) -> tuple[float, float, float, float]:
    values = [float(v) for v in re.findall(r"[\d.]+", css)]
    return (*values[:3], values[3] if len(values) > 3 else 1.0)


def over(top: str, bottom: str) -> str:
    """`top` composited over the opaque `bottom`, as rgb()."""
    r, g, b, a = rgba(top)
    r2, g2, b2, _ = rgba(bottom)
    return f"rgb({r * a + r2 * (1 - a)}, {g * a + g2 * (1 - a)}, {b * a + b2 * (1 - a)})"


def luminance(css: str) -> float:
    def channel(value: float) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b, _ = rgba(css)
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_text_and_path_colours_keep_their_contrast_in_both_themes(drawn_page: Page) -> None:
    wait_settled(drawn_page)
    for theme in ("light", "dark"):
        set_theme(drawn_page, theme)
        # The plots redraw in the new theme's colours at their next frame.
        drawn_page.wait_for_function(
            f"() => {{ const c = ({COLORS_JS})(); return JSON.stringify(c.legend) === JSON.stringify(c.paths); }}"
        )
        colors = drawn_page.evaluate(COLORS_JS)
        low = [
            f"{theme}: {fg} on {bg} {contrast(colors[fg], colors[bg]):.2f}"
            for pairs, least in ((TEXT_PAIRS, 4.5), (GRAPHIC_PAIRS, 3.0))
            for fg, bg in pairs
            if contrast(colors[fg], colors[bg]) < least
        ]
        # A run's path lies on its halo over any contour tone; its curves on the plot's background.
        grounds = [colors["--plot-bg"]] + [
            over(colors["--path-halo"], colors[t]) for t in ("--map-low", "--map-mid", "--map-high")
        ]
        low += [
            f"{theme}: run colour {run} on {ground} {contrast(run, ground):.2f}"
            for run in colors["runs"]
            for ground in grounds
            if contrast(run, ground) < 3.0
        ]
        assert low == []
        # What the page draws is those colours: the legend's swatches and the map's paths.
        assert colors["legend"] == colors["paths"] == colors["runs"][:4]
    set_theme(drawn_page, "light")
