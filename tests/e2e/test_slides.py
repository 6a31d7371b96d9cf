"""Slides in Chromium (design.md §11): the playback downloads as a WebM video with a frame per shown
step (read from the file's own EBML structure), and the plot set as one 1920×1080 PNG."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from playwright.sync_api import Page

pytestmark = pytest.mark.e2e

EBML_MAGIC = b"\x1a\x45\xdf\xa3"
SEGMENT, CLUSTER, DOC_TYPE = 0x18538067, 0x1F43B675, 0x4282
FRAMES = {0xA3, 0xA0}  # a SimpleBlock or a BlockGroup (Chromium writes the latter): one frame each
MASTERS = {0x1A45DFA3, SEGMENT, CLUSTER}  # entered rather than skipped (MediaRecorder may leave their sizes unknown)
SETTLED_JS = "() => document.querySelector('.stage').getAttribute('aria-busy') === 'false' && location.hash"
# Every path on the map drawn with n + 1 points, the views no longer busy.
PATHS_DRAWN_JS = """(n) => {
  const paths = (document.querySelector('[data-testid="contour-plot"]').data || [])
    .filter(t => t.meta && t.meta.role === "path");
  return document.querySelector('.stage').getAttribute('aria-busy') === 'false'
    && paths.length > 0 && paths.every(t => t.x.length === n + 1);
}"""
# The video's experiment: 20 steps, so every step gets a frame of its own (at most 60 are drawn, each a full
# render of the map and the loss plot: the default 500 steps' 60 frames took a minute of a loaded machine).
VIDEO_STEPS = 20


def _vint(data: bytes, pos: int, keep_marker: bool) -> tuple[int, int, bool]:
    """An EBML variable-length integer at `pos`: (value, next position, all value bits set)."""
    first = data[pos]
    length = 8 - first.bit_length() + 1
    value = first if keep_marker else first & (0xFF >> length)
    for byte in data[pos + 1 : pos + length]:
        value = (value << 8) | byte
    unknown = not keep_marker and value == (1 << (7 * length)) - 1
    return value, pos + length, unknown


def webm_blocks(data: bytes) -> tuple[str, int]:
    """The file's DocType and how many blocks (video frames) its clusters hold."""
    pos, blocks, doc_type = 0, 0, ""
    while pos < len(data):
        element, pos, _ = _vint(data, pos, keep_marker=True)
        size, pos, unknown = _vint(data, pos, keep_marker=False)
        if element in MASTERS:
            continue
        assert not unknown, f"element {element:x} of unknown size"
        if element == DOC_TYPE:
            doc_type = data[pos : pos + size].decode()
        blocks += element in FRAMES
        pos += size
    return doc_type, blocks


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", head
    return struct.unpack(">II", head[16:24])


def open_default(page: Page, server_url: str) -> None:
    page.goto(server_url + "/")
    page.wait_for_function(SETTLED_JS, timeout=30_000)


def record_video(page: Page, tmp_path: Path) -> None:
    """Click `export-video`: a WebM file downloads with a frame per shown step (at most 60)."""
    steps = page.evaluate("() => Number(document.querySelector('#scrubber').max)")
    with page.expect_download(timeout=240_000) as download:
        page.get_by_test_id("export-video").click()
    assert download.value.suggested_filename == "optimlab-playback.webm"
    video = tmp_path / "playback.webm"
    download.value.save_as(video)
    data = video.read_bytes()
    assert data[:4] == EBML_MAGIC and len(data) > 10_000
    doc_type, blocks = webm_blocks(data)
    assert doc_type == "webm"
    assert blocks >= min(steps + 1, 60) // 2, blocks  # loosely: the encoder may merge or drop a few


def save_slide(page: Page, tmp_path: Path) -> None:
    """Click `export-slides`: one 1920×1080 PNG downloads."""
    with page.expect_download() as download:
        page.get_by_test_id("export-slides").click()
    assert download.value.suggested_filename == "optimlab-slide.png"
    path = tmp_path / "slide.png"
    download.value.save_as(path)
    assert png_size(path) == (1920, 1080)


def test_the_playback_downloads_as_a_webm_video_with_a_frame_per_step_shown(
    page: Page, server_url: str, tmp_path: Path
) -> None:
    open_default(page, server_url)
    page.locator("#f-steps").fill(str(VIDEO_STEPS))
    page.wait_for_function(PATHS_DRAWN_JS, arg=VIDEO_STEPS, timeout=30_000)
    record_video(page, tmp_path)
    # The page is as it was: the whole paths, the cursor at the newest step.
    page.wait_for_function("() => document.querySelector('[data-testid=\"trail-toggle\"]').ariaPressed === 'false'")


def test_the_plot_set_downloads_as_one_projector_sized_png(page: Page, server_url: str, tmp_path: Path) -> None:
    open_default(page, server_url)
    save_slide(page, tmp_path)
