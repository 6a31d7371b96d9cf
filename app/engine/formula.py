"""The safe formula grammar: user text → a small expression tree → torch (or math) operations.

Custom surfaces, the built-in surfaces and `lr_lambda` formulas are all written in this grammar. It
is parsed by hand — never `eval` — into a tree whose variable-free parts are folded into Python
floats at parse time. `Formula.evaluate` and the source from `Formula.to_python` then perform the
same operations in the same order on the same operand types, which is what lets an exported
plain-PyTorch script reproduce the engine to the last bit (design.md §8).

Folding follows IEEE arithmetic rather than Python's exceptions, so a constant part never raises
and never hangs: `1/0` folds to `inf`, `0/0` and `log(-1)` to `nan`, `9**9**9**9` to `inf` — the
values a float64 tensor would hold. The non-constant part keeps the semantics of its operands:
torch's for tensors, Python's for numbers (where `1/epoch` at epoch 0 raises, as the exported
lambda would).
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple

import torch

from app.engine.limits import DEFAULT_LIMITS

__all__ = ["FUNCTIONS", "MAX_DEPTH", "MAX_LENGTH", "Formula", "FormulaError", "Operation", "Program", "parse"]

MAX_LENGTH = DEFAULT_LIMITS.max_formula_length
MAX_DEPTH = 64  # parentheses, signs, function calls and powers nested in one another
_MAX_TREE_DEPTH = 256  # a long chain like x+x+…+x; keeps evaluation and printing far from the recursion limit

FUNCTIONS = ("sin", "cos", "tan", "exp", "log", "sqrt", "abs", "tanh", "sinh", "cosh", "atan")
BUILTIN_CONSTANTS: Mapping[str, float] = {"pi": math.pi, "e": math.e}

# torch's vectorised CPU kernels (tensors of >= 8 elements) round these differently from the
# one-element path: sinh, cosh, and pow unless the exponent is one ATen special-cases in the
# forward pass *and* in the backward pass (d/dx x**c computes x**(c - 1)). Measured on torch 2.13.
_VECTOR_UNSAFE_FUNCTIONS = frozenset({"sinh", "cosh"})
_VECTOR_SAFE_EXPONENTS = frozenset({0.0, 1.0, 2.0, 3.0, 0.5, -1.0})

_DIGITS = frozenset("0123456789")
_NAME_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_NAME_CHARS = _NAME_START | _DIGITS
_WHITESPACE = frozenset(" \t\r\n")
_OPERATOR_CHARS = frozenset("+-*/()")
_CHARACTER_HINTS = {
    "^": "use ** for powers, like x**2",
    ",": "functions take exactly one argument",
    "[": "use ( and ) for grouping",
    "{": "use ( and ) for grouping",
}


class FormulaError(ValueError):
    """A formula the grammar rejects, with the 0-based position of the problem so a student can find it."""

    def __init__(self, message: str, position: int, hint: str = "") -> None:
        self.message = message
        self.position = position
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        located = f"{self.message} at position {self.position}"
        return f"{located}; {self.hint}" if self.hint else located

    def __reduce__(self) -> tuple[type[FormulaError], tuple[str, int, str]]:
        # Errors cross process boundaries in worker pools; the default reduce would drop `position`.
        return FormulaError, (self.message, self.position, self.hint)


# ---------------------------------------------------------------------------------------------
# Folding: Python floats and `math`, with IEEE results where Python would raise.


def _is_odd_integer(value: float) -> bool:
    return math.isfinite(value) and value == math.floor(value) and math.fmod(value, 2.0) != 0.0


def _fold_divide(left: float, right: float) -> float:
    try:
        return left / right
    except ZeroDivisionError:
        if left == 0.0 or math.isnan(left):
            return math.nan
        return math.copysign(math.inf, math.copysign(1.0, left) * math.copysign(1.0, right))


def _fold_power(base: float, exponent: float) -> float:
    # math.pow, not **: float ** float returns a complex number for a negative base.
    try:
        return math.pow(base, exponent)
    except OverflowError:
        return -math.inf if base < 0.0 and _is_odd_integer(exponent) else math.inf
    except ValueError:  # 0 ** negative, or negative ** non-integer
        if base == 0.0:
            negative = math.copysign(1.0, base) < 0.0 and _is_odd_integer(exponent)
            return -math.inf if negative else math.inf
        return math.nan


def _fold_call(name: str, argument: float) -> float:
    try:
        return _MATH_FUNCTIONS[name](argument)
    except OverflowError:  # exp, sinh, cosh of a large argument
        return math.copysign(math.inf, argument) if name == "sinh" else math.inf
    except ValueError:  # a domain error: log(0), log(-1), sqrt(-1), sin(inf), …
        return -math.inf if name == "log" and argument == 0.0 else math.nan


_FOLD_BINARY: Mapping[str, Callable[[float, float], float]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": _fold_divide,
    "**": _fold_power,
}
_OPERATORS: Mapping[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "**": operator.pow,
}
_MATH_FUNCTIONS: Mapping[str, Callable[[Any], Any]] = {
    name: abs if name == "abs" else getattr(math, name) for name in FUNCTIONS
}


# ---------------------------------------------------------------------------------------------
# The expression tree. Each node evaluates itself with Python operators and prints itself as
# Python source that parses back to the same operation, both under one `_Style`.

# Python's precedence levels, loosest first.
_ADD, _MUL, _UNARY, _POWER, _ATOM = range(1, 6)
_PRECEDENCE = {"+": _ADD, "-": _ADD, "*": _MUL, "/": _MUL, "**": _POWER}


class _Style(NamedTuple):
    """Tensors with torch functions, or Python numbers with `math` functions.

    With `integer_variables` the variables may be Python ints (LambdaLR passes its epoch as one).
    An int stays an int under `-` and `abs`, exactly as in the exported lambda; any binary
    operation on two of them converts its left operand with `float()` first, in `evaluate` and in
    `to_python` alike, so `epoch ** epoch ** epoch` is never unbounded int arithmetic.
    """

    functions: Mapping[str, Callable[[Any], Any]]
    names: Mapping[str, str]
    integer_variables: bool


_STYLES = {
    "torch": _Style(
        {name: getattr(torch, name) for name in FUNCTIONS},
        {name: f"torch.{name}" for name in FUNCTIONS},
        integer_variables=False,
    ),
    "math": _Style(
        _MATH_FUNCTIONS,
        {name: "abs" if name == "abs" else f"math.{name}" for name in FUNCTIONS},
        integer_variables=True,
    ),
}


class Operation(NamedTuple):
    """One operation of a formula, exactly as `Formula.evaluate` performs it on tensors."""

    op: str  # a binary operator (+ - * / **), "neg" or a function name
    operands: tuple[int | float, ...]  # an earlier value's index (an int), or a folded constant (a float)


class Program(NamedTuple):
    """A formula as a flat list of operations in `evaluate`'s order (left operand before right), for the reverse
    pass of app/engine/gradient.py, which must know the order autograd's graph is built in. Values are numbered:
    the variables first, in `Formula.variables` order, then each operation's result. `result` is the formula's
    value: an index, or the folded float of a formula without variables."""

    operations: tuple[Operation, ...]
    result: int | float


def _append(operations: list[Operation], variables: tuple[str, ...], op: str, *operands: int | float) -> int:
    operations.append(Operation(op, operands))
    return len(variables) + len(operations) - 1


class _Source(NamedTuple):
    text: str
    precedence: int


def _at_least(source: _Source, precedence: int) -> str:
    return source.text if source.precedence >= precedence else f"({source.text})"


class _Node:
    depth: int = 1
    unsafe: bool = False  # uses an operation whose vectorised kernel rounds differently
    autograd_only: bool = False  # uses an operation whose derivative app/engine/gradient.py cannot mirror
    integral: bool = False  # an int when the variables are ints

    def evaluate(self, values: Mapping[str, Any], style: _Style) -> Any:
        raise NotImplementedError

    def source(self, style: _Style) -> _Source:
        raise NotImplementedError

    def emit(self, operations: list[Operation], variables: tuple[str, ...]) -> int | float:
        """Append this node's operations to a Program's (operands first); the index of its value."""
        raise NotImplementedError


class _Constant(_Node):
    def __init__(self, value: float) -> None:
        self.value = value

    def evaluate(self, values: Mapping[str, Any], style: _Style) -> Any:
        return self.value

    def source(self, style: _Style) -> _Source:
        if math.isnan(self.value):
            return _Source("math.nan", _ATOM)
        if math.isinf(self.value):
            return _Source("math.inf", _ATOM) if self.value > 0 else _Source("-math.inf", _UNARY)
        # repr round-trips exactly; a leading minus is a unary operator to Python's parser.
        text = repr(self.value)
        return _Source(text, _UNARY if text.startswith("-") else _ATOM)

    def emit(self, operations: list[Operation], variables: tuple[str, ...]) -> int | float:
        return self.value


class _Variable(_Node):
    integral = True

    def __init__(self, name: str) -> None:
        self.name = name

    def evaluate(self, values: Mapping[str, Any], style: _Style) -> Any:
        return values[self.name]

    def source(self, style: _Style) -> _Source:
        return _Source(self.name, _ATOM)

    def emit(self, operations: list[Operation], variables: tuple[str, ...]) -> int | float:
        return variables.index(self.name)


class _Negation(_Node):
    def __init__(self, operand: _Node) -> None:
        self.operand = operand
        self.depth = operand.depth + 1
        self.unsafe = operand.unsafe
        self.autograd_only = operand.autograd_only
        self.integral = operand.integral

    def evaluate(self, values: Mapping[str, Any], style: _Style) -> Any:
        return -self.operand.evaluate(values, style)

    def source(self, style: _Style) -> _Source:
        text = _at_least(self.operand.source(style), _UNARY)
        return _Source(f"-({text})" if text.startswith("-") else f"-{text}", _UNARY)

    def emit(self, operations: list[Operation], variables: tuple[str, ...]) -> int | float:
        return _append(operations, variables, "neg", self.operand.emit(operations, variables))


class _Binary(_Node):
    def __init__(self, op: str, left: _Node, right: _Node) -> None:
        self.op = op
        self.left = left
        self.right = right
        self.depth = max(left.depth, right.depth) + 1
        safe_power = isinstance(right, _Constant) and right.value in _VECTOR_SAFE_EXPONENTS
        self.unsafe = left.unsafe or right.unsafe or (op == "**" and not safe_power)
        # autograd's derivative of c ** t multiplies by log(c), taken in C++ on the float c: for a negative or NaN
        # c, a NaN of the C library's making that no torch operation reproduces (c ** t is vector-unsafe anyway).
        unmirrored_base = op == "**" and isinstance(left, _Constant) and not left.value >= 0.0
        self.autograd_only = left.autograd_only or right.autograd_only or unmirrored_base
        self.floats_left = left.integral and right.integral  # see _Style

    def evaluate(self, values: Mapping[str, Any], style: _Style) -> Any:
        # Left before right, as Python does: the autograd graph, hence the order gradients are
        # summed in, follows the order operations are created.
        left = self.left.evaluate(values, style)
        if self.floats_left and style.integer_variables:
            left = float(left)
        return _OPERATORS[self.op](left, self.right.evaluate(values, style))

    def source(self, style: _Style) -> _Source:
        left = self.left.source(style)
        right = self.right.source(style)
        if self.floats_left and style.integer_variables:
            left = _Source(f"float({left.text})", _ATOM)
        precedence = _PRECEDENCE[self.op]
        if self.op == "**":
            # Right-associative, and `-x ** 2` means -(x ** 2): the base must be an atom.
            left_text, right_text = _at_least(left, _ATOM), _at_least(right, _UNARY)
        else:
            # Left-associative; a signed right operand gets parentheses only for readability.
            left_text = _at_least(left, precedence)
            right_text = _at_least(right, _POWER if right.precedence == _UNARY else precedence + 1)
        return _Source(f"{left_text} {self.op} {right_text}", precedence)

    def emit(self, operations: list[Operation], variables: tuple[str, ...]) -> int | float:
        left = self.left.emit(operations, variables)
        return _append(operations, variables, self.op, left, self.right.emit(operations, variables))


class _Call(_Node):
    def __init__(self, name: str, argument: _Node) -> None:
        self.name = name
        self.argument = argument
        self.depth = argument.depth + 1
        self.unsafe = argument.unsafe or name in _VECTOR_UNSAFE_FUNCTIONS
        self.autograd_only = argument.autograd_only
        self.integral = name == "abs" and argument.integral

    def evaluate(self, values: Mapping[str, Any], style: _Style) -> Any:
        return style.functions[self.name](self.argument.evaluate(values, style))

    def source(self, style: _Style) -> _Source:
        return _Source(f"{style.names[self.name]}({self.argument.source(style).text})", _ATOM)

    def emit(self, operations: list[Operation], variables: tuple[str, ...]) -> int | float:
        return _append(operations, variables, self.name, self.argument.emit(operations, variables))


def _negation(operand: _Node) -> _Node:
    if isinstance(operand, _Constant):
        return _Constant(-operand.value)
    return _Negation(operand)


def _binary(op: str, left: _Node, right: _Node, position: int) -> _Node:
    if isinstance(left, _Constant) and isinstance(right, _Constant):
        return _Constant(_FOLD_BINARY[op](left.value, right.value))
    node = _Binary(op, left, right)
    if node.depth > _MAX_TREE_DEPTH:
        raise FormulaError(f"too many operations in a row (more than {_MAX_TREE_DEPTH})", position)
    return node


def _call(name: str, argument: _Node) -> _Node:
    if isinstance(argument, _Constant):
        return _Constant(_fold_call(name, argument.value))
    return _Call(name, argument)


# ---------------------------------------------------------------------------------------------
# The parser: a lexer that reads one token at a time (so errors come in text order) and a
# recursive-descent parser with Python's precedence.


class _Token(NamedTuple):
    kind: str  # "number", "name", "op" or "end"
    text: str
    position: int
    value: float = 0.0


class _Parser:
    def __init__(self, text: str, variables: tuple[str, ...], constants: Mapping[str, float]) -> None:
        self.text = text
        self.variables = frozenset(variables)
        self.constants = constants
        self.allowed = ", ".join((*variables, *constants))
        self.offset = 0
        self.depth = 0
        self.token = self._next_token()

    # -- lexer ---------------------------------------------------------------------------------

    def _next_token(self) -> _Token:
        text, i = self.text, self.offset
        while i < len(text) and text[i] in _WHITESPACE:
            i += 1
        if i == len(text):
            token = _Token("end", "", i)
        elif text[i] in _DIGITS or (text[i] == "." and text[i + 1 : i + 2] in _DIGITS):
            token = self._number(i)
        elif text[i] in _NAME_START:
            end = i
            while end < len(text) and text[end] in _NAME_CHARS:
                end += 1
            token = _Token("name", text[i:end], i)
        elif text.startswith("**", i):
            token = _Token("op", "**", i)
        elif text[i] in _OPERATOR_CHARS:
            token = _Token("op", text[i], i)
        else:
            raise FormulaError(f"unexpected character {text[i]!r}", i, _CHARACTER_HINTS.get(text[i], ""))
        self.offset = token.position + len(token.text)
        return token

    def _number(self, start: int) -> _Token:
        text, i = self.text, start
        while i < len(text) and text[i] in _DIGITS:
            i += 1
        if text[i : i + 1] == ".":
            i += 1
            while i < len(text) and text[i] in _DIGITS:
                i += 1
        if text[i : i + 1] in ("e", "E"):
            digits = i + 2 if text[i + 1 : i + 2] in ("+", "-") else i + 1
            if text[digits : digits + 1] in _DIGITS:  # else the 'e' is left for the check below
                i = digits
                while i < len(text) and text[i] in _DIGITS:
                    i += 1
        if i < len(text) and (text[i] in _NAME_CHARS or text[i] == "."):
            end = i
            while end < len(text) and (text[end] in _NAME_CHARS or text[end] == "."):
                end += 1
            tail = text[i:end]
            hint = "put * between a number and a name, like 2*x" if tail.isalpha() else ""
            raise FormulaError(f"malformed number {text[start:end]!r}", start, hint)
        return _Token("number", text[start:i], start, float(text[start:i]))

    def _advance(self) -> _Token:
        token = self.token
        self.token = self._next_token()
        return token

    def _at(self, op: str) -> bool:
        return self.token.kind == "op" and self.token.text == op

    def _unexpected(self, expected: str) -> FormulaError:
        token = self.token
        if token.kind == "end":
            return FormulaError("unexpected end of formula", token.position, f"expected {expected}")
        return FormulaError(f"unexpected {token.text!r}", token.position, f"expected {expected}")

    @contextmanager
    def _nested(self, position: int) -> Iterator[None]:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise FormulaError(f"formula is nested too deeply (more than {MAX_DEPTH} levels)", position)
        yield
        self.depth -= 1

    # -- grammar -------------------------------------------------------------------------------

    def formula(self) -> _Node:
        if self.token.kind == "end":
            raise FormulaError("the formula is empty", 0, "type an expression, like x**2 + y**2")
        node = self._sum()
        if self._at(")"):
            raise FormulaError("unmatched ')'", self.token.position, "there is no '(' for it to close")
        if self.token.kind != "end":
            raise self._unexpected("an operator (+ - * / **) before it")
        return node

    def _sum(self) -> _Node:
        return self._left_to_right(("+", "-"), self._product)

    def _product(self) -> _Node:
        return self._left_to_right(("*", "/"), self._unary)

    def _left_to_right(self, operators: tuple[str, str], operand: Callable[[], _Node]) -> _Node:
        """`operand (operator operand)*`, grouped from the left as Python groups `a - b - c`."""
        node = operand()
        while any(self._at(operator) for operator in operators):
            op = self._advance()
            node = _binary(op.text, node, operand(), op.position)
        return node

    def _unary(self) -> _Node:
        if self._at("+") or self._at("-"):
            sign = self._advance()
            with self._nested(sign.position):
                operand = self._unary()
            # Unary plus is the identity on floats and on tensors (torch.positive returns its input).
            return operand if sign.text == "+" else _negation(operand)
        return self._power()

    def _power(self) -> _Node:
        base = self._primary()
        if not self._at("**"):
            return base
        op = self._advance()
        with self._nested(op.position):
            exponent = self._unary()  # right-associative, and 2**-1 is allowed, as in Python
        return _binary("**", base, exponent, op.position)

    def _primary(self) -> _Node:
        token = self.token
        if token.kind == "number":
            self._advance()
            return _Constant(token.value)
        if token.kind == "name":
            return self._name(token)
        if self._at("("):
            self._advance()
            with self._nested(token.position):
                inner = self._sum()
            if not self._at(")"):
                raise self._unexpected(f"')' to close the '(' at position {token.position}")
            self._advance()
            return inner
        raise self._unexpected("a number, a name or '('")

    def _name(self, token: _Token) -> _Node:
        # Judge the name before reading past it, so errors are reported in the order of the text.
        name = token.text
        if name not in FUNCTIONS and name not in self.variables and name not in self.constants:
            allowed = f"allowed: {self.allowed} and the functions {', '.join(FUNCTIONS)}"
            raise FormulaError(f"unknown name {name!r}", token.position, allowed)
        self._advance()
        if name in FUNCTIONS:
            if not self._at("("):
                raise FormulaError(
                    f"function {name!r} needs one argument in parentheses",
                    self.token.position,
                    f"write it like {name}(x)",
                )
            opening = self._advance()
            with self._nested(opening.position):
                argument = self._sum()
            if not self._at(")"):
                raise self._unexpected(f"')' to close {name}( at position {opening.position}")
            self._advance()
            return _call(name, argument)
        if name in self.variables:
            return _Variable(name)
        return _Constant(self.constants[name])


# ---------------------------------------------------------------------------------------------
# The public face.


class Formula:
    """A parsed formula: evaluate it on tensors or numbers, or print it as Python source."""

    def __init__(self, text: str, variables: tuple[str, ...], root: _Node) -> None:
        self.text = text
        self.variables = variables
        self.uses_vector_unsafe_ops: bool = root.unsafe
        # True when app/engine/gradient.py's reverse pass cannot reproduce autograd's gradient (a constant base
        # below 0 or NaN under **, see _Binary); such a formula is vector-unsafe too, so its runs never share a
        # stack and their gradients come from autograd on each run's own leaf.
        self.uses_autograd_only_ops: bool = root.autograd_only
        self._root = root

    def __repr__(self) -> str:
        return f"Formula({self.text!r}, variables={self.variables!r})"

    def evaluate(self, **values: Any) -> Any:
        """The formula's value: torch functions for tensors, `math` functions for Python numbers.

        Give all values as tensors (any broadcastable shapes) or all as numbers. Numbers may be
        ints, as LambdaLR's epoch is; they are converted to float exactly where the exported
        lambda converts them. A formula with no variable in it returns its folded float.
        """
        if values.keys() != set(self.variables):
            expected = ", ".join(self.variables)
            raise TypeError(f"evaluate() takes the variables {expected}, got {', '.join(values) or 'none'}")
        tensors = any(isinstance(value, torch.Tensor) for value in values.values())
        style = _STYLES["torch" if tensors else "math"]
        value = self._root.evaluate(values, style)
        return float(value) if self._root.integral and style.integer_variables else value

    @functools.cached_property
    def program(self) -> Program:
        """The operations `evaluate` performs on tensors, in its order, for app/engine/gradient.py."""
        operations: list[Operation] = []
        result = self._root.emit(operations, self.variables)
        return Program(tuple(operations), result)

    def to_python(self, functions: str) -> str:
        """Python source of exactly the operations `evaluate` performs, for the exported script.

        `functions="torch"` spells calls `torch.sin(...)` for tensor variables (surfaces);
        `functions="math"` spells them `math.sin(...)` for int or float variables (`lr_lambda`).
        Constants print with `repr`, so they round-trip to the same float; the source needs
        `import math` whenever it contains `math.inf` or `math.nan`.
        """
        style = _STYLES.get(functions)
        if style is None:
            raise ValueError(f"functions must be 'torch' or 'math', not {functions!r}")
        text = self._root.source(style).text
        return f"float({text})" if self._root.integral and style.integer_variables else text


def _checked_names(names: Sequence[str] | Mapping[str, float], what: str) -> tuple[str, ...]:
    checked = tuple(names)
    for name in checked:
        if not (isinstance(name, str) and name.isascii() and name.isidentifier()) or name in FUNCTIONS:
            raise ValueError(f"{what} name {name!r} is not usable in a formula")
    return checked


def parse(
    text: str,
    variables: Sequence[str],
    constants: Mapping[str, float] | None = None,
    *,
    max_length: int = MAX_LENGTH,
) -> Formula:
    """Parse `text` in the given variables and named constants (plus `pi` and `e`).

    Raises FormulaError — and nothing else — for any text it rejects. A bad `variables` or
    `constants` argument is the caller's bug and raises ValueError.
    """
    names = _checked_names(variables, "variable")
    given = {name: float(value) for name, value in (constants or {}).items()}
    clashes = set(names) & set(_checked_names(given, "constant"))
    if clashes or len(set(names)) != len(names):
        raise ValueError(f"variable names must be distinct from each other and from constants: {names}")
    if not isinstance(text, str):
        raise FormulaError("the formula must be text", 0)
    if len(text) > max_length:
        too_long = f"the formula is too long ({len(text)} characters; at most {max_length})"
        raise FormulaError(too_long, max_length)
    parser = _Parser(text, names, {**BUILTIN_CONSTANTS, **given})
    try:
        root = parser.formula()
    except RecursionError:
        # Only reachable when the caller's own stack is already deep: MAX_DEPTH bounds ours.
        raise FormulaError("formula is nested too deeply", parser.token.position) from None
    return Formula(text, names, root)
