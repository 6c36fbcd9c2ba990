"""Limits that always hold, on the command line's side (issue 12).

Each test is one way a hostile file or command line once hung a command, ate the memory, left
processes behind or crashed with exit 3. Whatever could hang if the bug came back runs in a
subprocess with a timeout (and, where memory was the problem, an address-space limit), so that a
regression fails the test instead of stalling the suite; everything else runs in-process.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers import autodiff_command, child_pids, run_main

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
LINUX = sys.platform.startswith("linux")


def autodiff(args: list, timeout: float = 60, memory: int | None = None, **kwargs) -> subprocess.CompletedProcess:
    """The real command in a subprocess; `memory` caps its address space (bytes), so that an
    unbounded read fails fast instead of filling the machine."""
    def limit():
        if memory is not None:
            import resource
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    kwargs.setdefault("stdin", subprocess.DEVNULL)
    kwargs.setdefault("capture_output", True)
    proc = subprocess.run(autodiff_command() + args, timeout=timeout, preexec_fn=limit, env=_env(), **kwargs)
    if kwargs.get("capture_output"):
        shown = proc.stdout + proc.stderr
        assert ("Traceback" if isinstance(shown, str) else b"Traceback") not in shown, proc.stderr
    return proc


def _env() -> dict:
    return {k: v for k, v in os.environ.items() if k not in ("AUTODIFF_DEBUG", "PYTHONUNBUFFERED")}


# ------------------------------------------------- option ranges (items 6 and 17)

@pytest.mark.parametrize("args, message", [
    (["eval", "-e", "x", "--at", "x=1", "--timeout", "nan"], "'nan' is not a finite number"),
    (["eval", "-e", "x", "--at", "x=1", "--timeout", "inf"], "'inf' is not a finite number"),
    (["eval", "-e", "x", "--at", "x=1", "--timeout=-1"], "-1.0 is not in the range x>=0"),
    (["plot", "-e", "x", "--timeout", "NaN"], "'NaN' is not a finite number"),
    (["check", str(SAMPLES / "seed_graph.expr"), "--rtol", "nan"], "'nan' is not a finite number"),
    (["check", str(SAMPLES / "seed_graph.expr"), "--atol", "inf"], "'inf' is not a finite number"),
    (["grad", "-e", "x", "--at", "x=0.5", "--order", "99999999999999999999"], "not in the range 1<=x<=170"),
    (["grad", "-e", "x", "--at", "x=0.5", "--order", "171"], "not in the range 1<=x<=170"),
    (["eval", "-e", "x", "--at", "x=1", "--max-memory", "9" * 400], "at most 1024T"),
    (["eval", "-e", "x", "--at", "x=1", "--max-memory", "9" * 5000 + "G"], "at most 1024T"),
    (["eval", "-e", "x", "--at", "x=1", "--max-memory", "0"], "more than 0"),
    (["eval", "-e", "x", "--at", "x=1", "--max-steps", "99999999999999999999"], "1<=x<=1000000000000000"),
    (["eval", "-e", "x", "--at", "x=1", "--max-elements", str(10**16)], "1<=x<=1000000000000000"),
    (["trace", "-e", "x", "--at", "x=1", "--from", str(10**20)], "0<=x<=1000000000000000"),
    (["graph", "-e", "x", "--at", "x=1", "--max-nodes", str(10**20)], "1<=x<=1000000000000000"),
    (["plot", "-e", "x", "--range=-1e308:1e308"], "too wide"),
])
def test_an_absurd_option_value_is_a_usage_error(args, message):
    code, out, err = run_main(args)
    assert code == 2, err
    assert message in err and out == ""


def test_timeout_zero_means_no_limit_and_large_limits_are_accepted():
    code, out, err = run_main(["eval", "-e", "x + 1", "--at", "x=2", "--timeout", "0", "--max-memory", "1024T",
                               "--max-steps", str(10**15)])
    assert (code, out) == (0, "f = 3.0\n"), err


def test_max_memory_sizes_are_exact_integers():
    from autodiff.cli.inputs import memory_size
    assert memory_size("4G") == 4 * 2**30
    assert memory_size("1.5GiB") == 3 * 2**29
    assert memory_size("0.1K") == 102                  # rounded down, not through a float
    assert memory_size("9" * 400) > 1024**5              # out of range, without overflowing


def test_a_range_just_inside_float64_still_plots():
    code, out, err = run_main(["plot", "-e", "x", "--range=-8e307:8e307", "--samples", "3", "--order", "0",
                               "--json"])
    assert code == 0, err
    assert json.loads(out)["x"] == [-8e307, 0.0, 8e307]


# ------------------------------------------------- plot: one deadline for the whole plot (item 5)

def test_plot_timeout_is_shared_by_all_samples(monkeypatch):
    """Each sample gets what is left of --timeout; the plot stops when it is used up, with the
    plot's own limit in the message (not the remainder a run was given)."""
    from autodiff.diffcore.views import recorder as inspection
    from autodiff.diffcore.engine.errors import LimitExceeded
    from autodiff.diffcore.program import Program
    from autodiff.diffcore.interpreter.runtime import Limits

    class Clock:                # a second passes at every look at the clock
        now = 0.0

        @classmethod
        def monotonic(cls) -> float:
            cls.now += 1.0
            return cls.now

    runs = []
    program = Program.from_text("input x = 1\ny = x^2")
    real_run = program.run
    monkeypatch.setattr(program, "run", lambda *a, **k: runs.append(a[1]) or real_run(*a, **k))
    from autodiff.diffcore.engine import context
    monkeypatch.setattr(context.SharedDeadline, "clock", Clock.monotonic)
    with pytest.raises(LimitExceeded) as caught:
        inspection.sample_derivatives(program, {}, "x", 0.0, 1.0, 60, 1, limits=Limits(timeout=10))
    assert caught.value.message == "the plot took longer than 10 s"
    assert caught.value.limit == "timeout"
    assert 5 <= len(runs) <= 10                        # not 60 runs of 10 s each
    assert [limits.timeout for limits in runs] == sorted((limits.timeout for limits in runs), reverse=True)
    assert all(0 < limits.timeout < 10 for limits in runs)


def test_plot_without_timeout_gives_every_run_the_same_limits():
    from autodiff.diffcore.views import recorder as inspection
    from autodiff.diffcore.program import Program
    from autodiff.diffcore.interpreter.runtime import Limits
    samples = inspection.sample_derivatives(Program.from_text("input x = 1\ny = x^3"), {}, "x", 0.0, 2.0, 3, 1,
                                            limits=Limits(timeout=0))
    assert samples.values.tolist() == [[0.0, 1.0, 8.0], [0.0, 3.0, 12.0]]


# ------------------------------------------------- check: regular files only (items 7 and 12)

def _special_files(directory: Path) -> None:
    (directory / "good.expr").write_text("assert 1 + 1 == 2\n")
    os.mkfifo(directory / "fifo.expr")
    os.symlink("/dev/zero", directory / "zero.expr")
    os.symlink(directory / "nowhere", directory / "broken.expr")


@pytest.mark.skipif(not LINUX, reason="named pipes and /dev/zero")
def test_collect_skips_what_is_not_a_regular_file_and_says_why(tmp_path):
    from autodiff.diffcore.checks import runner as checking
    _special_files(tmp_path)
    files, empty, skipped = checking.collect([str(tmp_path), str(tmp_path / "fifo.expr")])
    assert files == [str(tmp_path / "good.expr")] and empty == []
    assert sorted((Path(p).name, why) for p, why in skipped) == [
        ("broken.expr", "cannot read it (No such file or directory)"),
        ("fifo.expr", "not a regular file (a named pipe)"),
        ("fifo.expr", "not a regular file (a named pipe)"),
        ("zero.expr", "not a regular file (a character device)")]


@pytest.mark.skipif(not LINUX, reason="named pipes and /dev/zero")
def test_check_of_a_directory_with_a_fifo_and_a_link_to_dev_zero_ends(tmp_path):
    _special_files(tmp_path)
    proc = autodiff(["check", str(tmp_path), "--timeout", "5"], timeout=60, memory=1 << 30, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"PASS {tmp_path / 'good.expr'} ")
    assert f"skipped {tmp_path / 'fifo.expr'}: not a regular file (a named pipe)" in proc.stderr
    assert f"skipped {tmp_path / 'zero.expr'}: not a regular file (a character device)" in proc.stderr


@pytest.mark.skipif(not LINUX, reason="named pipes")
def test_a_fifo_that_takes_a_collected_files_place_is_an_error_not_a_hang(tmp_path):
    """Between collect() and the check, a file may become a pipe: the check opens without blocking."""
    import threading
    from autodiff.diffcore.checks import runner as checking
    fifo = tmp_path / "late.expr"
    os.mkfifo(fifo)

    def unblock() -> None:          # were the check blocked opening the pipe, a writer lets it go on
        try:
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:
            pass
    rescue = threading.Timer(5.0, unblock)
    rescue.start()
    try:
        result = checking.check_path(str(fifo), checking.CheckOptions())
    finally:
        rescue.cancel()
    assert result.status == checking.ERROR
    assert result.problem.message == f"cannot read {tmp_path / 'late.expr'}: not a regular file (a named pipe)"


# ------------------------------------------------- bounded reads (item 12)

class CountingStream(io.RawIOBase):
    """An endless stream of one byte that counts what is read from it."""

    def __init__(self, byte: bytes = b"x"):
        self.byte, self.read_bytes = byte, 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        assert size >= 0, "an unbounded read"
        self.read_bytes += size
        return self.byte * size


def test_a_program_is_read_no_further_than_its_size_limit_allows():
    from autodiff.grammar.parser import MAX_SOURCE_CHARS
    from autodiff.grammar.source import ProgramSyntaxError, read_program_bytes
    stream = CountingStream()
    with pytest.raises(ProgramSyntaxError) as caught:
        read_program_bytes(stream)
    assert stream.read_bytes <= 4 * MAX_SOURCE_CHARS + 4           # the widest UTF-8, and a BOM
    assert caught.value.message == ("program too large (more than 4,000,003 bytes; a program has at most "
                                    "1,000,000 characters)")
    # Every program the parser accepts is read whole: 10^6 characters of 4 bytes, and a BOM.
    text = "\ufeff" + "\U0001F600" * MAX_SOURCE_CHARS
    assert read_program_bytes(io.BytesIO(text.encode("utf-8"))) == text.encode("utf-8")


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
@pytest.mark.parametrize("args, stdin, code, message", [
    (["eval", "/dev/zero"], None, 1, "/dev/zero: syntax error: program too large (more than 4,000,003 bytes"),
    (["grad", "-"], "/dev/zero", 1, "<stdin>: syntax error: program too large (more than 4,000,003 bytes"),
    (["eval", "-e", "x", "--points", "/dev/zero"], None, 2,
     "cannot read the header (line 1): the line is longer than 10,000,000 bytes"),
    (["eval", "-e", "x", "--points", "/dev/zero", "--points-format", "jsonl", "--on-error", "skip"], None, 1,
     "/dev/zero:1: input error: the line is longer than 10,000,000 bytes (the file is read no further)"),
])
def test_endless_input_is_refused_within_bounded_memory(args, stdin, code, message):
    with contextlib.ExitStack() as stack:
        source = stack.enter_context(open(stdin, "rb")) if stdin else subprocess.DEVNULL
        proc = autodiff(args, timeout=60, memory=1 << 30, stdin=source, text=True)
    assert proc.returncode == code, proc.stderr
    assert message in proc.stderr


# ------------------------------------------------- one bad line of points (item 15)

def test_bad_point_lines_are_errors_of_their_own_and_the_rest_is_computed(tmp_path):
    csv_file = tmp_path / "p.csv"
    csv_file.write_text("x\n1\n" + "1" * 400 + "\n" + "[" + "0," * 70_000 + "0]\n" + "[" * 100_000 + "]" * 100_000
                        + "\n2\n1e400\n3\n")
    jsonl_file = tmp_path / "p.jsonl"
    jsonl_file.write_bytes(b'{"x": 1}\n{"x": ' + b"1" * 400 + b'}\n{"x": ' + b"[" * 100_000 + b"]" * 100_000
                           + b'}\n{"x": 2}\n{"x": "\xff"}\n{"x": ' + b"[" * 40 + b"1" + b"]" * 40
                           + b'}\n{"x": 3}\n')
    for path, good, bad in [(csv_file, {2: 1.0, 6: 2.0, 8: 3.0}, [3, 4, 5, 7]),
                            (jsonl_file, {1: 1.0, 4: 2.0, 7: 3.0}, [2, 3, 5, 6])]:
        code, out, err = run_main(["grad", "-e", "x^2", "--points", str(path), "--on-error", "skip"])
        assert code == 1
        results = [json.loads(line) for line in out.splitlines()]
        assert [r["line"] for r in results] == sorted(list(good) + bad)
        assert {r["line"]: r["gradient"]["x"] for r in results if "error" not in r} == {
            line: 2 * x for line, x in good.items()}
        errors = {r["line"]: r["error"]["message"] for r in results if "error" in r}
        assert sorted(errors) == bad
        assert all(f"{path}:{line}: input error: " in err for line in bad)
    messages = list(errors.values())          # the JSON Lines file's
    assert "beyond the range of float64" in messages[0]
    assert messages[1] == "arrays nested too deeply"
    assert messages[2] == "not UTF-8 text (byte 0xff at column 8)"
    assert messages[3] == "input 'x': arrays nested more than 32 levels deep"


def test_a_csv_cell_over_the_csv_limit_is_one_bad_line(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text('x,y\n1,2\n"[' + "1," * 70_000 + '1]",3\n4,5\n')
    code, out, err = run_main(["eval", "-e", "x*y", "--points", str(path), "--on-error", "skip"])
    assert code == 1
    results = [json.loads(line) for line in out.splitlines()]
    assert [r.get("output") for r in results] == [2.0, None, 20.0]
    assert "a cell holds more than 131,072 characters" in results[1]["error"]["message"]


# ------------------------------------------------- --jobs (item 13)

def test_jobs_are_capped_at_the_usable_cores(monkeypatch, capsys):
    from autodiff.cli import workers
    monkeypatch.setattr(workers, "usable_cores", lambda: 2)
    assert workers.worker_count(0) == 2
    assert workers.worker_count(2) == 2
    assert capsys.readouterr().err == ""
    assert workers.worker_count(30) == 2
    assert capsys.readouterr().err == "autodiff: --jobs 30: using 2 worker processes, one per usable core\n"


def test_the_cap_is_said_on_the_command_line(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("x\n1\n2\n")
    code, out, err = run_main(["eval", "-e", "x", "--points", str(path), "--jobs", "100000"])
    assert code == 0 and len(out.splitlines()) == 2
    assert "autodiff: --jobs 100000: using" in err


# ------------------------------------------------- interrupts, SIGTERM, closed pipes (items 8 and 9)

def _running(pid: int) -> bool:
    """Alive, and not a zombie waiting to be reaped."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.fixture(scope="module")
def many_points(tmp_path_factory) -> Path:
    """Enough points to keep two workers busy for many seconds."""
    path = tmp_path_factory.mktemp("points") / "many.csv"
    path.write_text("a\n" + "".join(f"{0.001 + i / 10**6}\n" for i in range(300_000)))
    return path


@contextlib.contextmanager
def _with_workers(args: list, stdout=subprocess.PIPE):
    """The command, once its worker processes are up: (process, worker pids). Whatever the test
    finds, nothing it started is left running afterwards (a regression would otherwise leave
    the orphans this file tests for)."""
    proc = subprocess.Popen(autodiff_command() + args, stdout=stdout, stderr=subprocess.PIPE, env=_env())
    workers: list = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(child_pids(proc.pid)) < 2 and proc.poll() is None:
            time.sleep(0.02)
        workers += child_pids(proc.pid)
        assert len(workers) >= 2, "the workers did not start"
        yield proc, workers
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
        for pid in workers:
            if _running(pid):
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)


def _left_running(workers: list, wait: float = 0.0) -> list:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and any(_running(pid) for pid in workers):
        time.sleep(0.02)
    return [pid for pid in workers if _running(pid)]


needs_proc = pytest.mark.skipif(not os.path.exists(f"/proc/{os.getpid()}/task/{os.getpid()}/children"),
                                reason="this kernel does not list a process's children in /proc")


@needs_proc
@pytest.mark.parametrize("sig, code, said", [(signal.SIGINT, 130, b"autodiff: interrupted"),
                                             (signal.SIGTERM, 143, b"autodiff: terminated")])
def test_a_signal_reaches_the_workers_at_once(many_points, tmp_path, sig, code, said):
    """Points that take 20 ms each: a worker's chunk of 512 takes many seconds, which the command
    must not wait for."""
    program = tmp_path / "slow.expr"
    program.write_text("input a = 1\ns = 0\nfor i in range(20000):\n    s = s + a\n")
    with _with_workers(["grad", str(program), "--points", str(many_points), "--jobs", "2"],
                       stdout=subprocess.DEVNULL) as (proc, workers):
        time.sleep(0.2)
        sent = time.monotonic()
        proc.send_signal(sig)
        assert proc.wait(timeout=60) == code
        assert time.monotonic() - sent < 3, "the workers were left to finish their chunks"
        assert said in proc.stderr.read()
        assert not _left_running(workers)


@needs_proc
def test_an_interrupt_keeps_the_rows_computed_in_order(many_points, tmp_path):
    out = tmp_path / "out.jsonl"
    with open(out, "wb") as sink, _with_workers(["grad", str(SAMPLES / "seed_control_flow.expr"), "--points",
                                                 str(many_points), "--jobs", "2"], stdout=sink) as (proc, _):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and out.stat().st_size == 0:    # a first block written
            time.sleep(0.02)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 130
    lines = [json.loads(line) for line in out.read_text().splitlines()]       # whole lines only
    # in order, none missing (compared as the first gap: a diff of 10^4 numbers takes pytest minutes)
    gap = next((k for k, r in enumerate(lines) if r["line"] != k + 2), None)
    assert lines and gap is None, f"line {lines[gap]['line']} follows line {lines[gap - 1]['line'] if gap else None}"
    # The sample is piecewise linear, d = a * 2^k: its gradient is d / a.
    assert all(r["output"] == pytest.approx(r["gradient"]["a"] * r["inputs"]["a"], rel=1e-15) for r in lines)


@needs_proc
def test_workers_die_with_a_killed_main_process(many_points):
    with _with_workers(["grad", str(SAMPLES / "seed_control_flow.expr"), "--points", str(many_points),
                        "--jobs", "2"], stdout=subprocess.DEVNULL) as (proc, workers):
        proc.kill()
        proc.wait(timeout=30)
        assert not _left_running(workers, wait=5)


@needs_proc
def test_a_closed_pipe_stops_everything_promptly_and_quietly(many_points, tmp_path):
    """`| head -1` over points of a fraction of a millisecond each (a minute of work): the first
    results come out within a block, and the command ends soon after the reader has gone."""
    import select
    program = tmp_path / "slow.expr"
    program.write_text("input a = 1\ns = 0\nfor i in range(100):\n    s = s + a\n")
    with _with_workers(["grad", str(program), "--points", str(many_points), "--jobs", "2"]) as (proc, workers):
        assert select.select([proc.stdout], [], [], 20)[0], "no result in 20 s: the output waits too long"
        first = json.loads(proc.stdout.readline())          # `| head -1`
        assert first["line"] == 2 and first["gradient"]["a"] == 100.0
        proc.stdout.close()
        closed = time.monotonic()
        assert proc.wait(timeout=30) == 0
        assert time.monotonic() - closed < 2.5, "it went on computing for a reader that was gone"
        assert proc.stderr.read() == b""
        assert not _left_running(workers)


@needs_proc
def test_sigterm_stops_check_workers_and_writes_the_junit_of_what_finished(tmp_path):
    (tmp_path / "a_quick.expr").write_text("assert 1 == 1\n")
    for name in ("b_slow.expr", "c_slow.expr", "d_slow.expr"):
        (tmp_path / name).write_text("s = 0\nwhile true:\n    s += 1\n")
    junit = tmp_path / "report.xml"
    with _with_workers(["check", str(tmp_path), "--jobs", "2", "--junit", str(junit), "--max-steps",
                        str(10**15)]) as (proc, workers):
        import select
        assert select.select([proc.stdout], [], [], 30)[0]
        assert proc.stdout.readline().startswith(b"PASS ")       # the quick file is done
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 143
        assert b"autodiff: terminated" in proc.stderr.read()
        assert not _left_running(workers)
    import xml.etree.ElementTree as ET
    suite = ET.parse(junit).getroot().find("testsuite")
    assert [case.get("name") for case in suite.findall("testcase")] == ["a_quick.expr"]


# ------------------------------------------------- output that cannot be written (items 18, 20, 23)

class FullDisk(io.StringIO):
    def write(self, text: str) -> int:
        raise OSError(28, "No space left on device")

    def flush(self) -> None:
        raise OSError(28, "No space left on device")


@pytest.mark.parametrize("args", [["eval", "-e", "x", "--at", "x=1"],
                                  ["grad", "-e", "x^2", "--at", "x=1", "--json"],
                                  ["hessian", "-e", "x^3", "--at", "x=1"], ["eval", "--help"],
                                  ["check", str(SAMPLES / "seed_graph.expr")]])
def test_a_full_disk_is_an_io_error_not_a_bug(args):
    from autodiff.cli.main import main
    err = io.StringIO()
    with contextlib.redirect_stdout(FullDisk()), contextlib.redirect_stderr(err):
        with pytest.raises(SystemExit) as exited:
            main(args)
    assert exited.value.code == 1
    assert err.getvalue().endswith("autodiff: I/O error: cannot write the output: No space left on device\n")
    assert "internal error" not in err.getvalue()


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_dev_full_as_output_or_as_a_report(tmp_path):
    with open("/dev/full", "w") as full:
        proc = autodiff(["grad", "-e", "x^2", "--at", "x=3"], stdout=full, stderr=subprocess.PIPE,
                        capture_output=False)
    assert proc.returncode == 1
    assert proc.stderr == b"autodiff: I/O error: cannot write the output: No space left on device\n"
    proc = autodiff(["check", str(SAMPLES / "seed_graph.expr"), "--junit", "/dev/full"])
    assert proc.returncode == 1
    assert proc.stderr == b"autodiff: I/O error: cannot write /dev/full: No space left on device\n"


def test_a_report_is_replaced_whole_or_not_at_all(tmp_path):
    from autodiff.cli.files import write_atomically
    report = tmp_path / "old.xml"
    report.write_text("the old report")
    os.chmod(report, 0o640)

    def half_then_fail(path: str) -> None:
        Path(path).write_text("half a rep")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_atomically(str(report), half_then_fail, "--junit")
    assert report.read_text() == "the old report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.xml"]          # no temporary file left
    write_atomically(str(report), lambda path: Path(path).write_text("the new report"), "--junit")
    assert report.read_text() == "the new report"
    assert oct(report.stat().st_mode & 0o777) == oct(0o640)                   # its permissions kept
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.xml"]


def test_killing_check_leaves_the_old_junit_report_as_it_was(tmp_path):
    (tmp_path / "slow.expr").write_text("s = 0\nwhile true:\n    s += 1\n")
    junit = tmp_path / "old.xml"
    junit.write_text("<the old report/>")
    proc = subprocess.Popen(autodiff_command() + ["check", str(tmp_path / "slow.expr"), "--junit", str(junit),
                                                  "--max-steps", str(10**15)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_env())
    try:
        time.sleep(1.0)                     # running: the file it will replace is still whole
        assert proc.poll() is None and junit.read_text() == "<the old report/>"
        proc.kill()
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert junit.read_text() == "<the old report/>"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.xml", "slow.expr"]


def test_junit_to_standard_output_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_main(["check", str(SAMPLES / "seed_graph.expr"), "--junit", "-"])
    assert code == 2 and out == ""
    assert "--junit -: give a file name" in err
    assert not os.path.exists("-")


def test_plot_with_an_unwritable_image_prints_nothing(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    for target, reason in [(blocker / "plot.png", "Not a directory"), (tmp_path / "none" / "plot.png",
                                                                      "No such file or directory")]:
        code, out, err = run_main(["plot", "-e", "x^2", "--samples", "5", "--json", "-o", str(target)])
        assert code == 2 and out == ""
        assert f"-o {target}: cannot write it ({reason})" in err


# ------------------------------------------------- rich never reads user text as markup (item 19)

class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("command", [["eval"], ["grad"], ["trace"], ["hessian"], ["jacobian"],
                                     ["graph", "--format", "tree"]])
def test_a_file_name_with_markup_is_shown_as_it_is_on_a_terminal(tmp_path, monkeypatch, command):
    from autodiff.cli.main import main
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.chdir(tmp_path)
    os.mkdir("[")
    Path("[/b].expr").write_text("input x = 2\ny = x^2\n")     # a closing tag, to rich
    out, err = Terminal(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        with pytest.raises(SystemExit) as exited:
            main([command[0], "[/b].expr", *command[1:]])
    assert exited.value.code == 0, err.getvalue()
    assert "\x1b[" in out.getvalue()               # rich drew it
    if command[0] != "graph":
        assert "[/b].expr" in out.getvalue()


def test_a_note_with_brackets_is_text():
    from autodiff.cli.config import OutputSettings
    from autodiff.cli.render import Report, Row, show
    out = io.StringIO()
    show(Report("[red]t[/]", [Row("output", "[bold]y", 1.0)], notes=["[/dim] note"]), OutputSettings(precision=6),
         out, terminal=True)
    assert "[red]t[/]" in out.getvalue() and "[bold]y" in out.getvalue() and "[/dim] note" in out.getvalue()
