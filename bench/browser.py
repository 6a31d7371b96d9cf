"""Debian's headless Chromium as the browser tests and the page benchmark drive it (Playwright cannot
download browsers here)."""

from __future__ import annotations

import os

# The page sets this performance mark once the default comparison is fully drawn (static/js/main.js).
FIRST_DRAWN_JS = "() => performance.getEntriesByName('optimlab:first-draw').length > 0"

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
