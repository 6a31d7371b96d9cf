"""The plain-PyTorch script for one run (design.md §8): readable, standalone, and exact.

The script is the design.md §2 loop written out by hand, with the surface printed from the same formula
tree the engine evaluates and the optimizer and scheduler built with the exact keyword arguments the
engine passes. Running it prints the trajectory as JSON lines equal to the API's arrays.
"""

from __future__ import annotations

import json

import torch

from app.engine.catalog import TORCH_RNG
from app.engine.clipping import torch_clipping
from app.engine.construct import ResolvedOptimizer, ResolvedScheduler
from app.engine.runs import DEFAULT_LIMITS, DIVERGENCE_BOUND, Limits, PreparedRun, momentum_path, prepare_run
from app.engine.script_parts import comment_safe, literal, optimizer_lines, scheduler_lines, scheduler_sources
from app.engine.spec import RunSpec, SurfaceSpec
from app.engine.surfaces import Surface, resolve_surface

HEADER = '''\
"""An optimlab run on {surface_name}, {steps} steps, exported as a standalone script.

Plain PyTorch, float64 on the CPU. Run it with `python {filename}`: it prints one JSON line per
step, {{{fields}}}, the same numbers optimlab shows, to the last bit.
"""

import json
import math

import torch

# Run: {label}
'''

LOOP = '''

def record(k):
    """Print step k; False when the run has diverged (a value is not finite or beyond 1e6)."""
{eval_mode}    x, y, loss = p[0].item(), p[1].item(), f(p).item()
{train_mode}    lr = opt.param_groups[0]["lr"]
    if not all(math.isfinite(v) for v in (x, y, loss, lr)) or max(abs(x), abs(y)) > {bound!r}:
        return False
    row = {{"k": k, "x": x, "y": y, "loss": loss, "lr": lr}}
{momentum}    print(json.dumps(row))
    return True


record(0)
{loop_prelude}for k in range(1, STEPS + 1):
    step_loss = opt.step(closure)  # f at p before the update
{scheduler_step}    if not record(k):
        break
'''


MOMENTUM = """\
    momentum = float(opt.param_groups[0]{path})  # what OneCycleLR and CyclicLR cycle
    row["momentum"] = momentum if math.isfinite(momentum) else None
"""


def _momentum_line(optimizer: ResolvedOptimizer) -> str:
    """The record's momentum, where the API records one (design.md §11): read where the engine reads it."""
    with TORCH_RNG:  # building may draw from torch's global generator (design.md §2)
        group = optimizer.build(torch.zeros(2, dtype=torch.float64, requires_grad=True)).param_groups[0]
    path = momentum_path(group)
    return "" if path is None else MOMENTUM.format(path="".join(f"[{json.dumps(key)}]" for key in path))


def _scheduler_step(scheduler: ResolvedScheduler | None) -> tuple[str, str]:
    """The loop's prelude and the scheduler call after each step (design.md §2 intervals, plateau mean)."""
    if scheduler is None:
        return "", ""
    indent = "    "
    every = scheduler.steps_per_epoch if scheduler.interval == "epoch" else 1
    if scheduler.is_plateau:
        prelude = "window = []  # step losses since the scheduler's previous call\n"
        body = f"{indent}window.append(step_loss.item())\n"
        call = "sched.step(sum(window) / len(window))\n"
        reset = f"{indent}{indent}window = []\n"
    else:
        prelude, body, call, reset = "", "", "sched.step()\n", ""
    if every == 1:
        return prelude, body + indent + call + reset.replace(indent * 2, indent)
    return (
        prelude,
        body + f"{indent}if k % {every} == 0:  # one epoch = {every} steps\n" + indent * 2 + call + reset,
    )


def _surface_lines(surface: Surface) -> list[str]:
    d = surface.definition
    described = ", ".join(f"{k} = {v!r}" for k, v in surface.params.items() if k != "expression")
    return [
        "",
        "",
        "def f(p):",
        f'    """{d.name}: f(x, y) = {surface.formula.text}' + (f", with {described}" if described else "") + '."""',
        "    x, y = p[0], p[1]",
        f"    return {surface.formula.to_python('torch')}",
    ]


def render_script(surface: Surface, steps: int, run: PreparedRun) -> str:
    optimizer = run.optimizer
    momentum = _momentum_line(optimizer)
    fields = '"k", "x", "y", "loss", "lr"' + (', "momentum"' if momentum else "")
    lines = [HEADER.format(label=comment_safe(run.label), surface_name=surface.definition.name, steps=steps,
                           filename="optimlab_run.py", fields=fields).rstrip("\n")]  # fmt: skip
    sources = {optimizer.entry.source} | scheduler_sources(run.scheduler)
    lines += [f"import {source}" for source in sorted(sources - {"torch"})]
    lines += _surface_lines(surface)
    lines += [
        "",
        "",
        f"STEPS = {steps}",
        f"p = torch.tensor({literal([float(v) for v in run.start])}, dtype=torch.float64, requires_grad=True)",
        *optimizer_lines(optimizer, "[p]"),
    ]  # fmt: skip
    if run.scheduler is not None:
        scheduler_lines(run.scheduler, "sched", lines)
    noisy = run.noise is not None and run.noise.std > 0
    if noisy:
        assert run.noise is not None
        lines.append(f"gen = torch.Generator().manual_seed({run.noise.seed})  # simulated minibatch noise")
    lines += [
        "",
        "",
        "def closure():",
        "    opt.zero_grad()",
        "    loss = f(p)",
        "    loss.backward()",
    ]
    if noisy:
        assert run.noise is not None
        lines.append(f"    p.grad.add_({run.noise.std!r} * torch.randn(2, generator=gen, dtype=torch.float64))")
    if run.clip is not None:
        function, bound = torch_clipping(run.clip)
        lines.append(f"    torch.nn.utils.{function.__name__}([p], {bound!r})  # clipped as a training step would be")
    lines.append("    return loss")
    prelude, scheduler_step = _scheduler_step(run.scheduler)
    modes = optimizer.entry.records_eval_point
    lines.append(
        LOOP.format(
            bound=DIVERGENCE_BOUND,
            loop_prelude=prelude,
            scheduler_step=scheduler_step,
            eval_mode="    opt.eval()  # schedule-free: record the evaluation point\n" if modes else "",
            train_mode="    opt.train()\n" if modes else "",
            momentum=momentum,
        )
    )
    return "\n".join(lines).rstrip("\n") + "\n"


def script_for(surface: SurfaceSpec, steps: int, run: RunSpec, limits: Limits = DEFAULT_LIMITS) -> str:
    """Validate like an experiment with this one run, then render its script."""
    from app.engine.errors import SpecError

    if steps > limits.max_steps:
        raise SpecError(("steps",), f"at most {limits.max_steps} steps", "less_than_equal")
    try:
        resolved_surface = resolve_surface(surface.id, surface.params, limits.max_formula_length)
    except SpecError as err:
        raise err.within("surface") from None
    try:
        prepared = prepare_run(run, 0, resolved_surface, steps, limits)
    except SpecError as err:
        raise err.within("run") from None
    return render_script(resolved_surface, steps, prepared)
