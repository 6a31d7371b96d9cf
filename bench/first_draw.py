"""`python -m bench.first_draw` (`make bench-page`): how long a first visit takes to draw the default
comparison, next to the floor Plotly.js sets on this machine.

    python -m bench.first_draw [--repeat 5]

Both are timed from navigation, each in a fresh browser context (nothing cached), in headless Chromium
against a real server whose result cache already holds the experiment (one warm-up visit), so neither
includes torch's compute:

- the page: until its `optimlab:first-draw` mark (four full paths, the loss and LR plots, the table),
  with the page's own measures of Plotly.js's start-up and of the frame that drew;
- bare Plotly.js: a page with nothing but the same cartesian build, drawing the very figures the page
  drew (captured from the warm-up visit: the same traces, layouts and plot sizes).

The ratio is what the page adds to Plotly's own cost. Then network mode (design.md §10): in a fresh
context the page draws its default comparison, the mode switch is chosen, and the page's own measure
`optimlab:network-first-draw` gives the time from that click to the default training's landscape and
paths drawn. A warm-up switch trains once; the timed ones replay it from the server's single-flight
cache (app/api/flights.py), so, as above, torch's compute is not in it. Exits 1 when the page misses
either goal.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from dataclasses import dataclass

from playwright.sync_api import Browser, sync_playwright

from bench.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    FIRST_DRAW_TIMES_JS,
    FIRST_DRAWN_JS,
    NETWORK_DRAW_MS_JS,
    NETWORK_DRAWN_JS,
)
from bench.server import start_server, stop_server

GOAL_MS = 1000
NETWORK_GOAL_MS = 2000
VIEWPORT = {"width": 1440, "height": 900}
PLOTS = ("contour-plot", "loss-plot", "lr-plot")
BARE_PATH = "/bench/bare-plotly"  # answered by the browser itself (page.route), never by the server

BARE_DRAWN = "() => performance.getEntriesByName('bare:drawn').length > 0"

# The figures as the page drew them (Plotly keeps the traces and layout it was given on the element).
FIGURES_JS = """(ids) => ids.map(id => {
  const plot = document.querySelector(`[data-testid="${id}"]`);
  const box = plot.getBoundingClientRect();
  return {data: plot.data, layout: plot.layout, width: box.width, height: box.height};
})"""

BARE_TIMES_JS = """() => {
  const at = (name) => performance.getEntriesByName(name)[0].startTime;
  return {drawn: at("bare:drawn"), plotly: at("bare:plotly") - at("bare:start"),
          frame: at("bare:drawn") - at("bare:plotly")};
}"""


def bare_page(figures: list[dict]) -> str:
    """Three plot containers of the page's sizes, the cartesian build, and a script drawing `figures`."""
    boxes = "".join(
        f'<div id="plot-{i}" style="width:{f["width"]}px;height:{f["height"]}px"></div>' for i, f in enumerate(figures)
    )
    figures_json = json.dumps([{"data": f["data"], "layout": f["layout"]} for f in figures]).replace("</", "<\\/")
    return f"""<!doctype html><html><head><meta charset="utf-8"></head><body>{boxes}
<script type="application/json" id="figures">{figures_json}</script>
<script>performance.mark("bare:start")</script>
<script src="/static/vendor/plotly-cartesian.min.js"></script>
<script>
  performance.mark("bare:plotly");
  const figures = JSON.parse(document.getElementById("figures").textContent);
  figures.forEach((f, i) => Plotly.newPlot(`plot-${{i}}`, f.data, f.layout, {{displaylogo: false}}));
  performance.mark("bare:drawn");
</script></body></html>"""


@dataclass
class Timing:
    drawn: float  # ms after navigation
    plotly: float  # Plotly.js's start-up, ms
    frame: float  # the frame (or script) that drew, ms


def visit(browser: Browser, url: str, wait: str, times: str, bare_html: str | None = None) -> Timing:
    """One first visit in a fresh context: navigate, wait for `wait`, read `times`."""
    context = browser.new_context(viewport=VIEWPORT, color_scheme="light")
    try:
        page = context.new_page()
        if bare_html is not None:
            page.route(url, lambda route: route.fulfill(body=bare_html, content_type="text/html"))
        page.goto(url)
        page.wait_for_function(wait, timeout=60_000)
        return Timing(**page.evaluate(times))
    finally:
        context.close()


def network_switch(browser: Browser, url: str) -> float:
    """One switch to network mode in a fresh context, after the first draw: ms from the click to the landscape."""
    context = browser.new_context(viewport=VIEWPORT, color_scheme="light")
    try:
        page = context.new_page()
        page.goto(url)
        page.wait_for_function(FIRST_DRAWN_JS, timeout=60_000)
        page.get_by_test_id("mode-select").select_option("network")
        page.wait_for_function(NETWORK_DRAWN_JS, timeout=60_000)
        return page.evaluate(NETWORK_DRAW_MS_JS)
    finally:
        context.close()


def summary(name: str, timings: list[Timing]) -> str:
    best = min(timings, key=lambda t: t.drawn)
    median = statistics.median(t.drawn for t in timings)
    return (
        f"{name:<16} {best.drawn:7.0f} ms  (median {median:5.0f})   "
        f"Plotly.js start-up {best.plotly:4.0f} ms, drawing {best.frame:4.0f} ms"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.first_draw", description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="first visits of each page; the best counts")
    args = parser.parse_args(argv)
    server, url = start_server()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport=VIEWPORT, color_scheme="light")
            warm = context.new_page()  # computes the experiment once and captures the figures it drew
            warm.goto(url)
            warm.wait_for_function(FIRST_DRAWN_JS, timeout=120_000)
            figures = warm.evaluate(FIGURES_JS, list(PLOTS))
            context.close()
            network_switch(browser, url + "/")  # trains the default training once
            bare_html = bare_page(figures)
            page_times, bare_times, network_times = [], [], []
            for _ in range(args.repeat):  # interleaved, so a noisy moment hits both alike
                page_times.append(visit(browser, url + "/", FIRST_DRAWN_JS, FIRST_DRAW_TIMES_JS))
                bare_times.append(visit(browser, url + BARE_PATH, BARE_DRAWN, BARE_TIMES_JS, bare_html))
                network_times.append(network_switch(browser, url + "/"))
            browser.close()
    finally:
        stop_server(server)
    page_best = min(t.drawn for t in page_times)
    bare_best = min(t.drawn for t in bare_times)
    print(f"First draw of the default comparison, first visits, best of {args.repeat}:")
    print(summary("the page", page_times))
    print(summary("bare Plotly.js", bare_times))
    print(f"ratio page / bare Plotly.js: {page_best / bare_best:.2f}    goal: the page under {GOAL_MS} ms")
    network_best = min(network_times)
    print(
        f"Network mode, the switch to the default training's landscape drawn: {network_best:.0f} ms "
        f"(median {statistics.median(network_times):.0f})    goal: at most {NETWORK_GOAL_MS} ms"
    )
    return 0 if page_best < GOAL_MS and network_best <= NETWORK_GOAL_MS else 1


if __name__ == "__main__":
    sys.exit(main())
