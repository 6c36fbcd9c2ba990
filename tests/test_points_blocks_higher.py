"""jvp and hessian at many points at once (diffcore/blocks_higher.py): the same output as one point
at a time, bit for bit, through the API and through the command line (JSON Lines and CSV, errors,
workers); and the lanes really compute the points that can run in them.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import autodiff.cli.main  # noqa: F401 - registers the commands
from autodiff.cli.higher import jvp_document, orders_document
from autodiff.cli.render import dumps
from autodiff.diffcore.blocks_higher import hessian_many, jvp_many
from autodiff.diffcore.higher import derivative_tensors, directional
from autodiff.diffcore.program import Program
from autodiff.grammar.source import ProgramError, Source
from fuzzing.programs import programs
from helpers import run_main
from test_points_blocks import LIMITS, alone, generated_points, long_fuzz, points_near

ROOT = Path(__file__).resolve().parent.parent
# Long loops take seconds one point at a time (a Hessian of loop.expr is 10^4 steps of Taylor mode per point).
SLOW = {"loop.expr", "nograd_gradient_descent.expr"}
PROGRAMS = [pytest.param(p, marks=pytest.mark.slow) if p.name in SLOW else p
            for p in sorted((ROOT / "samples").glob("*.expr")) + sorted((ROOT / "tests" / "cases").glob("*.expr"))]


def text(result, program, direction=None) -> str:
    """A result as the command writes it (every float by repr), or its error."""
    if isinstance(result, ProgramError):
        span = result.span
        return f"error {type(result).__name__} {result.message} {span and (span.line, span.col)}"
    if direction is not None:
        return dumps(jvp_document(result, program, direction))
    return dumps(orders_document(result, program, 2))


def a_direction(program: Program, ats: list) -> dict:
    """A direction for the first input: its shape from the first point, entries not all equal."""
    name = program.input_names[0]
    shape = np.shape(ats[0].get(name, 0.0))
    return {name: np.linspace(0.5, -1.5, int(np.prod(shape))).reshape(shape) if shape else 0.75}


def check_program(program: Program, ats: list) -> None:
    program.compiled.runtime.default_print = lambda text: None
    v = a_direction(program, ats)
    one = lambda at: alone(lambda p: directional(program, p, v, limits=LIMITS), at)     # noqa: E731
    want = [text(one(at), program, v) for at in ats]
    assert [text(r, program, v) for r in jvp_many(program, ats, v, limits=LIMITS, one=one)] == want
    one = lambda at: alone(lambda p: derivative_tensors(program, p, 2, limits=LIMITS), at)     # noqa: E731
    want = [text(one(at), program) for at in ats]
    assert [text(r, program) for r in hessian_many(program, ats, limits=LIMITS, one=one)] == want


@pytest.mark.parametrize("path", PROGRAMS, ids=lambda p: getattr(p, "name", None))
def test_blocks_match_one_point_at_a_time(path):
    program = Program(Source(path.read_text(), str(path)))
    if not program.input_names:
        pytest.skip("no inputs")
    check_program(program, points_near(program, 9, seed=len(path.name)))


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(programs(max_depth=2, max_statements=3))
def test_blocks_match_on_generated_programs(generated):
    made = generated_points(generated)
    if made is not None and made[0].input_names:
        check_program(*made)


@pytest.mark.fuzz
def test_blocks_match_on_many_generated_programs():
    """The long profile: jvp and Hessians in blocks. A sign of zero (x^-0.0) was found this way."""
    long_fuzz(check_program)


def refuse(at):
    raise AssertionError(f"computed alone: {at}")


def test_rosenbrock_runs_in_lanes_with_its_hand_derived_hessian():
    program = Program(Source((ROOT / "samples" / "rosenbrock.expr").read_text(), "rosenbrock"))
    xs = np.random.default_rng(5).uniform(-2, 2, (40, 3))
    results = hessian_many(program, [{"x": x} for x in xs], one=refuse)
    for x, r in zip(xs, results):
        H = np.zeros((3, 3))
        for i in range(2):          # the term 100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2
            H[i, i] += 1200 * x[i] ** 2 - 400 * x[i + 1] + 2
            H[i, i + 1] += -400 * x[i]
            H[i + 1, i] += -400 * x[i]
            H[i + 1, i + 1] += 200
        assert r.orders[2][("x", "x")] == pytest.approx(H, rel=1e-12, abs=1e-9)
        assert r.warnings == [] and r.mode is None
    v = {"x": np.array([1.0, -0.5, 2.0])}
    for x, r in zip(xs, jvp_many(program, [{"x": x} for x in xs], v, one=refuse)):
        g = derivative_tensors(program, {"x": x}, 2).orders[1][("x",)]
        assert r.value == pytest.approx(float(g @ v["x"]), rel=1e-12)


def test_an_array_output_and_a_split_while_loop_run_in_lanes():
    # (a list of lane values, as vector_field.expr writes its output, is not batched: see docs/performance.md)
    field = Program(Source("input x = [1, 2, 0.5]\nv = x * x[1] + sin(x) * x[0]\n", "field"))
    xs = np.random.default_rng(6).uniform(-1, 1, (20, 3))
    v = {"x": np.array([1.0, 0.0, -2.0])}
    got = jvp_many(field, [{"x": x} for x in xs], v, one=refuse)
    assert [text(r, field, v) for r in got] == [text(directional(field, {"x": x}, v), field, v) for x in xs]
    seed = Program(Source((ROOT / "samples" / "seed_control_flow.expr").read_text(), "seed"))
    a = [1.0 + k * 0.01 for k in range(30)] + [-0.3 - k * 0.01 for k in range(30)]
    results = jvp_many(seed, [{"a": x} for x in a], {"a": 2.0}, one=refuse)
    assert [r.value for r in results] == [directional(seed, {"a": x}, {"a": 2.0}).value for x in a]
    assert [r.value for r in results] == pytest.approx([2 * r.output / x for r, x in zip(results, a)], rel=1e-15)
    assert len({r.value for r in results}) >= 3         # d = c(a) a: several trip counts, each its own c


def test_non_finite_lanes_and_kinks_are_computed_alone():
    program = Program(Source("input x = [1, 2]\ny = sqrt(x[0]) * x[1] + abs(x[1])\n", "p.expr"))
    ats = [{"x": np.array([a, b])} for a, b in [(1.0, 2.0), (0.0, 3.0), (4.0, 1.0), (2.0, 0.0)]]
    alone_points = []

    def one(at):
        alone_points.append(at["x"].tolist())
        return derivative_tensors(program, at, 2)
    results = hessian_many(program, ats[:3], one=one)
    assert alone_points == [[0.0, 3.0]]          # its gradient and Hessian are infinite: its warning
    assert [w.kind for w in results[1].warnings] == ["non-finite"] and results[0].warnings == []
    assert [text(r, program) for r in hessian_many(program, ats, one=one)] == \
        [text(derivative_tensors(program, at, 2), program) for at in ats]       # abs at 0: a kink


def test_jvp_lanes_follow_the_warnings_of_jv_not_of_a_gradient():
    # sqrt'(0) is infinite, but a direction that does not move x[0] gives a finite J·v and no
    # warning: such points stay in their lanes; moving x[0] sends exactly the x[0] = 0 points
    # alone (their J·v is infinite), and the abs at 0 of the last point (a kink) sends its block
    program = Program(Source("input x = [1, 2]\ny = sqrt(x[0]) * x[1] + abs(x[1])\ny\n", "p.expr"))
    ats = [{"x": np.array([a, b])} for a, b in [(1.0, 2.0), (0.0, 3.0), (4.0, 1.0), (0.0, -1.0)]]
    v = {"x": np.array([0.0, 1.0])}
    got = jvp_many(program, ats, v, one=refuse)
    assert [r.value for r in got] == [2.0, 1.0, 3.0, -1.0] and all(r.warnings == [] for r in got)
    alone_points = []

    def one(at):
        alone_points.append(at["x"].tolist())
        return directional(program, at, w)
    w = {"x": np.array([1.0, 0.0])}
    got = jvp_many(program, ats, w, one=one)
    assert alone_points == [[0.0, 3.0], [0.0, -1.0]]
    assert [text(r, program, w) for r in got] == [text(directional(program, at, w), program, w) for at in ats]
    assert [w.operation for w in got[1].warnings] == ["sqrt"] and got[0].warnings == []
    kinked = [{"x": np.array([1.0, 0.0])}, {"x": np.array([4.0, 2.0])}]
    alone_points.clear()
    got = jvp_many(program, kinked, v, one=one)
    assert alone_points == [[1.0, 0.0], [4.0, 2.0]] and [w.kind for w in got[0].warnings] == ["kink"]


def test_jvp_lanes_of_a_big_array_output():
    # 8 points of a 2,000-element output: no Jacobian of 4*10^6 entries (which each point refused)
    program = Program(Source("input x = zeros(2000)\ny = x * x + 2 * x\ny\n", "p.expr"))
    xs = np.random.default_rng(7).uniform(-1, 1, (8, 2000))
    v = {"x": np.ones(2000)}
    got = jvp_many(program, [{"x": x} for x in xs], v, one=refuse)
    for x, r in zip(xs, got):
        assert np.array_equal(r.value, 2 * x + 2) and r.warnings == []
        assert text(r, program, v) == text(directional(program, {"x": x}, v), program, v)


# ------------------------------------------------------------------ through the command line

def _cli(args, engine):
    return run_main(args + ["--points-engine", engine])


@pytest.mark.parametrize("command", [
    ["jvp", "--direction", "a=1.5"], ["jvp", "--direction", "a=1.5", "--csv"], ["hessian"], ["hessian", "--csv"],
])
def test_cli_output_is_byte_identical_with_errors(tmp_path, command):
    rng = np.random.default_rng(3)
    values = rng.uniform(-2, 2, 80).tolist() + ["nan", "", "x", "1e400", "1e-300"] + rng.uniform(-2, 2, 20).tolist()
    points = tmp_path / "p.csv"
    points.write_text("a\n" + "".join(f"{v}\n" for v in values))
    program = tmp_path / "seed2.expr"         # the seed program with a second input, so that the Hessian is 2x2
    program.write_text((ROOT / "samples" / "seed_control_flow.expr").read_text() + "input s = 1.5\ne = d * s^2\n")
    for on_error in ("skip", "stop"):
        args = [command[0], str(program), "--points", str(points), "--on-error", on_error] + command[1:]
        block = _cli(args, "block")
        assert block == _cli(args, "per-point")
        assert block[0] == 1 and block[1].count("\n") >= (80 if on_error == "stop" else 100)


@pytest.mark.parametrize("command", [["jvp", "--direction", "x=[1, -0.5, 0.25]"], ["hessian"]])
def test_cli_rosenbrock_json_lines_csv_and_workers(tmp_path, monkeypatch, command):
    import autodiff.cli.points.reading
    monkeypatch.setattr(autodiff.cli.points.reading, "BLOCK_POINTS", 100)       # several blocks for the workers
    x = np.random.default_rng(4).uniform(-2, 2, (400, 3))
    points = tmp_path / "p.csv"
    points.write_text("x[0],x[1],x[2]\n" + "".join(f"{a!r},{b!r},{c!r}\n" for a, b, c in x.tolist()))
    args = [command[0], str(ROOT / "samples" / "rosenbrock.expr"), "--points", str(points)] + command[1:]
    for form in ("--json-lines", "--csv"):
        per_point = _cli(args + [form, "--jobs", "1"], "per-point")
        assert per_point[0] == 0 and per_point[1].count("\n") >= 400
        assert per_point == _cli(args + [form, "--jobs", "1"], "block")
        assert per_point == _cli(args + [form, "--jobs", "2"], "block")
    first = json.loads(_cli(args + ["--json-lines"], "block")[1].splitlines()[0])
    assert first["line"] == 2 and first["inputs"]["x"] == x[0].tolist()


def test_a_block_of_many_inputs_is_halved_to_its_budget(monkeypatch):
    import autodiff.diffcore.blocks_higher as blocks_higher
    monkeypatch.setattr(blocks_higher, "HESSIAN_ELEMENTS", 5 * 5 * 4)      # 4 lanes of 5 inputs at a time
    program = Program(Source((ROOT / "samples" / "rosenbrock.expr").read_text(), "rosenbrock"))
    ats = [{"x": x} for x in np.random.default_rng(7).uniform(-2, 2, (13, 5))]
    got = [text(r, program) for r in hessian_many(program, ats, one=refuse)]
    assert got == [text(derivative_tensors(program, at, 2), program) for at in ats]


def test_a_zero_exponent_keeps_the_sign_a_point_alone_gives():
    """x^y at y = -0.0: a point alone once took a float shortcut (d/dx = +0.0) where the block's
    arrays computed y * x^(y-1) = -0.0, so J·v came out 0.0 alone and -0.0 in a block."""
    program = Program(Source("input x1 = [-1, 0, 0]\ninput x2 = [[0, 0, 0]]\n"
                             "return x1[-3] if not x2[-1, -3] > x1[-3] else exp(tanh(x1[-3])) ^ x2[-1, -3]\n",
                             "zero.expr"))
    ats = [{"x1": np.array([a, 0.0, 0.0]), "x2": np.array([[z, -0.0, -0.0]])}
           for a in (-0.5478467492858172, -1.0, -2.5) for z in (-0.0, 0.0)]
    check_program(program, ats)
