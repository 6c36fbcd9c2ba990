"""J·v through the compiled engine (the forward-mode code `autodiff emit --mode forward --to python`
writes) against the tape: values, tangents, warnings, errors, limits, handovers, `--engine` on
`autodiff jvp` and `Function.jvp`, and what cannot get into the generated code."""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

import autodiff
from autodiff.diffcore import higher
from autodiff.diffcore.compiled.run import directional
from autodiff.diffcore.engine.context import Limits
from autodiff.grammar.source import ProgramError

from helpers import run_main
from test_compiled import PROGRAMS, close, moved, program_of, without_asserts

ROOT = Path(__file__).resolve().parent.parent
TAPE = higher.directional


@pytest.fixture
def tape_runs(monkeypatch) -> list:
    """The runs that reach the tape's J·v (the compiled engine's handovers call it): one entry each."""
    runs: list = []

    def counted(*args, **kwargs):
        runs.append(args[1])
        return TAPE(*args, **kwargs)
    monkeypatch.setattr(higher, "directional", counted)
    return runs


def direction_for(result, rng) -> dict:
    """A random direction for every input differentiated."""
    return {n: rng.normal(size=np.shape(result.inputs[n])) if np.ndim(result.inputs[n]) else float(rng.normal())
            for n in result.wrt}


def jvp_programs() -> list:
    """(label, text) of every sample and case whose J·v the compiled engine takes (asserts left out)."""
    found = []
    for path in PROGRAMS:
        text = without_asserts(path)
        program = program_of(text, path.name)
        try:
            directional(program, {}, {}, engine="compiled")
        except ProgramError:
            continue
        found.append((f"{path.parent.name}/{path.name}", text))
    return found


JVP_PROGRAMS = jvp_programs()


def agree(a, b) -> bool:
    """Within 1e-12 relative, or the same non-finite values."""
    with np.errstate(invalid="ignore"):
        return close(a, b) or bool(np.array_equal(a, b, equal_nan=True))


def same_jvp(got, want) -> None:
    assert got.kind == want.kind == "jvp" and got.output_name == want.output_name and got.wrt == want.wrt
    assert type(got.output) is type(want.output) and agree(got.output, want.output), (got.output, want.output)
    assert type(got.value) is type(want.value) and agree(got.value, want.value), (got.value, want.value)
    assert list(got.inputs) == list(want.inputs)
    for name in want.inputs:
        assert close(got.inputs[name], want.inputs[name])
    assert got.warnings == want.warnings


def test_the_compiled_jvp_takes_the_programs_the_compiled_gradient_takes():
    # 16 samples and 32 cases at the time of writing; the others print, assert, recurse, draw
    # random numbers, take derivatives in the language or apply kinked primitives
    assert len(JVP_PROGRAMS) >= 45, [label for label, _ in JVP_PROGRAMS]
    labels = {label for label, _ in JVP_PROGRAMS}
    assert {"samples/seed_control_flow.expr", "samples/rosenbrock.expr", "samples/loop.expr",
            "samples/vector_field.expr", "samples/seed_vjp.expr", "cases/flow_break_continue.expr"} <= labels


@pytest.mark.parametrize("label,text", JVP_PROGRAMS, ids=[label for label, _ in JVP_PROGRAMS])
def test_compiled_jvp_gives_the_tapes_values_tangents_and_warnings(label, text, tape_runs):
    program = program_of(text, label.split("/")[-1])
    rng = np.random.default_rng(len(text))
    first = TAPE(program, {}, {})
    points = [{}] + [{n: moved(v, rng) for n, v in first.inputs.items()} for _ in range(2)]
    for at in points:
        v = direction_for(first, rng)
        got = directional(program, at, v, engine="compiled")
        assert tape_runs == [], label           # the compiled code gave it: no handover
        want = TAPE(program, at, v)
        same_jvp(got, want)
        tape_runs.clear()
    same_jvp(directional(program, at, v, engine="tape"), want)
    assert len(tape_runs) == 1


@pytest.mark.parametrize("sample,direction", [("seed_control_flow", "a=1"), ("loop", "x=-0.5"),
                                              ("rosenbrock", "x=[1, 0, 0.5]"), ("vector_field", "x=[1, 0, -1]"),
                                              ("seed_vjp", "x=[1, 2]")])
def test_jvp_json_and_exit_code_are_the_tapes(sample, direction):
    path = str(ROOT / "samples" / f"{sample}.expr")
    program = (ROOT / "samples" / f"{sample}.expr").read_text()
    name = direction.split("=")[0]
    assert f"input {name}" in program, "the direction names an input of the sample"
    code_c, out_c, err_c = run_main(["jvp", path, "--direction", direction, "--json", "--engine", "compiled"])
    code_t, out_t, err_t = run_main(["jvp", path, "--direction", direction, "--json", "--engine", "tape"])
    assert (code_c, err_c) == (code_t, err_t) == (0, "")
    numbers = re.compile(r"-?\d+(\.\d+)?(e-?\d+)?")
    # the same bytes but for the last digits of a number (the generated code may add in another order)
    assert numbers.sub("N", out_c) == numbers.sub("N", out_t)
    got, want = json.loads(out_c), json.loads(out_t)
    for key in ("output", "jvp"):
        assert close(got[key], want[key])


def test_jvp_engine_compiled_refuses_with_the_located_reason():
    code, out, err = run_main(["jvp", str(ROOT / "samples" / "xor_mlp.expr"), "--direction", "W1=zeros(2, 8)",
                               "--engine", "compiled"])
    assert code == 1 and out == ""
    assert re.search(r"xor_mlp\.expr:\d+:\d+: error: the compiled engine does not run this program: print\(\)", err)
    assert "^" in err and "hint: --engine auto runs it on the tape" in err
    code, out, err = run_main(["jvp", "-e", "abs(x) + 1", "--at", "x=2", "--direction", "x=1", "--engine", "compiled"])
    assert code == 1 and "<expr>:1:1" in err and "abs() is checked for its kinks on the tape" in err
    for engine in ("auto", "tape"):
        code, out, err = run_main(["jvp", "-e", "abs(x) + 1", "--at", "x=2", "--direction", "x=3", "--engine", engine,
                                   "--json"])
        assert code == 0 and json.loads(out)["jvp"] == 3.0


def test_auto_compiles_a_loop_at_once_and_straight_line_code_the_second_time(tape_runs):
    loop = program_of("input x = 1.5\ny = x\nfor i in range(3):\n    y = y * x\ny\n")
    assert directional(loop, {}, {"x": 2.0}).value == pytest.approx(2 * 4 * 1.5 ** 3) and tape_runs == []
    straight = program_of("x^2 + 3*x")
    assert directional(straight, {"x": 2.0}, {"x": 1.0}).value == 7.0 and len(tape_runs) == 1
    assert directional(straight, {"x": 3.0}, {"x": 1.0}).value == 9.0 and len(tape_runs) == 1
    assert directional(loop, {}, {"x": 2.0}, engine="tape").value == pytest.approx(2 * 4 * 1.5 ** 3)
    assert len(tape_runs) == 2


def test_the_api_jvp_runs_the_compiled_form(tape_runs):
    text = (ROOT / "samples" / "seed_control_flow.expr").read_text()
    compiled, tape = autodiff.compile(text, engine="compiled"), autodiff.compile(text, engine="tape")
    for a in (0.5, -0.3, 7.25):
        got = compiled.jvp(a=a, direction={"a": 1.5})
        assert tape_runs == []
        want = tape.jvp(a=a, direction={"a": 1.5})
        assert len(tape_runs) == 1
        tape_runs.clear()
        assert got == want and got.jvp == pytest.approx(1.5 * want.value / a, rel=1e-12)   # piecewise linear


# ------------------------------------------------------------ handing over to the tape

def test_directions_the_tape_refuses_get_the_tapes_errors(tape_runs):
    program = program_of("input x = [1, 2]\ninput y = 3\nz = 2\nw = sum(x) * y * z\nw\n")
    directional(program, {}, {"x": [1.0, 0.0]}, engine="compiled")
    assert tape_runs == []
    for direction, message in (({"z": 1.0}, "--direction z: not an input being differentiated"),
                               ({"x": [1.0, 2.0, 3.0]}, "--direction x: shape (3,), but the input has shape (2,)"),
                               ({"y": [1.0, 2.0]}, "--direction y: shape (2,), but the input has shape ()")):
        with pytest.raises(ProgramError, match=re.escape(message)):
            directional(program, {}, direction, engine="compiled")
    assert len(tape_runs) == 3
    with pytest.raises(ProgramError, match="not an input being differentiated"):
        directional(program, {}, {"x": [1.0, 0.0]}, wrt=["y"], engine="compiled")


def test_non_finite_results_and_ties_hand_over_with_the_tapes_warnings(tape_runs):
    program = program_of("input x = 2\ny = log(x)\nz = y * 2\nz\n")
    directional(program, {}, {"x": 1.0}, engine="compiled")
    got = directional(program, {"x": 0.0}, {"x": 1.0}, engine="compiled")
    assert len(tape_runs) == 1
    same_jvp(got, TAPE(program, {"x": 0.0}, {"x": 1.0}))
    assert [w.kind for w in got.warnings][0] == "non-finite" and got.warnings[0].span.line == 2
    tie = program_of("input x = 1\nif x > 0:\n    y = x * x\nelse:\n    y = -x\ny\n")
    directional(tie, {}, {"x": 1.0}, engine="compiled")
    got = directional(tie, {"x": 0.0}, {"x": 1.0}, engine="compiled")
    assert len(tape_runs) == 2
    same_jvp(got, TAPE(tie, {"x": 0.0}, {"x": 1.0}))
    assert [w.kind for w in got.warnings] == ["kink"] and got.warnings[0].span.line == 2


def test_an_array_output_of_any_size_runs_compiled_and_on_the_tape_without_a_jacobian(tape_runs):
    # J·v never forms the Jacobian (4,000,000 entries here, which the tape used to refuse)
    program = program_of("input x = zeros(2000)\ny = x\nfor i in range(2):\n    y = y * 2\ny\n")
    got = directional(program, {}, {"x": np.ones(2000)}, engine="compiled")
    assert tape_runs == [] and np.array_equal(got.value, np.full(2000, 4.0)) and got.warnings == []
    same_jvp(got, TAPE(program, {}, {"x": np.ones(2000)}))


LOOP = "input n = 10\ninput x = 1\ni = 0\nwhile i < n:\n    x = x * 1.0000001\n    i = i + 1\nx\n"


@pytest.mark.parametrize("limits,n,says", [(Limits(max_steps=1000), 1e6, "1,000 steps"),
                                          (Limits(timeout=0.3), 1e12, "0.3 s")])
def test_limits_hold_in_the_compiled_forward_loop(limits, n, says, tape_runs):
    program = program_of(LOOP)
    directional(program, {"n": 10.0}, {"x": 1.0}, wrt=["x"], limits=limits, engine="compiled")
    assert tape_runs == []
    with pytest.raises(ProgramError) as compiled_error:
        directional(program, {"n": n}, {"x": 1.0}, wrt=["x"], limits=limits, engine="compiled")
    with pytest.raises(ProgramError) as tape_error:
        TAPE(program, {"n": n}, {"x": 1.0}, wrt=["x"], limits=limits)
    assert str(compiled_error.value) == str(tape_error.value) and says in str(tape_error.value)
    assert compiled_error.value.span == tape_error.value.span


def test_max_memory_does_not_stop_a_jvp_which_records_nothing(tape_runs):
    # --max-memory bounds a recording; the tape's J·v is a forward pass, and the compiled loop's
    # budget is --max-steps' alone: 3*10^4 iterations under 1 MiB run to the end on both
    program = program_of(LOOP)
    limits = Limits(max_memory=2**20)
    got = directional(program, {"n": 3e4}, {"x": 1.0}, wrt=["x"], limits=limits, engine="compiled")
    assert tape_runs == [] and got.value == pytest.approx(1.0000001 ** 30000, rel=1e-12)
    same_jvp(got, TAPE(program, {"n": 3e4}, {"x": 1.0}, wrt=["x"], limits=limits))


def test_below_the_limits_the_compiled_forward_loop_runs_to_the_end(tape_runs):
    got = directional(program_of(LOOP), {"n": 5000.0}, {"x": 2.0}, wrt=["x"], limits=Limits(max_steps=20_000),
                      engine="compiled")
    assert tape_runs == [] and got.value == pytest.approx(2 * 1.0000001 ** 5000, rel=1e-12)


# ------------------------------------------------------------ nothing gets in through the code

def test_names_that_look_like_the_generated_codes_own_are_renamed(tape_runs):
    # an input named like another's direction parameter, and variables named like the module's
    # functions and the instrumentation's names
    text = ("input x = 2\ninput x_dot = 3\ninput y = 0.5\nf = y * 1\njvp_f = x * x_dot\n_steps = jvp_f * f\n"
            "np = _steps + 1\n_budget = np * x\n__import__ = _budget * 2\n_Handover = __import__ + x_dot\n"
            "grad_f = _Handover * f\ngrad_f\n")
    program = program_of(text)
    v = {"x": 1.0, "x_dot": -2.0, "y": 0.25}
    got = directional(program, {}, v, engine="compiled")
    assert tape_runs == []
    same_jvp(got, TAPE(program, {}, v))
    # by hand: grad_f = y (2 x (x x_dot y + 1) + x_dot) = 2 x^2 x_dot y^2 + 2 x y + x_dot y, so
    # d/dx = 4 x x_dot y^2 + 2 y, d/dx_dot = 2 x^2 y^2 + y, d/dy = 4 x^2 x_dot y + 2 x + x_dot
    x, xd, y = 2.0, 3.0, 0.5
    by_hand = (4 * x * xd * y**2 + 2 * y) * 1.0 + (2 * x**2 * y**2 + y) * -2.0 + (4 * x**2 * xd * y + 2 * x + xd) * 0.25
    assert got.value == pytest.approx(by_hand, rel=1e-12)


def test_strings_and_direction_values_never_reach_the_generated_code(tmp_path):
    marker = tmp_path / "pwned"
    payload = f"__import__('os').system('touch {marker}')"
    for argv in (["jvp", "-e", "x^2", "--at", "x=1", "--direction", f"x={payload}"],
                 ["jvp", "-e", "x^2", "--at", "x=1", "--direction", f"{payload}=1"],
                 ["jvp", "-e", "x^2", "--at", "x=1", "--direction", "__import__=1"],
                 ["jvp", "-e", "x^2", "--at", f"x={payload}", "--direction", "x=1"],
                 ["jvp", "-e", f'print("{payload}")\nx^2', "--at", "x=1", "--direction", "x=1"]):
        code, out, err = run_main(argv + ["--engine", "compiled"])
        assert code != 0 and "Traceback" not in err and not marker.exists(), argv
    code, out, err = run_main(["jvp", "-e", f'print("{payload}")\nx^2', "--at", "x=1", "--direction", "x=1",
                               "--engine", "compiled"])
    assert code == 1 and "print()" in err
    # through the API: a direction is numbers whatever its text; the tape says what is wrong
    f = autodiff.compile("x^2", engine="compiled")
    with pytest.raises(ProgramError, match="not an input being differentiated"):
        f.jvp(x=1.0, direction={payload: 1.0})
    with pytest.raises(ValueError):
        f.jvp(x=1.0, direction={"x": payload})
    assert not marker.exists()
