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

from app.engine.runs import Limits

if TYPE_CHECKING:
    from app.settings import Settings


@dataclass(frozen=True)
class Computation:
    """A computation as data: its request model and the engine's three functions.

    `prepare` validates a request against the limits (SpecError names the field), `iterate` yields the
    events of design.md §6 (each with `to_dict()`), and `collect` turns all of them into the whole document.
    """

    name: str
    spec_model: type[BaseModel]
    prepare: Callable[[Any, Limits], Any]
    iterate: Callable[[Any, Settings], Iterator[Any]]
    collect: Callable[[Iterator[Any]], dict[str, Any]]


COMPUTATIONS: dict[str, Computation] = {}


def register(computation: Computation) -> None:
    if COMPUTATIONS.get(computation.name, computation) != computation:
        raise ValueError(f"two computations are named {computation.name!r}")
    COMPUTATIONS[computation.name] = computation
