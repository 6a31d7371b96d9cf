"""A JSON result kept on disk between processes, under a key that says everything it depends on.

The catalog's start-up probe (design.md §4) costs seconds of CPU in every process that builds the
catalog: the server and its fork server alike, at every start. Its result depends only on the installed
packages and the probe's own code, so it is computed once per such key and read back afterwards. A lock
file makes processes that start together wait for the first one's result instead of computing it too.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from filelock import FileLock

log = logging.getLogger("optimlab")


def cached_json(folder: Path, name: str, key: Mapping[str, Any], compute: Callable[[], Any]) -> Any:
    """`compute()`'s JSON-able result, read from `folder` when a process computed it under the same `key`
    before; computed (and kept) otherwise. An unusable folder only costs the computation."""
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:20]
    path = folder / f"{name}-{digest}.json"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        lock = FileLock(path.with_suffix(".lock"))
        lock.acquire()
    except OSError as err:
        log.warning("not keeping %s in %s (%s): computing it", name, folder, err)
        return compute()
    try:
        try:
            stored = json.loads(path.read_text())
            if stored["key"] == key:  # a digest collision, or a file edited by hand, is computed afresh
                return stored["value"]
        except (OSError, ValueError, KeyError, TypeError):
            pass  # not there yet, or unreadable: computed and written again
        value = compute()
        _write_atomically(path, json.dumps({"key": key, "value": value}))
        return value
    finally:
        lock.release()


def _write_atomically(path: Path, text: str) -> None:
    """Readers see the old file or the whole new one, never half of it (a process killed mid-write)."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(handle, "w") as out:
            out.write(text)
        os.replace(temporary, path)
    except OSError as err:
        Path(temporary).unlink(missing_ok=True)
        log.warning("could not keep %s (%s)", path, err)
