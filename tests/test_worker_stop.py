"""stop() ends a pool even when a worker dies in the middle of handing back a result
(diffcore/checks/processes.py): the command used to hang at exit, about one run in thirty of
`--points --jobs 2 --on-error stop`, because the pool's manager thread waited forever for the rest
of a half-written message, and Python's exit waits for that thread."""
from __future__ import annotations

import multiprocessing
import os
import struct
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import pytest

from autodiff.diffcore.checks.processes import start_worker, stop

_pool: list = [None]        # the pool, inherited by its forked workers


def _half_a_result() -> None:
    """In a worker: the start of a 1000-byte message on the result pipe, and then nothing."""
    writer = _pool[0]._result_queue._writer
    os.write(writer.fileno(), struct.pack("!i", 1000) + b"x" * 10)
    time.sleep(60)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked workers")
def test_stop_ends_the_pool_whose_worker_died_mid_result():
    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"), initializer=start_worker,
                               initargs=(os.getpid(),))
    _pool[0] = pool
    try:
        pool.submit(_half_a_result)
        manager = pool._executor_manager_thread
        time.sleep(0.3)             # the worker writes its half message; the manager starts reading it
        stop(pool)
        manager.join(5)
        assert not manager.is_alive(), "the pool's manager thread still waits for the rest of the result"
    finally:
        _pool[0] = None
