"""Executors: how runs are carried out (in this process, in local processes, on Dask).

Every executor has the same shape: a context manager whose ``map_unordered(fn, items)``
yields ``fn(item)`` for every item as each finishes. Order never matters to the results:
every run carries its own index and seed. Nothing here has import-time side effects; Dask is
imported only when asked for.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import AbstractContextManager
from typing import Any

from sim.sweep.spec import SweepError

EXECUTORS = ("sequential", "processes", "dask")


def default_workers() -> int:
    """All cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


class Sequential(AbstractContextManager):
    """Runs one after another in this process (debugging, notebooks, tiny sweeps)."""

    workers = 1

    def __exit__(self, *exc: object) -> None:
        return None

    def map_unordered(self, fn: Callable, items: Iterable) -> Iterator[Any]:
        for item in items:
            yield fn(item)


class Processes(AbstractContextManager):
    """Local worker processes, started with 'spawn' so the same code runs on every platform.

    The function is sent with cloudpickle (as Dask does), so one defined in a notebook or a script's
    `__main__` reaches workers by value instead of failing with BrokenProcessPool.
    """

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or default_workers()
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Processes:
        context = multiprocessing.get_context("spawn")
        self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._pool is not None
        self._pool.shutdown(wait=True, cancel_futures=True)

    def map_unordered(self, fn: Callable, items: Iterable) -> Iterator[Any]:
        assert self._pool is not None, "use Processes as a context manager"
        import cloudpickle

        payload = cloudpickle.dumps(fn)
        futures = [self._pool.submit(_call_pickled, payload, item) for item in items]
        for future in as_completed(futures):
            yield future.result()


def _call_pickled(payload: bytes, item: Any) -> Any:
    """In a worker: unpickle the function (cached per payload) and call it."""
    global _LAST
    if _LAST is None or _LAST[0] != payload:
        import cloudpickle

        _LAST = (payload, cloudpickle.loads(payload))
    return _LAST[1](item)


_LAST: tuple[bytes, Callable] | None = None


class Dask(AbstractContextManager):
    """A Dask cluster: an existing one at `scheduler` (tcp://HOST:PORT), or a local one."""

    def __init__(self, workers: int | None = None, scheduler: str | None = None) -> None:
        self.scheduler = scheduler
        self.workers = workers or default_workers()
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
            except (OSError, TimeoutError) as exc:
                raise SweepError(f"--scheduler {self.scheduler}: cannot connect to a Dask scheduler ({exc})") from None
            self.workers = len(self._client.scheduler_info().get("workers", {})) or self.workers
        else:
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
        from distributed import as_completed as dask_as_completed

        futures = self._client.map(fn, list(items), pure=False)
        for future in dask_as_completed(futures):
            yield future.result()
            future.release()


def make_executor(name: str = "processes", workers: int | None = None, scheduler: str | None = None):
    """An executor by name: 'sequential', 'processes' (default) or 'dask'."""
    if workers is not None and workers < 1:
        raise SweepError(f"--workers {workers}: need at least 1 worker")
    if scheduler and name != "dask":
        raise SweepError("--scheduler only applies to --executor dask")
    if name == "sequential":
        return Sequential()
    if name == "processes":
        return Processes(workers)
    if name == "dask":
        return Dask(workers, scheduler)
    raise SweepError(f"unknown executor '{name}'; allowed: {', '.join(EXECUTORS)}")
