"""Worker processes that never outlive the command (`--points --jobs N`, `check --jobs N`).

Both run their work in a `ProcessPoolExecutor` of forked workers. Three things keep the workers
from running on once the command is over:

* `start_worker`, the pool's initializer: a worker ignores Ctrl-C (the terminal sends it to the
  whole process group; the main process decides what happens), takes the default action on
  SIGTERM (dies at once, even inside numpy), and is killed by the kernel if its parent dies,
  however it dies (SIGKILL included), so it can never be left blocked on a pipe.
* `stop`: terminates the workers at once, in the middle of their work, and drops what is
  queued; the callers use it whenever they leave the pool early (an interrupt, a closed pipe,
  --on-error stop), where leaving the `with` block would wait for the running work to finish.
* the main process turns SIGTERM into an exception around its pools (cli/workers.py), so that
  it gets to call `stop`.
"""
from __future__ import annotations

import os
import signal
import sys
from contextlib import contextmanager
from typing import Iterator

_PR_SET_PDEATHSIG = 1       # from <linux/prctl.h>


def start_worker(parent: int) -> None:
    """The initializer of a forked worker process; `parent` is the main process's pid."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _release(signal.SIG_UNBLOCK)        # forked inside signals_held(): the mask came along
    if sys.platform.startswith("linux"):
        try:
            import ctypes
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass                # no prctl: stop() still ends the workers whenever the parent can
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)


_HELD = (signal.SIGINT, signal.SIGTERM)


def _release(how, mask=_HELD) -> None:
    try:
        signal.pthread_sigmask(how, mask)
    except (AttributeError, ValueError, OSError):
        pass


@contextmanager
def signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back while a pool forks its workers; they arrive on leaving.

    A signal that comes while os.fork() runs its after-fork hooks in the parent (logging's
    lock release, among others) raises there, where Python prints "Exception ignored" and drops
    it: the interrupt was lost and the command ran on to the end. Held, it is raised on leaving
    this block, where the caller's handlers see it and stop the workers."""
    try:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
    except (AttributeError, ValueError, OSError):       # no pthread_sigmask: as before
        yield
        return
    try:
        yield
    finally:
        _release(signal.SIG_SETMASK, previous)


def stop(pool) -> None:
    """Stop a pool's workers now, whatever they are doing, and drop the work still queued."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        try:
            process.terminate()
        except Exception:       # already gone
            pass
    for process in processes:
        try:
            process.join(1.0)
            if process.is_alive():
                process.kill()
        except Exception:
            pass
    # A worker killed while writing a result leaves half a message in the result pipe; the pool's
    # manager thread would wait for the rest forever (this process holds the pipe's write end too),
    # and Python's exit joins that thread: the command hung at exit, about one run in thirty of
    # `--points --jobs 2 --on-error stop`. With the workers dead, closing our write end turns that
    # wait into end-of-file, which ends the thread.
    writer = getattr(getattr(pool, "_result_queue", None), "_writer", None)
    manager = getattr(pool, "_executor_manager_thread", None)
    pool.shutdown(wait=False, cancel_futures=True)
    if writer is not None and processes:
        try:
            writer.close()
        except OSError:
            pass
    # Then let the manager thread finish (quickly: the workers are dead). Python 3.11's pool,
    # once collected, wakes that thread through a pipe the thread closes as it ends, without a
    # lock: when the two met, "Exception ignored ... Bad file descriptor" on stderr, about one
    # `| head -1` in forty on a loaded machine.
    if manager is not None and manager.is_alive():
        manager.join(5.0)
