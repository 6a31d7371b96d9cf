"""Screenshots of the workbench for the README: `python -m tests.e2e.screenshots`.

Starts the real server, opens the default comparison at a laptop's and a phone's size, and saves
docs/screenshot-laptop.png and docs/screenshot-phone.png once the paths are fully drawn.
"""

from __future__ import annotations

from playwright.sync_api import sync_playwright

from tests.conftest import ROOT, start_server, stop_server
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

VIEWPORTS = {"laptop": (1440, 900), "phone": (390, 844)}
DRAWN = "() => performance.getEntriesByName('optimlab:first-draw').length > 0"


def main() -> None:
    server, url = start_server()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for name, (width, height) in VIEWPORTS.items():
                page = browser.new_page(viewport={"width": width, "height": height}, color_scheme="light")
                page.goto(url)
                page.wait_for_function(DRAWN, timeout=60_000)
                path = ROOT / "docs" / f"screenshot-{name}.png"
                page.screenshot(path=path)
                print(f"saved {path.relative_to(ROOT)}")
                page.close()
            browser.close()
    finally:
        stop_server(server)


if __name__ == "__main__":
    main()
