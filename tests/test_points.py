"""`--points`: many points from CSV or JSON Lines, one result per point, streamed."""
from __future__ import annotations

import json
import math
import os
import select
import subprocess
from pathlib import Path

import pytest

from helpers import autodiff_command, child_pids, run_main

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def lines_of(stdout: str) -> list:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def test_csv_points_give_one_gradient_per_line(tmp_path):
    points = tmp_path / "p.csv"
    points.write_text("x,y\n1,2\n3,-1\n0.5,4\n")
    code, out, err = run_main(["grad", "-e", "x^2*y + sin(x)", "--points", str(points)])
    assert code == 0, err
    results = lines_of(out)
    assert [r["line"] for r in results] == [2, 3, 4]
    for r in results:
        x, y = r["inputs"]["x"], r["inputs"]["y"]
        assert r["output"] == pytest.approx(x * x * y + math.sin(x), rel=1e-15)
        assert r["gradient"]["x"] == pytest.approx(2 * x * y + math.cos(x), rel=1e-15)
        assert r["gradient"]["y"] == pytest.approx(x * x, rel=1e-15)


def test_json_lines_points_from_stdin_with_array_inputs_and_at_defaults():
    stdin = b'{"v": [1, 2]}\n{"v": [3, 4], "c": 10}\n'
    code, out, err = run_main(["grad", "-e", "c * sum(v*v)", "--at", "c=1", "--points", "-"], stdin)
    assert code == 0, err
    first, second = lines_of(out)
    assert first["gradient"]["v"] == [2.0, 4.0] and first["gradient"]["c"] == 5.0
    assert second["gradient"]["v"] == [60.0, 80.0] and second["gradient"]["c"] == 25.0


def test_csv_array_cells_and_flattened_columns_agree(tmp_path):
    cells = tmp_path / "cells.csv"
    cells.write_text('v\n"[1, 2]"\n')
    flat = tmp_path / "flat.csv"
    flat.write_text("v[0],v[1]\n1,2\n")
    results = [lines_of(run_main(["grad", "-e", "sum(v^3)", "--points", str(p)])[1])[0] for p in (cells, flat)]
    assert results[0]["gradient"] == results[1]["gradient"] == {"v": [3.0, 12.0]}


def test_csv_output_has_the_input_output_and_derivative_columns():
    code, out, _ = run_main(["grad", "-e", "sum(v*v)", "--points", "-", "--csv"], b'{"v": [1, 2]}\n')
    assert code == 0
    assert out.splitlines() == ["v[0],v[1],f,df/dv[0],df/dv[1]", "1.0,2.0,5.0,2.0,4.0"]


def test_a_bad_line_stops_the_run_with_its_line_number_and_exit_1(tmp_path):
    points = tmp_path / "p.csv"
    points.write_text("x\n1\noops\n2\n")
    code, out, err = run_main(["grad", "-e", "x^2", "--points", str(points)])
    assert code == 1
    results = lines_of(out)
    assert results[0]["gradient"]["x"] == 2.0
    assert results[1] == {"line": 3, "error": {"kind": "input error", "message": "column 'x': not a number: 'oops'"}}
    assert len(results) == 2                                  # stopped there
    assert f"{points}:3: input error" in err


def test_on_error_skip_goes_on_and_still_exits_1(tmp_path):
    points = tmp_path / "p.csv"
    points.write_text("x\n1\n-1\n2\n")
    program = "def f(x):\n    assert x > 0\n    return x^2\ny = f(x)"
    code, out, err = run_main(["grad", "-e", program, "--points", str(points), "--on-error", "skip"])
    assert code == 1
    results = lines_of(out)
    assert [r["line"] for r in results] == [2, 3, 4]
    assert "error" in results[1] and results[1]["error"]["kind"]
    assert results[2]["gradient"]["x"] == 4.0


def test_eval_hessian_and_jvp_take_points_too():
    stdin = b'{"x": 2}\n'
    _, out, _ = run_main(["eval", "-e", "x^3", "--points", "-"], stdin)
    assert lines_of(out)[0]["output"] == 8.0
    _, out, _ = run_main(["hessian", "-e", "x^3", "--points", "-"], stdin)
    assert json.dumps(lines_of(out)[0]).count("12.0") >= 1          # d2/dx2 x^3 = 6x = 12
    _, out, _ = run_main(["jvp", "-e", "x^3", "--direction", "x=1", "--points", "-"], stdin)
    assert "12.0" in out                                            # 3x^2 = 12


def test_results_from_a_pipe_are_written_as_each_point_finishes():
    """A point read from standard input gets its result before the next point arrives."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}     # autodiff must flush itself
    proc = subprocess.Popen(autodiff_command() + ["grad", "-e", "x^2", "--points", "-", "--points-format", "jsonl"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        proc.stdin.write(b'{"x": 3}\n')
        proc.stdin.flush()
        ready, _, _ = select.select([proc.stdout], [], [], 30)
        assert ready, "no result within 30 s while the input was still open"
        assert json.loads(proc.stdout.readline())["gradient"]["x"] == 6.0
        proc.stdin.write(b'{"x": 4}\n')
        proc.stdin.close()
        assert json.loads(proc.stdout.readline())["gradient"]["x"] == 8.0
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
        proc.stderr.close()


def test_many_points_from_a_file_all_arrive(tmp_path):
    points = tmp_path / "many.csv"
    points.write_text("a\n" + "".join(f"{0.01 + i / 1000}\n" for i in range(3000)))
    result = subprocess.run(autodiff_command() + ["grad", str(SAMPLES / "seed_control_flow.expr"),
                                                  "--points", str(points)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    results = lines_of(result.stdout)
    assert len(results) == 3000
    for r in results:                           # the sample's closed form: d/da = d / a
        assert r["gradient"]["a"] == pytest.approx(r["output"] / r["inputs"]["a"], rel=1e-12)


@pytest.mark.parametrize("command", [["eval"], ["grad"], ["hessian"], ["grad", "--order", "3"]])
def test_the_limits_apply_to_every_point(command):
    """--max-elements holds with --points as without (the numeric context is set up once, with them)."""
    code, out, err = run_main(command + ["-e", "sum(ones(100)*x)", "--points", "-", "--max-elements", "10"],
                              b'{"x": 1}\n')
    assert code == 1
    assert lines_of(out)[0]["error"]["kind"] == "limit exceeded"
    assert "the limit is 10" in err


# ------------------------------------------------------------ worker processes (--jobs)

def run_cli(args: list) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    return subprocess.run(autodiff_command() + args, capture_output=True, text=True, timeout=300, env=env)


@pytest.fixture(scope="module")
def many_points(tmp_path_factory):
    """1,300 points (more than two chunks of 512), with a bad line and two failing points among them."""
    path = tmp_path_factory.mktemp("points") / "many.csv"
    rows = [f"{0.01 + i / 997}" for i in range(1300)]
    rows[100] = "oops"                  # an input error
    rows[700] = "-1"                    # the program's assert fails
    rows[1299] = "-2"
    path.write_text("a\n" + "\n".join(rows) + "\n")
    return path


PROGRAM = "def f(a):\n    assert a > 0\n    if a > 1.2:\n        print('big', a)\n    return sin(a) * a^2\ny = f(a)"


@pytest.mark.parametrize("extra", [[], ["--csv"], ["--on-error", "skip"], ["--on-error", "skip", "--csv"]])
def test_workers_give_the_same_output_as_one_process(many_points, extra):
    one = run_cli(["grad", "-e", PROGRAM, "--points", str(many_points), "--jobs", "1"] + extra)
    two = run_cli(["grad", "-e", PROGRAM, "--points", str(many_points), "--jobs", "2"] + extra)
    assert (two.returncode, two.stdout, two.stderr) == (one.returncode, one.stdout, one.stderr)
    assert one.returncode == 1
    if "skip" in extra:
        assert one.stderr.count("big") == sum(0.01 + i / 997 > 1.2 for i in range(1300) if i not in (100, 700, 1299))
        rows = one.stdout.splitlines()
        assert len(rows) == (1 + 1297 if "--csv" in extra else 1300)


def test_workers_compute_every_point_in_order(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text("".join(f'{{"x": {i / 100}}}\n' for i in range(2000)))
    result = run_cli(["grad", "-e", "x^3", "--points", str(path), "--jobs", "2"])
    assert result.returncode == 0, result.stderr
    results = lines_of(result.stdout)
    assert [r["line"] for r in results] == list(range(1, 2001))
    assert all(r["gradient"]["x"] == pytest.approx(3 * (i / 100) ** 2, rel=1e-15) for i, r in enumerate(results))


def test_ordered_map_runs_in_forked_workers_in_order_and_small_inputs_here():
    from autodiff.cli import workers
    results = list(workers.ordered_map(lambda i: (i, os.getpid()), range(3 * workers.CHUNK + 5), jobs=2))
    assert [i for i, _ in results] == list(range(3 * workers.CHUNK + 5))
    assert os.getpid() not in {pid for _, pid in results}                 # computed by the workers
    small = list(workers.ordered_map(lambda i: (i, os.getpid()), range(10), jobs=2))
    assert {pid for _, pid in small} == {os.getpid()}                      # one chunk: not worth a pool


def test_the_point_encoder_writes_what_json_dumps_writes():
    import numpy as np
    from autodiff.cli.render import dumps, to_json
    documents = [
        {"line": 1, "output": 1195.3, "gradient": {"a": [1.0, float("nan")]}, "s": "é\"\\\n\t☃", "n": None,
         "b": True, "i": 3, "w": [{"k": "x"}], "e": [], "d": {}},
        {"x": np.array([[1.0, 2.5], [math.inf, -0.0]]), 1: 2, "big": 1e308, "tiny": 5e-324},
    ]
    for document in documents:
        assert dumps(document) == json.dumps(to_json(document), allow_nan=False)


def test_an_interrupt_stops_the_workers_and_exits_130(tmp_path):
    import signal
    import time
    if not os.path.exists(f"/proc/{os.getpid()}/task/{os.getpid()}/children"):
        pytest.skip("this kernel does not list a process's children in /proc")
    path = tmp_path / "many.csv"
    path.write_text("a\n" + "".join(f"{0.001 + i / 10**6}\n" for i in range(300_000)))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    proc = subprocess.Popen(autodiff_command() + ["grad", str(SAMPLES / "seed_control_flow.expr"), "--points",
                                                  str(path), "--jobs", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(child_pids(proc.pid)) < 2:     # the workers are up
            time.sleep(0.05)
        workers = child_pids(proc.pid)
        assert len(workers) >= 2
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 130
        assert "interrupted" in proc.stderr.read()
        time.sleep(0.5)
        assert not [pid for pid in workers if os.path.exists(f"/proc/{pid}")]   # none left behind
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stderr.close()




@pytest.mark.parametrize("engine", ["block", "per-point"])
def test_hessian_points_csv_has_every_derivative_column(tmp_path, engine):
    # f = x^2 y: gradient (2xy, x^2), Hessian [[2y, 2x], [2x, 0]]; at (1, 2) and (3, -1).
    points = tmp_path / "p.csv"
    points.write_text("x,y\n1,2\n3,-1\n")
    code, out, err = run_main(["hessian", "-e", "x^2*y", "--points", str(points), "--csv", "--points-engine", engine])
    assert code == 0, err
    assert out.splitlines() == ["x,y,f,df/dx,df/dy,d2f/dx2,d2f/dx dy,d2f/dy dx,d2f/dy2",
                                "1.0,2.0,2.0,4.0,1.0,4.0,2.0,2.0,0.0",
                                "3.0,-1.0,-9.0,-6.0,9.0,-2.0,6.0,6.0,0.0"]


def test_third_order_points_csv_columns_are_distinct(tmp_path):
    points = tmp_path / "p.csv"
    points.write_text("x,y\n1,2\n")
    code, out, err = run_main(["grad", "--order", "3", "-e", "x^2*y", "--points", str(points), "--csv"])
    assert code == 0, err
    header, row = out.splitlines()
    names = header.split(",")
    assert len(names) == len(set(names)) == 2 + 1 + 2 + 4 + 8
    values = dict(zip(names, map(float, row.split(","))))
    # d3(x^2 y)/dx dx dy = 2 in every order of differentiation; every other third derivative is 0
    assert values["d3f/dx2 dy"] == values["d3f/dx dy dx"] == values["d3f/dy dx2"] == 2.0
    assert values["d3f/dx3"] == values["d3f/dy3"] == values["d3f/dx dy2"] == 0.0


@pytest.mark.parametrize("engine", ["per-point", "block"])
@pytest.mark.parametrize("command", [["eval"], ["grad"], ["jvp", "--direction", "x=1"], ["hessian"]])
def test_a_silent_rerun_does_not_silence_the_next_points(tmp_path, command, engine):
    # log(0) is -inf: locating it reruns the program silently. That rerun once kept its silent
    # print function for the runs after it, and eval printed nothing for the points after 0.
    program = tmp_path / "p.expr"
    program.write_text('input x = 1\nprint("at", x)\nlog(x)\n')
    points = tmp_path / "p.csv"
    points.write_text("x\n0\n1\n2\n")
    code, out, err = run_main(command + [str(program), "--points", str(points), "--points-engine", engine,
                                         "--jobs", "1"])
    assert code == 0, err
    assert err.splitlines() == ["at 0.0", "at 1.0", "at 2.0"]
