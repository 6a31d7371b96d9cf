"""The probe cache: a result computed once per key, read back by later processes, never a stale one."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from app.engine import catalog as catalog_module
from app.engine.disk_cache import cached_json
from tests.conftest import ROOT

KEY = {"packages": {"torch": "1.0"}, "code": "abc"}


class Counted:
    """A computation that says how often it ran."""

    def __init__(self, value: object) -> None:
        self.value = value
        self.calls = 0

    def __call__(self) -> object:
        self.calls += 1
        return self.value


def test_a_result_is_computed_once_per_key_and_read_back(tmp_path: Path) -> None:
    compute = Counted({"Adam": [1, 2.5, None, "why"]})
    assert cached_json(tmp_path, "probes", KEY, compute) == compute.value
    assert cached_json(tmp_path, "probes", KEY, compute) == compute.value
    assert compute.calls == 1
    other = Counted({"Adam": "newer torch"})
    assert cached_json(tmp_path, "probes", KEY | {"packages": {"torch": "2.0"}}, other) == other.value
    assert other.calls == 1, "another key is another result"


def test_an_unreadable_file_is_computed_again(tmp_path: Path) -> None:
    compute = Counted([1, 2, 3])
    cached_json(tmp_path, "probes", KEY, compute)
    [kept] = tmp_path.glob("probes-*.json")
    kept.write_text('{"key": {"code": "ab')  # a write cut short by hand: the cache itself replaces files whole
    assert cached_json(tmp_path, "probes", KEY, compute) == [1, 2, 3]
    assert compute.calls == 2
    assert json.loads(kept.read_text())["value"] == [1, 2, 3]


def test_an_unusable_folder_only_costs_the_computation(tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    compute = Counted({"ok": True})
    assert cached_json(blocked / "cache", "probes", KEY, compute) == {"ok": True}
    assert cached_json(blocked / "cache", "probes", KEY, compute) == {"ok": True}
    assert compute.calls == 2


def test_processes_starting_together_probe_once(tmp_path: Path) -> None:
    """Like a server and its fork server: all three ask at once (each waits until the others are there),
    and the two that find the lock taken wait for the first one's result instead of computing it too."""
    program = (
        "import sys, time; from pathlib import Path; from app.engine.disk_cache import cached_json\n"
        "log = Path(sys.argv[2])\n"
        "with log.open('a') as out: out.write('ready\\n')\n"
        "while log.read_text().count('ready') < 3: time.sleep(0.01)\n"
        "def compute():\n"
        "    with log.open('a') as out: out.write('computed\\n')\n"
        "    time.sleep(0.5)  # a probe takes a while: long enough for the others to ask meanwhile\n"
        "    return 42\n"
        "print(cached_json(Path(sys.argv[1]), 'probes', {'k': 1}, compute))\n"
    )
    log = tmp_path / "computations.log"
    command = [sys.executable, "-c", program, str(tmp_path / "cache"), str(log)]
    starts = [subprocess.Popen(command, cwd=ROOT, text=True, stdout=subprocess.PIPE) for _ in range(3)]
    assert [start.communicate(timeout=120)[0] for start in starts] == ["42\n"] * 3
    assert log.read_text().count("computed") == 1


def test_kept_probes_are_the_probes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The catalog's probe results survive the trip through the file unchanged, and a later build reads
    them: a result written there under the same key is the one it returns."""
    classes = {"Adam": torch.optim.Adam, "SparseAdam": torch.optim.SparseAdam, "LBFGS": torch.optim.LBFGS}
    monkeypatch.setattr(catalog_module, "_probes_folder", None)  # the session's folder again afterwards
    fresh = catalog_module._probe_all(classes)
    assert fresh["SparseAdam"]["surfaces"].reason and fresh["Adam"]["surfaces"].reason is None
    catalog_module.keep_probes_in(tmp_path)
    assert catalog_module._probe_all(classes) == fresh
    [kept] = tmp_path.glob("catalog-probes-*.json")
    stored = json.loads(kept.read_text())
    stored["value"]["Adam"]["network"]["reason"] = "read from the file"
    kept.write_text(json.dumps(stored))
    assert catalog_module._probe_all(classes)["Adam"]["network"].reason == "read from the file"
    assert catalog_module._probe_all({"Adam": torch.optim.Adam}) == {"Adam": fresh["Adam"]}, "other classes"
