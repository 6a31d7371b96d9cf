"""Vectors at the cursor (design.md §11), in Chromium against the real server: the arrows drawn on the map at a
step end exactly where the API's record_state says — Δp at the recorded points, −lr·g and −lr·(momentum_buffer or
exp_avg) from the step's origin, the adaptive box ±lr·√(exp_avg_sq, square_avg or sum) — they follow the cursor,
work in small multiples, and the legend names them as torch does."""

from __future__ import annotations

import math

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_playback_inspector import DEFAULT_RUNS, MAP, open_workbench, state_request, wait_step

pytestmark = pytest.mark.e2e

# Each run's carried direction and box, as torch names the state the default comparison's optimizers keep.
CARRIED = {0: "momentum_buffer", 1: "exp_avg"}
SCALE = {1: "exp_avg_sq", 2: "square_avg", 3: "sum"}

VECTORS_JS = f"""() => {{
  const map = document.querySelector('{MAP}');
  const out = {{}};
  for (const s of (map.layout.shapes || [])) {{
    const name = s.name || "";
    if (name.startsWith("vector:")) {{
      const [start, tip] = s.path.slice(1).split("M")[0].split("L").map(p => p.split(",").map(Number));
      out[name] = {{from: start, to: tip, xref: s.xref}};
    }} else if (name.startsWith("scale:")) {{
      out[name] = {{x: [s.x0, s.x1], y: [s.y0, s.y1], xref: s.xref}};
    }}
  }}
  return out;
}}"""


def drawn_vectors(page: Page, count: int) -> dict:
    """The vectors on the map once there are `count` shapes of them (the state stream has come)."""
    page.wait_for_function(f"(n) => Object.keys(({VECTORS_JS})()).length === n", arg=count, timeout=30_000)
    return page.evaluate(VECTORS_JS)


def expected_vectors(run: dict, k: int) -> dict:
    """What design.md §11 says to draw for one run at step k, from its record_state result."""
    origin = [run["x"][k - 1], run["y"][k - 1]]
    lr = run["lr"][k - 1]

    def along(vector: list[float]) -> list[float]:
        return [origin[0] - lr * vector[0], origin[1] - lr * vector[1]]

    return {
        "step": {"from": origin, "to": [run["x"][k], run["y"][k]]},
        "grad": {"from": origin, "to": along(run["grad"][k])},
        **{
            f"carried:{name}": {"from": origin, "to": along(run["state"][name][k])}
            for name in CARRIED.values()
            if name in run["state"]
        },
        **{
            f"scale:{name}": [lr * math.sqrt(v) for v in run["state"][name][k]]
            for name in SCALE.values()
            if name in run["state"]
        },
    }


def check_run(drawn: dict, run: dict, i: int, k: int) -> None:
    expected = expected_vectors(run, k)
    assert drawn[f"vector:step:{i}"]["from"] == expected["step"]["from"]
    assert drawn[f"vector:step:{i}"]["to"] == expected["step"]["to"]
    assert drawn[f"vector:grad:{i}"]["to"] == expected["grad"]["to"]
    if i in CARRIED:
        assert drawn[f"vector:carried:{i}"]["from"] == expected["step"]["from"]
        assert drawn[f"vector:carried:{i}"]["to"] == expected[f"carried:{CARRIED[i]}"]["to"]
    else:
        assert f"vector:carried:{i}" not in drawn
    half = expected[f"scale:{SCALE[i]}"] if i in SCALE else None
    if half is None:
        assert f"scale:{i}" not in drawn
    else:
        box = drawn[f"scale:{i}"]
        (x0, y0) = expected["step"]["from"]
        assert box["x"] == [x0 - half[0], x0 + half[0]]
        assert box["y"] == [y0 - half[1], y0 + half[1]]


def test_the_vectors_at_a_step_are_the_recorded_state_and_step(page: Page, server_url: str) -> None:
    open_workbench(page, server_url)
    toggle = page.get_by_test_id("vectors-toggle")
    legend = page.get_by_test_id("vectors-legend")
    expect(legend).to_be_hidden()
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    step = 137
    page.get_by_test_id("scrubber").fill(str(step))
    wait_step(page, step)

    runs = httpx.post(
        server_url + "/api/experiments", json=state_request([(run, {}) for run in DEFAULT_RUNS]), timeout=60
    ).json()["runs"]
    # Δp and −lr·g for 4 runs, a carried direction for SGD (momentum 0.9) and Adam, a box for the 3 adaptive ones.
    count = 4 * 2 + len(CARRIED) + len(SCALE)
    drawn = drawn_vectors(page, count)
    for i, run in enumerate(runs):
        check_run(drawn, run, i, step)
    # SGD steps along its momentum buffer: its carried arrow ends (to rounding) where its step does.
    assert drawn["vector:carried:0"]["to"] == pytest.approx(drawn["vector:step:0"]["to"], rel=1e-12)

    for name in ("Δp", "−lr·g", "−lr·momentum_buffer, −lr·exp_avg", "±lr·√exp_avg_sq, ±lr·√square_avg, ±lr·√sum"):
        expect(legend.locator("code", has_text=name)).to_have_count(1)
    expect(legend).to_contain_text("true size")

    # They move with the cursor.
    page.keyboard.press("ArrowRight")
    wait_step(page, step + 1)
    page.wait_for_function(
        f"(to) => JSON.stringify(({VECTORS_JS})()['vector:step:1'].to) === JSON.stringify(to)",
        arg=[runs[1]["x"][step + 1], runs[1]["y"][step + 1]],
        timeout=10_000,
    )
    for i, run in enumerate(runs):
        check_run(drawn_vectors(page, count), run, i, step + 1)

    # Small multiples: each run's vectors on its own subplot's axes.
    page.get_by_test_id("view-select").select_option("multiples")
    page.wait_for_function(f"() => ({VECTORS_JS})()['vector:grad:3']?.xref === 'x4'", timeout=15_000)
    drawn = drawn_vectors(page, count)
    for i, run in enumerate(runs):
        assert drawn[f"vector:grad:{i}"]["xref"] == ("x" if i == 0 else f"x{i + 1}")
        check_run(drawn, run, i, step + 1)

    # Off: nothing drawn, no legend.
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "false")
    expect(legend).to_be_hidden()
    drawn_vectors(page, 0)


def test_a_link_carries_the_vectors_and_the_trail(page: Page, server_url: str, browser_context) -> None:
    """A lecturer's set-up — the trail at step 60 with the vectors on — opens from the copied link as it was."""
    browser_context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server_url)
    page.emulate_media(reduced_motion="reduce")  # the trail waits at step 0 for the keys
    open_workbench(page, server_url)
    page.get_by_test_id("vectors-toggle").click()
    page.get_by_test_id("trail-toggle").click()
    step = 60
    page.get_by_test_id("scrubber").fill(str(step))
    wait_step(page, step)
    count = 4 * 2 + len(CARRIED) + len(SCALE)
    shown = drawn_vectors(page, count)

    page.get_by_test_id("share-link").click()
    expect(page.get_by_test_id("page-notice")).to_contain_text("Link copied")
    link = page.evaluate("() => navigator.clipboard.readText()")

    opened = browser_context.new_page()
    try:
        opened.goto(link)
        for testid in ("vectors-toggle", "trail-toggle"):
            expect(opened.get_by_test_id(testid)).to_have_attribute("aria-pressed", "true", timeout=30_000)
        expect(opened.get_by_test_id("vectors-legend")).to_be_visible()
        assert drawn_vectors(opened, count) == shown
        # The trail: every path ends at the cursor's step.
        opened.wait_for_function(
            f"""(n) => {{
              const paths = (document.querySelector('{MAP}').data || []).filter(t => t.meta && t.meta.role === "path");
              return paths.length === 4 && paths.every(t => t.x.length === n);
            }}""",
            arg=step + 1,
        )
    finally:
        opened.close()
