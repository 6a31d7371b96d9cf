"""Screenshots of the workbench for the README: `python -m tests.e2e.screenshots`.

Starts the real server, opens the default comparison at a laptop's and a phone's size, and saves
docs/screenshot-laptop.png and docs/screenshot-phone.png once the paths are fully drawn.
"""

from __future__ import annotations

from tests.e2e.shoot import open_drawn, save, served_browser

VIEWPORTS = {"laptop": (1440, 900), "phone": (390, 844)}


def main() -> None:
    with served_browser() as (browser, url):
        for name, (width, height) in VIEWPORTS.items():
            page = open_drawn(browser, url, width, height)
            save(page, name)
            page.close()


if __name__ == "__main__":
    main()
