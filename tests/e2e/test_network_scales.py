"""Network mode's log/linear toggles (issue 18; design.md §7, §10): `epoch-loss-plot-scale` and
`lr-plot-scale` redraw their plot's y axis on the other scale, the button says which it drew, and the
lr choice is the reader's in both modes (one `view.scales.lr`)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_network_mode import open_network

pytestmark = pytest.mark.e2e

AXIS_TYPE_JS = "(id) => document.querySelector(`[data-testid='${id}']`)._fullLayout.yaxis.type"


def axis_type(page: Page, plot: str) -> str:
    return page.evaluate(AXIS_TYPE_JS, plot)


def wait_axis(page: Page, plot: str, scale: str) -> None:
    page.wait_for_function(f"(id) => ({AXIS_TYPE_JS})(id) === '{scale}'", arg=plot, timeout=15_000)


@pytest.fixture
def trained_page(shared_page: Page, server_url: str) -> Page:
    """The module's shared page in network mode, the default training drawn: each flip puts its plot back."""
    if shared_page.url == "about:blank":
        open_network(shared_page, server_url)
    return shared_page


@pytest.mark.parametrize("plot", ["epoch-loss-plot", "lr-plot"])
def test_a_network_plot_flips_between_log_and_linear(trained_page: Page, plot: str) -> None:
    page = trained_page
    toggle = page.get_by_test_id(f"{plot}-scale")
    expect(toggle).to_be_visible()
    assert axis_type(page, plot) == "log"
    expect(toggle).to_have_attribute("aria-pressed", "true")

    toggle.click()
    wait_axis(page, plot, "linear")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    expect(toggle).to_have_text("linear")

    toggle.click()
    wait_axis(page, plot, "log")
    expect(toggle).to_have_attribute("aria-pressed", "true")


def test_the_lr_scale_chosen_in_network_mode_holds_in_surfaces_mode(page: Page, server_url: str) -> None:
    open_network(page, server_url)
    page.get_by_test_id("lr-plot-scale").click()
    wait_axis(page, "lr-plot", "linear")
    assert axis_type(page, "epoch-loss-plot") == "log"  # each plot keeps its own choice

    page.get_by_test_id("mode-select").select_option("surfaces")
    wait_axis(page, "lr-plot", "linear")
    expect(page.get_by_test_id("lr-plot-scale")).to_have_attribute("aria-pressed", "false")
