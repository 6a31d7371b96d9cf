"""A sweep's stream events (design.md §6): `sweep`, `progress` while it computes, then `result`."""

from __future__ import annotations

import time
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

from app.engine.sweeps.tracking import Outcomes


@dataclass
class SweepStarted:
    kind: str
    steps: int
    surface: dict[str, Any]
    cells: int
    axes: dict[str, Any]
    batched: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "event": "sweep",
            "kind": self.kind,
            "steps": self.steps,
            "surface": self.surface,
            "cells": self.cells,
            **self.axes,
            "batched": self.batched,
        }


@dataclass
class Progress:
    """How far a sweep is, in its unit of work: run-steps here, run-epochs in a training sweep (design.md §10)."""

    done: int
    total: int

    def to_dict(self) -> dict[str, Any]:
        return {"event": "progress", "done": self.done, "total": self.total}


@dataclass
class SweepResult:
    result: dict[str, Any]
    cut_short_by_the_server: bool = False  # some cell hit the server's compute budget: not worth caching

    def to_dict(self) -> dict[str, Any]:
        return {"event": "result", **self.result}


SweepEvent = SweepStarted | Progress | SweepResult


class ProgressMeter:
    """Progress events at most every `seconds`, never going back (a batch redone run by run restarts
    its count: nothing is reported until it passes what was reported before)."""

    def __init__(self, total: int, seconds: float) -> None:
        self.total = total
        self.seconds = seconds
        self.reported = 0
        self.last = time.perf_counter()

    def follow(self, work: Generator[int, None, Outcomes]) -> Generator[Progress, None, Outcomes]:
        """Drive `work` (which yields run-steps done), reporting on the way; returns what it returns."""
        while True:
            try:
                done = min(next(work), self.total)
            except StopIteration as stop:
                return stop.value
            now = time.perf_counter()
            if done > self.reported and now - self.last >= self.seconds:
                self.reported, self.last = done, now
                yield Progress(done, self.total)
