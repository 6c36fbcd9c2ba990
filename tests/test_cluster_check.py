"""`autodiff check --scheduler`: the same results as one machine, from a Dask cluster (cli/cluster/check.py).

One LocalCluster of two worker processes serves the module: the library is called with its
client, and the command line reaches it by its address (tcp://127.0.0.1:PORT), so only one test
pays for starting a cluster of its own (`local:2`, end to end). The scheduler allows a task one
worker death (distributed.scheduler.allowed-failures = 1): a killed worker's files are run again,
and a file that kills two workers is reported as crashed.
"""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("distributed")

import cloudpickle  # noqa: E402
import dask  # noqa: E402

from autodiff.cli import check as check_cli  # noqa: E402
from autodiff.cli.cluster import connect as cluster  # noqa: E402
from autodiff.cli.cluster.check import check_on_cluster  # noqa: E402
from autodiff.diffcore.checks.results import CheckOptions  # noqa: E402
from autodiff.diffcore.checks.runner import check_path, collect, run_checks  # noqa: E402
from autodiff.diffcore.engine.context import Limits  # noqa: E402
from helpers import run_main  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
# Passing, failing and erroring files, gradcheck among them (most of tests/cases gradcheck themselves).
FIXTURES = ["tests/cases_failing", "tests/cases/seed_graph.expr", "tests/cases/abs_sign.expr",
            "tests/cases/broadcast_outer_shapes.expr", "samples/seed_control_flow.expr"]
FAST = ("--max-steps", "100000")        # tests/cases_failing/infinite_loop.expr stops at once
TIMES = [(re.compile(r'(time|timestamp)="[^"]*"'), r'\1="T"'),                        # JUnit
         (re.compile(r'"seconds": [0-9.e-]+'), '"seconds": T'),                         # JSON lines
         (re.compile(r"^(PASS|FAIL|ERROR) (\S+) \(\d+\.\d\ds\)$", re.M), r"\1 \2 (T)"),  # console
         (re.compile(r" in \d+\.\d\ds$", re.M), " in T")]


def untimed(text: str) -> str:
    """The text with the times of the run and of each file masked: all that differs between two runs."""
    for pattern, replacement in TIMES:
        text = pattern.sub(replacement, text)
    return text


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    monkeypatch.delenv("AUTODIFF_DEBUG", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")


@pytest.fixture(scope="module")
def client():
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        with cluster.dask_client(cluster.Scheduler(workers=2)) as opened:
            yield opened


@pytest.fixture(scope="module")
def address(client):
    return client.scheduler.address


def check(*args: str) -> tuple[int, str, str]:
    """`autodiff check ARGS` in this process: (exit code, stdout, stderr), never a traceback."""
    return run_main(["check", *args])


# --------------------------------------------------------- the same as one machine

@pytest.mark.parametrize("report", [(), ("--json-lines",), ("--gradcheck", "-q"), ("--json", "-x")])
def test_console_junit_and_json_lines_are_those_of_one_machine(monkeypatch, tmp_path, address, report):
    monkeypatch.chdir(REPO)
    one = check(*FIXTURES, *FAST, *report, "--junit", str(tmp_path / "one.xml"))
    many = check(*FIXTURES, *FAST, *report, "--junit", str(tmp_path / "many.xml"), "--scheduler", address)
    assert one[0] == many[0] == 1
    assert untimed(many[1]) == untimed(one[1])
    assert untimed(many[2]) == untimed(one[2])
    junit = [untimed((tmp_path / name).read_text(encoding="utf-8")) for name in ("one.xml", "many.xml")]
    assert junit[1] == junit[0]
    assert len(collect(FIXTURES)[0]) == 13
    assert junit[0].count("<testcase ") == (1 if "-x" in report else 13)
    if "-x" in report:          # stopped at the first file in order, the others cancelled
        assert json.loads(many[1])["not_checked"] == 12
    if report == ("--json-lines",):
        statuses = [json.loads(line)["status"] for line in many[1].splitlines()]
        assert statuses.count("pass") == 4 and statuses.count("fail") == 5 and statuses.count("error") == 4


def test_results_come_in_file_order_with_the_reading_errors_of_one_machine(client, tmp_path):
    (tmp_path / "latin1.expr").write_bytes(b"# caf\xe9\ny = 1\n")       # decoded on the worker
    (tmp_path / "print.expr").write_text("print(2)\nassert 1 == 2\n")
    slow = tmp_path / "a_slow.expr"                                    # first, and last to finish
    slow.write_text("s = 0.0\ni = 0\nwhile i < 20000:\n    s = s + 1\n    i = i + 1\ny = s\n")
    files = [str(slow), str(tmp_path / "latin1.expr"), str(tmp_path / "gone.expr"), str(tmp_path / "print.expr"),
             str(REPO / "tests/cases/seed_graph.expr")]
    options = CheckOptions(gradcheck=True, limits=Limits(timeout=5.0))
    here = list(run_checks(files, options))
    there = list(check_on_cluster(client, files, options))
    assert [r.path for r in there] == files
    assert [r.status for r in there] == ["pass", "error", "error", "fail", "pass"]
    assert "not UTF-8" in there[1].problem.message and "cannot read" in there[2].problem.message
    assert there[3].printed == ["2.0"]
    for a, b in zip(here, there):
        assert untimed(json.dumps(check_cli.record(b))) == untimed(json.dumps(check_cli.record(a)))


# ------------------------------------------------------------------------ faults

def crash_on(path: str, options: CheckOptions, data: bytes):
    """A task that kills its worker on crash.expr, like a segmentation fault would."""
    if path.endswith("crash.expr"):
        os._exit(1)
    return check_path(path, options, data)


@pytest.fixture
def by_value():
    # The workers cannot import this test module: crash_on travels by value.
    module = sys.modules[__name__]
    cloudpickle.register_pickle_by_value(module)
    yield
    cloudpickle.unregister_pickle_by_value(module)


def test_a_worker_killed_mid_run_loses_nothing(client, tmp_path):
    body = "input x = 1.0\ns = 0.0\ni = 0\nwhile i < 15000:\n    s = s + x\n    i = i + 1\ny = s\nassert y == 15000\n"
    files = []
    for i in range(12):
        (tmp_path / f"f{i:02}.expr").write_text(body)
        files.append(str(tmp_path / f"f{i:02}.expr"))
    before = client.run(os.getpid)
    results = check_on_cluster(client, files, CheckOptions())
    got = [next(results)]
    address, victim = sorted(before.items())[0]
    assert client.processing()[address]           # the worker has files of its own when it dies
    os.kill(victim, signal.SIGKILL)
    got += list(results)
    assert [r.path for r in got] == files
    assert [r.status for r in got] == ["pass"] * 12
    assert victim not in client.run(os.getpid).values()


def test_a_file_that_kills_every_worker_is_reported_as_crashed(client, tmp_path, by_value):
    (tmp_path / "crash.expr").write_text("y = 1\n")
    [result] = check_on_cluster(client, [str(tmp_path / "crash.expr")], CheckOptions(), task=crash_on)
    assert result.status == "error"
    assert result.problem.message.startswith("internal error: the worker process checking this file crashed")
    assert "allowed-failures" in result.problem.hint


# -------------------------------------------------------- the command line

def test_end_to_end_on_a_local_cluster_of_its_own(monkeypatch, tmp_path):
    monkeypatch.chdir(REPO)
    one = check(*FIXTURES, *FAST, "--json-lines", "--junit", str(tmp_path / "one.xml"))
    env = {k: v for k, v in os.environ.items() if k not in ("AUTODIFF_DEBUG", "FORCE_COLOR")}
    many = subprocess.run([sys.executable, "-m", "autodiff.cli", "check", *FIXTURES, *FAST, "--json-lines", "--junit",
                           str(tmp_path / "many.xml"), "--scheduler", "local:2"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert many.returncode == one[0] == 1
    assert many.stderr.startswith("4 passed, 5 failed, 4 errors in "), many.stderr
    assert untimed(many.stdout) == untimed(one[1]) and untimed(many.stderr) == untimed(one[2])
    assert untimed((tmp_path / "many.xml").read_text()) == untimed((tmp_path / "one.xml").read_text())


def test_an_unreachable_scheduler_is_a_usage_error(monkeypatch):
    import socket
    with socket.socket() as sock:               # a port nobody listens on: bound, then closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setattr(cluster, "CONNECT_SECONDS", 0.2)
    monkeypatch.chdir(REPO)
    started = time.perf_counter()
    code, out, err = check("tests/cases/seed_graph.expr", "--scheduler", f"127.0.0.1:{port}")
    assert code == 2 and out == ""
    assert f"--scheduler tcp://127.0.0.1:{port}: cannot reach the scheduler" in err
    assert time.perf_counter() - started < 5


def test_a_tls_address_without_tls_settings_is_a_usage_error(monkeypatch):
    monkeypatch.chdir(REPO)
    with dask.config.set({"distributed.comm.tls.ca-file": None, "distributed.comm.tls.client.cert": None}):
        code, out, err = check("tests/cases/seed_graph.expr", "--scheduler", "tls://127.0.0.1:1")
    assert code == 2 and out == ""
    assert "a tls:// address needs Dask's TLS settings" in err and "DASK_DISTRIBUTED__COMM__TLS__CA_FILE" in err


@pytest.mark.parametrize("args, message", [
    (("--jobs", "2", "--scheduler", "local:2"), "give --jobs (processes of this machine) or --scheduler"),
    (("--jobs", "1", "--scheduler", "local:2"), "not both"),
    (("--scheduler", "local:0"), "local:N needs a number of workers"),
    (("--scheduler", "ftp://h:1"), "expected local:N or a scheduler address"),
])
def test_usage_errors(monkeypatch, args, message):
    monkeypatch.chdir(REPO)
    code, out, err = check("tests/cases/seed_graph.expr", *args)
    assert code == 2 and out == "" and message in err
