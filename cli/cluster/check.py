"""`check --scheduler`: the files checked on a Dask cluster, one task per file (docs/scale.md).

The client reads each file and sends its bytes with the task, since a worker on another machine
may not see the client's files; the worker runs `check_path` on those bytes, the same function
that checks a file on one machine, so a file's result does not depend on where it ran. Results
come back in the order the files were collected, whatever order they finish in: the console
output and the reports are then those of `check --jobs 1`, byte for byte but for the times.

Imported only with --scheduler; cli/cluster/connect.py opens the client.
"""
from __future__ import annotations

import sys
import time
from collections import deque
from itertools import islice, takewhile
from typing import Any, Callable, Iterator, Optional

from autodiff.diffcore.checks.results import ERROR, CheckOptions, FileResult, Problem
from autodiff.diffcore.checks.runner import check_path, crashed, read_bytes
from autodiff.grammar.source import ProgramError

from .connect import Scheduler, dask_client

# Tasks in flight ahead of the next result to hand on, per worker thread (and at least
# MIN_AHEAD): enough that no worker waits for work while one slow file holds the head of the
# line, few enough that the client holds only that many files' bytes, however many files there are.
AHEAD_PER_THREAD = 8
MIN_AHEAD = 128


def check_on_scheduler(scheduler: Scheduler, files: list[str], options: CheckOptions) -> Iterator[FileResult]:
    """`check_on_cluster` on a client of `scheduler`, opened when the first result is asked for and
    closed (a local cluster shut down) when the iterator ends or is closed: an interrupt while the
    cluster starts is an interrupt of the run like any other (the JUnit report is written)."""
    with dask_client(scheduler) as client:
        if not client.nthreads():       # the tasks wait for a worker to join: say why nothing happens
            print(f"autodiff check: the scheduler at {scheduler} has no workers yet; waiting for one",
                  file=sys.stderr)
        yield from check_on_cluster(client, files, options)


def check_on_cluster(client: Any, files: list[str], options: CheckOptions,
                     task: Callable[..., FileResult] = check_path) -> Iterator[FileResult]:
    """Check `files` on the cluster of `client`, yielding the results in the order of `files`.

    `task(path, options, data)` checks one file on a worker (tests pass one that crashes it).
    A worker that dies takes its tasks with it and the scheduler runs them again elsewhere; a
    file that kills every worker it is given (distributed.scheduler.allowed-failures + 1 of them)
    is an ERROR like the crashed worker of --jobs. Close the iterator when stopping early (-x, an
    interrupt): the tasks not yet finished are cancelled.

    Tasks are submitted and their results fetched in batches (one `client.map`, one
    `client.gather` for all the results ready in order): one call per file costs a round trip
    to the client's event loop each, which made small files ten times slower.
    """
    ahead = max(MIN_AHEAD, AHEAD_PER_THREAD * sum(client.nthreads().values()))
    waiting = iter(files)
    queue: deque = deque()         # [path, time submitted, future or a result made here], in file order

    def refill() -> None:
        batch, sent = [], []
        for path in islice(waiting, ahead - len(queue)):
            started = time.perf_counter()
            try:
                data = read_bytes(path)
            except ProgramError:
                # Unreadable here: its ERROR is made here too, as one machine makes it (by reading it).
                batch.append([path, started, check_path(path, options)])
                continue
            batch.append([path, started, None])
            sent.append((path, data))
        if sent:
            futures = iter(client.map(task, [path for path, _ in sent], [options] * len(sent),
                                      [data for _, data in sent], pure=False))
            for entry in batch:
                if entry[2] is None:
                    entry[2] = next(futures)
        queue.extend(batch)

    try:
        refill()
        while queue:
            results = [_outcome(*queue[0])]                 # waits for the next file in order
            # and the results after it that are ready too, fetched together
            ready = list(takewhile(lambda entry: _done(entry[2]), islice(queue, 1, None)))
            finished = [entry[2] for entry in ready if _finished(entry[2])]
            values = iter(client.gather(finished)) if finished else iter(())
            results += [next(values) if _finished(entry[2]) else _outcome(*entry) for entry in ready]
            for _ in results:
                queue.popleft()
            refill()                # the workers go on while the results are printed
            yield from results
    finally:
        futures = [entry[2] for entry in queue if not isinstance(entry[2], FileResult)]
        if futures:
            client.cancel(futures)


def _done(pending: Any) -> bool:
    return isinstance(pending, FileResult) or pending.done()


def _finished(pending: Any) -> bool:
    return not isinstance(pending, FileResult) and pending.status == "finished"


def _outcome(path: str, started: float, pending: Any) -> FileResult:
    """The result of a file, waiting for its task; an ERROR if its worker died on it or could not run it."""
    from distributed import KilledWorker
    if isinstance(pending, FileResult):
        return pending
    try:
        return pending.result()
    except KilledWorker:
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
