"""`--points --scheduler`: partitions computed by a Dask LocalCluster give one machine's output, byte for byte.

One LocalCluster of two workers serves the module (started once: a few seconds); the runs go
through the command group in this process, whose client connects to that cluster's address,
so only the usage errors and a SIGTERM run start interpreters of their own.
"""
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from click.testing import CliRunner

from autodiff.cli.main import cli
from cli.points.partitions import points_files, scan_partition

distributed = pytest.importorskip("distributed")

PROGRAM = os.path.join(os.path.dirname(__file__), "..", "samples", "seed_control_flow.expr")
SMALL = "100"           # partitions of about 100 bytes: several per file


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                                  silence_logs=50) as made:
        yield made


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """Three CSV files of the seed program's input `a`: a bad line in the second, a blank line and
    a header after a blank line in the third; and a JSON Lines file."""
    root = tmp_path_factory.mktemp("points")
    values = [round((k * 0.37) % 4 - 2, 6) or 0.5 for k in range(1, 301)]
    (root / "p-1.csv").write_text("a\n" + "".join(f"{v}\n" for v in values[:100]))
    (root / "p-2.csv").write_text("a\n" + "".join(f"{v}\n" if k != 40 else "oops\n" for k, v in enumerate(values[100:200])))
    (root / "p-3.csv").write_text("\na\n" + "".join(f"{v}\n" if k != 10 else "\n" for k, v in enumerate(values[200:])))
    (root / "p.jsonl").write_text("".join(f'{{"a": {v}}}\n' for v in values) + '{"a": "x"}\n')
    return root


def run(args, stdin=None):
    result = CliRunner().invoke(cli, args, input=stdin)
    return result.exit_code, result.stdout, result.stderr


def both(args, cluster, extra=()):
    """(one machine's run, the cluster's run) of the same command line."""
    return run(args), run(args + ["--scheduler", cluster.scheduler_address, "--partition-size", SMALL, *extra])


@pytest.mark.parametrize("options", [
    ["--json-lines"], ["--csv"], ["--on-error", "skip"], ["--csv", "--on-error", "skip"]])
def test_a_glob_of_files_gives_one_machines_output_byte_for_byte(cluster, data, options):
    args = ["grad", PROGRAM, "--points", str(data / "p-*.csv"), *options]
    local, remote = both(args, cluster)
    assert local == remote
    code, out, err = local
    assert code == 1
    assert f"{data / 'p-2.csv'}:42: input error" in err           # its line in its own file
    if "--csv" in options:
        assert out.startswith("file,a,d,dd/da\n") and out.count("file,") == 1
    else:
        assert out.startswith('{"file": ')
    if "skip" in options:
        assert out.count("\n") == 298 + 1       # a blank line; and the CSV header, or the bad line's error line
    else:
        assert "stopped at line 42" in err and out.count("\n") == 100 + 40 + 1


def test_one_file_is_written_as_today_and_the_gradients_are_right(cluster, data):
    args = ["grad", PROGRAM, "--points", str(data / "p.jsonl"), "--on-error", "skip"]
    local, remote = both(args, cluster)
    assert local == remote and local[0] == 1
    import json
    lines = [json.loads(line) for line in local[1].splitlines()]
    assert lines[0]["line"] == 1 and "file" not in lines[0]
    for doc in lines[:-1]:          # the seed program: d = a * 2^k (or 100 times that), dd/da = d / a
        assert doc["gradient"]["a"] == pytest.approx(doc["output"] / doc["inputs"]["a"], rel=1e-12)
    assert lines[-1]["line"] == 301 and lines[-1]["error"]["kind"] == "input error"
    assert local[2].startswith(f"{data / 'p.jsonl'}:301: input error: ")


def test_output_dir_concatenates_to_standard_output(cluster, data, tmp_path):
    for options, ext in ((["--csv", "--on-error", "skip"], "csv"), (["--on-error", "stop"], "jsonl")):
        out_dir = tmp_path / ext
        args = ["grad", PROGRAM, "--points", str(data / "p-*.csv"), *options]
        local, remote = both(args, cluster, ["-o", str(out_dir)])
        assert remote[0] == local[0] == 1 and remote[1] == "" and remote[2] == local[2]
        names = sorted(os.listdir(out_dir))
        assert all(n.startswith("part-") and n.endswith(ext) for n in names) and len(names) > 3
        assert "".join((out_dir / n).read_text() for n in names) == local[1]


def test_scan_counts_lines_and_finds_long_lines_and_open_quotes(tmp_path, monkeypatch):
    monkeypatch.setattr("cli.points.partitions.MAX_LINE_BYTES", 8)
    monkeypatch.setattr("cli.points.partitions.SCAN_BYTES", 4)      # lines and quotes across chunks
    path = tmp_path / "p.csv"
    path.write_bytes(b'a\n1\n"2\n3"\n123456789\n4')
    whole = scan_partition(str(path), 0, path.stat().st_size, True)
    assert whole == (0, path.stat().st_size, 5, 4, 2)
    tail = scan_partition(str(path), 3, path.stat().st_size, True)      # from the line after byte 2
    assert tail == (4, path.stat().st_size, 3, 2, 0)


def test_a_quoted_cell_across_lines_is_refused(cluster, tmp_path):
    path = tmp_path / "q.csv"
    path.write_text('v\n"[1,\n2]"\n')
    code, out, err = run(["grad", "-e", "sum(v)", "--points", str(path), "--scheduler", cluster.scheduler_address])
    assert code == 2 and f"{path}:2: a quoted CSV cell goes on past the end of its line" in err


def test_a_killed_worker_loses_nothing(cluster, data, tmp_path):
    """A worker process killed while partitions are computed: Dask computes its tasks again."""
    big = tmp_path / "big.csv"
    big.write_text("a\n" + "".join(f"{(k % 97) / 10 - 4.8 or 0.5}\n" for k in range(10000)))
    args = ["grad", PROGRAM, "--points", str(big)]
    local = run(args)
    client = distributed.Client(cluster.scheduler_address, set_as_default=False)
    try:
        pids = list(client.run(os.getpid).values())
        killed = []

        def kill_one():
            # Once the first partitions are under way: the run's tasks reach the workers.
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                if any(client.processing().values()):
                    os.kill(pids[0], signal.SIGKILL)
                    killed.append(pids[0])
                    return
                time.sleep(0.01)
        killer = threading.Thread(target=kill_one)
        killer.start()
        remote = run(args + ["--scheduler", cluster.scheduler_address, "--partition-size", "4K"])
        killer.join()
        assert killed, "the run ended before a worker could be killed"
        assert remote == local and local[0] == 0
        cluster.scale(2)
        client.wait_for_workers(2, timeout=30)
    finally:
        client.close()


def test_usage_errors(tmp_path):
    points = tmp_path / "p.csv"
    points.write_text("x\n1\n")
    many = tmp_path / "many.csv"
    many.write_text("x\n" + "1\n" * 100_000)
    cases = [
        (["grad", "-e", "x^2", "--scheduler", "local:1"], "--scheduler needs --points"),
        (["grad", "-e", "x^2", "--points", "-", "--scheduler", "local:1"], "not standard input"),
        (["grad", "-e", "x^2", "--points", str(points), "-o", str(tmp_path / "o")], "-o/--output-dir needs --scheduler"),
        (["eval", "-e", "x^2", "--points", str(tmp_path / "none-*.csv")], "no file matches"),
        (["jvp", "-e", "x^2", "--direction", "x=1", "--points", str(tmp_path / "none-*.csv"), "--scheduler",
          "local:1"], "no file matches"),
        (["hessian", "-e", "x^2", "--points", str(points), "--scheduler", "nowhere"], "expected local:N"),
        (["grad", "-e", "x^2", "--points", str(points), "--scheduler", "local:1", "--jobs", "1"], "not both"),
        (["grad", "-e", "x^2", "--points", str(many), "--scheduler", "local:1", "--partition-size", "1"],
         "200,002 partitions; at most 100,000: give at least 3 bytes"),
    ]
    for args, message in cases:
        code, out, err = run(args)
        assert code == 2 and message in err, (args, err)
    assert points_files(str(points)) == [str(points)]


@pytest.mark.slow          # a cluster of its own: ~8 s
def test_sigterm_cancels_and_exits_143(tmp_path):
    """SIGTERM during a run on local:1: exit 143, and the local cluster's worker is gone."""
    big = tmp_path / "big.csv"
    big.write_text("a\n" + "".join(f"{(k % 97) / 10 - 4.8 or 0.5}\n" for k in range(100000)))
    process = subprocess.Popen([sys.executable, "-m", "autodiff.cli", "grad", PROGRAM, "--points", str(big),
                                "--scheduler", "local:1", "--partition-size", "64K", "--points-engine", "per-point"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        first = process.stdout.readline()       # results are coming: the cluster is up and computing
        assert first.startswith(b'{"line": 2')
        workers = _session_workers(process.pid)
        process.send_signal(signal.SIGTERM)
        process.stdout.read()
        assert process.wait(timeout=30) == 143
        assert b"autodiff: terminated" in process.stderr.read()
        assert workers and _session_workers(process.pid) == []
    finally:
        if process.poll() is None:
            process.kill()


def _session_workers(session: int) -> list:
    """The live worker processes of a local cluster started by the command of `session`."""
    listed = subprocess.run(["ps", "-ww", "-o", "pid=,stat=,args=", "-s", str(session)], capture_output=True, text=True)
    return [line.split()[0] for line in listed.stdout.splitlines()
            if "spawn_main" in line and line.split()[1][0] != "Z"]


def test_points_whose_columns_change_fail_as_on_one_machine(cluster, tmp_path):
    """CSV: a partition whose first result has other columns than the run's is computed again
    knowing the run's columns, so that its points fail (or not) as one machine's do."""
    path = tmp_path / "v.csv"
    # 18 array lines (160 bytes) hold the start of a partition of 100 bytes, whose first point is an array.
    path.write_text("v\n" + "".join("oops\n" if k < 12 else '"[1, 2]"\n' if 30 <= k < 48 else f"{k}\n"
                                    for k in range(60)))
    args = ["grad", "-e", "sum(v * v)", "--points", str(path), "--csv", "--on-error", "skip"]
    local, remote = both(args, cluster)
    assert local == remote and local[0] == 1
    assert local[1].startswith("v,f,df/dv\n12.0,144.0,24.0\n")
    assert "other shapes than the first point's" in local[2]
