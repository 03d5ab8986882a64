"""Worker processes that parse pages for an event loop, over sockets the loop reads itself.

``concurrent.futures.ProcessPoolExecutor`` moves each call through two helper threads of the
calling process (a manager and a queue feeder) and back through the loop's self-pipe: five
wake-ups per page, each a thread that wants the GIL the event loop is using. On a busy 2-core
machine that costs the loop more time per page than the HTTP does. Here each worker process
has one socket to the parent; the event loop writes a request frame and reads the answer frame
on that socket like any other connection, with no thread in between.

The processes are process-wide (starting one costs a second: imports, trafilatura's set-up) and
shared by event loops one at a time: a loop leases idle workers for a batch of pages
(:func:`lease_workers`) and talks to them through its own duplicate of their socket. A worker
is retired after :data:`PAGES_PER_WORKER` pages (whatever a parser leaks stays bounded), and
replaced when it dies; a lease left with unanswered requests (its loop was cancelled) ends its
workers, as their next answer would belong to nobody.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import logging
import multiprocessing
import os
import pickle
import signal
import socket
import struct
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from typing import Any

log = logging.getLogger(__name__)

PAGES_PER_WORKER = 5000  # then the process is replaced, so whatever leaks stays bounded
MAX_WORKERS = 8  # processes alive at once, over all leases (more leases parse in threads)
STOP_TIMEOUT_S = 5.0
# Workers yield the CPU to the event loop that feeds them: with as many workers as cores, a
# starved loop would fetch late, store late and leave the workers without queued pages.
WORKER_NICENESS = 5
_HEADER = struct.Struct("!I")  # frame length, then a pickle

_lock = threading.Lock()
_idle: list[Worker] = []
_all: list[Worker] = []
_starting = 0  # workers being started (they count against MAX_WORKERS)


class WorkerDied(RuntimeError):
    """The worker process ended (killed, out of memory) before answering."""


@dataclass(eq=False)
class Worker:
    """One worker process and the parent's end of its socket."""

    process: BaseProcess
    sock: socket.socket
    served: int = 0  # requests sent over its lifetime
    broken: bool = False  # died, or left with unanswered requests: never reused


def _serve(sock: socket.socket, handler: Callable[..., Any], warm_up: Callable[[], Any]) -> None:
    """The worker process: answer request frames until the parent closes the socket."""
    # Ctrl-C reaches the whole process group: the parent decides when to stop (it finishes
    # the current batch, then closes the socket), a worker must not die with a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(OSError, AttributeError):  # not allowed, or not on this system
        os.nice(WORKER_NICENESS)
    warm_up()
    with sock, sock.makefile("rb") as stream:
        while True:
            header = stream.read(_HEADER.size)
            if len(header) < _HEADER.size:
                return  # the parent closed: retire quietly
            (size,) = _HEADER.unpack(header)
            args = pickle.loads(stream.read(size))
            try:
                answer: tuple[str, Any] = ("ok", handler(*args))
            except Exception as exc:  # raised again in the caller, who decides what it means
                answer = ("error", exc)
            try:
                data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception as exc:  # an exception (or result) that cannot travel
                problem = RuntimeError(f"{type(exc).__name__}: {exc} (in a parsing worker)")
                data = pickle.dumps(("error", problem), protocol=pickle.HIGHEST_PROTOCOL)
            sock.sendall(_HEADER.pack(len(data)) + data)


def _start(handler: Callable[..., Any], warm_up: Callable[[], Any]) -> Worker:
    parent, child = socket.socketpair()
    # spawn: forking a process that runs threads (Prefect, event loops) is unsafe.
    process = multiprocessing.get_context("spawn").Process(
        target=_serve, args=(child, handler, warm_up), daemon=True, name="newsmon-parse"
    )
    process.start()
    child.close()
    log.debug("started parsing worker %s", process.pid)
    return Worker(process, parent)


def _stop(worker: Worker, wait: bool = True) -> None:
    """Close the worker's socket (it then exits); kill it if it is broken or does not."""
    with _lock:
        if worker in _all:
            _all.remove(worker)
        if worker in _idle:
            _idle.remove(worker)
    with contextlib.suppress(OSError):
        worker.sock.close()
    if worker.broken and worker.process.is_alive():
        worker.process.kill()
    if wait:
        worker.process.join(STOP_TIMEOUT_S)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join(STOP_TIMEOUT_S)


def _take(
    count: int, handler: Callable[..., Any], warm_up: Callable[[], Any], start_new: bool = True
) -> list[Worker]:
    """Up to ``count`` workers for one lease: idle ones first, then (``start_new``) new ones
    under the cap."""
    global _starting
    with _lock:
        taken = [_idle.pop() for _ in range(min(count, len(_idle)))]
        room = MAX_WORKERS - len(_all) - _starting
        new = max(0, min(count - len(taken), room)) if start_new else 0
        _starting += new
    started: list[Worker] = []
    try:
        for _ in range(new):
            started.append(_start(handler, warm_up))
    finally:
        with _lock:
            _starting -= new
            _all.extend(started)
    return taken + started


def _give_back(worker: Worker) -> None:
    retire = worker.broken or worker.served >= PAGES_PER_WORKER or not worker.process.is_alive()
    if retire:
        _stop(worker, wait=False)
        return
    with _lock:
        _idle.append(worker)


def worker_pids() -> list[int]:
    """The pids of the live worker processes (for memory measurements)."""
    with _lock:
        return [w.process.pid for w in _all if w.process.pid is not None]


def shutdown_workers() -> None:
    """Stop every worker and wait for them (also run at exit)."""
    with _lock:
        workers = list(_all)
    for worker in workers:
        _stop(worker)


atexit.register(shutdown_workers)


@dataclass(eq=False)
class _Channel:
    """A leased worker as seen from one event loop: its own stream and the waiting callers."""

    worker: Worker
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    waiting: list[asyncio.Future[Any]] = field(default_factory=list)
    pump: asyncio.Task[None] | None = None

    async def read_answers(self) -> None:
        """Resolve the waiting callers in order as answer frames arrive."""
        try:
            while True:
                header = await self.reader.readexactly(_HEADER.size)
                (size,) = _HEADER.unpack(header)
                answer = pickle.loads(await self.reader.readexactly(size))
                future = self.waiting.pop(0)
                if not future.done():
                    future.set_result(answer)
        except (asyncio.IncompleteReadError, ConnectionError, OSError) as exc:
            self.worker.broken = True
            code = self.worker.process.exitcode
            for future in self.waiting:
                if not future.done():
                    future.set_exception(WorkerDied(f"parsing worker ended (exit code {code})"))
            self.waiting.clear()
            if not isinstance(exc, asyncio.IncompleteReadError) or exc.partial:
                log.warning("parsing worker %s failed: %r", self.worker.process.pid, exc)


class Lease:
    """Workers leased by one event loop; :meth:`call` sends a request to the least busy."""

    def __init__(self, handler: Callable[..., Any], warm_up: Callable[[], Any]) -> None:
        self._handler = handler
        self._warm_up = warm_up
        self._channels: list[_Channel] = []
        self._replacing = asyncio.Lock()

    @property
    def size(self) -> int:
        return len(self._channels)

    async def _open(self, worker: Worker) -> _Channel:
        reader, writer = await asyncio.open_connection(sock=worker.sock.dup())
        channel = _Channel(worker, reader, writer)
        channel.pump = asyncio.ensure_future(channel.read_answers())
        return channel

    async def call(self, *args: Any) -> Any:
        """The handler's result for ``args`` in a worker, or its exception raised here;
        :class:`WorkerDied` when the worker ended (the next call gets a new one)."""
        channel = await self._healthy_channel()
        data = pickle.dumps(args, protocol=pickle.HIGHEST_PROTOCOL)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        channel.waiting.append(future)
        channel.worker.served += 1
        channel.writer.write(_HEADER.pack(len(data)) + data)
        status, value = await future
        if status != "ok":
            raise value
        return value

    async def _healthy_channel(self) -> _Channel:
        """The least busy channel whose worker is alive, replacing dead workers first. Callers
        that arrive while a replacement is under way wait for it rather than start another."""
        if not self._replacing.locked():
            healthy = [c for c in self._channels if not c.worker.broken]
            if len(healthy) == len(self._channels) and healthy:
                return min(healthy, key=lambda c: len(c.waiting))
        async with self._replacing:
            for broken in [c for c in self._channels if c.worker.broken]:
                self._channels.remove(broken)
                await self._close(broken)
                fresh = await asyncio.to_thread(_take, 1, self._handler, self._warm_up)
                if fresh:
                    self._channels.append(await self._open(fresh[0]))
            if not self._channels:
                raise WorkerDied("parsing worker ended and no replacement could start")
            return min(self._channels, key=lambda c: len(c.waiting))

    async def _close(self, channel: _Channel) -> None:
        if channel.waiting:
            channel.worker.broken = True  # its next answers would reach nobody
        if channel.pump is not None:
            channel.pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await channel.pump
        channel.writer.close()  # the duplicate socket only; the worker keeps running
        with contextlib.suppress(OSError):
            await channel.writer.wait_closed()
        _give_back(channel.worker)

    async def close(self) -> None:
        for channel in self._channels:
            await self._close(channel)
        self._channels = []


@contextlib.asynccontextmanager
async def lease_workers(
    count: int, handler: Callable[..., Any], warm_up: Callable[[], Any], start_new: bool = True
) -> AsyncIterator[Lease]:
    """Up to ``count`` worker processes running ``handler`` for this event loop: idle ones,
    and new ones only when ``start_new``. ``size`` may be 0 (every allowed worker is leased
    elsewhere, or none is idle and none may start): parse in a thread then."""
    lease = Lease(handler, warm_up)
    workers = await asyncio.to_thread(_take, count, handler, warm_up, start_new) if count else []
    try:
        for worker in workers:
            lease._channels.append(await lease._open(worker))
        yield lease
    finally:
        await lease.close()
