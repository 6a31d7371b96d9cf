"""A screenshot of the mechanics for the README: `python -m tests.e2e.screenshots_mechanics`.

Starts the real server and saves docs/screenshot-vectors.png: the default comparison at an early step with the
vectors on — each run's step Δp, −lr·g, its carried direction (momentum_buffer, exp_avg) and the adaptive scale
box — and the legend under the playback bar that names them; the trail on (the paths up to that step) and the
map zoomed on the start, where the runs part.
"""

from __future__ import annotations

import sys

from tests.e2e.shoot import open_drawn, save, served_browser

STEP = 12  # early: the runs still far apart, their gradients large enough to see
ZOOM = {"xaxis.range": [-2.0, -0.7], "yaxis.range": [1.3, 2.6]}


def main(step: int = STEP) -> None:
    with served_browser() as (browser, url):
        page = open_drawn(browser, url, 1440, 900)
        page.emulate_media(reduced_motion="reduce")  # the trail waits at step 0; the scrubber moves it
        page.get_by_test_id("trail-toggle").click()
        page.get_by_test_id("vectors-toggle").click()
        page.get_by_test_id("scrubber").fill(str(step))
        page.wait_for_function(
            """() => (document.querySelector('[data-testid="contour-plot"]').layout.shapes || [])
                 .filter(s => (s.name || "").startsWith("vector:grad:")).length === 4"""
        )
        page.evaluate(
            "(zoom) => window.Plotly.relayout(document.querySelector('[data-testid=\"contour-plot\"]'), zoom)", ZOOM
        )
        page.mouse.move(1, 1)
        page.evaluate("() => document.activeElement.blur()")
        save(page, "vectors")
        page.close()


if __name__ == "__main__":
    main(*map(int, sys.argv[1:]))
