"""Optimizers and schedulers, read from torch itself by introspection.

Each class's signature gives its hyperparameters and defaults, its annotations the kinds, its
docstring the one-line description. A newer torch shows its new hyperparameters without code changes;
the small tables below only add what a signature cannot say (which settings are implementation
switches, which required arguments get defaults derived from the experiment).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import inspect
import math
import platform
import sys
import threading
import typing
import warnings
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.optim import lr_scheduler

from app.engine.disk_cache import cached_json
from app.engine.errors import SpecError
from app.engine.formula import Formula, FormulaError, parse
from app.engine.limits import DEFAULT_LIMITS, Limits

# Implementation switches and plumbing that users never set.
HIDDEN = {"self", "params", "optimizer", "foreach", "fused", "capturable", "differentiable", "last_epoch", "verbose"}
# Per-class arguments that make no sense here: OneCycleLR's epochs/steps_per_epoch are an alternative to
# total_steps (always derived), and callables other than lr_lambda cannot come from JSON.
HIDDEN_PER_CLASS = {"OneCycleLR": {"epochs", "steps_per_epoch"}, "ChainedScheduler": {"optimizer"}}
# Choices that a `str | None` annotation does not list.
CHOICES = {("LBFGS", "line_search_fn"): [None, "strong_wolfe"]}
KIND_BY_NAME = {"lr_lambda": "formula", "schedulers": "schedulers", "milestones": "int_list"}


@dataclass(frozen=True)
class Derived:
    """A default computed from the experiment: `m` scheduler calls, initial learning rate `lr`."""

    describe: str
    compute: Callable[[int, float, Mapping[str, Any]], Any]


DERIVED: dict[tuple[str, str], Derived] = {
    ("CosineAnnealingLR", "T_max"): Derived("m, the number of scheduler calls", lambda m, lr, _: m),
    ("CosineAnnealingWarmRestarts", "T_0"): Derived("max(1, m // 4)", lambda m, lr, _: max(1, m // 4)),
    ("OneCycleLR", "total_steps"): Derived("m, the number of scheduler calls", lambda m, lr, _: m),
    ("OneCycleLR", "max_lr"): Derived("10 × the optimizer's lr", lambda m, lr, _: 10 * lr),
    ("CyclicLR", "base_lr"): Derived("the optimizer's lr / 10", lambda m, lr, _: lr / 10),
    ("CyclicLR", "max_lr"): Derived("the optimizer's lr", lambda m, lr, _: lr),
    ("CyclicLR", "step_size_up"): Derived("max(1, m // 4)", lambda m, lr, _: max(1, m // 4)),
    ("StepLR", "step_size"): Derived("max(1, m // 4)", lambda m, lr, _: max(1, m // 4)),
    ("MultiStepLR", "milestones"): Derived("[m // 2, 3m // 4]", lambda m, lr, _: [m // 2, 3 * m // 4]),
    ("SequentialLR", "milestones"): Derived(
        "m split evenly between the schedulers",
        lambda m, lr, given: [m * i // len(given["schedulers"]) for i in range(1, len(given["schedulers"]))],
    ),
    ("get_wsd_schedule", "num_warmup_steps"): Derived("max(1, m // 10)", lambda m, lr, _: max(1, m // 10)),
    ("get_wsd_schedule", "num_decay_steps"): Derived("max(1, m // 5)", lambda m, lr, _: max(1, m // 5)),
    ("get_wsd_schedule", "num_stable_steps"): Derived(
        "m minus warm-up and decay", lambda m, lr, _: max(0, m - max(1, m // 10) - max(1, m // 5))
    ),
    ("get_chebyshev_schedule", "num_epochs"): Derived("m, the number of scheduler calls", lambda m, lr, _: m),
    ("REXScheduler", "total_steps"): Derived("m, the number of scheduler calls", lambda m, lr, _: m),
    ("REXScheduler", "max_lr"): Derived("the optimizer's lr", lambda m, lr, _: lr),
    ("CosineAnnealingWarmupRestarts", "first_cycle_steps"): Derived("m", lambda m, lr, _: m),
    ("CosineAnnealingWarmupRestarts", "max_lr"): Derived("the optimizer's lr", lambda m, lr, _: lr),
    ("CosineAnnealingWarmupRestarts", "warmup_steps"): Derived("m // 10", lambda m, lr, _: m // 10),
    ("LinearScheduler", "t_max"): Derived("m, the number of scheduler calls", lambda m, lr, _: m),
    ("LinearScheduler", "max_lr"): Derived("the optimizer's lr", lambda m, lr, _: lr),
    ("CosineScheduler", "t_max"): Derived("m, the number of scheduler calls", lambda m, lr, _: m),
    ("CosineScheduler", "max_lr"): Derived("the optimizer's lr", lambda m, lr, _: lr),
}
# Plain defaults for arguments torch requires but that need no experiment to choose.
REQUIRED_DEFAULTS: dict[tuple[str, str], Any] = {
    ("ExponentialLR", "gamma"): 0.99,
    ("LambdaLR", "lr_lambda"): "0.99 ** epoch",
    ("MultiplicativeLR", "lr_lambda"): "0.99",
    ("SequentialLR", "schedulers"): [
        {"id": "LinearLR", "params": {"start_factor": 0.1, "total_iters": 20}},
        {"id": "CosineAnnealingLR"},
    ],
    ("ChainedScheduler", "schedulers"): [
        {"id": "ConstantLR", "params": {"factor": 0.5, "total_iters": 20}},
        {"id": "ExponentialLR"},
    ],
}


@dataclass(frozen=True)
class Param:
    name: str
    kind: str  # float, int, bool, choice, float_pair, int_list, formula, schedulers
    default: Any
    nullable: bool = False
    choices: list[Any] | None = None
    derived: Derived | None = None

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "kind": self.kind, "default": self.default}
        if isinstance(self.default, float) and not math.isfinite(self.default):
            # JSON has no inf (DAdapt*'s and Prodigy's growth_rate): null, and the value as Python writes it.
            out |= {"default": None, "default_text": repr(self.default)}
        if self.choices is not None:
            out["choices"] = self.choices
        if self.derived is not None:
            out["derived"] = self.derived.describe
        if self.nullable:
            out["nullable"] = True
        return out


@dataclass(frozen=True)
class Entry:
    """One optimizer or scheduler class as the catalog shows it."""

    id: str
    cls: Any  # a class, or a factory function for some of the zoo's schedulers
    source: str
    doc: str
    params: tuple[Param, ...] = field(default=())
    closure_once: bool = False  # step(closure) calls the closure once, at the current point
    random: bool = False  # draws from torch's global random generator while stepping
    modes: tuple[str, ...] = ("surfaces",)  # the MODES whose start-up probe it passed
    left_out: tuple[tuple[str, str], ...] = ()  # (mode, why its probe failed) for the other modes

    @property
    def name(self) -> str:
        return self.cls.__name__

    @property
    def records_eval_point(self) -> bool:
        """Schedule-free optimizers train at one point and evaluate at another; design.md §4 records the latter."""
        return all(callable(getattr(self.cls, mode, None)) for mode in ("eval", "train"))

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "source": self.source,
            "doc": self.doc,
            "params": [p.describe() for p in self.params],
            "modes": list(self.modes),
        }


def _first_doc_line(cls: type) -> str:
    doc = inspect.getdoc(cls) or ""
    return doc.strip().split("\n\n")[0].replace("\n", " ").strip()


def _kind_from(cls_name: str, name: str, default: Any, annotation: Any) -> tuple[str, list[Any] | None] | None:
    """The widget kind (and choices) for one argument, or None when it cannot come from JSON."""
    if (cls_name, name) in CHOICES:
        return "choice", CHOICES[(cls_name, name)]
    if name in KIND_BY_NAME:
        return KIND_BY_NAME[name], None
    literal = [a for a in typing.get_args(annotation) if typing.get_origin(a) is typing.Literal]
    if typing.get_origin(annotation) is typing.Literal:
        literal = [annotation]
    if literal:
        choices = list(typing.get_args(literal[0]))
        # `Literal[...] | None = None`: None is a choice too, or the default could not be selected.
        return "choice", [None, *choices] if default is None and None not in choices else choices
    text = str(annotation)
    if isinstance(default, bool):
        return "bool", None
    if isinstance(default, tuple | list):
        if len(default) == 2 and all(v is None or isinstance(v, int | float) for v in default):
            return "float_pair", None
        return None
    if "Callable" in text:
        return None
    if isinstance(default, float) or (isinstance(default, int) and "float" in text):
        return "float", None
    if isinstance(default, int):
        return "int", None
    if default is None or default is inspect.Parameter.empty:
        if "int" in text and "float" not in text:
            return "int", None
        if "float" in text:
            return "float", None
    return None


def signature_of(factory: Callable[..., Any]) -> list[inspect.Parameter]:
    """The arguments of a class's constructor (without `self`) or of a factory function."""
    target = factory.__init__ if isinstance(factory, type) else factory
    return [arg for arg in inspect.signature(target).parameters.values() if arg.name != "self"]


def _params_of(cls: Callable[..., Any]) -> tuple[Param, ...]:
    try:
        hints = typing.get_type_hints(cls.__init__ if isinstance(cls, type) else cls)
    except Exception:  # unresolvable forward references: fall back to the raw annotations
        hints = {}
    hidden = HIDDEN | HIDDEN_PER_CLASS.get(cls.__name__, set())
    params = []
    for arg in signature_of(cls):
        if arg.name in hidden or arg.kind in (arg.VAR_POSITIONAL, arg.VAR_KEYWORD):
            continue
        annotation = hints.get(arg.name, arg.annotation)
        key = (cls.__name__, arg.name)
        default = REQUIRED_DEFAULTS.get(key, None if arg.default is arg.empty else arg.default)
        kind = _kind_from(cls.__name__, arg.name, default, annotation)
        if kind is None:
            if arg.default is arg.empty and key not in DERIVED:
                raise TypeError(f"{cls.__name__}.{arg.name} is required but cannot be set from JSON")
            continue
        if isinstance(default, tuple):
            default = list(default)
        if key in DERIVED:
            default = None  # shown as "derived": the value depends on the experiment
        params.append(
            Param(
                name=arg.name,
                kind=kind[0],
                default=default,
                nullable=arg.default is None,
                choices=kind[1],
                derived=DERIVED.get(key),
            )
        )
    return tuple(params)


def _entry(cls: Callable[..., Any], source: str, id_prefix: str = "") -> Entry:
    return Entry(f"{id_prefix}{cls.__name__}", cls, source, _first_doc_line(cls), _params_of(cls))


# --- validation of user-given hyperparameters, by kind -------------------------------------------


def _number(value: Any, integral: bool, max_integer: int = DEFAULT_LIMITS.max_integer) -> float | int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be an integer" if integral else "must be a number")
    if isinstance(value, int) and abs(value) > 2**53:  # past exact floats (and math.isfinite(10**400) raises)
        raise ValueError("is too large")
    if not math.isfinite(value):
        raise ValueError("must be finite")
    if integral:
        if value != int(value):
            raise ValueError("must be an integer")
        if abs(value) > max_integer:
            raise ValueError(f"must be at most {max_integer} in size")
        return int(value)
    return float(value)


def _float_pair(value: Any, default: list[Any]) -> tuple[float | None, float | None]:
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise ValueError("must be a pair of numbers, like [0.9, 0.999]")
    return tuple(  # type: ignore[return-value]
        None if v is None and d is None else _number(v, False) for v, d in zip(value, default, strict=True)
    )


def _int_list(value: Any, limits: Limits) -> list[int]:
    if not isinstance(value, list):
        raise ValueError("must be a list of integers")
    if len(value) > limits.max_int_list_length:
        raise ValueError(f"must be a list of at most {limits.max_int_list_length} integers")
    return [_number(v, True, limits.max_integer) for v in value]  # type: ignore[misc]


@dataclass(frozen=True)
class LambdaFormula:
    """An `lr_lambda` given as a formula in `epoch`: callable like the lambda torch expects."""

    formula: Formula

    def __call__(self, epoch: int) -> float:
        return self.formula.evaluate(epoch=epoch)


def coerce(param: Param, value: Any, limits: Limits = DEFAULT_LIMITS) -> Any:
    """A JSON value as the Python value torch takes; ValueError says why it cannot be."""
    if value is None and (param.nullable or param.derived is not None):
        return None
    if param.kind == "float":
        return _number(value, False)
    if param.kind == "int":
        return _number(value, True, limits.max_integer)
    if param.kind == "bool":
        if not isinstance(value, bool):
            raise ValueError("must be true or false")
        return value
    if param.kind == "choice":
        if value not in (param.choices or []):
            raise ValueError(f"must be one of {param.choices}")
        return value
    if param.kind == "float_pair":
        return _float_pair(value, param.default or [0.0, 0.0])
    if param.kind == "int_list":
        return _int_list(value, limits)
    if param.kind == "formula":
        if not isinstance(value, str):
            raise ValueError("must be a formula in epoch, like 0.95 ** epoch")
        try:
            return LambdaFormula(parse(value, ("epoch",), max_length=limits.max_formula_length))
        except FormulaError as err:
            raise ValueError(str(err)) from None
    raise ValueError(f"cannot be set directly (kind {param.kind})")


def check_param_names(entry: Entry, given: Mapping[str, Any]) -> None:
    for name in given:
        if entry.param(name) is None:
            known = ", ".join(p.name for p in entry.params)
            raise SpecError(("params", name), f"{entry.id} has no hyperparameter {name!r}; known: {known}")


# --- the registry --------------------------------------------------------------------------------


# torch's global random generator is one per process, shared by every worker thread. Whoever seeds it, or
# steps an optimizer that draws from it, holds this lock: concurrent requests never interleave their draws
# (design.md §2: the same request gives the same bytes).
TORCH_RNG = threading.RLock()


def seed_global_generators(seed: int = 0) -> None:
    """design.md §4: torch's and numpy's global generators seeded right before an optimizer is built, so one
    that draws random numbers (from torch, or from numpy as Kron's balancing coin does) draws the same ones
    whatever ran before in the process. Called holding TORCH_RNG, which also guards numpy's generator. The
    start-up probe seeds both with another `seed` to find the optimizers that draw from either.

    torch's CPU generator alone, the only one the engine draws from: `torch.manual_seed` also queues the seed
    for the lazily started CUDA, XPU and MTIA generators, formatting a stack trace for each (~1 ms here, 400
    times the seeding itself), which the probe's ~850 seedings made a second of the start-up."""
    torch.random.default_generator.manual_seed(seed)
    np.random.seed(seed)


class RngStream:
    """A private stream of torch's and numpy's global generators, for one run that draws while stepping.

    Runs step in turn; each one that draws random numbers resumes its own streams, so it draws what it
    would running alone. numpy's too: some zoo optimizers draw from it (Kron's balancing coin is
    `np.random.random()`), and an unseeded one makes the run depend on whatever ran before in the process.
    Made (and used, as a context manager) holding TORCH_RNG, which also guards numpy's global generator.
    """

    def __init__(self) -> None:
        self.state = torch.get_rng_state()
        self.numpy_state = np.random.get_state()

    def __enter__(self) -> None:
        TORCH_RNG.acquire()
        torch.set_rng_state(self.state)
        np.random.set_state(self.numpy_state)

    def __exit__(self, *exc: object) -> None:
        self.state = torch.get_rng_state()
        self.numpy_state = np.random.get_state()
        TORCH_RNG.release()


# design.md §4 and §10: an optimizer is offered in a mode when it steps that mode's parameters. "surfaces"
# moves one float64 2-vector; "network" trains an MLP's float32 weight matrices and bias vectors together.
MODES = ("surfaces", "network")


def _probe_network() -> torch.nn.Module:
    """The smallest network of design.md §10's shape: Linear, activation, Linear (torch's default init)."""
    return torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.Tanh(), torch.nn.Linear(4, 3))


def trial_parameters(mode: str) -> list[torch.Tensor]:
    """Parameters of a mode's shape, for building an optimizer to check its hyperparameters."""
    if mode == "network":
        with TORCH_RNG:
            return list(_probe_network().parameters())
    return [torch.zeros(2, dtype=torch.float64, requires_grad=True)]


@dataclass(frozen=True)
class Trajectory:
    points: bytes  # the parameters after each of the three steps
    drew: bool  # the optimizer drew from torch's or numpy's global generator, built or stepping


def _generator_positions() -> tuple[object, ...]:
    """Where torch's and numpy's global generators stand: every draw moves one of them."""
    _, keys, position, has_gauss, gauss = np.random.get_state()
    return torch.get_rng_state().numpy().tobytes(), keys.tobytes(), position, has_gauss, gauss


@cache
def _seeded_positions(seed: int) -> tuple[object, ...]:
    """Where the generators stand right after seed_global_generators(seed) (reading numpy's costs 0.1 ms)."""
    with TORCH_RNG:
        seed_global_generators(seed)
        return _generator_positions()


def _probe_trajectory(cls: type, precomputed: bool = False, seed: int = 0, mode: str = "surfaces") -> Trajectory:
    """Three steps on a small problem of the mode; with `precomputed`, the closure only returns a loss
    computed before."""
    with TORCH_RNG:
        parameters, loss_of = _probe_problem(mode)
        seed_global_generators(seed)  # both generators: a draw from numpy's alone must show too
        opt = cls(parameters)
        points = _probe_steps(opt, parameters, loss_of, precomputed)
        return Trajectory(points, _generator_positions() != _seeded_positions(seed))


@cache
def _probe_network_start() -> tuple[torch.Tensor, ...]:
    """The probe network's weights as torch's default initialisation draws them under seed 0, drawn once:
    the probe starts ~600 networks there."""
    with TORCH_RNG:
        seed_global_generators()
        return tuple(p.detach() for p in _probe_network().parameters())


def _probe_problem(mode: str) -> tuple[list[torch.Tensor], Callable[[], torch.Tensor]]:
    """A small valley (surfaces) or a tiny classification (network), starting from fixed values."""
    if mode == "network":
        # _probe_network's forward pass (Linear, Tanh, Linear) on its parameters, without building modules
        parameters = [torch.nn.Parameter(p.clone()) for p in _probe_network_start()]
        w1, b1, w2, b2 = parameters
        x = torch.linspace(-1.0, 1.0, 16).reshape(8, 2)
        y = torch.tensor([0, 1, 2, 0, 1, 2, 0, 1])
        linear, cross_entropy = torch.nn.functional.linear, torch.nn.functional.cross_entropy
        return parameters, lambda: cross_entropy(linear(torch.tanh(linear(x, w1, b1)), w2, b2), y)
    p = torch.tensor([-1.0, 1.5], dtype=torch.float64, requires_grad=True)
    return [p], lambda: (1 - p[0]) ** 2 + 10 * (p[1] - p[0] ** 2) ** 2


def _probe_steps(
    opt: torch.optim.Optimizer, parameters: list[torch.Tensor], loss_of: Callable[[], torch.Tensor], precomputed: bool
) -> bytes:
    if not isinstance(opt.param_groups[0].get("lr"), int | float):
        raise KeyError("no learning rate in its param groups: nothing for a scheduler or the LR plot")

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = loss_of()
        loss.backward()
        return loss

    modes = all(callable(getattr(opt, mode, None)) for mode in ("eval", "train"))
    points = []
    for _ in range(3):
        if modes:  # records happen in eval mode (design.md §4), before the first step too
            opt.eval()
            opt.train()
        if precomputed:
            loss = closure()
            opt.step(lambda loss=loss: loss)
        else:
            opt.step(closure)
        points.append(torch.cat([p.detach().reshape(-1) for p in parameters]))
    if not torch.isfinite(torch.stack(points)).all():
        raise FloatingPointError("a non-finite point within three steps from its defaults")
    return torch.stack(points).numpy().tobytes()


@dataclass(frozen=True)
class ProbeResult:
    reason: str | None  # why the optimizer is left out, or None when it is usable
    closure_once: bool = False
    random: bool = False


def _probe_optimizer(cls: type, mode: str = "surfaces") -> ProbeResult:
    """Can this optimizer drive the mode's parameters through the closure form, identically twice?

    Also finds out whether a loss and gradient computed before `step` give the same trajectory (so
    runs may share one forward/backward pass) and whether it draws random numbers (so each run
    keeps its own random state).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            first = _probe_trajectory(cls, mode=mode)
            if first.points != _probe_trajectory(cls, mode=mode).points:
                return ProbeResult("not deterministic: two identical runs differ")
        except Exception as err:
            return ProbeResult(f"{type(err).__name__}: {err}")
        try:  # only surfaces share a forward pass between runs
            closure_once = (
                mode == "surfaces" and first.points == _probe_trajectory(cls, precomputed=True, mode=mode).points
            )
        except Exception:
            closure_once = False
        try:  # an optimizer that drew nothing steps alike under any seed: no third run for most of them
            random = first.drew and first.points != _probe_trajectory(cls, seed=1, mode=mode).points
        except Exception:
            random = True
    return ProbeResult(None, closure_once, random)


@dataclass(frozen=True)
class Source:
    """Where optimizers and schedulers come from: torch itself, or the pytorch-optimizer zoo."""

    name: str
    id_prefix: str
    optimizers: Callable[[], list[type]]
    schedulers: Callable[[], list[Callable[..., Any]]]


def _torch_optimizers() -> list[type]:
    return [
        cls
        for name in torch.optim.__all__
        if isinstance(cls := getattr(torch.optim, name), type)
        and issubclass(cls, torch.optim.Optimizer)
        and cls is not torch.optim.Optimizer
    ]


def _torch_schedulers() -> list[Callable[..., Any]]:
    return [getattr(lr_scheduler, name) for name in lr_scheduler.__all__ if name != "LRScheduler"]


def _zoo_optimizers() -> list[type]:
    """pytorch-optimizer's own classes (not torch's, which it re-exports), importable from the top level."""
    import pytorch_optimizer

    classes = {pytorch_optimizer.load_optimizer(name) for name in pytorch_optimizer.get_supported_optimizers()}
    return sorted(
        (
            cls
            for cls in classes
            if not cls.__module__.startswith("torch.") and getattr(pytorch_optimizer, cls.__name__, None) is cls
        ),
        key=lambda cls: cls.__name__.lower(),
    )


# The zoo's schedulers that take an optimizer and expose their arguments in their signature.
ZOO_SCHEDULERS = (
    "get_wsd_schedule",
    "REXScheduler",
    "get_chebyshev_schedule",
    "CosineAnnealingWarmupRestarts",
    "LinearScheduler",
    "CosineScheduler",
)


def _zoo_schedulers() -> list[Callable[..., Any]]:
    import pytorch_optimizer

    return [getattr(pytorch_optimizer, name) for name in ZOO_SCHEDULERS]


SOURCES = (
    Source("torch", "", _torch_optimizers, _torch_schedulers),
    Source("pytorch_optimizer", "pytorch_optimizer.", _zoo_optimizers, _zoo_schedulers),
)


@dataclass(frozen=True)
class Catalog:
    optimizers: dict[str, Entry]
    schedulers: dict[str, Entry]
    dropped: dict[str, str]  # optimizer id -> why the start-up probe left it out of every mode


# Where catalog() keeps its probe results for the next process (keep_probes_in); None probes every time.
_probes_folder: Path | None = None


def keep_probes_in(folder: Path) -> None:
    """Keep the start-up probe's results in `folder`, for every later process of the same installation
    (the probe takes seconds of CPU). Takes effect when this process first builds its catalog."""
    global _probes_folder
    _probes_folder = folder


def _probe_all(classes: dict[str, type]) -> dict[str, dict[str, ProbeResult]]:
    """Every optimizer's probe in every mode, read from the folder of keep_probes_in when a process
    probed the same classes with the same code and packages before."""

    def probe() -> dict[str, dict[str, ProbeResult]]:
        return {entry_id: {mode: _probe_optimizer(cls, mode) for mode in MODES} for entry_id, cls in classes.items()}

    if _probes_folder is None:
        return probe()
    # Everything a probe's outcome depends on: the packages that step, and the probe's own code (this file).
    key = {
        "python": sys.version,
        "machine": platform.machine(),
        "packages": {name: importlib.metadata.version(name) for name in ("torch", "pytorch-optimizer", "numpy")},
        "code": hashlib.sha256(Path(__file__).read_bytes()).hexdigest(),
        "classes": [f"{cls.__module__}.{cls.__qualname__}" for cls in classes.values()],
    }
    kept = cached_json(
        _probes_folder,
        "catalog-probes",
        key,
        lambda: {i: {mode: asdict(result) for mode, result in modes.items()} for i, modes in probe().items()},
    )
    return {i: {mode: ProbeResult(**result) for mode, result in modes.items()} for i, modes in kept.items()}


@cache
def catalog() -> Catalog:
    """The catalog, built once per process: every class that survives the probe, keyed by id."""
    introspected: dict[str, Entry | TypeError] = {}
    schedulers: dict[str, Entry] = {}
    for source in SOURCES:
        for cls in source.optimizers():
            try:
                introspected[source.id_prefix + cls.__name__] = _entry(cls, source.name, source.id_prefix)
            except TypeError as err:
                introspected[source.id_prefix + cls.__name__] = err
        for factory in source.schedulers():
            schedulers[source.id_prefix + factory.__name__] = _entry(factory, source.name, source.id_prefix)
    probed = _probe_all({i: entry.cls for i, entry in introspected.items() if isinstance(entry, Entry)})
    optimizers: dict[str, Entry] = {}
    dropped: dict[str, str] = {}
    for entry_id, entry in introspected.items():
        if isinstance(entry, TypeError):
            dropped[entry_id] = str(entry)
            continue
        probes = probed[entry_id]
        modes = tuple(mode for mode, probe in probes.items() if probe.reason is None)
        if not modes:
            dropped[entry_id] = probes["surfaces"].reason or ""
            continue
        optimizers[entry_id] = replace(
            entry,
            closure_once=probes["surfaces"].closure_once,  # the surfaces' shared forward pass
            random=any(probe.random for probe in probes.values()),
            modes=modes,
            left_out=tuple((mode, probe.reason) for mode, probe in probes.items() if probe.reason is not None),
        )
    return Catalog(optimizers, schedulers, dropped)


def optimizer_entry(optimizer_id: str, mode: str = "surfaces") -> Entry:
    """The optimizer with this id, if it works in this mode (design.md §4, §10)."""
    entry = catalog().optimizers.get(optimizer_id)
    if entry is None:
        raise SpecError(("id",), f"unknown optimizer {optimizer_id!r}; see GET /api/catalog for the list")
    if mode not in entry.modes:
        why = dict(entry.left_out).get(mode, "")
        raise SpecError(("id",), f"{optimizer_id} does not work in {mode} mode ({why}); its modes: {list(entry.modes)}")
    return entry


def scheduler_entry(scheduler_id: str) -> Entry:
    entry = catalog().schedulers.get(scheduler_id)
    if entry is None:
        raise SpecError(("id",), f"unknown scheduler {scheduler_id!r}; see GET /api/catalog for the list")
    return entry
