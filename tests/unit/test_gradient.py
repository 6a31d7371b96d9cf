"""The reverse pass (app/engine/gradient.py) against autograd, bit for bit.

Autograd is the reference: the formula evaluated on a leaf that requires grad, then `.sum().backward()` on the
(R, 2) stack, as the lockstep loop and the batched sweeps did before, and `.backward()` on a lone (2,) leaf per
row, as a plain loop does. Bits are compared as int64, so -0.0 is not 0.0 and NaNs of another sign or payload
differ; only a stack's row against a lone leaf counts NaNs alike, as the engine's vector-safety promise does.
"""

from __future__ import annotations

import itertools
import math
import struct
from dataclasses import replace

import pytest
import torch
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from app.engine.formula import Formula, FormulaError, Operation, Program, parse
from app.engine.gradient import ReversePass
from app.engine.runs import collect, iterate_experiment, prepare_experiment
from app.engine.spec import ExperimentSpec
from app.engine.surfaces import SURFACES, resolve_surface
from tests.unit.test_formula import CONSTANTS, XY, expressions


def _from_bits(bits: int) -> float:
    return struct.unpack("<d", struct.pack("<Q", bits))[0]


SPECIAL = [
    0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 3.0, 0.1, -0.7,
    1e-300, -1e-300, 5e-324, -5e-324, 1e300, -1e300, 1.7976931348623157e308,
    math.inf, -math.inf, math.nan, -math.nan, _from_bits(0x7FF8_0000_0000_0123),
]  # fmt: skip
NUMBERS = ["0", "0.0", "1", "2", "3", "0.5", "2.5", "1e-3", "10", "1e300", "1e-320", "1e309"]
coordinates = st.one_of(st.sampled_from(SPECIAL), st.floats(-4.0, 4.0), st.floats(allow_nan=True, allow_infinity=True))
stacks = st.lists(st.tuples(coordinates, coordinates), min_size=1, max_size=12)
formulas = expressions(NUMBERS, ["x", "y", "a", "b", "pi", "e"], max_leaves=12)
Pair = tuple[torch.Tensor, torch.Tensor]  # (losses, gradients)
PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def bits(tensor: torch.Tensor, nans_alike: bool = False) -> list[int]:
    tensor = tensor.detach().reshape(-1)
    if nans_alike:
        tensor = torch.where(tensor.isnan(), math.nan, tensor)
    return tensor.view(torch.int64).tolist()


def autograd_on_stack(formula: Formula, points: torch.Tensor) -> Pair:
    stack = points.clone().requires_grad_(True)
    losses = formula.evaluate(x=stack[..., 0], y=stack[..., 1])
    losses.sum().backward()
    assert stack.grad is not None
    return losses.detach(), stack.grad


def autograd_on_lone_leaf(formula: Formula, point: torch.Tensor) -> Pair:
    p = point.clone().requires_grad_(True)
    loss = formula.evaluate(x=p[0], y=p[1])
    loss.backward()
    assert p.grad is not None
    return loss.detach(), p.grad


def assert_same_bits(actual: Pair, expected: Pair, nans_alike: bool = False) -> None:
    (losses, grads), (expected_losses, expected_grads) = actual, expected
    assert losses.shape == expected_losses.shape and grads.shape == expected_grads.shape
    assert bits(losses, nans_alike) == bits(expected_losses, nans_alike), (losses, expected_losses)
    assert bits(grads, nans_alike) == bits(expected_grads, nans_alike), (grads, expected_grads)


def assert_row_is_its_lone_run(row: Pair, alone: Pair) -> None:
    """A row of a vector-safe stack against a lone leaf: the engine's promise (test_formula's), with NaNs alike. A
    vectorised kernel may make a NaN of another sign (sqrt(-0.7)); a NaN only ever ends a run, never shows."""
    assert_same_bits(row, alone, nans_alike=True)


def differentiable(text: str) -> Formula:
    """The formula, if the reverse pass takes it: it parses, depends on x or y, and autograd is not needed."""
    try:
        formula = parse(text, XY, CONSTANTS)
    except FormulaError:  # a chain longer than the grammar allows
        assume(False)
        raise
    assume(isinstance(formula.program.result, int) and not formula.uses_autograd_only_ops)
    return formula


# ---------------------------------------------------------------------------------------------
# Random formulas at random points, the awkward ones included.


@PROPERTY
@given(formulas, stacks)
def test_reverse_pass_equals_autograd_on_stacks_and_lone_leaves(text: str, rows: list[tuple[float, float]]) -> None:
    formula = differentiable(text)
    points = torch.tensor(rows, dtype=torch.float64)
    reverse = ReversePass(formula)
    losses, grads = reverse(points)
    assert_same_bits((losses, grads), autograd_on_stack(formula, points))
    for row, point in enumerate(points):
        alone = autograd_on_lone_leaf(formula, point)
        assert_same_bits(reverse(point), alone)  # a lone point through the reverse pass: 0-d values
        if not formula.uses_vector_unsafe_ops:  # as in the engine: unsafe formulas never share a stack
            assert_row_is_its_lone_run((losses[row], grads[row]), alone)


@settings(max_examples=300, deadline=None)
@given(formulas)
def test_only_vector_unsafe_formulas_need_autograd(text: str) -> None:
    """So a formula whose runs share a stack always has an exact reverse pass: no autograd fallback is needed there."""
    try:
        formula = parse(text, XY, CONSTANTS)
    except FormulaError:
        assume(False)
        raise
    assert not formula.uses_autograd_only_ops or formula.uses_vector_unsafe_ops


# ---------------------------------------------------------------------------------------------
# The built-in surfaces, exhaustively on a grid of awkward and ordinary coordinates.

GRID_VALUES = [*SPECIAL, -4.5, -1.5, 0.25, 1.5, 2.0, 4.5]
GRID = torch.tensor(list(itertools.product(GRID_VALUES, GRID_VALUES)), dtype=torch.float64)
SURFACE_CASES = [
    *((surface, None) for surface in SURFACES),
    ("quadratic", {"a": 2.0, "b": 0.5, "angle": 30.0}),
    ("rosenbrock", {"a": -1.0, "b": 3.5}),
    ("rastrigin", {"A": 0.0}),
]


@pytest.mark.parametrize(("surface", "params"), SURFACE_CASES)
def test_builtin_surfaces_equal_autograd_everywhere(surface: str, params: dict[str, float] | None) -> None:
    formula = resolve_surface(surface, params).formula
    reverse = ReversePass(formula)
    losses, grads = reverse(GRID)
    assert_same_bits((losses, grads), autograd_on_stack(formula, GRID))
    if formula.uses_vector_unsafe_ops:
        return
    for row, point in enumerate(GRID):
        assert_row_is_its_lone_run((losses[row], grads[row]), autograd_on_lone_leaf(formula, point))


# ---------------------------------------------------------------------------------------------
# Each operation and each kind of operand, at every awkward point: a failure names the rule.

OPERATIONS = [
    "x + y", "x + 2", "2 + x", "x + x", "x - y", "x - 2", "2 - x", "x - x", "x * y", "x * 2", "2 * x", "x * x",
    "x / y", "x / 2", "2 / x", "x / x", "0 / x", "x ** y", "x ** 2", "x ** 0", "x ** -1", "x ** 0.5", "x ** 1.7",
    "2 ** x", "0 ** x", "1e309 ** x", "e ** (x * y)", "x ** x", "-x", "--x", "x", "y",
    *(f"{name}(x)" for name in ("sin", "cos", "tan", "exp", "log", "sqrt", "abs", "tanh", "sinh", "cosh", "atan")),
]  # fmt: skip
SQUARE = torch.tensor(list(itertools.product(SPECIAL, SPECIAL)), dtype=torch.float64)


@pytest.mark.parametrize("text", OPERATIONS)
def test_every_rule_equals_autograd(text: str) -> None:
    formula = parse(text, XY)
    reverse = ReversePass(formula)
    for points in (SQUARE, SQUARE[:7], SQUARE[5]):  # vectorised and element-by-element kernels, and 0-d values
        assert_same_bits(reverse(points), autograd_on_stack(formula, points))


def test_only_one_variable_used_leaves_the_other_an_exact_zero_and_keeps_a_negative_zero() -> None:
    """Where only x is used p's gradient is x's select node alone; with both, their sum turns -0.0 into +0.0."""
    point = torch.tensor([[-0.0, 1.0]], dtype=torch.float64)  # d(x*x)/dx = -0.0 at x = -0.0
    _, alone = ReversePass(parse("x*x", XY))(point)
    _, with_y = ReversePass(parse("x*x + 0*y", XY))(point)
    assert bits(alone) == bits(torch.tensor([[-0.0, 0.0]], dtype=torch.float64))
    assert bits(with_y)[0] == bits(torch.tensor(0.0, dtype=torch.float64))[0]


# ---------------------------------------------------------------------------------------------
# What the reverse pass refuses, and the program it walks.


@pytest.mark.parametrize("text", ["(-2)**x", "(0/0)**y", "(-1e309)**x + y", "sin((-0.5)**(x*y))"])
def test_a_negative_or_nan_constant_base_is_left_to_autograd(text: str) -> None:
    formula = parse(text, XY)
    assert formula.uses_autograd_only_ops and formula.uses_vector_unsafe_ops
    with pytest.raises(ValueError, match="only autograd"):
        ReversePass(formula)


def test_a_formula_without_variables_has_no_gradient_to_take() -> None:
    with pytest.raises(ValueError, match="does not depend"):
        ReversePass(parse("2 + 3", XY))


def test_the_program_lists_operations_in_evaluation_order() -> None:
    """Left operand before right, constants folded: the order autograd builds its graph in."""
    program = parse("(1 - x)**2 + 100*(y - x**2)**2 - -y", XY).program
    assert program == Program(
        (
            Operation("-", (1.0, 0)),  # value 2
            Operation("**", (2, 2.0)),  # 3
            Operation("**", (0, 2.0)),  # 4
            Operation("-", (1, 4)),  # 5
            Operation("**", (5, 2.0)),  # 6
            Operation("*", (100.0, 6)),  # 7
            Operation("+", (3, 7)),  # 8
            Operation("neg", (1,)),  # 9
            Operation("-", (8, 9)),  # 10
        ),
        10,
    )
    assert parse("y", XY).program == Program((), 1)


# ---------------------------------------------------------------------------------------------
# In the lockstep loop: each run's p.grad is what backward() would have left there.


class SGDZeroingInPlace(torch.optim.SGD):
    """An optimizer whose zero_grad leaves zeros in place, as some of the zoo's may: backward() then adds into them."""

    def zero_grad(self, set_to_none: bool = True) -> None:
        super().zero_grad(set_to_none=False)


def test_a_gradient_zeroed_in_place_is_added_into_as_backward_adds() -> None:
    """d(x*x)/dx at x = -0.0 is -0.0, which a maximizing SGD step adds to x: x stays -0.0. At the first step the
    gradient is new; at the second, added into the zeros left in place it is +0.0, and x turns +0.0. The plain
    loop, with backward(), is the reference."""
    spec = {
        "surface": {"id": "expression", "params": {"expression": "x*x"}},
        "steps": 3,
        "runs": [{"start": [-0.0, 1.0], "optimizer": {"id": "SGD", "params": {"lr": 0.1, "maximize": True}}}] * 2,
    }
    experiment = prepare_experiment(ExperimentSpec.model_validate(spec))
    runs = [
        replace(run, optimizer=replace(run.optimizer, entry=replace(run.optimizer.entry, cls=SGDZeroingInPlace)))
        for run in experiment.runs
    ]
    result = collect(iterate_experiment(replace(experiment, runs=runs)))
    p = torch.tensor([-0.0, 1.0], dtype=torch.float64, requires_grad=True)
    optimizer = SGDZeroingInPlace([p], lr=0.1, maximize=True)
    xs = [p[0].item()]
    for _ in range(3):
        optimizer.zero_grad()
        (p[0] * p[0]).backward()
        optimizer.step()
        xs.append(p[0].item())
    assert [math.copysign(1.0, x) for x in xs] == [-1.0, -1.0, 1.0, 1.0]  # the case this test is about
    for run in result["runs"]:
        assert [struct.pack("<d", x) for x in run["x"]] == [struct.pack("<d", x) for x in xs]
