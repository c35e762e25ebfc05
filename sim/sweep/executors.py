"""Executors: how runs are carried out (in this process, in local processes, on Dask).

Every executor has the same shape: a context manager whose ``map_unordered(fn, items)``
yields ``fn(item)`` for every item as each finishes. Order never matters to the results:
every run carries its own index and seed. Nothing here has import-time side effects; Dask is
imported only when asked for.

A worker process that dies (the out-of-memory killer, a crash in native code, ``os._exit``)
costs only the item it was running: the executor's ``lost(item, cause)`` gives that item's
result (a failed run's record) and the other items run as usual. Worker processes exit when the
sweep's process dies, however it dies.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import AbstractContextManager
from typing import Any

from sim.sweep.spec import SweepError

EXECUTORS = ("sequential", "processes", "dask")
WATCH_PARENT_S = 0.5
"""How often a worker checks that the process that started it is still alive."""

Lost = Callable[[Any, str], Any]
"""(item, cause) -> the result to yield for an item whose worker process died running it."""


class WorkerDied(SweepError):
    """A worker process died running an item, and the executor was given no `lost` function."""


REIMPORTED_MAIN_EXIT = 86
"""Exit code of a worker process that found itself starting a sweep while importing the main script."""

UNGUARDED_MAIN = (
    "the worker processes started this script's sweep again: Python starts each worker by importing the "
    "script, so the code that starts a sweep must sit under `if __name__ == \"__main__\":` (see "
    "docs/researchers.md, section 2), or use executor=\"sequential\"; nothing was run"
)


def exit_if_reimporting_main() -> None:
    """In a worker process still importing the main script (Python's 'spawn' start re-runs an
    unguarded script's top level), a sweep must not start again: exit at once with
    REIMPORTED_MAIN_EXIT, which the parent turns into one clear error (:data:`UNGUARDED_MAIN`)."""
    if getattr(multiprocessing.current_process(), "_inheriting", False):
        raise SystemExit(REIMPORTED_MAIN_EXIT)


def default_workers() -> int:
    """All cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def describe_death(exitcode: int | None) -> str:
    """Why a worker process ended, from its exit code (negative: the signal that killed it)."""
    if exitcode is None:
        return "worker process died"
    if exitcode < 0:
        number = -exitcode
        name = signal.strsignal(number) or f"signal {number}"
        hint = ", e.g. by the out-of-memory killer" if number == getattr(signal, "SIGKILL", 9) else ""
        return f"worker process died (signal {number}: {name}{hint})"
    return f"worker process died (exit code {exitcode})"


def _worker_init(parent: int) -> None:
    """In a new worker process: exit when `parent` dies, and leave Ctrl-C to the parent (which
    stops the workers itself)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        import ctypes

        try:  # PR_SET_PDEATHSIG: the kernel kills this process when its parent dies
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # pragma: no cover - no prctl: the thread below suffices
            pass
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), name="watch-parent", daemon=True).start()


def _watch_parent(parent: int) -> None:
    """Exit this process once its parent is gone (portable; on Linux the kernel is faster)."""
    while os.getppid() == parent:
        time.sleep(WATCH_PARENT_S)
    os._exit(1)


class Sequential(AbstractContextManager):
    """Runs one after another in this process (debugging, notebooks, tiny sweeps)."""

    workers = 1

    def __init__(self, lost: Lost | None = None) -> None:
        self.lost = lost

    def __exit__(self, *exc: object) -> None:
        return None

    def map_unordered(self, fn: Callable, items: Iterable) -> Iterator[Any]:
        for item in items:
            yield fn(item)


class Processes(AbstractContextManager):
    """Local worker processes, started with 'spawn' so the same code runs on every platform.

    The function is sent with cloudpickle (as Dask does), so one defined in a notebook or a script's
    `__main__` reaches workers by value instead of failing with BrokenProcessPool.

    At most two items per worker are handed out at a time. When a worker dies, the pool is
    replaced and the items that were handed out run again one at a time in a process of their
    own: the one whose process dies gets ``lost(item, cause)`` (an item that is a list is a chunk:
    its elements are then tried one by one, as one-element lists), the others their results.
    After `max_deaths_in_a_row` items in a row have killed their process (every run crashes, not
    one), the sweep stops with :class:`WorkerDied`.
    """

    max_deaths_in_a_row = 10

    def __init__(self, workers: int | None = None, lost: Lost | None = None) -> None:
        self.workers = workers or default_workers()
        self.lost = lost
        self.deaths = 0  # worker processes that died (this executor's lifetime)
        self._in_a_row = 0  # items lost since the last item that finished
        self._context = multiprocessing.get_context("spawn")
        self._pool: ProcessPoolExecutor | None = None
        self._entered = False

    def __enter__(self) -> Processes:
        self._entered = True
        self._pool = self._new_pool()
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        self._entered = False
        if self._pool is not None:
            if exc_type is not None:  # interrupted or failed: stop the runs in progress now
                _kill_workers(self._pool)
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=self.workers, mp_context=self._context,
                                   initializer=_worker_init, initargs=(os.getpid(),))

    def map_unordered(self, fn: Callable, items: Iterable) -> Iterator[Any]:
        assert self._entered, "use Processes as a context manager"
        import cloudpickle

        payload = cloudpickle.dumps(fn)
        waiting = deque(items)
        running: dict[Future, Any] = {}
        while waiting or running:
            if self._pool is None:
                self._pool = self._new_pool()
            broken = False
            while waiting and len(running) < 2 * self.workers and not broken:
                item = waiting.popleft()
                try:
                    running[self._pool.submit(_call_pickled, payload, item)] = item
                except BrokenProcessPool:  # a worker died just now
                    waiting.appendleft(item)
                    broken = True
            if not broken:
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                broken = any(isinstance(f.exception(), BrokenProcessPool) for f in done)
            if not broken:
                for future in done:
                    running.pop(future)
                    result = future.result()
                    self._in_a_row = 0
                    yield result
                continue
            wait(running)  # a broken pool fails every item it holds at once
            self.deaths += 1
            suspects = []
            for future, item in running.items():
                if isinstance(future.exception(), BrokenProcessPool):
                    suspects.append(item)
                else:
                    yield future.result()
            running.clear()
            self._pool.shutdown(wait=True)
            self._pool = None
            yield from self._isolate(payload, suspects)

    def _isolate(self, payload: bytes, suspects: list[Any]) -> Iterator[Any]:
        """Run `suspects` one at a time in one process; the item whose process dies is lost."""
        queue = deque(suspects)
        solo = _Solo(self._context, payload)
        try:
            while queue:
                item = queue.popleft()
                ok, value = solo.run(item)
                if ok:
                    self._in_a_row = 0
                    yield value
                    continue
                self.deaths += 1
                if isinstance(item, list) and len(item) > 1:
                    queue.extendleft([element] for element in reversed(item))
                elif self.lost is None:
                    raise WorkerDied(f"{value} running {item!r:.200}")
                else:
                    self._in_a_row += 1
                    yield self.lost(item, value)
                    if self._in_a_row >= self.max_deaths_in_a_row:
                        raise WorkerDied(f"{self._in_a_row} runs in a row killed their worker process (the last: "
                                         f"{value}); stopping. Fix the cause, then resume with --retry-failed")
        except BaseException:
            solo.close(kill=True)
            raise
        solo.close()


class _Solo:
    """One worker process that runs items one at a time, so when it dies the item it was running
    is the cause; started again (on the next item) after a death."""

    def __init__(self, context: Any, payload: bytes) -> None:
        self._context = context
        self._payload = payload
        self._process: Any = None
        self._conn: Any = None

    def run(self, item: Any) -> tuple[bool, Any]:
        """(True, fn(item)), or (False, why the process died); fn's exceptions are raised here."""
        if self._process is None:
            ours, theirs = self._context.Pipe()
            self._process = self._context.Process(target=_serve, args=(theirs, self._payload, os.getpid()),
                                                  name="sweep-solo-worker", daemon=True)
            self._process.start()
            theirs.close()  # so that its death reads as end-of-file here
            self._conn = ours
        try:
            self._conn.send(item)
            status, value = self._conn.recv()
        except (EOFError, OSError):
            self._process.join()
            exitcode = self._process.exitcode
            self.close()
            if exitcode == REIMPORTED_MAIN_EXIT:
                raise SweepError(UNGUARDED_MAIN) from None
            return False, describe_death(exitcode)
        if status == "error":
            raise value
        return True, value

    def close(self, kill: bool = False) -> None:
        """Stop the process: at once with `kill`, else once it finishes (it exits when the pipe closes)."""
        if self._process is not None:
            self._conn.close()
            if kill:
                self._process.kill()
            self._process.join(timeout=5)
            if self._process.is_alive():
                self._process.kill()
                self._process.join()
            self._process = self._conn = None


def _serve(conn: Any, payload: bytes, parent: int) -> None:
    """In a solo worker: run items from `conn` until it closes, sending back each result."""
    _worker_init(parent)
    while True:
        try:
            item = conn.recv()
        except EOFError:
            return
        try:
            reply = ("ok", _call_pickled(payload, item))
        except Exception as exc:  # noqa: BLE001 - raised again in the parent, as a pool would
            reply = ("error", exc)
        try:
            conn.send(reply)
        except Exception as exc:  # noqa: BLE001 - e.g. a result or exception that does not pickle
            conn.send(("error", SweepError(f"cannot send back the result: {exc!r}")))


def _kill_workers(pool: ProcessPoolExecutor) -> None:
    """Stop a pool's workers at once (Python 3.14 has a method for it; before, its private map)."""
    kill = getattr(pool, "kill_workers", None)
    if kill is not None:
        kill()
        return
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        try:
            process.kill()
        except (OSError, ValueError):  # already gone
            pass


def _call_pickled(payload: bytes, item: Any) -> Any:
    """In a worker: unpickle the function (cached per payload) and call it."""
    global _LAST
    if _LAST is None or _LAST[0] != payload:
        import cloudpickle

        _LAST = (payload, cloudpickle.loads(payload))
    return _LAST[1](item)


_LAST: tuple[bytes, Callable] | None = None


class Dask(AbstractContextManager):
    """A Dask cluster: an existing one at `scheduler` (tcp://HOST:PORT), or a local one.

    Dask restarts a worker that dies and runs its tasks again; a task that keeps killing its
    workers (Dask's KilledWorker) gets ``lost(item, cause)``. (On a cluster of your own, a task that
    shared a dying worker can be counted as a killer too; ``--retry-failed`` runs it again.)"""

    def __init__(self, workers: int | None = None, scheduler: str | None = None, lost: Lost | None = None) -> None:
        self.scheduler = scheduler
        self.workers = workers or default_workers()
        self.lost = lost
        self._client: Any = None
        self._cluster: Any = None

    def __enter__(self) -> Dask:
        try:
            from distributed import Client, LocalCluster
        except ImportError:  # pragma: no cover - dask is a dependency
            raise SweepError("the dask executor needs the 'distributed' package: pip install 'dask[distributed]'") from None
        if self.scheduler:
            try:
                self._client = Client(self.scheduler, timeout="10s")
            except (OSError, TimeoutError, ValueError, TypeError) as exc:
                raise SweepError(f"--scheduler {self.scheduler}: cannot connect to a Dask scheduler ({exc})") from None
            self.workers = len(self._client.scheduler_info().get("workers", {})) or self.workers
        else:
            import dask

            # one task at a time on each worker: a task that kills its worker takes no other with it
            with dask.config.set({"distributed.scheduler.worker-saturation": 1.0}):
                self._cluster = LocalCluster(
                    n_workers=self.workers, threads_per_worker=1, processes=True, dashboard_address=None
                )
            self._client = Client(self._cluster)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()

    def map_unordered(self, fn: Callable, items: Iterable) -> Iterator[Any]:
        from distributed import KilledWorker
        from distributed import as_completed as dask_as_completed

        items = list(items)
        futures = self._client.map(fn, items, pure=False)
        item_of = {future.key: item for future, item in zip(futures, items, strict=True)}
        in_a_row = 0
        for future in dask_as_completed(futures):
            try:
                result, in_a_row = future.result(), 0
            except KilledWorker as exc:
                if self.lost is None:
                    raise
                result, in_a_row = self.lost(item_of[future.key], f"worker process died (Dask: {exc})"), in_a_row + 1
            yield result
            future.release()
            if in_a_row >= Processes.max_deaths_in_a_row:
                raise WorkerDied(f"{in_a_row} runs in a row killed their Dask workers; stopping. Fix the cause, "
                                 "then resume with --retry-failed")


def make_executor(name: str = "processes", workers: int | None = None, scheduler: str | None = None,
                  lost: Lost | None = None):
    """An executor by name: 'sequential', 'processes' (default) or 'dask'. `lost(item, cause)`
    gives the result of an item whose worker process died (without it, the sweep stops)."""
    if workers is not None and workers < 1:
        raise SweepError(f"--workers {workers}: need at least 1 worker")
    if scheduler and name != "dask":
        raise SweepError("--scheduler only applies to --executor dask")
    if scheduler and not re.fullmatch(r"(tcp|tls|ws|wss|inproc|ucx)://[\w.\-\[\]:]+(/\S*)?|[\w.\-]+:\d+", scheduler):
        raise SweepError(f"--scheduler {scheduler[:80]!r}: expected a Dask scheduler address, e.g. tcp://host:8786")
    if name == "sequential":
        return Sequential(lost)
    if name == "processes":
        return Processes(workers, lost)
    if name == "dask":
        return Dask(workers, scheduler, lost)
    raise SweepError(f"unknown executor '{name}'; allowed: {', '.join(EXECUTORS)}")
