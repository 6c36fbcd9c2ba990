"""Worker processes for `--points --jobs N`: an ordered map over chunks of points.

The workers are forked after the program is compiled and the numeric limits are
set, so they inherit both: only the points and the results cross between
processes. The main process reads the points and writes the results, in input
order, while the workers compute the chunks `2 * jobs` ahead of it, so memory
stays bounded however long the file is. Where processes cannot be forked (not
Linux), the points run in this process. An interrupt, SIGTERM or a closed
output stops the workers at once (diffcore/checks/processes.py).
"""
from __future__ import annotations

import os
import sys
from collections import deque
from contextlib import contextmanager
from itertools import chain, islice
from typing import Any, Callable, Iterable, Iterator

CHUNK = 512             # points per task: large enough that the hand-over costs little

# What a forked worker applies to each item: set before the pool forks, inherited by the workers.
_task: list = [None]


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def worker_count(requested: int) -> int:
    """The worker processes for `--jobs N` (0: one per usable core): never more than the usable
    cores, since the work is all computation and more workers only share the same cores (and
    memory); saying so on stderr when capping."""
    cores = usable_cores()
    if requested == 0:
        return cores
    if requested > cores:
        print(f"autodiff: --jobs {requested}: using {cores} worker process{'es' if cores > 1 else ''}, "
              f"one per usable core", file=sys.stderr)
        return cores
    return requested


def can_fork() -> bool:
    return sys.platform.startswith("linux")


@contextmanager
def sigterm_raises() -> Iterator[None]:
    """SIGTERM raises Terminated here instead of ending this process on the spot, so that its
    worker processes are stopped and the results computed so far are written (see
    diffcore/checks/processes.py). Outside the main thread (a test runner's), signals are left alone."""
    import signal

    from .report import Terminated

    def terminated(signum, frame):
        raise Terminated()

    try:
        previous = signal.signal(signal.SIGTERM, terminated)
    except ValueError:          # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def ordered_map(task: Callable[[Any], Any], items: Iterable, jobs: int,
                combine: Callable[[list], list] = list, chunk: int = CHUNK) -> Iterator:
    """task(item) for every item, in order; in `jobs` forked processes when that pays.

    One chunk or less runs here (a pool would cost more than it saves), as does everything
    when jobs <= 1 or processes cannot be forked. A worker passes each chunk's results
    through `combine` (which may join them) before handing them back. Close the iterator
    when stopping early: that stops the workers at once. `chunk`: items per task.
    """
    items = iter(items)
    if jobs <= 1 or not can_fork():
        return map(task, items)
    first = list(islice(items, chunk + 1))
    if len(first) <= chunk:
        return map(task, first)
    return _in_workers(task, combine, chain(first, items), jobs, chunk)


def _in_workers(task: Callable[[Any], Any], combine: Callable[[list], list], items: Iterator,
                jobs: int, per_task: int) -> Iterator:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from autodiff.diffcore.checks.processes import signals_held, start_worker, stop

    from .report import Terminated
    _task[0] = (task, combine)
    chunks = iter(lambda: list(islice(items, per_task)), [])
    with sigterm_raises():
        pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork"),
                                   initializer=start_worker, initargs=(os.getpid(),))
        finished = False
        pending: deque = deque()
        # Everything from the first submit on is inside the try: the first submit forks the
        # workers and only then starts the pool's manager thread, so a signal can arrive with
        # the workers up and the pool half made. Leaving through `with pool` would then wait
        # for the queued chunks (seconds, or for ever at exit: the workers wait on a queue
        # nobody feeds), or fail joining the thread never started.
        # `done`: the results of the next chunk in order, taken from the pool but not yet handed
        # on. An interrupt while the next chunk is read and submitted (reading the points file
        # takes time) must not lose them: the chunks after would come out with a gap.
        done = None
        try:
            with signals_held():        # the first submit forks the workers
                pending.extend(pool.submit(_run_chunk, chunk) for chunk in islice(chunks, 2 * jobs))
            while pending:
                done = pending[0].result()          # popped once done: an interrupt here keeps it
                pending.popleft()
                for chunk in islice(chunks, 1):
                    pending.append(pool.submit(_run_chunk, chunk))
                results, done = done, None
                yield from results
            finished = True
        except (KeyboardInterrupt, Terminated):
            stop(pool)
            # The chunks finished before the interrupt, next in order, are still handed on.
            if done is not None:
                yield from done
            while pending and _succeeded(pending[0]):
                yield from pending.popleft().result()
            raise
        finally:
            # Stopped early (an interrupt, a closed pipe, --on-error stop): waiting for the pool
            # would wait for the running chunks; stop them instead.
            if finished:
                pool.shutdown(wait=True)
            else:
                stop(pool)


def _succeeded(future) -> bool:
    return future.done() and not future.cancelled() and future.exception() is None


def _run_chunk(chunk: list) -> list:
    task, combine = _task[0]
    return combine([task(item) for item in chunk])
