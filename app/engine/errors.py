"""Typed errors the engine raises for bad experiment specs; the API renders them as 422s."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

Loc = tuple[str | int, ...]


class SpecError(ValueError):
    """A user-facing problem with one field of an experiment spec.

    `loc` is the path to the field inside the request body (e.g. ``("runs", 2, "optimizer",
    "params", "lr")``) and `msg` says what is wrong in words a student understands.
    """

    def __init__(self, loc: Loc, msg: str, type: str = "value_error") -> None:
        super().__init__(msg)
        self.loc = tuple(loc)
        self.msg = msg
        self.type = type

    def within(self, *prefix: str | int) -> SpecError:
        """The same error, located inside an enclosing field."""
        return SpecError((*prefix, *self.loc), self.msg, self.type)


@contextmanager
def located(*prefix: str | int) -> Iterator[None]:
    """Errors raised inside are located inside the field at `prefix` (e.g. ``located("runs", 2)``)."""
    try:
        yield
    except SpecError as err:
        raise err.within(*prefix) from None
