"""Exported scripts, run in a subprocess, print exactly the engine's arrays (design.md §8)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.engine.codegen import script_for
from app.engine.runs import run_experiment
from app.engine.spec import ExperimentSpec, RunSpec, SurfaceSpec
from tests.scripts import run_scripts

CASES = {
    "adam-steplr": ("rosenbrock", {}, {"optimizer": {"id": "Adam", "params": {"lr": 0.02, "betas": [0.8, 0.99]}},
                                       "scheduler": {"id": "StepLR", "params": {"gamma": 0.5}}}),
    "sgd-noise-plateau-epoch": ("quadratic", {"angle": 30, "b": 20}, {
        "start": [2.0, -1.0], "optimizer": {"id": "SGD", "params": {"lr": 0.01, "momentum": 0.9, "nesterov": True}},
        "scheduler": {"id": "ReduceLROnPlateau", "params": {"patience": 2}, "interval": "epoch", "steps_per_epoch": 4},
        "noise": {"std": 0.3, "seed": 11}}),
    "lbfgs-strong-wolfe": ("himmelblau", {},
                           {"optimizer": {"id": "LBFGS", "params": {"line_search_fn": "strong_wolfe"}}}),
    "rmsprop-sequential": ("ackley", {}, {"optimizer": {"id": "RMSprop", "params": {"lr": 0.05, "centered": True}},
                                          "scheduler": {"id": "SequentialLR"}}),
    "adagrad-lambda-expression": ("expression", {"expression": "sinh(x)**2 + abs(y)**1.5 + log(1 + x**2)"}, {
        "start": [1.0, -1.2], "optimizer": {"id": "Adagrad", "params": {"lr": 0.3}},
        "scheduler": {"id": "LambdaLR", "params": {"lr_lambda": "1/(1 + epoch/10) + 0.1*cos(epoch)"}}}),
    "rprop-chained-onecycle": ("beale", {}, {"optimizer": {"id": "Rprop"},
                                             "scheduler": {"id": "ChainedScheduler"}}),
    "adafactor-cyclic": ("booth", {}, {"optimizer": {"id": "Adafactor", "params": {"lr": 0.1}},
                                       "scheduler": {"id": "CyclicLR", "params": {"cycle_momentum": False}}}),
    "sgd-diverges": ("rosenbrock", {}, {"optimizer": {"id": "SGD", "params": {"lr": 0.05}}}),
    "sgd-clip-norm-onecycle": ("rosenbrock", {}, {"start": [-2.0, 2.0], "clip": {"norm": 1.0},
                               "optimizer": {"id": "SGD", "params": {"lr": 0.0856, "momentum": 0.73}},
                               "scheduler": {"id": "OneCycleLR"}}),
    "adam-clip-value-noise": ("himmelblau", {}, {"optimizer": {"id": "Adam", "params": {"lr": 0.1}},
                              "clip": {"value": 0.25}, "noise": {"std": 3.0, "seed": 4}}),
}  # fmt: skip


STEPS = 60


def case_spec(case: str) -> tuple[dict, dict]:
    surface_id, params, run = CASES[case]
    return {"id": surface_id, "params": params}, run


@pytest.fixture(scope="module")
def script_outputs(tmp_path_factory) -> dict[str, list[dict]]:
    """Each case's script, run as a standalone program; its printed JSON lines."""
    scripts = {}
    for case in CASES:
        surface, run = case_spec(case)
        scripts[case] = script_for(SurfaceSpec.model_validate(surface), STEPS, RunSpec.model_validate(run))
    return run_scripts(scripts, tmp_path_factory.mktemp("scripts"))


@pytest.mark.parametrize("case", list(CASES))
def test_exported_script_prints_exactly_the_engines_arrays(case: str, script_outputs) -> None:
    surface, run = case_spec(case)
    spec = ExperimentSpec.model_validate({"surface": surface, "steps": STEPS, "runs": [run]})
    [expected] = run_experiment(spec)["runs"]
    rows = script_outputs[case]
    assert len(expected["x"]) > 1
    assert [r["k"] for r in rows] == list(range(len(expected["x"])))
    for key in ("x", "y", "loss", "lr"):
        assert [r[key] for r in rows] == expected[key], key
    # design.md §11: momentum (or betas[0]) beside lr where the API records it, and nowhere else.
    assert [r.get("momentum") for r in rows] == (expected["momentum"] or [None] * len(rows))
    assert all(("momentum" in r) == (expected["momentum"] is not None) for r in rows)


def test_exported_script_uses_only_torch_and_math() -> None:
    script = script_for(SurfaceSpec(id="rastrigin"), 10, RunSpec.model_validate(CASES["adam-steplr"][2]))
    imports = {
        alias.name
        for node in ast.walk(ast.parse(script))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imports == {"json", "math", "torch"}


def test_exported_script_writes_infinite_values_as_python(tmp_path: Path) -> None:
    """Adam at lr=1e308 under OneCycleLR derives max_lr = 10 × lr = inf; `max_lr=inf` in the script
    was a NameError. The script must run to its end, and print what the engine records (nothing: the
    run diverges at its start, its lr being inf)."""
    surface = {"id": "rosenbrock", "params": {}}
    run = {"optimizer": {"id": "Adam", "params": {"lr": 1e308}}, "scheduler": {"id": "OneCycleLR"}}
    script = script_for(SurfaceSpec.model_validate(surface), STEPS, RunSpec.model_validate(run))
    assert "max_lr=math.inf" in script
    path = tmp_path / "optimlab_run.py"
    path.write_text(script)
    done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    spec = ExperimentSpec.model_validate({"surface": surface, "steps": STEPS, "runs": [run]})
    [expected] = run_experiment(spec)["runs"]
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["x"] for r in rows] == expected["x"] == []
