"""The engine against the plain PyTorch loop a user would write from design.md §2, timed in the same process.

The plain loop is the one the tests hold the engine to (tests/reference.py), so "identical arrays"
here and "bit for bit" there mean the same thing.

Each scenario is a function returning a `Measurement` (engine seconds, plain-loop seconds, the ratio
and its target); `SCENARIOS` lists them in table order. The zoo probe (d) has no plain loop to race:
its row sets its time against the start-up budget instead.

Timings are the best of `repeat` tries (a busy machine only ever adds time). Both sides use one
torch thread, as the server does.
"""

from __future__ import annotations

import cProfile
import io
import json
import math
import pstats
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.engine.catalog import catalog
from app.engine.runs import run_experiment
from app.engine.spec import ExperimentSpec, SweepSpec
from app.engine.sweeps import prepare_sweep, run_sweep
from tests.reference import reference_run

ROOT = Path(__file__).resolve().parent.parent
START = (-1.5, 2.0)
EIGHT_OPTIMIZERS: list[tuple[str, dict[str, Any]]] = [
    ("SGD", {"lr": 1e-3, "momentum": 0.9}),
    ("Adam", {"lr": 0.02}),
    ("AdamW", {"lr": 0.02}),
    ("RMSprop", {"lr": 0.01}),
    ("Adagrad", {"lr": 0.3}),
    ("Adamax", {"lr": 0.02}),
    ("NAdam", {"lr": 0.02}),
    ("RAdam", {"lr": 0.01}),
]


def plain_run(
    optimizer: str, params: dict[str, Any], start: tuple[float, float], steps: int, noise: dict | None = None
) -> tuple[list[float], list[float], list[float], list[float]]:
    """The plain loop on Rosenbrock (tests/reference.py, the tests' yardstick): x, y, loss and lr."""
    return reference_run("rosenbrock", start, optimizer, params, steps, noise=noise)[:4]


# --- measurements ----------------------------------------------------------------------------------


@dataclass
class Measurement:
    engine: float  # seconds (or seconds per run-step, see `unit`)
    plain: float
    target: float  # the ratio engine / plain must be at most this
    unit: str = "s"
    note: str = ""
    against: str = ""  # what the plain column holds when it is not a plain loop, e.g. "budget"

    @property
    def ratio(self) -> float:
        return self.engine / self.plain

    @property
    def met(self) -> bool:
        return self.ratio <= self.target


@dataclass
class Scenario:
    name: str
    measure: Callable[[int], Measurement]


def best_time(fn: Callable[[], object], repeat: int) -> float:
    best = math.inf
    for _ in range(max(1, repeat)):
        began = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - began)
    return best


def eight_optimizers_spec(steps: int = 2000) -> ExperimentSpec:
    runs = [{"start": list(START), "optimizer": {"id": name, "params": params}} for name, params in EIGHT_OPTIMIZERS]
    return ExperimentSpec.model_validate({"surface": {"id": "rosenbrock"}, "steps": steps, "runs": runs})


def eight_optimizers(repeat: int) -> Measurement:
    """(a) One experiment of 8 runs × 2000 steps vs. 8 plain loops; the results must be identical."""
    spec = eight_optimizers_spec()
    result = run_experiment(spec)
    identical = all(
        (run["x"], run["y"], run["loss"], run["lr"]) == plain_run(name, params, START, 2000)
        for run, (name, params) in zip(result["runs"], EIGHT_OPTIMIZERS, strict=True)
    )
    engine = best_time(lambda: run_experiment(spec), repeat)
    plain = best_time(lambda: [plain_run(name, params, START, 2000) for name, params in EIGHT_OPTIMIZERS], repeat)
    return Measurement(engine, plain, 0.4, note="identical arrays" if identical else "ARRAYS DIFFER")


def basin_map(repeat: int) -> Measurement:
    """(b) A 64×64 × 300-step Adam basin map, per run-step, vs. the plain loop per run-step (4 runs timed)."""
    body = {
        "surface": {"id": "rosenbrock"},
        "steps": 300,
        "run": {"optimizer": {"id": "Adam", "params": {"lr": 0.05}}},
        "vary": {"kind": "start", "resolution": 64},
    }
    spec = SweepSpec.model_validate(body)
    batched = prepare_sweep(spec).batch_blocker() is None
    engine = best_time(lambda: run_sweep(spec), repeat) / (64 * 64 * 300)
    starts = [(-2.0, -1.0), (-0.5, 0.3), (0.7, 2.1), (1.9, 2.9)]
    plain = best_time(lambda: [plain_run("Adam", {"lr": 0.05}, s, 300) for s in starts], repeat) / (4 * 300)
    return Measurement(engine, plain, 1 / 300, "s/run-step", "batched" if batched else "NOT BATCHED")


def lr_sweep(repeat: int) -> Measurement:
    """(c) A 48-value × 500-step Adam LR sweep vs. 48 plain loops (every 4th value timed, scaled by 4)."""
    values = [10 ** (-4 + 4 * i / 47) for i in range(48)]
    body = {
        "surface": {"id": "rosenbrock"},
        "steps": 500,
        "run": {"start": list(START), "optimizer": {"id": "Adam"}},
        "vary": {"kind": "param", "values": values},
    }
    spec = SweepSpec.model_validate(body)
    batched = prepare_sweep(spec).batch_blocker() is None
    engine = best_time(lambda: run_sweep(spec), repeat)
    sample = values[::4]  # every 4th value: the same mix of converging and diverging runs
    plain = 4 * best_time(lambda: [plain_run("Adam", {"lr": v}, START, 500) for v in sample], repeat)
    return Measurement(engine, plain, 0.5, note="batched, 48 param groups" if batched else "NOT BATCHED")


def seed_band(repeat: int) -> Measurement:
    """(e) A 128-seed × 500-step noisy SGD band vs. 128 plain noisy loops (8 timed, scaled by 16)."""
    body = {
        "surface": {"id": "rosenbrock"},
        "steps": 500,
        "run": {"start": list(START), "optimizer": {"id": "SGD", "params": {"lr": 5e-4}}, "noise": {"std": 1.0}},
        "vary": {"kind": "seed", "seeds": list(range(128))},
    }
    spec = SweepSpec.model_validate(body)
    batched = prepare_sweep(spec).batch_blocker() is None
    engine = best_time(lambda: run_sweep(spec), repeat)
    noisy = [{"std": 1.0, "seed": seed} for seed in range(8)]
    plain = 16 * best_time(lambda: [plain_run("SGD", {"lr": 5e-4}, START, 500, noise) for noise in noisy], repeat)
    return Measurement(engine, plain, 1 / 50, note="batched" if batched else "NOT BATCHED")


# The server's start-up, in a fresh interpreter: the probe's first run there, timed after the imports and
# after torch's own one-time import of torch._dynamo (its first optimizer step does it, in any program).
FIRST_PROBE_SCRIPT = """
import json, time, warnings
warnings.simplefilter("ignore")
import torch, torch._dynamo, pytorch_optimizer
torch.set_num_threads(1)  # as start_engine() does before the probe: a second thread only spins on tiny tensors
from app.engine.catalog import catalog
began = time.perf_counter()
built = catalog()
seconds = time.perf_counter() - began
print(json.dumps({"seconds": seconds, "kept": list(built.optimizers), "dropped": list(built.dropped)}))
"""


def zoo_probe(repeat: int) -> Measurement:
    """(d) The start-up probe of every torch and pytorch-optimizer class, first run in a fresh process,
    against the start-up budget of two seconds."""
    runs = [
        json.loads(subprocess.run([sys.executable, "-c", FIRST_PROBE_SCRIPT], cwd=ROOT, check=True,
                                  capture_output=True, text=True).stdout)
        for _ in range(max(1, repeat))
    ]  # fmt: skip
    zoo = sum(entry_id.startswith("pytorch_optimizer.") for entry_id in runs[0]["kept"])
    dropped = sum(entry_id.startswith("pytorch_optimizer.") for entry_id in runs[0]["dropped"])
    seconds = min(run["seconds"] for run in runs)
    return Measurement(seconds, 2.0, 1.0, note=f"{zoo} zoo optimizers kept, {dropped} dropped", against="budget")


SCENARIOS: list[Scenario] = [
    Scenario("(a) 8 optimizers × 2000 steps", eight_optimizers),
    Scenario("(b) 64×64 basin map, per run-step", basin_map),
    Scenario("(c) 48-value LR sweep × 500 steps", lr_sweep),
    Scenario("(d) zoo probe at start-up", zoo_probe),
    Scenario("(e) 128-seed band × 500 steps", seed_band),
]


# --- report ----------------------------------------------------------------------------------------


def _seconds(value: float, unit: str) -> str:
    if unit == "s/run-step":
        return f"{value * 1e6:.3g} µs/run-step"
    return f"{value:.3f} s"


def _ratio(value: float) -> str:
    return f"1/{1 / value:.0f}" if value < 0.05 else f"{value:.2f}"


HEADER = f"{'scenario':38} {'engine':>20} {'plain loop':>20} {'ratio':>8} {'target':>8}"


def row(name: str, m: Measurement) -> str:
    verdict = "ok" if m.met else "MISSED"
    return (
        f"{name:38} {_seconds(m.engine, m.unit):>20} {(_seconds(m.plain, m.unit) + ' ' + m.against).strip():>20} "
        f"{_ratio(m.ratio):>8} {'≤ ' + _ratio(m.target):>8}  {verdict}  {m.note}"
    )


def profile_lockstep(top: int = 18) -> str:
    """Where the lockstep loop spends its time on scenario (a), by own time."""
    spec = eight_optimizers_spec()
    profiler = cProfile.Profile()
    profiler.enable()
    run_experiment(spec)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()


def warm_up() -> None:
    """Build the catalog (its start-up probe) and touch every code path once, outside the timings."""
    catalog()
    run_experiment(eight_optimizers_spec(5))
    plain_run("Adam", {"lr": 0.01}, START, 5)
