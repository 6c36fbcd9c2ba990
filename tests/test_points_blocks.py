"""Many points at once (diffcore/blocks.py): the same results as one point at a time, bit for bit.

Every comparison is exact (the repr of every float, the warnings, the errors), on the samples,
the test cases and generated programs, through the API and through the command line.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Callable

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import autodiff.cli.main  # noqa: F401 - registers the commands
from autodiff.diffcore.blocks import differentiate_many, evaluate_many
from autodiff.diffcore.derivatives import Differentiator, evaluate
from autodiff.diffcore.engine.context import Limits
from autodiff.diffcore.program import Program
from autodiff.grammar.source import ProgramError, Source
from fuzzing.programs import programs
from helpers import run_main

ROOT = Path(__file__).resolve().parent.parent
PROGRAMS = sorted((ROOT / "samples").glob("*.expr")) + sorted((ROOT / "tests" / "cases").glob("*.expr"))
LIMITS = Limits(max_steps=20_000, timeout=None)


def canon(result) -> str:
    """Everything a result says, exactly (floats by repr, -0.0 and nan included)."""
    if isinstance(result, ProgramError):
        span = result.span
        return f"error {type(result).__name__} {result.message} {span and (span.line, span.col)}"

    def plain(v):
        if isinstance(v, dict):
            return {k: plain(x) for k, x in v.items()}
        return repr(np.asarray(v).tolist()) + str(np.shape(v)) + type(v).__name__
    fields = {"inputs": plain(result.inputs), "output": plain(result.output), "name": result.output_name,
              "warnings": [repr(w) for w in result.warnings]}
    if hasattr(result, "derivatives"):
        fields["derivatives"] = plain(result.derivatives)
    return json.dumps(fields)


def alone(compute, at):
    try:
        return compute(at)
    except ProgramError as exc:
        return exc


def points_near(program: Program, count: int, seed: int) -> list:
    """Points around the program's defaults (or 0.7), spread so that conditions split the lanes."""
    rng = np.random.default_rng(seed)
    try:
        defaults = program.run({}, LIMITS, print_fn=lambda text: None).inputs
    except ProgramError:
        defaults = {}
    ats = []
    for k in range(count):
        at = {}
        for name in program.input_names:
            base = defaults.get(name, 0.7)
            at[name] = np.asarray(base) * rng.uniform(-2.0, 2.0, np.shape(base)) + rng.normal(0, 0.3, np.shape(base))
            at[name] = float(at[name]) if np.ndim(base) == 0 else at[name]
            if k % 7 == 3:
                at[name] = base         # some points exactly at the default (ties, kinks)
        ats.append(at)
    return ats


def check_program(program: Program, ats: list) -> None:
    quiet = lambda text: None       # noqa: E731
    want = [canon(alone(lambda at: evaluate(program, at, limits=LIMITS, print_fn=quiet), at)) for at in ats]
    got = [canon(r) for r in evaluate_many(program, ats, limits=LIMITS,
                                           one=lambda at: evaluate(program, at, limits=LIMITS, print_fn=quiet))]
    assert got == want
    try:
        d = Differentiator(program, limits=LIMITS, print_fn=quiet)
    except ProgramError:
        return
    want = [canon(alone(d, at)) for at in ats]
    got = [canon(r) for r in differentiate_many(d, ats, one=lambda at: alone(d, at))]
    assert got == want


@pytest.mark.parametrize("path", PROGRAMS, ids=lambda p: p.name)
def test_blocks_match_one_point_at_a_time(path):
    program = Program(Source(path.read_text(), str(path)))
    if not program.input_names:
        pytest.skip("no inputs")
    check_program(program, points_near(program, 9, seed=len(path.name)))


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(programs(max_depth=2, max_statements=3))
def test_blocks_match_on_generated_programs(generated):
    made = generated_points(generated)
    if made is not None:
        check_program(*made)


@pytest.mark.fuzz
def test_blocks_match_on_many_generated_programs():
    """The long profile: the generator's extra classes too. A run of 3,400 found the div and pow
    fast paths' rounding."""
    long_fuzz(check_program)


def long_fuzz(check: Callable) -> None:
    """`check(program, points)` on AUTODIFF_FUZZ_EXAMPLES generated programs (default 5000) with
    inputs: the long profile of the block tests (`pytest -m fuzz`, docs/fuzzing.md)."""
    @settings(max_examples=int(os.environ.get("AUTODIFF_FUZZ_EXAMPLES", "5000")), deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(programs(max_depth=2, max_statements=4, extra=True))
    def run(generated):
        made = generated_points(generated)
        if made is not None and made[0].input_names:
            check(*made)
    run()


def generated_points(generated) -> tuple:
    """(the program, 9 points around its given inputs), or None for a program that does not parse
    or reads an input the generator gave no value."""
    try:
        program = Program(Source(generated.source, "<fuzz>"))
    except ProgramError:
        return None
    given_at = {n: v for n, v in generated.inputs.items() if n in program.input_names}
    if len(program.input_names) != len(given_at):
        return None
    rng = np.random.default_rng(0)
    return program, [{n: (float(v) * rng.uniform(-2, 2) if np.ndim(v) == 0 else np.asarray(v) * rng.uniform(-2, 2))
                      for n, v in given_at.items()} for _ in range(9)]


def test_a_while_loop_splits_by_trip_count():
    """The seed program's trip count depends on the point: every group gets its own gradient d/a."""
    program = Program(Source((ROOT / "samples" / "seed_control_flow.expr").read_text(), "seed"))
    a = [0.001, -0.3, 1.7, 0.9, -1.2, 0.05, 2.5]
    results = differentiate_many(Differentiator(program), [{"a": v} for v in a])
    for value, result in zip(a, results):
        assert result.derivatives["a"] == result.output / value       # piecewise linear: d = c(a) * a


def test_errors_and_prints_come_per_point_in_order():
    text = "input x = 1\nassert x < 3, 'too big'\ny = x * 2\nif x > 2:\n    print('big')\ny\n"
    program = Program(Source(text, "p.expr"))
    ats = [{"x": v} for v in (1.0, 2.5, 4.0, 0.5, 5.0)]
    printed = []
    one = lambda at: alone(lambda a: evaluate(program, a, print_fn=printed.append), at)   # noqa: E731
    results = evaluate_many(program, ats, one=one)
    assert [r.output if not isinstance(r, ProgramError) else r.message for r in results] == \
        [2.0, 5.0, "too big", 1.0, "too big"]
    assert printed == ["big"]


def _cli(tmp_path, args, engine):
    code, out, err = run_main(args + ["--points-engine", engine])
    return code, out, err


@pytest.mark.parametrize("command", [["grad"], ["eval"], ["grad", "--csv"]])
def test_cli_output_is_byte_identical(tmp_path, command):
    rng = np.random.default_rng(3)
    values = rng.uniform(-2, 2, 300).tolist() + ["nan", "", "x", "1e400", "1e-300"]
    points = tmp_path / "p.csv"
    points.write_text("a\n" + "".join(f"{v}\n" for v in values))
    program = str(ROOT / "samples" / "seed_control_flow.expr")
    args = [command[0], program, "--points", str(points), "--on-error", "skip", "--jobs", "1"] + command[1:]
    block = _cli(tmp_path, args, "block")
    assert block == _cli(tmp_path, args, "per-point")
    assert block[0] == 1 and block[1].count("\n") >= 300


def test_cli_rosenbrock_arrays_and_workers(tmp_path, monkeypatch):
    import autodiff.cli.points.reading
    monkeypatch.setattr(autodiff.cli.points.reading, "BLOCK_POINTS", 300)       # several blocks for the workers
    rng = np.random.default_rng(4)
    x = rng.uniform(-2, 2, (2000, 3))
    points = tmp_path / "p.csv"
    points.write_text("x[0],x[1],x[2]\n" + "".join(f"{a!r},{b!r},{c!r}\n" for a, b, c in x.tolist()))
    args = ["grad", str(ROOT / "samples" / "rosenbrock.expr"), "--points", str(points), "--json-lines"]
    per_point = _cli(tmp_path, args + ["--jobs", "1"], "per-point")
    assert per_point == _cli(tmp_path, args + ["--jobs", "1"], "block")
    assert per_point == _cli(tmp_path, args + ["--jobs", "2"], "block")
    assert per_point == _cli(tmp_path, args + ["--jobs", "2"], "per-point")     # 4 chunks of 512
    csv_args = args[:-1] + ["--csv"]
    per_point_csv = _cli(tmp_path, csv_args + ["--jobs", "1"], "per-point")
    assert per_point_csv == _cli(tmp_path, csv_args + ["--jobs", "2"], "block")       # CSV Rows from workers
    assert per_point_csv[1].splitlines()[0] == "x[0],x[1],x[2],f,df/dx[0],df/dx[1],df/dx[2]"
    first = json.loads(per_point[1].splitlines()[0])
    x0 = x[0]
    want = [-400 * x0[0] * (x0[1] - x0[0] ** 2) - 2 * (1 - x0[0])]
    assert first["gradient"]["x"][0] == pytest.approx(want[0], rel=1e-12)


def test_points_on_one_path_never_run_alone():
    """Points whose conditions agree (two trip counts here) are computed by lanes only."""
    program = Program(Source((ROOT / "samples" / "seed_control_flow.expr").read_text(), "seed"))
    a = [1.0 + k * 0.001 for k in range(50)] + [-0.3 - k * 0.001 for k in range(50)]

    def refuse(at):
        raise AssertionError(f"computed alone: {at}")
    results = differentiate_many(Differentiator(program), [{"a": v} for v in a], one=refuse)
    assert [r.derivatives["a"] for r in results] == [1024.0] * 50 + [409600.0] * 50
    values = evaluate_many(program, [{"a": v} for v in a], one=refuse)
    assert [v.output for v in values] == [r.output for r in results]


# ------------------------------------------------ writing a block's lanes at once (cli/points/blockwrite.py)

def test_number_texts_are_what_json_and_csv_write():
    from autodiff.cli.points.blockwrite import _CSV_SPECIAL, _JSON_SPECIAL, number_texts
    from autodiff.cli.points.reading import _csv_number
    from autodiff.cli.render import dumps
    values = np.array([1.5, -0.0, 1e-300, 2.0 ** 70, 0.1 + 0.2, np.nan, np.inf, -np.inf, 5e-324])
    assert number_texts(values, _JSON_SPECIAL) == [dumps({"v": v})[6:-1] for v in values.tolist()]
    assert number_texts(values, _CSV_SPECIAL) == [_csv_number(v) for v in values.tolist()]
    assert number_texts(values[:2], _JSON_SPECIAL) == ["1.5", "-0.0"]


def test_template_needs_each_marker_once():
    from autodiff.cli.points.blockwrite import _template
    template, order = _template('{"b": 7, "a": 5, "p": "100%"}', ["5", "7"])
    assert template % tuple(["x", "y"][k] for k in order) == '{"b": y, "a": x, "p": "100%"}'
    assert _template("5 and 5", ["5"]) is None
    assert _template("6", ["5"]) is None


def _points_file(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize("extra", [["--json-lines"], ["--csv"]])
def test_lanes_with_non_finite_inputs_and_defaults_are_written_exactly(tmp_path, extra):
    """Inputs nan/inf in lanes whose output is finite, an input left at its default (the same in
    every lane), an array input, and a file name with % and braces in the template."""
    program = _points_file(tmp_path, "p%s{0}.expr", "input x = 1\ninput u = 0\ninput v = [1, 2]\n"
                           "input w = 3\ny = x * 2 + sum(v * w)\ny\n")
    rows = "".join(f"{x!r},{u},{a!r},{b!r}\n" for x, u, a, b in
                   zip(np.linspace(-2, 2, 40).tolist(), ["nan", "inf", "-inf", "-0.0"] * 10,
                       np.linspace(0, 1, 40).tolist(), np.linspace(5, 1, 40).tolist()))
    points = _points_file(tmp_path, "p.csv", "x,u,v[0],v[1]\n" + rows)
    for command in (["eval"], ["grad"], ["grad", "--wrt", "x,u,w"]):
        args = command[:1] + [program, "--points", points, "--jobs", "1"] + command[1:] + extra
        block = _cli(tmp_path, args, "block")
        assert block == _cli(tmp_path, args, "per-point")
        assert block[0] == 0 and block[1].count("\n") == 40 + (extra == ["--csv"])
    if extra == ["--json-lines"]:
        first = json.loads(block[1].splitlines()[0])
        assert first["inputs"] == {"x": -2.0, "u": "nan", "v": [0.0, 5.0], "w": 3.0}
        assert first["gradient"] == {"x": 2.0, "u": 0.0, "w": 5.0}


@pytest.mark.parametrize("on_error", ["skip", "stop"])
def test_csv_rows_of_other_shapes_are_refused_point_by_point(tmp_path, on_error):
    """Blocks of lanes whose arrays have another shape than the first point's: each point gets its
    own error, as one point at a time does."""
    program = _points_file(tmp_path, "s.expr", "input v = [1, 2]\nsum(v * v)\n")
    lines = [json.dumps({"v": [k, k + 1.5]}) for k in range(5)] + \
        [json.dumps({"v": [k, 2.0, 0.5]}) for k in range(5)] + [json.dumps({"v": [1.0, 2.0]})]
    points = _points_file(tmp_path, "p.jsonl", "\n".join(lines) + "\n")
    args = ["grad", program, "--points", points, "--csv", "--jobs", "1", "--on-error", on_error]
    block = _cli(tmp_path, args, "block")
    assert block == _cli(tmp_path, args, "per-point")
    assert block[0] == 1
    assert block[2].count("output error") == (5 if on_error == "skip" else 1)
    assert block[1].count("\n") == (7 if on_error == "skip" else 6)


# ------------------------------------------------ reading plain CSV lines by splitting (cli/points/reading.py)

def _read_all(data: bytes, monkeypatch, exact: bool) -> list:
    import io

    import autodiff.cli.points.reading as points
    if exact:
        monkeypatch.setattr(points, "plain_row_reader", lambda plan, header: None)
    out = []
    for p in points.read_points(io.BytesIO(data), "p.csv", "csv"):
        values = None if p.values is None else {k: (repr(np.asarray(v).tolist()), type(v).__name__, np.shape(v))
                                                for k, v in p.values.items()}
        out.append((p.line, values, p.error))
    return out


@pytest.mark.parametrize("header", [b"a,b\n", b"a , b\r\n", b"x[1],a,x[0]\n", b'"x[0,0]","x[1,0]","x[0,1]","x[1 ,1]"\n',
                                    b"x[0],x[2]\n", b"a,x[0],x[1],b\n", b'"x[0,0]","x[0,1]","x[1,0]","x[1,1]"\n'])
def test_plain_csv_lines_read_as_the_csv_module_reads_them(monkeypatch, header):
    body = (b"1.5,2\n -0.0 , 1e-300\n1_0,3\r\n\n1,2,3\n1\n\"1\",2\n\"1\n\",2\n,4\nnan,1\n1e400,2\n"
            b"inf,-Infinity\n[1],2\n\xff,1\n0x1,2\n5e-324,1.7976931348623157e308\n1.7976931348623157e308,1e308\n"
            b"1,2 # no\n  3  ,  4  \n7,8,9,10\n1,2,3,4\n1,,3,4\n")
    data = header + body
    fast = _read_all(data, monkeypatch, exact=False)
    assert fast == _read_all(data, monkeypatch, exact=True)
    assert len(fast) >= 15 and any(e for _, _, e in fast)
    assert any(v is not None for _, v, _ in fast) == (header != b"x[0],x[2]\n")    # that one covers no array


@pytest.mark.parametrize("command", ["grad", "eval"])
def test_engine_and_points_engine_are_separate_options(tmp_path, command):
    """--engine (how a point runs) and --points-engine (blocks or one point at a time) once shared
    a parameter name, so either one silently replaced the other. Under --points, auto keeps single
    points on the tape, byte for byte the blocks' output; --engine compiled runs each point
    through the generated code, within 1e-12 of the tape."""
    points = tmp_path / "p.csv"
    points.write_text("a\n" + "".join(f"{v}\n" for v in np.random.default_rng(5).uniform(-2, 2, 40)))
    program = str(ROOT / "samples" / "seed_control_flow.expr")
    base = [command, program, "--points", str(points), "--json-lines", "--jobs", "1"]
    runs = {(engine, per): run_main(base + ["--engine", engine, "--points-engine", per])
            for engine in ("auto", "tape", "compiled") for per in ("block", "per-point")}
    assert all(code == 0 and err == "" for code, _, err in runs.values()), runs
    tape = runs["tape", "block"][1]
    assert runs["auto", "block"][1] == runs["auto", "per-point"][1] == runs["tape", "per-point"][1] == tape
    key = "gradient" if command == "grad" else "output"
    for engine_per in (("compiled", "block"), ("compiled", "per-point")):
        rows = [json.loads(line) for line in runs[engine_per][1].splitlines()]
        want = [json.loads(line) for line in tape.splitlines()]
        assert len(rows) == len(want) == 40
        for got, expected in zip(rows, want):
            assert np.allclose(np.ravel(list(got[key].values()) if command == "grad" else got[key]),
                               np.ravel(list(expected[key].values()) if command == "grad" else expected[key]),
                               rtol=1e-12, atol=0)


@pytest.mark.parametrize("text", [
    "input a = [1.0, 2.0]\ninput b = [0.5, 1.0]\nout = (a[1] / b[1]) ^ 2",
    "input a = [1.0, 2.0]\ninput b = [0.5, 1.0]\nout = a[0] ^ b[1] + a[1] ^ 3",
])
def test_scalars_read_from_arrays_differentiate_as_one_point_does(text):
    """Elements of array inputs are floats in a point alone, so its sweep takes the float fast
    path of div and pow; the block runs their general rules on arrays. Found by a long run of
    the generated-program check: the two once rounded d/db in a different order (last bit)."""
    program = Program(Source(text, "elements.expr"))
    check_program(program, points_near(program, 12, seed=3))
