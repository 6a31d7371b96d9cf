"""Where CPU work runs: a pool of worker processes behind a bounded admission count (design.md §12).

The server process only routes, validates and moves bytes, so /api/health stays fast while every core
computes. Each job is admitted first; when every worker is busy and the waiting room is full, the
request gets a 503 with Retry-After instead of an ever-growing queue. A job holds its place until its
worker says it has stopped, so a dropped client's computation counts until it really ends.

Processes can be stopped where threads cannot: a job past its deadline, or one whose client has gone
and that does not stop when asked, has its worker ended and replaced; a worker that dies (killed, out
of memory) fails only its own job. Workers are forked from multiprocessing's fork server, which imports
app/workers/preload.py once (the routers, torch, the catalog, a few steps of each mode), so every worker
(and every replacement) starts warm.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import multiprocessing
import multiprocessing.forkserver
import threading
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

from app.engine.errors import SpecError
from app.workers import child
from app.workers.messages import Call, Cancel, Compute, Emitted, Ended, Failed, Final, Invalid, Ready

if TYPE_CHECKING:
    from pydantic import BaseModel

    from app.api.streaming import Encoded
    from app.engine.runs import Part
    from app.settings import Settings

log = logging.getLogger("optimlab")

# How long a worker may run on past its job's deadline, or after a Cancel, before the server ends it. The
# worker's own alarm (app/workers/child.py) stops Python code 0.2 s after the deadline; this catches the rest.
GRACE_SECONDS = 0.6

# At most this many of a worker's messages reach the event loop in one wake-up (WorkerProcess._read).
READ_TOGETHER = 64

# What the fork server imports before its first fork.
FORK_SERVER_PRELOAD = ["app.workers.preload"]


def start_fork_server() -> None:
    """Start the fork server now (once per process), so its warm-up (torch, the catalog probe, a first step
    of each mode: seconds of CPU) runs alongside this process's own start-up rather than after it."""
    multiprocessing.get_context("forkserver").set_forkserver_preload(FORK_SERVER_PRELOAD)
    multiprocessing.forkserver.ensure_running()


class Overloaded(Exception):
    """Every worker is busy and the queue is full."""


class ComputationFailed(Exception):
    """A job ended without its result: it hit a server limit (`limit` names the setting), or its worker
    died or was ended. `detail` says which, in words."""

    def __init__(self, detail: str, limit: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.limit = limit


class Job:
    """One admitted request for a worker: its message, and the worker's replies as they arrive."""

    def __init__(self, number: int, message: Compute | Call, seconds: float) -> None:
        self.number = number
        self.message = message
        self.seconds = seconds
        self.replies: asyncio.Queue[Any] = asyncio.Queue()
        self.worker: WorkerProcess | None = None
        self.over = False


class WorkerProcess:
    """A worker process, its end of the pipe, and a thread that hands what the worker says to the loop."""

    def __init__(self, context: Any, memory_bytes: int | None) -> None:
        ours, theirs = context.Pipe()
        self.process = context.Process(
            target=child.serve, args=(theirs, memory_bytes), name="optimlab-worker", daemon=True
        )
        self.process.start()
        theirs.close()
        self.conn: Connection = ours
        self.job: Job | None = None
        self.ready = False

    def listen(self, deliver: Callable[[WorkerProcess, Any], None], loop: asyncio.AbstractEventLoop) -> None:
        threading.Thread(target=self._read, args=(deliver, loop), name="optimlab-worker-reader", daemon=True).start()

    def _read(self, deliver: Callable[[WorkerProcess, Any], None], loop: asyncio.AbstractEventLoop) -> None:
        """Every message, then None once the pipe closes (the worker ended). Messages already waiting in the
        pipe (a flush's events come one right after another) reach the loop together, in one wake-up, up to
        READ_TOGETHER of them, so a worker that sends without pause cannot hold its messages back."""
        while True:
            messages = [self._receive()]
            while len(messages) < READ_TOGETHER and messages[-1] is not None and self._waiting():
                messages.append(self._receive())
            try:
                loop.call_soon_threadsafe(self._deliver_all, deliver, messages)
            except RuntimeError:  # the loop has closed: the server is shutting down
                return
            if messages[-1] is None:
                return

    def _receive(self) -> Any:
        try:
            return self.conn.recv()
        except (EOFError, OSError):
            self.process.join(1)  # for its exit code
            return None

    def _waiting(self) -> bool:
        try:
            return self.conn.poll()
        except (EOFError, OSError):
            return True  # the next receive says the pipe has closed

    def _deliver_all(self, deliver: Callable[[WorkerProcess, Any], None], messages: list[Any]) -> None:
        for message in messages:
            deliver(self, message)

    def send(self, message: Any) -> bool:
        """Whether the message went; not when the worker has just ended (its reader will say so)."""
        try:
            self.conn.send(message)
        except OSError:  # BrokenPipeError and friends
            return False
        return True

    def end(self) -> None:
        self.process.kill()
        self.conn.close()


class ComputePool:
    def __init__(self, workers: int, max_pending: int, max_seconds: float, memory_bytes: int | None = None) -> None:
        self.size = workers
        self.capacity = workers + max_pending
        self.max_seconds = max_seconds  # for plain calls; computations bring their settings
        self.memory_bytes = memory_bytes
        self.admitted = 0
        self.cancelled = 0  # jobs stopped early because their client went away
        self.replaced = 0  # workers ended (deadline, no answer to a cancel) or died, and started anew
        self.workers: list[WorkerProcess] = []
        self.waiting: deque[Job] = deque()
        self._numbers = itertools.count()
        self._all_ready = asyncio.Event()

    # --- the processes -----------------------------------------------------------------------------

    @asynccontextmanager
    async def running(self, _: Any = None) -> AsyncIterator[None]:
        """The workers, started and warm before the server takes its first request (a FastAPI lifespan)."""
        self.loop = asyncio.get_running_loop()
        start_fork_server()  # a no-op when `optimlab serve` has started it
        self.context = multiprocessing.get_context("forkserver")
        self._all_ready = asyncio.Event()
        await asyncio.gather(*(self._spawn() for _ in range(self.size)))
        await self._all_ready.wait()
        try:
            yield
        finally:
            for worker in self.workers:
                worker.end()
            self.workers.clear()

    async def _spawn(self) -> None:
        # Starting asks the fork server for a fork: quick, but it waits on a pipe, so not on the loop.
        worker = await asyncio.to_thread(WorkerProcess, self.context, self.memory_bytes)
        self.workers.append(worker)
        worker.listen(self._received, self.loop)

    def _retire(self, worker: WorkerProcess) -> None:
        """End a worker (if it has not ended already) and start its replacement."""
        if worker not in self.workers:
            return
        self.workers.remove(worker)
        worker.end()
        self.replaced += 1
        self.loop.create_task(self._spawn())

    # --- admission and dispatch --------------------------------------------------------------------

    def check(self) -> None:
        """Refuse at once, before any response is sent, when there is no place for one more."""
        if self.admitted >= self.capacity:
            raise Overloaded

    def _submit(self, message: Callable[[int], Compute | Call], seconds: float) -> Job:
        self.check()
        self.admitted += 1
        number = next(self._numbers)
        job = Job(number, message(number), seconds)
        self.waiting.append(job)
        self._dispatch()
        return job

    def _dispatch(self) -> None:
        for worker in self.workers:
            if not self.waiting:
                return
            if worker.ready and worker.job is None:
                self._assign(worker, self.waiting.popleft())

    def _assign(self, worker: WorkerProcess, job: Job) -> None:
        worker.job, job.worker = job, worker
        if not worker.send(job.message):
            self._died(worker)
            return
        detail = f"ComputeBudgetExceeded: the computation ran longer than the server's limit of {job.seconds:g} s"
        self.loop.call_later(job.seconds + GRACE_SECONDS, self._stop, job, detail, "max_seconds")

    def _received(self, worker: WorkerProcess, message: Any) -> None:
        if message is None:
            self._died(worker)
        elif isinstance(message, Ready):
            worker.ready = True
            if all(w.ready for w in self.workers) and len(self.workers) == self.size:
                self._all_ready.set()
            self._dispatch()
        elif worker.job is not None and message.job == worker.job.number:  # else: for a job already over
            job = worker.job
            job.replies.put_nowait(message)
            if isinstance(message, Failed) and message.limit == "max_seconds":
                # The deadline's alarm raised wherever the job was (an import, a cache half-filled): a
                # fresh fork of the warm fork server is cheaper than trusting that process again.
                self._retire(worker)
            if isinstance(message, Final):
                self._finish(job)

    def _finish(self, job: Job) -> None:
        job.over = True
        self.admitted -= 1
        if job.worker is not None and job.worker.job is job:
            job.worker.job = None
        self._dispatch()

    def _died(self, worker: WorkerProcess) -> None:
        job = worker.job
        if worker in self.workers and job is not None:
            code = worker.process.exitcode
            log.warning("worker %s ended (exit code %s) during job %s", worker.process.pid, code, job.number)
            detail = f"the worker computing this ended (exit code {code}: killed or out of memory); retry"
            self._end(worker, job, Failed(job.number, detail))
        else:
            self._retire(worker)

    def _stop(self, job: Job, detail: str, limit: str | None) -> None:
        """The server ends a job its worker has not ended: the worker is ended too, and replaced."""
        worker = job.worker
        if job.over or worker is None:
            return
        log.warning("ending worker %s: job %s %s", worker.process.pid, job.number, limit or "was cancelled")
        self._end(worker, job, Failed(job.number, detail, limit))

    def _end(self, worker: WorkerProcess, job: Job, failure: Failed) -> None:
        """Fail the job, then retire its worker before the next job could be given to it."""
        job.replies.put_nowait(failure)
        self._retire(worker)
        self._finish(job)

    def cancel(self, job: Job) -> None:
        """Nobody wants this job's result any more: ask its worker to stop, and end it if it does not."""
        if job.over:
            return
        self.cancelled += 1
        if job.worker is None:  # still waiting for a worker
            self.waiting.remove(job)
            job.over = True
            self.admitted -= 1
            return
        job.worker.send(Cancel(job.number))
        self.loop.call_later(GRACE_SECONDS, self._stop, job, "the client went away", None)

    # --- what the routes use -----------------------------------------------------------------------

    async def run(self, function: Callable[..., Any], *args: Any) -> Any:
        """`function(*args)` in a worker (a module-level function, its arguments and result picklable)."""
        job = self._submit(lambda number: Call(number, function, args, self.max_seconds), self.max_seconds)
        try:
            reply = await job.replies.get()
        finally:
            self.cancel(job)  # only does something when this request was abandoned
        raise_for(reply)
        return reply.value

    def idle(self) -> int:
        """How many workers would start a job at once."""
        return sum(worker.ready and worker.job is None for worker in self.workers) - len(self.waiting)

    async def events(
        self, name: str, spec: BaseModel, settings: Settings, part: Part | None = None
    ) -> AsyncIterator[Encoded]:
        """The registered computation `name` on `spec`, its validated request (app/workers/registry.py),
        or one part of it (app/api/parts.py), event by event as its worker computes them. Stopping early
        cancels it."""
        job = self._submit(lambda number: Compute(number, name, spec, settings, part), settings.max_seconds)
        try:
            while True:
                reply = await job.replies.get()
                if isinstance(reply, Emitted):
                    yield reply.item
                elif isinstance(reply, Ended):
                    return
                else:
                    raise_for(reply)
        finally:
            self.cancel(job)


def raise_for(reply: Any) -> None:
    """A worker's Invalid as the SpecError it was (a 422 naming the field), a Failed as ComputationFailed."""
    if isinstance(reply, Invalid):
        raise SpecError(reply.loc, reply.msg, reply.type)
    if isinstance(reply, Failed):
        raise ComputationFailed(reply.detail, reply.limit)
