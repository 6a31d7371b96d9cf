"""Runs exported scripts as standalone programs, all in one fresh interpreter (torch imports once)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

DRIVER = """
import contextlib, io, json, runpy, sys
outputs = {}
for path in sys.argv[1:]:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        try:
            runpy.run_path(path, run_name="__main__")
        except Exception as err:
            print("raised", type(err).__name__, err, file=sys.stderr)
    outputs[path] = buffer.getvalue()
print(json.dumps(outputs))
"""


def run_scripts(scripts: dict[str, str], folder: Path) -> dict[str, list[dict]]:
    """Each script's printed JSON lines, by name; every script gets its own globals and stdout."""
    paths = {}
    for name, script in scripts.items():
        paths[name] = folder / f"{name}.py"
        paths[name].write_text(script)
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, *map(str, paths.values())],
        capture_output=True, text=True, timeout=300, cwd=folder, check=True,
    )  # fmt: skip
    outputs = json.loads(done.stdout.splitlines()[-1])
    return {
        name: [json.loads(line) for line in outputs[str(path)].splitlines() if line.startswith("{")]
        for name, path in paths.items()
    }
