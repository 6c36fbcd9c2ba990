"""`check --scheduler`: the files checked on a Dask cluster, one task per file (docs/scale.md).

The client reads each file and sends its bytes with the task, since a worker on another machine
may not see the client's files; the worker runs `check_path` on those bytes, the same function
that checks a file on one machine, so a file's result does not depend on where it ran. Results
come back in the order the files were collected, whatever order they finish in: the console
output and the reports are then those of `check --jobs 1`, byte for byte but for the times.

Imported only with --scheduler; cli/cluster.py opens the client.
"""
from __future__ import annotations

import time
from collections import deque
from typing import Any, Callable, Iterator, Optional

from autodiff.diffcore.checks.results import ERROR, CheckOptions, FileResult, Problem
from autodiff.diffcore.checks.runner import check_path, crashed, read_bytes
from autodiff.grammar.source import ProgramError

from .cluster import Scheduler, dask_client

# Tasks in flight ahead of the next result to hand on, per worker thread (and at least
# MIN_AHEAD): enough that no worker waits for work while one slow file holds the head of the
# line, few enough that the client holds only that many files' bytes, however many files there are.
AHEAD_PER_THREAD = 4
MIN_AHEAD = 64


def check_on_scheduler(scheduler: Scheduler, files: list[str], options: CheckOptions) -> Iterator[FileResult]:
    """`check_on_cluster` on a client of `scheduler`, opened when the first result is asked for and
    closed (a local cluster shut down) when the iterator ends or is closed: an interrupt while the
    cluster starts is an interrupt of the run like any other (the JUnit report is written)."""
    with dask_client(scheduler) as client:
        yield from check_on_cluster(client, files, options)


def check_on_cluster(client: Any, files: list[str], options: CheckOptions,
                     task: Callable[..., FileResult] = check_path) -> Iterator[FileResult]:
    """Check `files` on the cluster of `client`, yielding the results in the order of `files`.

    `task(path, options, data)` checks one file on a worker (tests pass one that crashes it).
    A worker that dies takes its tasks with it and the scheduler runs them again elsewhere; a
    file that kills every worker it is given (distributed.scheduler.allowed-failures + 1 of them)
    is an ERROR like the crashed worker of --jobs. Close the iterator when stopping early (-x, an
    interrupt): the tasks not yet finished are cancelled.
    """
    from distributed import KilledWorker

    ahead = max(MIN_AHEAD, AHEAD_PER_THREAD * sum(client.nthreads().values()))
    waiting = iter(files)
    queue: deque = deque()         # (path, time submitted, future or a result made here)

    def submit(path: str) -> tuple[str, float, Any]:
        started = time.perf_counter()
        try:
            data = read_bytes(path)
        except ProgramError:
            # Unreadable here: its ERROR is made here too, as one machine makes it (by reading it).
            return path, started, check_path(path, options)
        return path, started, client.submit(task, path, options, data, pure=False)

    try:
        for path in waiting:
            queue.append(submit(path))
            if len(queue) >= ahead:
                break
        while queue:
            path, started, pending = queue[0]      # left in the queue until done: an interrupt cancels it
            result = pending if isinstance(pending, FileResult) else _outcome(pending, path, started, KilledWorker)
            queue.popleft()
            for path in waiting:
                queue.append(submit(path))
                break
            yield result
    finally:
        futures = [pending for _, _, pending in queue if not isinstance(pending, FileResult)]
        if futures:
            client.cancel(futures)


def _outcome(future: Any, path: str, started: float, killed_worker: type) -> FileResult:
    try:
        return future.result()
    except killed_worker:
        return crashed(path, time.perf_counter() - started,
                       tries="every Dask worker it was given died on it (distributed.scheduler.allowed-failures)")
    except Exception as exc:
        # The worker could not run the task (no autodiff there, or another version): this file's ERROR.
        return FileResult(path, ERROR, time.perf_counter() - started, Problem(
            "internal error", f"internal error: {type(exc).__name__}: {exc}", hint=_hint(exc)))


def _hint(exc: Exception) -> Optional[str]:
    if isinstance(exc, ImportError):
        return "the Dask workers need autodiff installed, the same version as here (docs/scale.md)"
    return None
