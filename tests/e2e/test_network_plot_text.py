"""Network mode's plots in words (issue 18; design.md §7, §10): under the landscape, the loss and the
accuracy per epoch, a hidden description and table a screen reader browses, with the numbers the plots
draw (read from Plotly's own `element.data`)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_network_mode import DEFAULT_EPOCHS, DEFAULT_RUNS, open_network

pytestmark = pytest.mark.e2e

# Each run's final validation loss or accuracy as its epoch plot draws it.
FINAL_VAL_JS = """(id) => {
  return document.querySelector(`[data-testid="${id}"]`).data
    .filter(t => t.meta.split === "val").map(t => t.y[t.y.length - 1]);
}"""


def test_the_network_plots_are_described_and_tabled(page: Page, server_url: str) -> None:
    open_network(page, server_url)
    for plot in ("landscape-plot", "epoch-loss-plot", "accuracy-plot"):
        expect(page.get_by_test_id(plot)).to_have_attribute("aria-describedby", f"{plot}-text")
        expect(page.get_by_test_id(f"{plot}-table").locator("tbody tr")).to_have_count(DEFAULT_RUNS)

    expect(page.get_by_test_id("landscape-plot-text")).to_contain_text("of how the weights moved")
    expect(page.get_by_test_id("landscape-plot-text")).to_contain_text(f"epoch {DEFAULT_EPOCHS} of {DEFAULT_EPOCHS}")
    head = page.get_by_test_id("epoch-loss-plot-table").locator("thead th").all_inner_texts()
    assert head[-1] == "Final validation"

    # The table's final validation values are the numbers the plots end on (as the page formats them).
    for plot in ("epoch-loss-plot", "accuracy-plot"):
        drawn = page.evaluate(FINAL_VAL_JS, plot)
        cells = page.get_by_test_id(f"{plot}-table").locator("tbody tr td:last-child").all_inner_texts()
        assert len(cells) == len(drawn) == DEFAULT_RUNS
        for cell, value in zip(cells, drawn, strict=True):
            assert float(cell) == pytest.approx(value, rel=1e-3), (plot, cell, value)

    # The cursor moved by the scrubber rewrites the words at its step and epoch.
    page.get_by_test_id("scrubber").fill("95")
    expect(page.get_by_test_id("landscape-plot-text")).to_contain_text(f"At step 95, epoch 9 of {DEFAULT_EPOCHS}")
    expect(page.get_by_test_id("accuracy-plot-text")).to_contain_text(f"At epoch 9 of {DEFAULT_EPOCHS}")
