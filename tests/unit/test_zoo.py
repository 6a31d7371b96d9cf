"""The pytorch-optimizer zoo: probed at start-up, exact like torch's own (design.md §4, §5, §8)."""

from __future__ import annotations

import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pytest

from app.engine import catalog as catalog_module
from app.engine.catalog import catalog
from app.engine.codegen import script_for
from app.engine.runs import run_experiment
from app.engine.spec import ExperimentSpec, RunSpec, SurfaceSpec, SweepSpec
from app.engine.sweeps import run_sweep
from tests.reference import reference_run
from tests.scripts import run_scripts

ZOO = sorted(
    i for i, entry in catalog().optimizers.items() if entry.source == "pytorch_optimizer" and "surfaces" in entry.modes
)


def test_catalog_lists_at_least_80_zoo_optimizers() -> None:
    assert len(ZOO) >= 80
    assert {"pytorch_optimizer.Lion", "pytorch_optimizer.Prodigy", "pytorch_optimizer.ScheduleFreeAdamW",
            "pytorch_optimizer.ADOPT", "pytorch_optimizer.AdEMAMix", "pytorch_optimizer.SOAP"} <= set(ZOO)  # fmt: skip


def test_probe_is_deterministic() -> None:
    """Probing again keeps the same optimizers (its time is measured in `make bench`, not here)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        again = {cls.__name__: catalog_module._probe_optimizer(cls) for cls in catalog_module._zoo_optimizers()}
    kept = {f"pytorch_optimizer.{name}" for name, probe in again.items() if probe.reason is None}
    assert kept == set(ZOO)


@pytest.mark.parametrize("chunk", range(4))
def test_every_zoo_optimizer_equals_the_plain_loop(chunk: int) -> None:
    """All zoo optimizers in lockstep (a quarter per test) against their plain loops."""
    ids = ZOO[chunk::4]
    steps = 12
    spec = ExperimentSpec.model_validate(
        {"surface": {"id": "rosenbrock"}, "steps": steps, "runs": [{"optimizer": {"id": i}} for i in ids]}
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = [
            run_experiment(spec.model_copy(update={"runs": spec.runs[i : i + 16]}))["runs"]
            for i in range(0, len(ids), 16)
        ]
        for optimizer_id, run in zip(ids, [r for batch in results for r in batch], strict=True):
            x, y, loss, lr, momentum, status = reference_run("rosenbrock", (-1.5, 2.0), optimizer_id, {}, steps)
            assert run["status"] == status, (optimizer_id, run["error"])
            assert (run["x"], run["y"], run["loss"], run["lr"]) == (x, y, loss, lr), optimizer_id
            assert run["momentum"] == momentum, optimizer_id


def test_random_zoo_optimizers_keep_their_own_random_stream() -> None:
    random_ids = [i for i in ZOO if catalog().optimizers[i].random]
    assert random_ids, "the probe should find at least one optimizer that draws random numbers"
    runs = [{"optimizer": {"id": i}} for i in random_ids] + [{"optimizer": {"id": random_ids[0]}}]
    spec = ExperimentSpec.model_validate({"surface": {"id": "rosenbrock"}, "steps": 10, "runs": runs})
    together = run_experiment(spec)["runs"]
    alone = run_experiment(spec.model_copy(update={"runs": spec.runs[:1]}))["runs"]
    assert together[0]["x"] == alone[0]["x"] == together[-1]["x"]


def test_random_optimizers_in_concurrent_requests_draw_what_they_draw_alone() -> None:
    """Worker threads share torch's global generator: runs that draw from it must not interleave."""
    random_ids = [i for i in ZOO if catalog().optimizers[i].random]
    bodies = [{"surface": {"id": "rosenbrock"}, "steps": 200, "runs": [{"optimizer": {"id": i}}]} for i in random_ids]
    specs = [ExperimentSpec.model_validate(body) for body in bodies]
    alone = [run_experiment(spec)["runs"][0]["x"] for spec in specs]
    with ThreadPoolExecutor(max_workers=len(specs)) as pool:
        for _ in range(3):
            concurrent = list(pool.map(lambda spec: run_experiment(spec)["runs"][0]["x"], specs))
            assert concurrent == alone


ZOO_SCRIPT_RUNS = {
    "Lion": {"optimizer": {"id": "pytorch_optimizer.Lion", "params": {"lr": 1e-3}},
             "scheduler": {"id": "pytorch_optimizer.get_wsd_schedule"}},
    "ScheduleFreeAdamW": {"optimizer": {"id": "pytorch_optimizer.ScheduleFreeAdamW", "params": {"lr": 0.05}},
                          "scheduler": {"id": "pytorch_optimizer.REXScheduler"}},
    "Kron": {"optimizer": {"id": "pytorch_optimizer.Kron"}, "scheduler": {"id": "pytorch_optimizer.CosineScheduler"}},
    "Prodigy": {"optimizer": {"id": "pytorch_optimizer.Prodigy"},
                "scheduler": {"id": "pytorch_optimizer.CosineAnnealingWarmupRestarts"}},
}  # fmt: skip
SCRIPT_STEPS = 30


@pytest.fixture(scope="module")
def zoo_script_outputs(tmp_path_factory) -> dict[str, list[dict]]:
    scripts = {
        name: script_for(SurfaceSpec(id="rosenbrock"), SCRIPT_STEPS, RunSpec.model_validate(run))
        for name, run in ZOO_SCRIPT_RUNS.items()
    }
    assert all("import pytorch_optimizer" in script for script in scripts.values())
    return run_scripts(scripts, tmp_path_factory.mktemp("zoo"))


@pytest.mark.parametrize("name", list(ZOO_SCRIPT_RUNS))
def test_zoo_scripts_reproduce_the_engine(name: str, zoo_script_outputs) -> None:
    spec = ExperimentSpec.model_validate(
        {"surface": {"id": "rosenbrock"}, "steps": SCRIPT_STEPS, "runs": [ZOO_SCRIPT_RUNS[name]]}
    )
    [expected] = run_experiment(spec)["runs"]
    assert expected["status"] == "completed", expected["error"]
    rows = zoo_script_outputs[name]
    for key in ("x", "y", "loss", "lr"):
        assert [r[key] for r in rows] == expected[key], key


def test_a_kron_run_does_not_depend_on_what_ran_before_in_the_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Kron's balancing coin is `np.random.random()`: numpy's generator is seeded before the optimizer is
    built (design.md §4), in surfaces mode and in sweeps as in model mode, whatever drew from it before.
    (On a surface's one 2-vector the balancing is a no-op, so the coins are watched rather than the path.)"""
    drawn: list[float] = []
    draw = np.random.random

    def watched(*args: Any) -> Any:
        value = draw(*args)
        drawn.append(value)
        return value

    monkeypatch.setattr(np.random, "random", watched)
    run = {"optimizer": {"id": "pytorch_optimizer.Kron", "params": {"lr": 0.01}}}
    experiment = ExperimentSpec.model_validate({"surface": {"id": "rosenbrock"}, "steps": 20, "runs": [run, run]})
    sweep = SweepSpec.model_validate({"surface": {"id": "rosenbrock"}, "steps": 20, "run": run,
                                      "vary": {"kind": "param", "name": "lr", "values": [0.01, 0.02]}})  # fmt: skip
    seen = []
    for before in range(3):
        np.random.seed(before)  # what ran before in the process: another request, another test
        drawn.clear()
        paths = [run["x"] for run in run_experiment(experiment)["runs"]]
        losses = run_sweep(sweep)["final_loss"]
        seen.append((list(drawn), paths, losses))
    assert len(seen[0][0]) == 4 * 20, "each run and each cell tosses one coin a step"
    assert seen[0] == seen[1] == seen[2]
