"""The vendored cartesian Plotly.js build (static/vendor/README.md) is the installed package's version:
the page draws with one and, once the 3-D view is shown, the other."""

from __future__ import annotations

import re
from pathlib import Path

from app.api.pages import PLOTLY_JS, STATIC_DIR

CARTESIAN_JS = STATIC_DIR / "vendor" / "plotly-cartesian.min.js"


def plotly_js_version(bundle: Path) -> str:
    """The version in a bundle's licence header: `* plotly.js (cartesian - minified) v4.1.1`."""
    with bundle.open(encoding="utf-8") as file:
        header = file.read(200)
    match = re.search(r"\* plotly\.js(?: \([^)]*\))? v(\d+\.\d+\.\d+)", header)
    assert match, f"no plotly.js version in {bundle}'s header: {header!r}"
    return match[1]


def test_the_cartesian_build_is_the_packages_plotly_js_version() -> None:
    assert plotly_js_version(CARTESIAN_JS) == plotly_js_version(PLOTLY_JS)
