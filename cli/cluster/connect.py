"""`--scheduler ADDRESS`: run `check` and `--points` on a Dask cluster (docs/scale.md).

This module is the one place that knows how to reach Dask. It is imported only when
`--scheduler` is given, and imports `distributed` only when a client is opened, so a command
without the option never loads Dask (tests/test_cluster.py checks that). An address is either
`local:N`, a LocalCluster of N worker processes on this machine (for trying it out), or the
address of a running scheduler (`tcp://host:8786`, `tls://host:8786`, `host:8786`); TLS and
other connection settings come from Dask's own configuration (`DASK_DISTRIBUTED__COMM__...`,
~/.config/dask), as for any Dask client.
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from typing import Any, Iterator, NamedTuple, Optional

import click

# A local cluster's workers: beyond this, `local:N` is a typo, not a plan (a machine's cores are
# far fewer; a real cluster is reached through its scheduler's address instead).
MAX_LOCAL_WORKERS = 256
# How long to wait for a remote scheduler before saying it cannot be reached.
CONNECT_SECONDS = 10
# The Dask versions this project's tests ran against (pyproject.toml's extra `dask` has the same range).
DASK_RANGE = ">=2024.1,<2027"

_SCHEMES = ("tcp", "tls", "inproc", "ucx", "ws", "wss")
_ADDRESS = re.compile(r"^(?:(?P<scheme>[a-z]+)://)?(?P<host>[A-Za-z0-9_.\-]+|\[[0-9A-Fa-f:.]+\]):(?P<port>\d{1,5})$")


class Scheduler(NamedTuple):
    """Where the work goes: a local cluster of `workers` processes, or a scheduler at `address`."""
    workers: Optional[int] = None
    address: Optional[str] = None

    def __str__(self) -> str:
        return f"local:{self.workers}" if self.workers is not None else str(self.address)


def parse_scheduler(text: str) -> Scheduler:
    """`local:N` or a scheduler address; a ValueError with the reason otherwise."""
    text = text.strip()
    if text.startswith("local:") or text == "local":
        count = text[len("local:"):]
        if not count.isdigit() or not 1 <= int(count) <= MAX_LOCAL_WORKERS:
            raise ValueError(f"local:N needs a number of workers from 1 to {MAX_LOCAL_WORKERS}, as in local:4")
        return Scheduler(workers=int(count))
    match = _ADDRESS.match(text)
    if not match or (match["scheme"] and match["scheme"] not in _SCHEMES) or not 0 < int(match["port"]) < 65536:
        raise ValueError("expected local:N or a scheduler address such as tcp://host:8786")
    return Scheduler(address=text if match["scheme"] else f"tcp://{text}")


def scheduler_option_value(ctx: click.Context, param: click.Parameter, value: Optional[str]) -> Optional[Scheduler]:
    if value is None:
        return None
    try:
        return parse_scheduler(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r}: {exc}.", ctx, param) from None


scheduler_option = click.option(
    "--scheduler", metavar="ADDRESS", callback=scheduler_option_value,
    help="Run on a Dask cluster: a scheduler's address (tcp://host:8786) or local:N for a local cluster of "
         "N worker processes. Needs the extra: pip install 'autodiff[dask]' (docs/scale.md).")


class ClusterUnavailable(click.UsageError):
    """Dask is not installed, or the scheduler cannot be reached: a usage error (exit 2)."""


def distributed_module() -> Any:
    """The module distributed, or a usage error saying how to install it (the [dask] extra)."""
    try:
        import distributed
    except ImportError:
        raise ClusterUnavailable(
            "--scheduler needs Dask, which is not installed; install the extra with "
            f"pip install 'autodiff[dask]' (dask[distributed]{DASK_RANGE})") from None
    return distributed


@contextmanager
def _interrupt_held() -> Iterator[None]:
    """SIGINT held back in this thread while a local cluster starts, and so in the thread that
    runs its event loop, which starts now and inherits the mask: the worker processes that thread
    starts, now and whenever one is restarted, inherit it in turn. Ctrl-C at a terminal goes to
    the whole process group; held, it reaches only this process, which cancels the work and shuts
    the cluster down, instead of each worker printing a KeyboardInterrupt traceback of its own.

    multiprocessing's resource tracker is started first: starting it unblocks SIGINT in the thread
    that starts it (resource_tracker.ensure_running), which would undo the mask in the middle."""
    import signal
    from multiprocessing import resource_tracker
    resource_tracker.ensure_running()
    try:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    except (AttributeError, ValueError, OSError):       # no pthread_sigmask: workers get Ctrl-C too
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@contextmanager
def dask_client(scheduler: Scheduler) -> Iterator[Any]:
    """A distributed.Client for `scheduler`, closed (and a local cluster shut down) on the way out,
    whatever ends the block: an interrupt cancels what the block submitted before it propagates."""
    distributed = distributed_module()
    cluster = None
    try:
        if scheduler.workers is not None:
            # Processes, one thread each: the interpreter holds the GIL, so threads would share one
            # core. No dashboard: it would need bokeh, and nobody looks at it here. The scheduler's
            # small HTTP server (health, metrics) starts whatever dashboard_address says (None means
            # port 8787, and a warning on stderr when that is taken): a free port of this machine only.
            with _interrupt_held():
                cluster = distributed.LocalCluster(
                    n_workers=scheduler.workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                    dashboard_address="127.0.0.1:0", scheduler_kwargs={"dashboard": False}, silence_logs=50)
            client = distributed.Client(cluster, set_as_default=False)
        else:
            security = distributed.Security()       # from Dask's configuration, as any client's
            if scheduler.address.startswith("tls://") and security.get_connection_args("client").get(
                    "ssl_context") is None:
                raise ClusterUnavailable(
                    f"--scheduler {scheduler}: a tls:// address needs Dask's TLS settings: a CA file and the "
                    "client's certificate (distributed.comm.tls.ca-file and distributed.comm.tls.client.cert, "
                    "or DASK_DISTRIBUTED__COMM__TLS__CA_FILE and ..._CLIENT__CERT); see docs/scale.md, Security")
            client = distributed.Client(scheduler.address, timeout=CONNECT_SECONDS, security=security,
                                        set_as_default=False)
    except (OSError, TimeoutError) as exc:
        if cluster is not None:
            cluster.close()
        raise ClusterUnavailable(f"--scheduler {scheduler}: cannot reach the scheduler ({exc})") from None
    except RuntimeError as exc:     # a local worker process that could not start (no memory, no processes)
        if cluster is not None:
            cluster.close()
        raise ClusterUnavailable(f"--scheduler {scheduler}: cannot start the local cluster ({exc})") from None
    except BaseException:       # Ctrl-C while the cluster starts: its workers stop with it
        if cluster is not None:
            cluster.close()
        raise
    try:
        yield client
    finally:
        try:
            client.close()
        finally:
            if cluster is not None:
                cluster.close()
