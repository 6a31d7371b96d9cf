"""What the server and a worker process say to each other over their pipe (pickled by multiprocessing).

One job at a time per worker. The server sends Compute or Call, and Cancel when nobody listens any more;
the worker answers with Emitted events and exactly one final message (Ended, Failed, Invalid or
Returned), after which it is free. Every answer names its job, so a late one is recognised and dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import BaseModel

    from app.api.streaming import Encoded
    from app.engine.runs import Part
    from app.settings import Settings

# --- server → worker ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Compute:
    """Run the registered computation `name` (app/workers/registry.py) on `spec`, its validated request,
    or only `part` of it (when the computation has a Split)."""

    job: int
    name: str
    spec: BaseModel
    settings: Settings
    part: Part | None = None


@dataclass(frozen=True)
class Call:
    """Call a module-level function (a QR code, a surface grid, a script): CPU work of a plain request."""

    job: int
    function: Any
    args: tuple[Any, ...]
    max_seconds: float


@dataclass(frozen=True)
class Cancel:
    job: int


# --- worker → server ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ready:
    """The worker is warm (forked from the fork server after its warm-up, app/workers/preload.py) and waits."""

    pid: int


@dataclass(frozen=True)
class Emitted:
    """One event of the job, already encoded in the worker (the server only moves the bytes)."""

    job: int
    item: Encoded


@dataclass(frozen=True)
class Ended:
    """Every event of the job is sent, or it stopped at the server's Cancel (`cancelled`)."""

    job: int
    cancelled: bool = False


@dataclass(frozen=True)
class Failed:
    """The job stopped with an error: `limit` names the server limit it hit (then a 422 before any
    response began), None for anything else."""

    job: int
    detail: str
    limit: str | None = None


@dataclass(frozen=True)
class Invalid:
    """The request failed the engine's validation: a SpecError's parts (exceptions with their own
    constructor arguments do not survive pickling)."""

    job: int
    loc: tuple[str | int, ...]
    msg: str
    type: str


@dataclass(frozen=True)
class Returned:
    job: int
    value: Any


Final = Ended | Failed | Invalid | Returned
