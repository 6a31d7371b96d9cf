"""The safe formula grammar: what it accepts, how it fails, and its bit-for-bit promise.

The reference for exactness is the generated source itself, run by Python's `eval` — allowed
here, in tests only — on the same 0-d views `x = p[0]`, `y = p[1]` that design.md §2 builds.
"""

from __future__ import annotations

import math
import pickle
import time
from collections.abc import Callable
from typing import Any

import pytest
import torch
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from app.engine.formula import FUNCTIONS, MAX_DEPTH, Formula, FormulaError, parse

XY = ("x", "y")

# design.md §3, written in the grammar with their parameters as named constants.
SURFACES: dict[str, tuple[str, dict[str, float]]] = {
    "quadratic": (
        "0.5*(a*(x*cos(angle*pi/180) + y*sin(angle*pi/180))**2 + b*(-x*sin(angle*pi/180) + y*cos(angle*pi/180))**2)",
        {"a": 1.0, "b": 10.0, "angle": 30.0},
    ),
    "rosenbrock": ("(a - x)**2 + b*(y - x**2)**2", {"a": 1.0, "b": 100.0}),
    "beale": ("(1.5 - x + x*y)**2 + (2.25 - x + x*y**2)**2 + (2.625 - x + x*y**3)**2", {}),
    "himmelblau": ("(x**2 + y - 11)**2 + (x + y**2 - 7)**2", {}),
    "rastrigin": ("2*A + x**2 - A*cos(2*pi*x) + y**2 - A*cos(2*pi*y)", {"A": 10.0}),
    "ackley": (
        "-20*exp(-0.2*sqrt(0.5*(x**2 + y**2))) - exp(0.5*(cos(2*pi*x) + cos(2*pi*y))) + e + 20",
        {},
    ),
    "saddle": ("x**2 - y**2", {}),
    "booth": ("(x + 2*y - 7)**2 + (2*x + y - 5)**2", {}),
    "goldstein_price": (
        "(1 + (x + y + 1)**2*(19 - 14*x + 3*x**2 - 14*y + 6*x*y + 3*y**2))"
        "*(30 + (2*x - 3*y)**2*(18 - 32*x + 12*x**2 + 48*y - 36*x*y + 27*y**2))",
        {},
    ),
    "six_hump_camel": ("(4 - 2.1*x**2 + x**4/3)*x**2 + x*y + (-4 + 4*y**2)*y**2", {}),
}
POINTS = [(-1.5, 2.0), (0.0, 0.0), (1.0, 1.0), (3.0, 0.5), (-2.7, -1.3), (0.1, -0.7)]

LAMBDAS = [
    "0.95**epoch",
    "1/(1 + epoch)",
    "exp(-epoch/10)",
    "epoch/10",
    "sqrt(epoch)",
    "cos(pi*epoch/50)/2 + 0.5",
    "1 - epoch/50",
    "epoch",
    "-epoch",
    "epoch*epoch*epoch*epoch*epoch",
    "abs(epoch - 25)/25",
    "abs(epoch)*epoch",
    "(epoch + 1)**-0.5",
    "1/epoch",
    "epoch**epoch",
    "epoch/epoch",
    "log(epoch)",
    "sinh(epoch)",
    "0.5**epoch**2",
    "(-epoch)**0.5",
    "10**epoch**3",
]


# ---------------------------------------------------------------------------------------------
# Helpers: the test-only reference and bitwise comparison.


def bits(value: Any) -> Any:
    """A value's exact bits (all NaNs alike), for float, 0-d or batched tensors, or None."""
    if value is None:
        return None
    if isinstance(value, float):
        return "nan" if math.isnan(value) else value.hex()
    if isinstance(value, complex):
        return repr(value)
    tensor = value.detach().clone()
    nan = tensor.isnan()
    tensor[nan] = 0.0
    return nan.tolist(), tensor.view(torch.int64).tolist()


def run_at(point: tuple[float, float], evaluate: Callable[[torch.Tensor, torch.Tensor], Any]) -> tuple:
    """Value and p.grad of f at `point`, with x = p[0] and y = p[1] as in design.md §2."""
    p = torch.tensor(point, dtype=torch.float64, requires_grad=True)
    value = evaluate(p[0], p[1])
    if isinstance(value, torch.Tensor) and value.requires_grad:
        value.backward()
    return bits(value), bits(p.grad)


def engine_at(formula: Formula, point: tuple[float, float]) -> tuple:
    return run_at(point, lambda x, y: formula.evaluate(x=x, y=y))


def script_at(source: str, point: tuple[float, float]) -> tuple:
    return run_at(point, lambda x, y: eval(source, {"torch": torch, "math": math, "x": x, "y": y}))


def outcome(compute: Callable[[], Any]) -> tuple[str, Any]:
    """A value's bits, or the type of the exception computing it raised."""
    try:
        return "value", bits(compute())
    except Exception as err:
        return "raises", type(err)


def python_namespace(x: float, y: float) -> dict[str, Any]:
    """Python's own meaning of the grammar's names, to evaluate the formula text itself."""
    names: dict[str, Any] = {name: getattr(math, name, abs) for name in FUNCTIONS}
    return {**names, "x": x, "y": y, "a": 1.5, "b": -0.25, "pi": math.pi, "e": math.e, "__builtins__": {}}


def spaced(left: str, op: str, right: str, space: str) -> str:
    return f"{left}{space}{op}{space}{right}"


def expressions(numbers: list[str], names: list[str], max_leaves: int = 10) -> st.SearchStrategy[str]:
    """Formula strings, combined without forced parentheses so that precedence decides the tree."""
    leaves = st.sampled_from(numbers) | st.sampled_from(names)

    def extend(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        ops = st.sampled_from(["+", "-", "*", "/", "**"])
        return st.one_of(
            st.builds(spaced, children, ops, children, st.sampled_from(["", " ", "  "])),
            children.map(lambda inner: f"({inner})"),
            st.builds(lambda sign, inner: sign + inner, st.sampled_from(["-", "+", "- "]), children),
            st.builds(lambda name, inner: f"{name}({inner})", st.sampled_from(FUNCTIONS), children),
        )

    return st.recursive(leaves, extend, max_leaves=max_leaves).filter(lambda text: len(text) <= 500)


INT_AND_FLOAT_NUMBERS = ["0", "1", "2", "3", "4", "10", "0.5", ".5", "2.5", "1.7", "1e-3", "1E+3", "0.1", "5."]
FLOAT_NUMBERS = ["0.0", "1.0", "2.0", "3.0", "0.5", ".5", "2.5", "1.7", "1e-3", "1E+3", "0.1", "5.", "1.e1"]
CONSTANTS = {"a": 1.5, "b": -0.25}
coordinates = st.floats(min_value=-4.0, max_value=4.0, allow_nan=False)
FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ---------------------------------------------------------------------------------------------
# Precedence and associativity, against Python's own reading of the same text.


@pytest.mark.parametrize(
    "text",
    [
        "2.0**3.0**2.0",
        "-2.0**2.0",
        "2.0**-1.0",
        "(-2.0)**2.0",
        "-3.0**-2.0",
        "2.0**-2.0**-1.0",
        "1.0-2.0-3.0",
        "1.0-(2.0-3.0)",
        "8.0/4.0/2.0",
        "8.0/(4.0/2.0)",
        "2.0*3.0+4.0",
        "2.0+3.0*4.0",
        "1.0/3.0*3.0",
        "0.1+0.2+0.3",
        "0.1+(0.2+0.3)",
        "--2.0",
        "+-+2.0",
        "2.0*-3.0",
        "-2.0*3.0**2.0",
        " 1e-3 + .5 ",
        "1E+3/7.0",
        "5./3.",
        "1.e2-0.7",
        "2.0**0.5**2.0*3.0",
    ],
)
def test_precedence_and_associativity_match_python(text: str) -> None:
    assert bits(parse(text, ()).evaluate()) == bits(eval(text))


@FAST
@given(expressions(FLOAT_NUMBERS, ["x", "y", "pi", "e", "a", "b"]), coordinates, coordinates)
def test_random_formulas_mean_what_python_means(text: str, x0: float, y0: float) -> None:
    try:
        expected = eval(text, python_namespace(x0, y0))
    except (ArithmeticError, ValueError):
        expected = None
    assume(isinstance(expected, float))  # Python raised, or made a complex number
    assert bits(parse(text, XY, CONSTANTS).evaluate(x=x0, y=y0)) == bits(expected)


def test_number_forms() -> None:
    for text, value in [("1", 1.0), ("2.5", 2.5), (".5", 0.5), ("1e-3", 1e-3), ("1E+3", 1e3), ("5.", 5.0)]:
        result = parse(text, ()).evaluate()
        assert type(result) is float
        assert result == value


def test_whitespace_is_allowed_between_tokens() -> None:
    formula = parse(" \tsin ( x )\n*\r2 ", XY)
    assert formula.to_python("torch") == "torch.sin(x) * 2.0"


# ---------------------------------------------------------------------------------------------
# Folding: constant parts become one float, the IEEE way, never raising and never hanging.


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1/0", math.inf),
        ("-1/0", -math.inf),
        ("1/-0", -math.inf),
        ("0/0", math.nan),
        ("log(0)", -math.inf),
        ("log(-1)", math.nan),
        ("sqrt(-1)", math.nan),
        ("(-8)**(1/3)", math.nan),
        ("0**-1", math.inf),
        ("(-0)**-1", -math.inf),
        ("(-0)**-2", math.inf),
        ("(-2)**1025", -math.inf),
        ("exp(1000)", math.inf),
        ("sinh(-1000)", -math.inf),
        ("cosh(-1000)", math.inf),
        ("sin(1e999)", math.nan),
        ("1e999 - 1e999", math.nan),
        ("2**3", 8.0),
    ],
)
def test_constant_parts_fold_to_the_ieee_value(text: str, expected: float) -> None:
    formula = parse(text, ())
    assert bits(formula.evaluate()) == bits(expected)
    assert bits(eval(formula.to_python("math"), {"math": math})) == bits(expected)


def test_folded_constants_match_torch_float64() -> None:
    t = torch.tensor
    cases = {
        "1/0": t(1.0) / 0.0,
        "-1/0": t(-1.0) / 0.0,
        "0/0": t(0.0) / 0.0,
        "log(0)": torch.log(t(0.0)),
        "log(-1)": torch.log(t(-1.0)),
        "sqrt(-1)": torch.sqrt(t(-1.0)),
        "(-8)**(1/3)": t(-8.0) ** (1 / 3),
        "0**-1": t(0.0) ** -1.0,
        "exp(1000)": torch.exp(t(1000.0)),
    }
    for text, tensor in cases.items():
        assert bits(parse(text, ()).evaluate()) == bits(tensor.double().item()), text


# Unfolded, these bombs take hours; folded, microseconds. The bound only tells the two apart (a loaded
# machine may be slow, never hours slow): speed itself is measured in `make bench`, not here.
HANG_SECONDS = 2.0


def test_exponent_bomb_folds_to_inf_quickly() -> None:
    parse("x", XY).evaluate(x=torch.tensor(1.0), y=torch.tensor(1.0))  # warm up torch's dispatch
    started = time.perf_counter()
    value = parse("9**9**9**9", XY).evaluate(x=torch.tensor(1.0), y=torch.tensor(2.0))
    assert time.perf_counter() - started < HANG_SECONDS
    assert value == math.inf


def test_exponent_bomb_times_x_evaluates_quickly() -> None:
    x = torch.tensor(0.5, dtype=torch.float64)
    started = time.perf_counter()
    formula = parse("9**9**9**9*x", XY)
    value = formula.evaluate(x=x, y=x)
    assert time.perf_counter() - started < HANG_SECONDS
    assert formula.to_python("torch") == "math.inf * x"
    assert value.item() == math.inf


def test_integer_epochs_never_run_python_int_arithmetic() -> None:
    formula = parse("epoch**epoch**epoch**epoch", ("epoch",))
    started = time.perf_counter()
    with pytest.raises(OverflowError):  # float pow overflows at once; int pow would never finish
        formula.evaluate(epoch=50)
    assert time.perf_counter() - started < HANG_SECONDS
    assert type(parse("epoch*epoch", ("epoch",)).evaluate(epoch=3)) is float


def test_partially_constant_chains_keep_their_order() -> None:
    # (x + 1) + 2 is not x + 3 in floating point, so it must not be folded that way.
    assert parse("x + 1 + 2", XY).to_python("torch") == "x + 1.0 + 2.0"
    assert parse("x + (1 + 2)", XY).to_python("torch") == "x + 3.0"


# ---------------------------------------------------------------------------------------------
# The generated source: readable, and the same operation tree.


@pytest.mark.parametrize(
    ("text", "source"),
    [
        ("(a - x)**2 + b*(y - x**2)**2", "(1.0 - x) ** 2.0 + 100.0 * (y - x ** 2.0) ** 2.0"),
        ("-x**2", "-x ** 2.0"),
        ("(-x)**2", "(-x) ** 2.0"),
        ("(-2)**x", "(-2.0) ** x"),
        ("-2**x", "-2.0 ** x"),
        ("2**-1*x", "0.5 * x"),
        ("x**-y**2", "x ** -y ** 2.0"),
        ("(x**y)**2", "(x ** y) ** 2.0"),
        ("x - (y - 1)", "x - (y - 1.0)"),
        ("x - -y", "x - (-y)"),
        ("x*-2", "x * (-2.0)"),
        ("x/(y*x)", "x / (y * x)"),
        ("--x", "-(-x)"),
        ("+x", "x"),
        ("abs(x) + sin(y)", "torch.abs(x) + torch.sin(y)"),
        ("x*1/0", "x * 1.0 / 0.0"),
        ("x*(1/0)", "x * math.inf"),
        ("x + log(0)", "x + (-math.inf)"),
        ("x + 0/0", "x + math.nan"),
        ("x**(1/3)", "x ** 0.3333333333333333"),
    ],
)
def test_torch_source_is_readable_and_parenthesised_like_the_tree(text: str, source: str) -> None:
    assert parse(text, XY, {"a": 1.0, "b": 100.0}).to_python("torch") == source


@pytest.mark.parametrize(
    ("text", "source"),
    [
        ("0.95**epoch", "0.95 ** epoch"),
        ("abs(epoch - 25)", "abs(epoch - 25.0)"),
        ("cos(pi*epoch)", "math.cos(3.141592653589793 * epoch)"),
        ("epoch", "float(epoch)"),
        ("epoch*epoch", "float(epoch) * epoch"),
        ("-epoch**epoch", "-float(epoch) ** epoch"),
    ],
)
def test_math_source_spells_math_functions_and_float_conversions(text: str, source: str) -> None:
    assert parse(text, ("epoch",)).to_python("math") == source


def test_to_python_rejects_an_unknown_function_style() -> None:
    with pytest.raises(ValueError, match="'torch' or 'math'"):
        parse("x", XY).to_python("numpy")


# ---------------------------------------------------------------------------------------------
# Bit-for-bit: evaluate() and the printed source agree on values and on gradients.


@pytest.mark.parametrize("point", POINTS)
@pytest.mark.parametrize("surface", sorted(SURFACES))
def test_spec_surfaces_reproduce_bit_for_bit_from_the_torch_source(surface: str, point: tuple[float, float]) -> None:
    text, constants = SURFACES[surface]
    formula = parse(text, XY, constants)
    assert engine_at(formula, point) == script_at(formula.to_python("torch"), point)


@FAST
@given(expressions(INT_AND_FLOAT_NUMBERS, ["x", "y", "pi", "e", "a", "b"]), coordinates, coordinates)
def test_random_formulas_reproduce_bit_for_bit_from_the_torch_source(text: str, x0: float, y0: float) -> None:
    formula = parse(text, XY, CONSTANTS)
    point = (x0, y0)
    assert engine_at(formula, point) == script_at(formula.to_python("torch"), point)


@pytest.mark.parametrize("text", LAMBDAS)
def test_lambda_formulas_reproduce_bit_for_bit_from_the_math_source(text: str) -> None:
    formula = parse(text, ("epoch",))
    source = formula.to_python("math")
    for epoch in range(51):
        script = outcome(lambda epoch=epoch: eval(source, {"math": math, "epoch": epoch}))
        assert outcome(lambda epoch=epoch: formula.evaluate(epoch=epoch)) == script, (text, epoch)


@settings(max_examples=60, deadline=None)
@given(expressions(INT_AND_FLOAT_NUMBERS, ["epoch", "pi", "e"], max_leaves=8))
def test_random_lambda_formulas_reproduce_bit_for_bit_from_the_math_source(text: str) -> None:
    formula = parse(text, ("epoch",))
    source = formula.to_python("math")
    for epoch in range(0, 51, 5):
        script = outcome(lambda epoch=epoch: eval(source, {"math": math, "epoch": epoch}))
        assert outcome(lambda epoch=epoch: formula.evaluate(epoch=epoch)) == script, (text, epoch)


# ---------------------------------------------------------------------------------------------
# Batches: any broadcastable shapes, and which formulas stay exact when vectorised.


def test_batched_tensors_broadcast_like_the_grid_needs() -> None:
    formula = parse("x**2 + (2 + 3)*y", XY)
    xs = torch.linspace(-1, 1, 5, dtype=torch.float64)
    ys = torch.linspace(-2, 2, 3, dtype=torch.float64)
    z = formula.evaluate(x=xs.unsqueeze(0), y=ys.unsqueeze(1))
    assert z.shape == (3, 5)
    for j, y0 in enumerate(ys):
        for i, x0 in enumerate(xs):
            assert bits(z[j, i]) == bits(formula.evaluate(x=x0, y=y0))


VECTOR_SAFE = [
    *(SURFACES[name] for name in sorted(SURFACES) if name != "six_hump_camel"),
    ("sqrt(x**2 + y**2) + x**0.5 + y**3 + x**-1 + y**1 + x**0", {}),
    ("tan(x)*atan(y) + abs(x)*tanh(y) + exp(-x**2)*log(y**2 + 1)", {}),
    ("1/x - 2/y + x/y", {}),
    ("x**(4/2) + sinh(1)*cosh(2)*y + 2**3*x", {}),  # the unsafe operations are folded away
]
VECTOR_UNSAFE = [
    "sinh(x)",
    "cosh(y) + x",
    "x**4",
    "x**1.7",
    "x**-2",  # forward is special-cased, but its backward computes x**-3
    "x**-0.5",  # likewise: x**-1.5
    "2**x",
    "x**y",
    "e**(x*y)",
    "x**(1/3)",
    SURFACES["six_hump_camel"][0],
]


@pytest.mark.parametrize(("text", "constants"), VECTOR_SAFE)
def test_vector_safe_formulas_are_flagged_safe_and_batch_exactly(text: str, constants: dict) -> None:
    formula = parse(text, XY, constants)
    assert not formula.uses_vector_unsafe_ops
    points = torch.rand(64, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0)) * 4 - 2
    batch = points.clone().requires_grad_(True)
    values = formula.evaluate(x=batch[:, 0], y=batch[:, 1])
    values.sum().backward()
    for i, point in enumerate(points.tolist()):
        value, grad = engine_at(formula, tuple(point))
        assert (value, grad) == (bits(values[i]), bits(batch.grad[i])), (text, point)


@pytest.mark.parametrize("text", VECTOR_UNSAFE)
def test_vector_unsafe_operations_are_flagged(text: str) -> None:
    assert parse(text, XY).uses_vector_unsafe_ops


# ---------------------------------------------------------------------------------------------
# Errors: typed, positioned, and the only thing parse ever raises.

DEEP = "(" * 200 + "x" + ")" * 200
BAD_FORMULAS = [
    ("", 0, "empty"),
    ("   ", 0, "empty"),
    ("__import__('os')", 0, "unknown name '__import__'"),
    ("os.system('ls')", 0, "unknown name 'os'"),
    ("import os", 0, "unknown name 'import'"),
    ("lambda: 1", 0, "unknown name 'lambda'"),
    ("x.__class__", 1, "unexpected character '.'"),
    ("x.real", 1, "unexpected character '.'"),
    ("().__class__", 1, "unexpected ')'"),
    ("[x]", 0, "unexpected character '['"),
    ("x;y", 1, "unexpected character ';'"),
    ("sin(x, y)", 5, "exactly one argument"),
    ("sin", 3, "function 'sin' needs one argument"),
    ("sin x", 4, "function 'sin' needs one argument"),
    ("sin()", 4, "unexpected ')'"),
    ("2 +", 3, "unexpected end of formula"),
    ("exp(", 4, "unexpected end of formula"),
    ("(x", 2, "unexpected end of formula"),
    ("x)", 1, "unmatched ')'"),
    (DEEP, MAX_DEPTH, "nested too deeply"),
    ("-" * 200 + "x", MAX_DEPTH, "nested too deeply"),
    ("x**" * 100 + "x", 3 * MAX_DEPTH + 1, "nested too deeply"),
    ("sin(" * 70 + "x" + ")" * 70, 4 * MAX_DEPTH + 3, "nested too deeply"),
    ("x" * 501, 500, "too long"),
    ("x y", 2, "unexpected 'y'"),
    ("1 2", 2, "unexpected '2'"),
    ("x(2)", 1, "unexpected '('"),
    ("1..2", 0, "malformed number '1..2'"),
    ("2x", 0, "malformed number '2x'"),
    ("0x10", 0, "malformed number '0x10'"),
    ("1e", 0, "malformed number '1e'"),
    ("x**", 3, "unexpected end of formula"),
    ("x***2", 3, "unexpected '*'"),
    ("x + * 2", 4, "unexpected '*'"),
    ("x^2", 1, "use ** for powers"),
    ("x % 2", 2, "unexpected character '%'"),
    ("x // 2", 3, "unexpected '/'"),
    ("x == y", 2, "unexpected character '='"),
    ("x if y else 1", 2, "unexpected 'if'"),
    ("'x'", 0, "unexpected character"),
    ("Sin(x)", 0, "unknown name 'Sin'"),
    ("foo", 0, "unknown name 'foo'"),
    ("π*x", 0, "unexpected character 'π'"),
    ("x²", 1, "unexpected character '²'"),
    ("１+x", 0, "unexpected character"),
    ("x\x00", 1, "unexpected character"),
    ("x\u00a0+ y", 1, "unexpected character"),
]


@pytest.mark.parametrize(("text", "position", "message"), BAD_FORMULAS)
def test_bad_formulas_raise_formula_error_at_the_position_of_the_problem(
    text: str, position: int, message: str
) -> None:
    with pytest.raises(FormulaError) as caught:
        parse(text, XY)
    assert caught.value.position == position
    assert message in str(caught.value)
    assert f"at position {position}" in str(caught.value)


def test_error_reads_like_a_sentence_with_the_position() -> None:
    with pytest.raises(FormulaError) as caught:
        parse("x + * 2", XY)
    assert isinstance(caught.value, ValueError)
    assert caught.value.message == "unexpected '*'"
    assert str(caught.value).startswith("unexpected '*' at position 4")


def test_error_names_position_of_unknown_name() -> None:
    with pytest.raises(FormulaError) as caught:
        parse("x + foo", XY, {"a": 1.0})
    assert caught.value.position == 4
    assert str(caught.value).startswith("unknown name 'foo' at position 4; allowed: x, y, pi, e, a")
    assert "sin" in str(caught.value)


def test_errors_come_in_the_order_of_the_text() -> None:
    with pytest.raises(FormulaError) as caught:
        parse("foo + $", XY)
    assert caught.value.position == 0


def test_nesting_up_to_the_limit_is_allowed() -> None:
    text = "(" * MAX_DEPTH + "x" + ")" * MAX_DEPTH
    assert parse(text, XY).to_python("torch") == "x"
    with pytest.raises(FormulaError):
        parse("(" + text + ")", XY)


def test_max_length_is_configurable() -> None:
    text = "+".join(["x"] * 200)  # 399 characters
    parse(text, XY)
    with pytest.raises(FormulaError, match="at most 398") as caught:
        parse(text, XY, max_length=398)
    assert caught.value.position == 398


def test_long_chains_are_refused_rather_than_exhausting_the_stack() -> None:
    with pytest.raises(FormulaError, match="too many operations"):
        parse("+".join(["x"] * 1000), XY, max_length=10_000)


def test_formulas_and_their_errors_survive_pickling_for_worker_pools() -> None:
    with pytest.raises(FormulaError) as caught:
        parse("x y", XY)
    copy = pickle.loads(pickle.dumps(caught.value))
    assert (copy.position, str(copy)) == (caught.value.position, str(caught.value))
    formula = pickle.loads(pickle.dumps(parse("sin(x)*y**3", XY)))
    assert formula.evaluate(x=0.5, y=2.0) == math.sin(0.5) * 2.0**3


GRAMMAR_CHARACTERS = " xy()+-*/.,e0123456789sincoqrtapl_^[]"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80) | st.text(alphabet=GRAMMAR_CHARACTERS, max_size=120))
def test_parse_raises_nothing_but_formula_error_and_what_it_accepts_evaluates(text: str) -> None:
    try:
        formula = parse(text, XY)
    except FormulaError as err:
        assert 0 <= err.position <= len(text)
        return
    compile(formula.to_python("torch"), "<formula>", "eval")
    compile(formula.to_python("math"), "<formula>", "eval")
    formula.evaluate(x=torch.tensor(0.5, dtype=torch.float64), y=torch.tensor(-1.5, dtype=torch.float64))


def test_evaluate_requires_exactly_the_declared_variables() -> None:
    formula = parse("x + 1", XY)
    with pytest.raises(TypeError, match="x, y"):
        formula.evaluate(x=torch.tensor(1.0))
    with pytest.raises(TypeError):
        formula.evaluate(x=1.0, y=2.0, z=3.0)


def test_caller_mistakes_in_names_are_value_errors_not_formula_errors() -> None:
    with pytest.raises(ValueError, match="not usable"):
        parse("x", ("sin",))
    with pytest.raises(ValueError, match="distinct"):
        parse("x", XY, {"x": 1.0})


def test_formula_keeps_its_text_and_variables() -> None:
    formula = parse("x**2", XY)
    assert formula.text == "x**2"
    assert formula.variables == XY
