"""Debian's headless Chromium as the browser tests and the page benchmark drive it (Playwright cannot
download browsers here)."""

from __future__ import annotations

import os

# The page sets this performance mark once the default comparison is fully drawn (static/js/main.js).
FIRST_DRAWN_JS = "() => performance.getEntriesByName('optimlab:first-draw').length > 0"
# ...and then, in ms: when (after navigation), Plotly.js's start-up and the JavaScript of the frame that drew.
FIRST_DRAW_TIMES_JS = """() => {
  const entry = (name) => performance.getEntriesByName(`optimlab:${name}`)[0];
  return {drawn: entry("first-draw").startTime, plotly: entry("plotly-cartesian").duration,
          frame: entry("first-frame").duration};
}"""

# Network mode sets this mark once, after a switch, the default training's landscape and paths are drawn
# (static/js/network/page.js), and measures it from the click on the switch (ms).
NETWORK_DRAWN_JS = "() => performance.getEntriesByName('optimlab:network-first-draw', 'mark').length > 0"
NETWORK_DRAW_MS_JS = "() => performance.getEntriesByName('optimlab:network-first-draw', 'measure')[0].duration"

CHROMIUM = os.environ.get("OPTIMLAB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
