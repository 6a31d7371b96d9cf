"""The page's JavaScript unit tests (tests/js/, node's built-in runner) run with the Python suite, so
`make test` and CI fail when they fail."""

from __future__ import annotations

import shutil
import subprocess

from bench.server import ROOT

JS_TESTS = ROOT / "tests" / "js"
MIN_TESTS = 30


def test_node_test_runs_the_page_unit_tests_and_they_pass() -> None:
    node = shutil.which("node")
    assert node, "node is needed for the page's unit tests: `make install` installs it"
    done = subprocess.run(
        [node, "--test", "--test-reporter=tap", JS_TESTS],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    counts = dict(line[2:].split(" ", 1) for line in done.stdout.splitlines() if line.startswith("# "))
    assert int(counts["pass"]) >= MIN_TESTS and int(counts["fail"]) == 0, counts
