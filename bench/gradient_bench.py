"""The shared forward/backward pass of a lockstep step: autograd against app/engine/gradient.py's reverse pass.

    PYTHONPATH=. python -m bench.gradient_bench [--repeat 5]

Prints, for R = 2, 4 and 8 runs on Rosenbrock, the CPU microseconds per call of what the lockstep loop computes
once per step for the runs that share their forward pass: f and p.grad at R leaves, by
`f(stack(leaves)).sum().backward()` (autograd) and by the reverse pass. Then the page's default comparison
(bench/load.py) in-process against its 4 plain loops. Times are the best of `--repeat` tries.
"""

from __future__ import annotations

import argparse
import time
import timeit

import torch

from app.engine.gradient import ReversePass
from app.engine.runs import run_experiment
from app.engine.spec import ExperimentSpec
from app.engine.surfaces import Surface, resolve_surface
from bench.engine_bench import best_time
from bench.load import DEFAULT_COMPARISON
from tests.reference import reference_run

CALLS = 2000  # per timing


def leaves(runs: int) -> list[torch.Tensor]:
    return [torch.tensor([-1.5 + 0.1 * i, 2.0], dtype=torch.float64, requires_grad=True) for i in range(runs)]


def by_autograd(surface: Surface, params: list[torch.Tensor]) -> None:
    for p in params:
        p.grad = None
    surface(torch.stack(params)).sum().backward()


def by_reverse_pass(reverse: ReversePass, params: list[torch.Tensor]) -> None:
    with torch.no_grad():
        points = torch.stack(params)
    _, grads = reverse(points)
    for p, grad in zip(params, grads.unbind(), strict=True):
        p.grad = grad


def microseconds(call: object, repeat: int) -> float:
    """CPU time per call (process time: the other processes on a shared machine count less than in wall time)."""
    return min(timeit.repeat(call, number=CALLS, repeat=repeat, timer=time.process_time)) / CALLS * 1e6  # type: ignore[arg-type]


def default_comparison_ratio(repeat: int) -> tuple[float, float]:
    """Seconds of the page's default comparison in-process and of its 4 plain loops."""
    spec = ExperimentSpec.model_validate(DEFAULT_COMPARISON)
    runs = [(r["optimizer"]["id"], r["optimizer"]["params"], r["start"]) for r in DEFAULT_COMPARISON["runs"]]
    steps = DEFAULT_COMPARISON["steps"]
    engine = best_time(lambda: run_experiment(spec), repeat)
    plain = best_time(lambda: [reference_run("rosenbrock", start, name, p, steps) for name, p, start in runs], repeat)
    return engine, plain


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.gradient_bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="tries per timing; the best counts")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)  # as the server does
    surface = resolve_surface("rosenbrock")
    reverse = ReversePass(surface.formula)
    print(f"{'runs':>4} {'autograd':>12} {'reverse pass':>14} {'ratio':>7}")
    for runs in (2, 4, 8):
        params = leaves(runs)
        old = microseconds(lambda params=params: by_autograd(surface, params), args.repeat)
        new = microseconds(lambda params=params: by_reverse_pass(reverse, params), args.repeat)
        print(f"{runs:>4} {old:>9.1f} µs {new:>11.1f} µs {new / old:>7.2f}", flush=True)
    engine, plain = default_comparison_ratio(args.repeat)
    print(f"\ndefault comparison in-process: {engine:.3f} s, 4 plain loops {plain:.3f} s, ratio {engine / plain:.2f}")


if __name__ == "__main__":
    main()
