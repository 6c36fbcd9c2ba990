"""Worker processes for `--points --jobs N`: an ordered map over chunks of points.

The workers are forked after the program is compiled and the numeric limits are
set, so they inherit both: only the points and the results cross between
processes. The main process reads the points and writes the results, in input
order, while the workers compute the chunks `2 * jobs` ahead of it, so memory
stays bounded however long the file is. Where processes cannot be forked (not
Linux), the points run in this process.
"""
from __future__ import annotations

import os
import sys
from collections import deque
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


def can_fork() -> bool:
    return sys.platform.startswith("linux")


def ordered_map(task: Callable[[Any], Any], items: Iterable, jobs: int,
                combine: Callable[[list], list] = list) -> Iterator:
    """task(item) for every item, in order; in `jobs` forked processes when that pays.

    One chunk or less runs here (a pool would cost more than it saves), as does everything
    when jobs <= 1 or processes cannot be forked. A worker passes each chunk's results
    through `combine` (which may join them) before handing them back.
    """
    items = iter(items)
    if jobs <= 1 or not can_fork():
        return map(task, items)
    first = list(islice(items, CHUNK + 1))
    if len(first) <= CHUNK:
        return map(task, first)
    return _in_workers(task, combine, chain(first, items), jobs)


def _in_workers(task: Callable[[Any], Any], combine: Callable[[list], list], items: Iterator,
                jobs: int) -> Iterator:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    _task[0] = (task, combine)
    chunks = iter(lambda: list(islice(items, CHUNK)), [])
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork"),
                             initializer=_ignore_sigint) as pool:
        pending = deque(pool.submit(_run_chunk, chunk) for chunk in islice(chunks, 2 * jobs))
        try:
            while pending:
                results = pending.popleft().result()
                for chunk in islice(chunks, 1):
                    pending.append(pool.submit(_run_chunk, chunk))
                yield from results
        finally:                # stopped early (--on-error stop, an interrupt): drop what is queued
            for future in pending:
                future.cancel()


def _run_chunk(chunk: list) -> list:
    task, combine = _task[0]
    return combine([task(item) for item in chunk])


def _ignore_sigint() -> None:
    # Ctrl-C goes to the main process, which stops the pool; a worker finishes its chunk.
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)
