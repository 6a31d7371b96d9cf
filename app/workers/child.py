"""A worker process: warm once, then one job at a time from its pipe, events sent back as computed.

The process is forked from multiprocessing's fork server, which imported app.main once (torch, every
registered computation, the probed catalog), so a worker is warm at once and a replacement costs a fork.
Two limits hold inside a step here (design.md §12): a SIGALRM at the job's deadline raises the engine's
ComputeBudgetExceeded wherever Python code runs (the runs end `failed`, as between steps), and an
address-space limit makes a huge allocation fail instead of taking the machine. The server ends the
process when even that does not stop it (a single C++ op that runs on).
"""

from __future__ import annotations

import os
import resource
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from types import FrameType

from app.engine.errors import SpecError
from app.engine.runs import ComputeBudgetExceeded
from app.workers.messages import Call, Cancel, Compute, Emitted, Ended, Failed, Invalid, Ready, Returned

# The alarm rings this long after the job's deadline, so the engine's own check between steps (which
# ends the runs `failed`, design.md §2) comes first wherever it can; then it repeats this often, so a
# second stuck step (another run of the same experiment) is interrupted too.
ALARM_GRACE_SECONDS = 0.2
ALARM_REPEAT_SECONDS = 0.1


class ResultTooLarge(Exception):
    """The events so far exceed the server's byte budget for one result."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the result is larger than the server's limit of {limit} bytes (OPTIMLAB_MAX_RESULT_BYTES)")


class Deadline:
    """SIGALRM at the job's deadline, raising only while the job's own code runs (`armed`), never
    while a message is half written to the pipe."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.armed = False
        signal.signal(signal.SIGALRM, self._ring)

    def _ring(self, signum: int, frame: FrameType | None) -> None:
        if self.armed:
            raise ComputeBudgetExceeded(f"the computation ran longer than the server's limit of {self.seconds:g} s")

    @contextmanager
    def running(self, seconds: float) -> Iterator[None]:
        """The job's time, from now; the alarm is off again when the job ends, however it ends."""
        self.seconds = seconds
        signal.setitimer(signal.ITIMER_REAL, seconds + ALARM_GRACE_SECONDS, ALARM_REPEAT_SECONDS)
        try:
            yield
        finally:
            self.armed = False
            signal.setitimer(signal.ITIMER_REAL, 0)

    @contextmanager
    def interruptible(self) -> Iterator[None]:
        self.armed = True
        try:
            yield
        finally:
            self.armed = False


# The setting each of these exceptions means the job ran into.
LIMIT_OF = {ResultTooLarge: "max_result_bytes", ComputeBudgetExceeded: "max_seconds"}


def failure(job: int, err: Exception) -> Invalid | Failed:
    """How a job that raised ends: a SpecError is the request's fault (a 422 naming the field); anything
    else ends this job only (a limit, a MemoryError under the address-space limit, a bug)."""
    if isinstance(err, SpecError):
        return Invalid(job, err.loc, err.msg, err.type)
    return Failed(job, f"{type(err).__name__}: {err}", LIMIT_OF.get(type(err)))


def limit_memory(extra_bytes: int | None) -> None:
    """Let the address space grow by at most `extra_bytes` beyond what the warm process holds now."""
    if extra_bytes is None:
        return
    with open("/proc/self/statm") as statm:  # Linux: the first field is the address space, in pages
        pages = int(statm.read().split()[0])
    limit = pages * os.sysconf("SC_PAGE_SIZE") + extra_bytes
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


class Worker:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.deadline = Deadline()

    def serve(self) -> None:
        self.conn.send(Ready(os.getpid()))
        while True:
            try:
                message = self.conn.recv()
            except EOFError:  # the server has gone
                return
            if isinstance(message, Compute):
                self.conn.send(self.compute(message))
            elif isinstance(message, Call):
                self.conn.send(self.call(message))
            # A Cancel for a job already over needs nothing.

    def call(self, job: Call) -> Returned | Invalid | Failed:
        try:
            with self.deadline.running(job.max_seconds), self.deadline.interruptible():
                return Returned(job.job, job.function(*job.args))
        except Exception as err:
            return failure(job.job, err)

    def compute(self, job: Compute) -> Ended | Failed | Invalid:
        """Prepare, then send each event as it comes; stop at a Cancel, the deadline or the byte budget."""
        from app.api.streaming import encoded  # here: app.api imports this module
        from app.workers.registry import COMPUTATIONS

        computation = COMPUTATIONS[job.name]
        settings = job.settings
        size = 0
        with self.deadline.running(settings.max_seconds):
            try:
                with self.deadline.interruptible():
                    prepared = computation.prepare(job.spec, settings.limits)
                if job.part is not None and computation.split is not None:
                    prepared = computation.split.part(prepared, job.part)
                events = encoded(computation.iterate(prepared, settings))
                while True:
                    with self.deadline.interruptible():
                        item = next(events, None)
                    if item is None:
                        return Ended(job.job)
                    size += len(item.line)
                    if size > settings.max_result_bytes:
                        raise ResultTooLarge(settings.max_result_bytes)
                    self.conn.send(Emitted(job.job, item))
                    if self.cancelled(job.job):
                        events.close()
                        return Ended(job.job, cancelled=True)
            except Exception as err:
                return failure(job.job, err)

    def cancelled(self, job: int) -> bool:
        """Whether the server has asked to stop `job` (it sends nothing else while a job runs)."""
        while self.conn.poll():
            message = self.conn.recv()
            if isinstance(message, Cancel) and message.job == job:
                return True
        return False


def serve(conn: Connection, memory_bytes: int | None) -> None:
    """The worker process's target."""
    import app.main  # noqa: F401 — registers every computation; a no-op after the fork server's import

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the server, which ends its workers
    limit_memory(memory_bytes)
    Worker(conn).serve()
