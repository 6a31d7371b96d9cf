"""The catalog is read from torch: every usable optimizer and scheduler, kinds, hidden switches."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
import torch

from app.engine.catalog import (
    HIDDEN,
    MODES,
    ProbeResult,
    _probe_network,
    _probe_optimizer,
    _probe_problem,
    catalog,
    seed_global_generators,
    signature_of,
)
from app.engine.construct import resolve_optimizer, resolve_scheduler
from app.engine.errors import SpecError
from app.engine.spec import OptimizerSpec, SchedulerSpec
from app.engine.surfaces import SURFACES, resolve_surface

KINDS = {"float", "int", "bool", "choice", "float_pair", "int_list", "formula", "schedulers"}


def test_every_usable_torch_optimizer_is_listed() -> None:
    expected = {"SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam", "ASGD",
                "Rprop", "LBFGS", "Adafactor"}  # fmt: skip
    assert expected <= set(catalog().optimizers)
    assert {"SparseAdam", "Muon"} <= set(catalog().dropped)


def test_every_scheduler_is_listed() -> None:
    torch_schedulers = {i for i, entry in catalog().schedulers.items() if entry.source == "torch"}
    assert torch_schedulers == set(torch.optim.lr_scheduler.__all__) - {"LRScheduler"}
    zoo = {i for i, entry in catalog().schedulers.items() if entry.source == "pytorch_optimizer"}
    assert {"pytorch_optimizer.get_wsd_schedule", "pytorch_optimizer.REXScheduler"} <= zoo


@pytest.mark.parametrize(
    "entry", [*catalog().optimizers.values(), *catalog().schedulers.values()], ids=lambda entry: entry.id
)
def test_params_follow_the_signature_with_switches_hidden(entry) -> None:
    signature = {arg.name: arg for arg in signature_of(entry.cls)}
    for param in entry.params:
        assert param.kind in KINDS
        assert param.name not in HIDDEN
        if signature[param.name].default is not inspect.Parameter.empty and param.derived is None:
            default = signature[param.name].default
            assert param.default == (list(default) if isinstance(default, tuple) else default)
    assert entry.doc and "\n" not in entry.doc


def test_adam_defaults_are_torchs_own() -> None:
    adam = {p.name: p for p in catalog().optimizers["Adam"].params}
    assert (adam["lr"].kind, adam["lr"].default) == ("float", 1e-3)
    assert (adam["betas"].kind, adam["betas"].default) == ("float_pair", [0.9, 0.999])
    assert adam["amsgrad"].kind == "bool"
    assert "foreach" not in adam and "fused" not in adam


def test_required_scheduler_arguments_are_derived_from_the_experiment() -> None:
    adam = resolve_optimizer(OptimizerSpec(id="Adam", params={"lr": 0.02}))
    derived = {
        "CosineAnnealingLR": {"T_max": 400},
        "CosineAnnealingWarmRestarts": {"T_0": 100},
        "OneCycleLR": {"total_steps": 400, "max_lr": 0.2},
        "CyclicLR": {"base_lr": 0.002, "max_lr": 0.02, "step_size_up": 100},
        "StepLR": {"step_size": 100},
        "ExponentialLR": {"gamma": 0.99},
        "MultiStepLR": {"milestones": [200, 300]},
    }
    for scheduler_id, expected in derived.items():
        resolved = resolve_scheduler(SchedulerSpec(id=scheduler_id), 400, adam)
        assert {k: resolved.kwargs[k] for k in expected} == expected, scheduler_id
    epochs = resolve_scheduler(SchedulerSpec(id="CosineAnnealingLR", interval="epoch", steps_per_epoch=8), 400, adam)
    assert epochs.kwargs["T_max"] == 50


@pytest.mark.parametrize(
    ("spec", "loc", "words"),
    [
        (OptimizerSpec(id="Adam", params={"lr": -1}), ("params", "lr"), "Invalid learning rate"),
        (OptimizerSpec(id="Adam", params={"betas": [0.9, 1.5]}), ("params", "betas"), "beta"),
        (OptimizerSpec(id="Adam", params={"lr": "fast"}), ("params", "lr"), "number"),
        (OptimizerSpec(id="Adam", params={"__class__": 1}), ("params", "__class__"), "no hyperparameter"),
        (OptimizerSpec(id="__import__"), ("id",), "unknown optimizer"),
        (OptimizerSpec(id="SGD", params={"momentum": -0.5}), ("params", "momentum"), "momentum"),
        (OptimizerSpec(id="LBFGS", params={"line_search_fn": "os.system"}), ("params", "line_search_fn"), "one of"),
        (OptimizerSpec(id="LBFGS", params={"history_size": 10**9}), ("params", "history_size"), "at most"),
        (OptimizerSpec(id="SGD", params={"lr": 10**400}), ("params", "lr"), "too large"),
        (OptimizerSpec(id="Adam", params={"betas": [10**400, 0.9]}), ("params", "betas"), "too large"),
    ],
)
def test_bad_optimizer_params_name_the_field(spec, loc, words) -> None:
    with pytest.raises(SpecError) as caught:
        resolve_optimizer(spec)
    assert caught.value.loc == loc
    assert words in caught.value.msg


def test_bad_lambda_formula_names_the_field_and_position() -> None:
    sgd = resolve_optimizer(OptimizerSpec(id="SGD"))
    with pytest.raises(SpecError) as caught:
        resolve_scheduler(SchedulerSpec(id="LambdaLR", params={"lr_lambda": "epoch.__class__"}), 100, sgd)
    assert caught.value.loc == ("params", "lr_lambda")
    assert "position 5" in caught.value.msg


def test_nested_scheduler_errors_point_inside_the_list() -> None:
    sgd = resolve_optimizer(OptimizerSpec(id="SGD"))
    bad = SchedulerSpec(id="SequentialLR", params={"schedulers": [{"id": "StepLR"}, {"id": "Nope"}]})
    with pytest.raises(SpecError) as caught:
        resolve_scheduler(bad, 100, sgd)
    assert caught.value.loc == ("params", "schedulers", 1, "id")


@pytest.mark.parametrize("parent", ["SequentialLR", "ChainedScheduler"])
def test_a_plateau_child_is_refused_at_its_place(parent: str) -> None:
    sgd = resolve_optimizer(OptimizerSpec(id="SGD"))
    bad = SchedulerSpec(id=parent, params={"schedulers": [{"id": "StepLR"}, {"id": "ReduceLROnPlateau"}]})
    with pytest.raises(SpecError) as caught:
        resolve_scheduler(bad, 100, sgd)
    assert caught.value.loc == ("params", "schedulers", 1, "id")
    assert "ReduceLROnPlateau" in caught.value.msg


@pytest.mark.parametrize("surface_id", list(SURFACES))
def test_every_surface_has_its_known_minimum_value_at_its_minima(surface_id: str) -> None:
    surface = resolve_surface(surface_id)
    for minimum in surface.minima:
        value = float(surface(torch.tensor(minimum.point, dtype=torch.float64)))
        assert value == pytest.approx(minimum.value, abs=1e-4)


def test_constant_expression_is_refused() -> None:
    with pytest.raises(SpecError, match="depend on x or y"):
        resolve_surface("expression", {"expression": "2 + 3"})


def test_an_infinite_default_is_null_with_its_text() -> None:
    # DAdaptAdam(growth_rate=float("inf")): JSON has no inf, so the catalog says it in words.
    [growth_rate] = [p for p in catalog().optimizers["pytorch_optimizer.DAdaptAdam"].params if p.name == "growth_rate"]
    assert growth_rate.describe() == {"name": "growth_rate", "kind": "float", "default": None, "default_text": "inf"}


def test_modes_say_where_an_optimizer_works() -> None:
    """design.md §10: the probe also trains a tiny MLP; FAdam wants float32, Muon wants matrices only."""
    optimizers = catalog().optimizers
    assert optimizers["Adam"].modes == ("surfaces", "network")
    assert optimizers["pytorch_optimizer.FAdam"].modes == ("network",)
    assert "Muon" in catalog().dropped
    assert catalog().optimizers["Adam"].describe()["modes"] == ["surfaces", "network"]
    with pytest.raises(SpecError) as err:
        resolve_optimizer(OptimizerSpec(id="pytorch_optimizer.FAdam"))
    assert err.value.loc == ("id",) and "does not work in surfaces mode" in err.value.msg
    assert resolve_optimizer(OptimizerSpec(id="pytorch_optimizer.FAdam"), mode="network").mode == "network"


class NumpyCoinSGD(torch.optim.SGD):
    """SGD whose step is scaled by a draw from numpy's global generator only (as Kron's balancing coin draws)."""

    coin: Callable[[], float] = staticmethod(np.random.random)

    @torch.no_grad()
    def step(self, closure: Callable[[], torch.Tensor] | None = None) -> torch.Tensor | None:
        loss = super().step(closure)
        for group in self.param_groups:
            for p in group["params"]:
                p.mul_(1 + 0.1 * float(self.coin()))
        return loss


@pytest.mark.parametrize("mode", MODES)
def test_the_probe_finds_an_optimizer_that_draws_from_numpy_alone(mode: str) -> None:
    """The probe seeds numpy's generator with torch's (design.md §4): an optimizer that draws from numpy only
    is kept, identical twice, and marked random, so its runs keep their own stream, whatever numpy drew before."""
    verdicts = set()
    for before in range(3):
        np.random.seed(before)
        verdicts.add(_probe_optimizer(NumpyCoinSGD, mode))
    assert verdicts == {ProbeResult(None, closure_once=mode == "surfaces", random=True)}


def test_the_probe_seeds_torch_and_numpy_as_their_own_seeding_does() -> None:
    """seed_global_generators seeds torch's CPU generator alone (design.md §4): the same state as
    `torch.manual_seed`, which the plain loops and exported scripts call."""
    for seed in (0, 1, 12345):
        seed_global_generators(seed)
        ours = torch.get_rng_state(), np.random.get_state()[1]
        torch.manual_seed(seed)
        np.random.seed(seed)
        assert torch.equal(ours[0], torch.get_rng_state()) and np.array_equal(ours[1], np.random.get_state()[1])


class TorchCoinSGD(NumpyCoinSGD):
    """The same coin, drawn from torch's global generator."""

    coin = staticmethod(lambda: torch.rand(()))


class RandomStartSGD(torch.optim.SGD):
    """SGD whose learning rate is drawn from torch's global generator when it is built, not while stepping."""

    def __init__(self, params: Any) -> None:
        super().__init__(params, lr=1e-3 * (1 + float(torch.rand(()))))


class DiscardedDrawSGD(torch.optim.SGD):
    """SGD that draws from torch's generator each step and throws the number away: its path is the seed's
    no matter what, so it is not random."""

    @torch.no_grad()
    def step(self, closure: Callable[[], torch.Tensor] | None = None) -> torch.Tensor | None:
        torch.rand(3)
        return super().step(closure)


class CountingSGD(torch.optim.SGD):
    """SGD whose learning rate grows with every instance built in the process: no generator, yet two
    identical runs differ."""

    built = 0

    def __init__(self, params: Any) -> None:
        CountingSGD.built += 1
        super().__init__(params, lr=1e-3 * CountingSGD.built)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("cls", "verdict"),
    [
        (torch.optim.SGD, ProbeResult(None, random=False)),
        (TorchCoinSGD, ProbeResult(None, random=True)),
        (RandomStartSGD, ProbeResult(None, random=True)),
        (DiscardedDrawSGD, ProbeResult(None, random=False)),
        (CountingSGD, ProbeResult("not deterministic: two identical runs differ")),
    ],
    ids=lambda value: getattr(value, "__name__", ""),
)
def test_the_probe_finds_who_draws_from_torchs_generator(mode: str, cls: type, verdict: ProbeResult) -> None:
    """random means the path depends on the seed of torch's global generator, drawn while built or stepping
    (design.md §4); a draw that changes nothing does not count, a process-wide counter is not determinism."""
    closure_once = mode == "surfaces" and verdict.reason is None
    assert _probe_optimizer(cls, mode) == replace(verdict, closure_once=closure_once)


def test_the_network_probe_starts_and_computes_as_its_network_does() -> None:
    """The probe's network problem is _probe_network under seed 0, forward pass written out: same start, same loss."""
    parameters, loss_of = _probe_problem("network")
    torch.manual_seed(0)
    model = _probe_network()
    assert all(torch.equal(ours, theirs) for ours, theirs in zip(parameters, model.parameters(), strict=True))
    x = torch.linspace(-1.0, 1.0, 16).reshape(8, 2)
    y = torch.tensor([0, 1, 2, 0, 1, 2, 0, 1])
    assert torch.equal(loss_of(), torch.nn.functional.cross_entropy(model(x), y))
