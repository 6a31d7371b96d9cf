"""Every computation the server offers, by name: what the web layer registers and the workers look up.

A worker receives only a computation's name and its request as JSON; both processes import the same
modules (app.main imports every router, and each router registers its computation when imported), so
the name finds the same prepare / iterate / collect functions on either side (design.md §12).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from app.engine.runs import Limits, Part

if TYPE_CHECKING:
    from app.settings import Settings


@dataclass(frozen=True)
class Split:
    """How a request made of independent pieces is shared out among idle workers (design.md §12): into at
    most `most(spec)` parts, each worker computing `part(prepared, Part(i, n))`. Every part's events end
    with the same final event; part 0's begin with the computation's header."""

    most: Callable[[Any], int]
    part: Callable[[Any, Part], Any]


@dataclass(frozen=True)
class Computation:
    """A computation as data: its request model and the engine's three functions.

    `prepare` validates a request against the limits (SpecError names the field), `iterate` yields the
    events of design.md §6 (each with `to_dict()`), and `collect` turns all of them into the whole document.
    A computation with a `split` may be computed by several workers at once.
    """

    name: str
    spec_model: type[BaseModel]
    prepare: Callable[[Any, Limits], Any]
    iterate: Callable[[Any, Settings], Iterator[Any]]
    collect: Callable[[Iterator[Any]], dict[str, Any]]
    split: Split | None = None


COMPUTATIONS: dict[str, Computation] = {}


def register(computation: Computation) -> None:
    if COMPUTATIONS.get(computation.name, computation) != computation:
        raise ValueError(f"two computations are named {computation.name!r}")
    COMPUTATIONS[computation.name] = computation
