"""A formula's gradient without autograd's engine: the same torch operations, in the same order, bit for bit.

Runs that share one forward pass (design.md §2: the lockstep loop, the batched sweeps) need f and the gradient of
f's sum at an (R, 2) stack of points. `f(p).sum().backward()` pays the autograd engine's fixed cost (about 60 µs a
call on a small machine, even for a graph of one operation) on top of the arithmetic. `ReversePass` walks the
formula's `Program` forward and then backward, calling the ATen operations autograd would call, so the numbers are
the same to the last bit (held to autograd by tests/unit/test_gradient.py):

- Each rule is torch 2.13's derivative formula (tools/autograd/derivatives.yaml, torch/csrc/autograd/
  FunctionsManual.cpp) with the same operations and the same operand order: a NaN's sign and payload come from the
  first NaN operand, so `grad * other` is not `other * grad`. C++ `scalar * tensor` is `tensor.mul(scalar)`.
- Python's operators reach ATen as torch/_tensor.py sends them: `c - t` is rsub, `c / t` is
  `t.reciprocal() * c` (two graph nodes), `c ** t` is pow(Scalar, Tensor), `c + t` and `c * t` are t.add(c), t.mul(c).
- Order: autograd runs its nodes in decreasing sequence number, the reverse of their creation, and sums what a node
  receives as `old + new` in arrival order (each consumer's operands left to right). A formula is a tree, so only
  the variables gather several contributions. x = p[..., 0] and y = p[..., 1] are one select node each, y's created
  second, so run first: p's gradient is select_backward(gy) + select_backward(gx), where -0.0 turns to +0.0.
- The sum's backward hands every row the same 1.0, `ones(()).expand(shape)`; a lone (2,) point is the same pass on
  0-d values, what `f(p).backward()` does.

One derivative is not reproducible from Python: c ** t multiplies by log(c), which autograd takes in C++ on the
float c; for a negative or NaN c that is a NaN of the C library's making. Such formulas are flagged
(`Formula.uses_autograd_only_ops`, always vector-unsafe too) and keep autograd.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import torch

from app.engine.formula import Formula

Tensor = torch.Tensor
# (upstream gradient, operand values..., result) -> the gradient of each tensor operand, left to right
Backward = Callable[..., tuple[Tensor, ...]]


def _reciprocal_times(grad: Tensor, c: float, t: Tensor, result: Tensor) -> tuple[Tensor, ...]:
    """c / t is `t.reciprocal() * c`: mul's backward (grad * other), then reciprocal's (-grad * (result * result))."""
    reciprocal = t.reciprocal()  # the forward's intermediate, recomputed: the same bits
    grad = grad * c
    return (-grad * (reciprocal * reciprocal),)


def _pow_tensor_scalar(grad: Tensor, t: Tensor, c: float, result: Tensor) -> tuple[Tensor, ...]:
    """pow_backward: zeros for the exponent 0, else grad * (exponent * self.pow(exponent - 1)).

    For t ** 2, self.pow(1.0) is a copy of t (ATen's pow copies for the exponent 1), so t itself serves."""
    if c == 0.0:
        return (torch.zeros_like(t, memory_format=torch.contiguous_format),)
    power = t if c - 1.0 == 1.0 else t.pow(c - 1.0)
    return (grad * (power * c),)


def _pow_scalar_tensor(grad: Tensor, c: float, t: Tensor, result: Tensor) -> tuple[Tensor, ...]:
    """pow_backward_exponent for a Scalar base: grad * (result * log(base)), with 0 where base is 0 and t >= 0."""
    log_base = math.log(c) if c > 0.0 else -math.inf  # C's log of a base >= 0 (0: -inf), as c10::Scalar::log takes it
    if c == 0.0:
        return (grad * torch.where(t >= 0, grad.new_zeros(()), result * log_base),)
    return (grad * (result * log_base),)


def _pow_tensors(grad: Tensor, t: Tensor, u: Tensor, result: Tensor) -> tuple[Tensor, ...]:
    """pow_backward_self and pow_backward_exponent for t ** u."""
    zero = grad.new_zeros(())  # at::scalar_tensor(0.0, grad.options())
    base = torch.where(u == 0.0, zero, grad * (u * t.pow(u - 1)))
    exponent = grad * torch.where(torch.logical_and(t == 0, u >= 0), zero, result * t.log())
    return base, exponent


class Rule(NamedTuple):
    """An operation as autograd sees it: the ATen call Python's operator makes, and torch 2.13's derivative."""

    forward: Callable[..., Tensor]  # operand values -> result
    backward: Backward


# One rule per operation and kind of operands ("t" a tensor, "c" a folded constant). The forward is the ATen call
# Python's operator makes (torch/_tensor.py: __radd__ and __rmul__ are t.add(c), t.mul(c); __rsub__ is rsub;
# __rtruediv__ is t.reciprocal() * c; __rpow__ is torch.pow(c, t)), called directly, minus the Python wrappers.
RULES: Mapping[tuple[str, str], Rule] = {
    ("+", "tt"): Rule(torch.add, lambda grad, t, u, result: (grad, grad)),
    ("+", "tc"): Rule(torch.add, lambda grad, t, c, result: (grad,)),
    ("+", "ct"): Rule(lambda c, t: torch.add(t, c), lambda grad, c, t, result: (grad,)),
    # sub's other: maybe_multiply(-grad, alpha=1) is -grad; rsub's self likewise
    ("-", "tt"): Rule(torch.sub, lambda grad, t, u, result: (grad, -grad)),
    ("-", "tc"): Rule(torch.sub, lambda grad, t, c, result: (grad,)),
    ("-", "ct"): Rule(lambda c, t: torch.rsub(t, c), lambda grad, c, t, result: (-grad,)),
    # mul_tensor_backward: grad * other
    ("*", "tt"): Rule(torch.mul, lambda grad, t, u, result: (grad * u, grad * t)),
    ("*", "tc"): Rule(torch.mul, lambda grad, t, c, result: (grad * c,)),
    ("*", "ct"): Rule(lambda c, t: torch.mul(t, c), lambda grad, c, t, result: (grad * c,)),
    # div_tensor_self_backward: grad / other; div_tensor_other_backward: -grad * ((self / other) / other)
    ("/", "tt"): Rule(torch.div, lambda grad, t, u, result: (grad / u, -grad * ((t / u) / u))),
    ("/", "tc"): Rule(torch.div, lambda grad, t, c, result: (grad / c,)),
    ("/", "ct"): Rule(lambda c, t: t.reciprocal() * c, _reciprocal_times),
    ("**", "tt"): Rule(torch.pow, _pow_tensors),
    ("**", "tc"): Rule(torch.pow, _pow_tensor_scalar),
    ("**", "ct"): Rule(torch.pow, _pow_scalar_tensor),
    ("neg", "t"): Rule(torch.neg, lambda grad, t, result: (-grad,)),
    ("sin", "t"): Rule(torch.sin, lambda grad, t, result: (grad * t.cos(),)),
    ("cos", "t"): Rule(torch.cos, lambda grad, t, result: (grad * -t.sin(),)),
    # 1 + result.pow(2) is result.pow(2).add(1), as C++'s scalar + tensor is tensor.add(scalar)
    ("tan", "t"): Rule(torch.tan, lambda grad, t, result: (grad * (result.pow(2) + 1),)),
    ("exp", "t"): Rule(torch.exp, lambda grad, t, result: (grad * result,)),
    ("log", "t"): Rule(torch.log, lambda grad, t, result: (grad.div(t),)),
    ("sqrt", "t"): Rule(torch.sqrt, lambda grad, t, result: (grad / (result * 2),)),  # 2 * result: result.mul(2)
    ("abs", "t"): Rule(torch.abs, lambda grad, t, result: (grad * t.sgn(),)),
    ("tanh", "t"): Rule(torch.tanh, lambda grad, t, result: (torch.ops.aten.tanh_backward.default(grad, result),)),
    ("sinh", "t"): Rule(torch.sinh, lambda grad, t, result: (grad * t.cosh(),)),
    ("cosh", "t"): Rule(torch.cosh, lambda grad, t, result: (grad * t.sinh(),)),
    ("atan", "t"): Rule(torch.atan, lambda grad, t, result: (grad / (t * t + 1),)),
}


class _Step(NamedTuple):
    """One operation, ready to run on the pass's values: the variables, then the results, then the constants."""

    forward: Callable[..., Any]
    backward: Backward
    operands: tuple[int, ...]
    tensor_operands: tuple[int, ...]  # the operands that receive a gradient, left to right
    index: int  # where its result goes: the Program's numbering


class ReversePass:
    """f and the gradient of f's sum at a stack of points, as `f(points).sum().backward()` gives them."""

    def __init__(self, formula: Formula) -> None:
        if formula.uses_autograd_only_ops:
            raise ValueError(f"{formula!r} has an operation whose gradient only autograd reproduces")
        program = formula.program
        if not isinstance(program.result, int):
            raise ValueError(f"{formula!r} does not depend on its variables: there is no gradient to take")
        self.variables = len(formula.variables)
        self.results = len(program.operations)
        self.constants: list[float] = []
        steps = []
        for index, op in enumerate(program.operations, start=self.variables):
            operands = tuple(map(self._slot, op.operands))
            kinds = "".join("c" if isinstance(operand, float) else "t" for operand in op.operands)
            tensors = tuple(slot for slot, kind in zip(operands, kinds, strict=True) if kind == "t")
            rule = RULES[op.op, kinds]
            steps.append(_Step(rule.forward, rule.backward, operands, tensors, index))
        self.steps = tuple(steps)
        self.result = program.result

    def _slot(self, operand: int | float) -> int:
        """A value's place: an operation's operand as the Program numbers it, a constant after all the results."""
        if not isinstance(operand, float):
            return operand
        self.constants.append(operand)
        return self.variables + self.results + len(self.constants) - 1

    def __call__(self, points: Tensor) -> tuple[Tensor, Tensor]:
        """(f at each point, the gradient of their sum w.r.t. `points`) for points of shape (..., n variables)."""
        with torch.no_grad():
            values: list[Any] = [points.select(-1, i) for i in range(self.variables)]
            values += [None] * self.results
            values += self.constants
            for forward, _, operands, _, index in self.steps:
                values[index] = forward(*[values[i] for i in operands])
            losses = values[self.result]
            grads: list[Tensor | None] = [None] * len(values)
            grads[self.result] = losses.new_ones(()).expand(losses.shape)  # sum's backward
            for _, backward, operands, targets, index in reversed(self.steps):
                contributions = backward(grads[index], *[values[i] for i in operands], values[index])
                for target, grad in zip(targets, contributions, strict=True):
                    earlier = grads[target]
                    grads[target] = grad if earlier is None else earlier + grad
            return losses, self._select_backward(points, grads[: self.variables])

    def _select_backward(self, points: Tensor, grads: list[Tensor | None]) -> Tensor:
        """p's gradient from its variables' gradients.

        Autograd scatters each variable's gradient into zeros (select_backward) and sums them, the last variable's
        first. Wherever two or more are summed that is g + 0.0 at each used variable's place, which turns -0.0
        into +0.0 and keeps every other bit (a NaN's payload too), and +0.0 elsewhere; with one variable used, g
        itself. The same bits in two operations instead of three per variable."""
        used = sum(grad is not None for grad in grads)
        zero = points.new_zeros(()).expand(points.shape[:-1]) if used < len(grads) else None
        stacked = torch.stack([zero if grad is None else grad for grad in grads], dim=-1)
        return stacked.add_(0.0) if used > 1 else stacked
