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


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise ClusterUnavailable(
            "--scheduler needs Dask, which is not installed; install the extra with "
            f"pip install 'autodiff[dask]' (dask[distributed]{DASK_RANGE})") from None
    return distributed


@contextmanager
def dask_client(scheduler: Scheduler) -> Iterator[Any]:
    """A distributed.Client for `scheduler`, closed (and a local cluster shut down) on the way out,
    whatever ends the block: an interrupt cancels what the block submitted before it propagates."""
    distributed = _distributed()
    cluster = None
    try:
        if scheduler.workers is not None:
            # Processes, one thread each: the interpreter holds the GIL, so threads would share one
            # core. The scheduler's HTTP server (its health routes; the dashboard would need bokeh)
            # always starts: on a free port, for 8787 may be taken (another run), and taking
            # another one then is a warning on stderr, which must hold only our reports.
            cluster = distributed.LocalCluster(n_workers=scheduler.workers, threads_per_worker=1, processes=True,
                                               dashboard_address=":0", silence_logs=50)
            client = distributed.Client(cluster, set_as_default=False)
        else:
            client = distributed.Client(scheduler.address, timeout=CONNECT_SECONDS, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        if cluster is not None:
            cluster.close()
        raise ClusterUnavailable(f"--scheduler {scheduler}: cannot reach the scheduler ({exc})") from None
    try:
        yield client
    finally:
        try:
            client.close()
        finally:
            if cluster is not None:
                cluster.close()
