"""The compiled engine (diffcore/compiled) against the tape: values, gradients, warnings, errors,
limits, handovers, exit codes and `--json` output; and what it refuses to run or to execute."""
from __future__ import annotations

import json
import math
import re
import time
from pathlib import Path

import numpy as np
import pytest

from autodiff.diffcore.compiled.run import Runner, evaluate
from autodiff.diffcore.compiled.static import NotCompiled
from autodiff.diffcore.derivatives import Differentiator, evaluate as tape_evaluate
from autodiff.diffcore.engine.context import Limits
from autodiff.diffcore.program import Program
from autodiff.grammar import Source
from autodiff.grammar.source import ProgramError

from helpers import run_main

ROOT = Path(__file__).resolve().parent.parent
PROGRAMS = sorted((ROOT / "samples").glob("*.expr")) + sorted((ROOT / "tests" / "cases").glob("*.expr"))
RTOL = 1e-12


def without_asserts(path: Path) -> str:
    """The program with its `assert` lines left out (the compiled engine leaves programs with
    assertions on the tape; the rest of each case is what is compared)."""
    return "\n".join(line for line in path.read_text().splitlines() if not line.lstrip().startswith("assert "))


def program_of(text: str, name: str = "p.expr") -> Program:
    return Program(Source(text, name))


def close(a, b) -> bool:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= RTOL * np.maximum(np.abs(a), np.abs(b)) + 1e-300))


def same_result(got, want) -> None:
    assert got.output_name == want.output_name and got.kind == want.kind and got.wrt == want.wrt
    assert close(got.output, want.output), (got.output, want.output)
    assert list(got.derivatives) == list(want.derivatives)
    for name in want.derivatives:
        assert close(got.derivatives[name], want.derivatives[name]), (name, got.derivatives[name], want.derivatives[name])
    assert list(got.inputs) == list(want.inputs)
    assert got.warnings == want.warnings


def compiled_programs() -> list:
    """(label, text) of every sample and case the compiled engine takes (asserts left out)."""
    found = []
    for path in PROGRAMS:
        text = without_asserts(path)
        try:
            runner = Runner(program_of(text, path.name), reduce_sum=True, engine="compiled")
            runner({})
        except ProgramError:
            continue
        found.append((f"{path.parent.name}/{path.name}", text))
    return found


COMPILED = compiled_programs()


def test_the_compiled_engine_takes_most_samples_and_cases():
    # 16 of 19 samples and 37 of 82 cases (the others: print, in-language derivatives,
    # recursion, random numbers, kinks; tests assert which below)
    assert len(COMPILED) >= 45, [label for label, _ in COMPILED]
    labels = {label for label, _ in COMPILED}
    assert {"samples/seed_control_flow.expr", "samples/rosenbrock.expr", "samples/loop.expr",
            "samples/custom_quadratic.expr", "cases/flow_break_continue.expr"} <= labels


def moved(value, rng):
    """A random point of the same shape near the value (same shapes: the same compiled form)."""
    if np.ndim(value):
        return np.asarray(value) + rng.normal(scale=0.25, size=np.shape(value))
    return float(value) + float(rng.normal(scale=0.25))


@pytest.mark.parametrize("label,text", COMPILED, ids=[label for label, _ in COMPILED])
def test_compiled_gives_the_tapes_values_gradients_and_warnings(label, text):
    program = program_of(text, label.split("/")[-1])
    runner = Runner(program, reduce_sum=True, engine="compiled")
    tape = Differentiator(program, reduce_sum=True)
    first = runner({})
    assert runner.last_engine == "compiled"
    same_result(first, tape({}))
    rng = np.random.default_rng(len(text))
    for _ in range(3):
        at = {name: moved(value, rng) for name, value in first.inputs.items()}
        same_result(runner(at), tape(at))
    value = evaluate(program, {}, engine="compiled")
    want = tape_evaluate(program, {})
    assert close(value.output, want.output) and value.warnings == want.warnings
    assert value.output_name == want.output_name and list(value.inputs) == list(want.inputs)


@pytest.mark.parametrize("sample", ["seed_graph", "seed_control_flow", "seed_broadcast", "loop", "seed_vjp",
                                    "custom_quadratic", "rosenbrock"])
def test_grad_json_and_exit_code_are_the_tapes(sample):
    path = str(ROOT / "samples" / f"{sample}.expr")
    extra = ["--sum"] if sample == "seed_vjp" else []
    code_c, out_c, err_c = run_main(["grad", path, "--json", "--engine", "compiled"] + extra)
    code_t, out_t, err_t = run_main(["grad", path, "--json", "--engine", "tape"] + extra)
    assert (code_c, err_c) == (code_t, err_t) == (0, "")
    got, want = json.loads(out_c), json.loads(out_t)
    numbers = re.compile(r"-?\d+(\.\d+)?(e-?\d+)?")
    # the same bytes but for the last digits of a number (the generated code may add in another order)
    assert numbers.sub("N", out_c) == numbers.sub("N", out_t)
    for key in ("output", "gradient", "vjp"):
        if key in want:
            assert close(np.array(json.dumps(got[key]) and list(_leaves(got[key]))),
                         np.array(list(_leaves(want[key]))))


def _leaves(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _leaves(v)
    elif isinstance(value, list):
        for v in value:
            yield from _leaves(v)
    else:
        yield value


def test_samples_the_values_match_to_the_byte():
    # where the generated code computes in the tape's order, the output is the same bytes
    for sample in ("seed_graph", "seed_control_flow", "loop", "custom_quadratic", "seed_broadcast"):
        path = str(ROOT / "samples" / f"{sample}.expr")
        assert run_main(["grad", path, "--json", "--engine", "compiled"]) == \
            run_main(["grad", path, "--json", "--engine", "tape"])


# ------------------------------------------------------------ choosing the engine

def test_engine_compiled_refuses_with_the_located_reason():
    code, out, err = run_main(["grad", str(ROOT / "samples" / "xor_mlp.expr"), "--engine", "compiled"])
    assert code == 1 and out == ""
    assert re.search(r"xor_mlp\.expr:\d+:\d+: error: the compiled engine does not run this program: print\(\)", err)
    assert "^" in err and "hint: --engine auto runs it on the tape" in err
    # emit's own reason, located as emit locates it
    growing = "y = x\nwhile sum(y) < 10:\n    y = concat([y, x])\nsum(y)"
    code, out, err = run_main(["grad", "-e", growing, "--at", "x=[1, 2]", "--engine", "compiled"])
    assert code == 1 and "<expr>:2:1" in err and "changes shape in this loop" in err
    # a kink the tape checks for
    code, out, err = run_main(["grad", "-e", "abs(x) + 1", "--at", "x=2", "--engine", "compiled"])
    assert code == 1 and "<expr>:1:1" in err and "abs() is checked for its kinks on the tape" in err
    # auto and tape run them
    for engine in ("auto", "tape"):
        code, out, err = run_main(["grad", "-e", "abs(x) + 1", "--at", "x=2", "--engine", engine, "--json"])
        assert code == 0 and json.loads(out)["gradient"] == {"x": 1.0}
        code, out, err = run_main(["grad", "-e", growing, "--at", "x=[1, 2]", "--engine", engine, "--json"])
        assert code == 0 and json.loads(out)["gradient"] == {"x": [4.0, 4.0]}


def test_auto_compiles_a_loop_at_once_and_straight_line_code_the_second_time():
    program = program_of("input x = 1.5\ny = x\nfor i in range(3):\n    y = y * x\ny\n")
    runner = Runner(program)
    assert runner({}).derivatives["x"] == pytest.approx(4 * 1.5 ** 3) and runner.last_engine == "compiled"
    straight = Runner(program_of("x^2 + 3*x"))
    straight({"x": 2.0})
    assert straight.last_engine == "tape"
    assert straight({"x": 3.0}).derivatives["x"] == 9.0 and straight.last_engine == "compiled"
    assert Runner(program, engine="tape")({}).derivatives["x"] == pytest.approx(4 * 1.5 ** 3)


def test_other_shapes_get_a_form_of_their_own():
    program = program_of("input x = [1, 2]\nsum(x * x)\n")
    runner = Runner(program, engine="compiled")
    assert list(runner({}).derivatives["x"]) == [2.0, 4.0]
    assert list(runner({"x": np.array([1.0, 2.0, 3.0])}).derivatives["x"]) == [2.0, 4.0, 6.0]
    assert runner.last_engine == "compiled"
    assert runner({"x": 3.0}).derivatives["x"] == 6.0


# ------------------------------------------------------------ handing over to the tape

def handed_over(text: str, compile_at: dict, at: dict, **kwargs):
    """The compiled runner's result at `at` (compiled first at `compile_at`), which engine gave
    it, and the tape's."""
    program = program_of(text)
    runner = Runner(program, engine="compiled", **kwargs)
    runner(compile_at)
    assert runner.last_engine == "compiled"
    got = runner(at)
    return got, runner.last_engine, Differentiator(program, **kwargs)(at)


def test_a_tie_in_a_differentiated_comparison_hands_over_with_the_tapes_kink_warning():
    got, engine, want = handed_over("input x = 1\nif x > 0:\n    y = x * x\nelse:\n    y = -x\ny\n",
                                    {"x": 1.0}, {"x": 0.0})
    assert engine == "tape" and got.warnings == want.warnings
    assert [w.kind for w in got.warnings] == ["kink"] and got.warnings[0].span.line == 2


def test_norm_at_zero_hands_over():
    got, engine, want = handed_over("input x = 3\nif norm(x) > 1:\n    y = x * 2\nelse:\n    y = x * 3\ny\n",
                                    {}, {"x": 0.0})
    assert engine == "tape" and got.warnings == want.warnings and got.warnings[0].operation == "norm"


def test_a_tie_of_a_loop_counter_with_a_differentiated_bound_is_the_tapes_kink():
    program = program_of(LOOP)
    runner = Runner(program, engine="compiled")
    got = runner({"n": 10.0})
    assert runner.last_engine == "tape" and got.warnings == Differentiator(program)({"n": 10.0}).warnings
    assert got.warnings[0].kind == "kink" and got.warnings[0].operation == "<"


def test_non_finite_results_hand_over_with_the_tapes_warnings():
    got, engine, want = handed_over("input x = 2\ny = log(x)\nz = y * 2\nz\n", {}, {"x": 0.0})
    assert engine == "tape" and got.output == -math.inf
    assert got.warnings == want.warnings and got.warnings[0].span.line == 2
    got, engine, want = handed_over("input x = 2\n1 / x\n", {}, {"x": 0.0})     # ZeroDivisionError inside
    assert engine == "tape" and got.output == math.inf and got.warnings == want.warnings
    # the value alone: evaluate hands over too
    program = program_of("input x = 2\ny = log(x)\ny\n")
    assert evaluate(program, {"x": 0.0}, engine="compiled").warnings == tape_evaluate(program, {"x": 0.0}).warnings


def test_a_jacobian_and_a_scalar_cotangent_run_on_the_tape():
    got, engine, want = handed_over("input x = [1, 2]\nx * x\n", {}, {}, cotangent=np.array([1.0, 1.0]))
    assert engine == "compiled" and list(got.derivatives["x"]) == [2.0, 4.0] and got.kind == "vjp"
    runner = Runner(program_of("input x = [1, 2]\nx * x\n"), engine="compiled")
    assert runner({}).kind == "jacobian" and runner.last_engine == "tape"


# ------------------------------------------------------------ limits in the generated loops

LOOP = "input n = 10\ninput x = 1\ni = 0\nwhile i < n:\n    x = x * 1.0000001\n    i = i + 1\nx\n"


def limited(limits: Limits, n: float):
    program = program_of(LOOP)
    runner = Runner(program, wrt=["x"], engine="compiled", limits=limits)     # (n watched: i < n ties at the end)
    runner({"n": 10.0})
    assert runner.last_engine == "compiled"
    with pytest.raises(ProgramError) as compiled_error:
        runner({"n": n})
    with pytest.raises(ProgramError) as tape_error:
        Differentiator(program, wrt=["x"], limits=limits)({"n": n})
    assert str(compiled_error.value) == str(tape_error.value)
    assert compiled_error.value.span == tape_error.value.span
    return compiled_error.value


def test_max_steps_holds_in_a_compiled_loop():
    error = limited(Limits(max_steps=1000), 1e6)
    assert "1,000 steps" in str(error)


def test_max_memory_holds_in_a_compiled_loop():
    error = limited(Limits(max_memory=2**20), 1e6)
    assert "MiB" in str(error)


def test_timeout_holds_in_a_compiled_loop():
    start = time.monotonic()
    error = limited(Limits(timeout=0.3), 1e12)
    assert "0.3 s" in str(error) and time.monotonic() - start < 10


def test_below_the_limits_the_compiled_loop_runs_to_the_end():
    program = program_of(LOOP)
    runner = Runner(program, wrt=["x"], engine="compiled", limits=Limits(max_steps=20_000))
    got = runner({"n": 5000.0})
    assert runner.last_engine == "compiled"
    assert got.derivatives["x"] == pytest.approx(1.0000001 ** 5000, rel=1e-12)


def test_calls_count_towards_the_step_bound():
    text = "input x = 1\ndef f(y):\n    return y * 2\ni = 0\nwhile i < 400:\n    x = f(x) / 2\n    i = i + 1\nx\n"
    program = program_of(text)
    limits = Limits(max_steps=700)          # 400 iterations + 400 calls: the tape stops
    with pytest.raises(ProgramError) as tape_error:
        Differentiator(program, limits=limits)({})
    with pytest.raises(ProgramError) as compiled_error:
        Runner(program, engine="compiled", limits=Limits(max_steps=700))({})
    assert str(compiled_error.value) == str(tape_error.value)


# ------------------------------------------------------------ nothing gets in through the code

def test_names_that_look_like_the_generated_codes_own_are_renamed():
    text = ("input x = 2\n_steps = x * 3\n_budget = _steps + 1\n_Handover = _budget * x\nnp = _Handover + 1\n"
            "__import__ = np * 2\nopen = __import__ + _tie\n_tie = 1\nopen\n")
    text = text.replace("open = __import__ + _tie\n_tie = 1\n", "_tie = 1\nopen = __import__ + _tie\n")
    program = program_of(text)
    runner = Runner(program, engine="compiled")
    same_result(runner({}), Differentiator(program)({}))
    assert runner.last_engine == "compiled"


def test_strings_and_at_values_never_reach_the_generated_code(tmp_path):
    marker = tmp_path / "pwned"
    payload = f"__import__('os').system('touch {marker}')"
    code, out, err = run_main(["grad", "-e", "x^2", "--at", f"x={payload}", "--engine", "compiled"])
    assert code != 0 and not marker.exists()
    code, out, err = run_main(["grad", "-e", f'print("{payload}")\nx^2', "--at", "x=1", "--engine", "compiled"])
    assert code == 1 and "print()" in err and not marker.exists()
    # a value is a number or an array, whatever its text: the code sees only floats
    code, out, err = run_main(["grad", "-e", "x^2", "--at", "x=[1e308, -0.0]", "--engine", "compiled", "--sum",
                               "--json"])
    assert code == 0 and not marker.exists()


def test_the_namespace_holds_no_way_out():
    from autodiff.diffcore.compiled.instrument import SAFE_BUILTINS, build
    assert not {"open", "__import__", "eval", "exec", "compile", "getattr", "globals"} & set(SAFE_BUILTINS)
    space = build("def _arg(value, shape):\n    return value\n", {}, 0)
    with pytest.raises(NameError):
        exec("open('x')", space)        # noqa: S102 - the test of the namespace


def test_a_test_the_output_never_reads_keeps_the_program_on_the_tape():
    # emit drops it as dead code, but the tape still compares (and notes the tie at 0)
    program = program_of("input x1 = 0\nout = x1 < 0\nout2 = x1 * 2\nout2\n")
    with pytest.raises(NotCompiled, match="whose result the output never reads"):
        Runner(program, engine="compiled")({"x1": 0.0})
    runner = Runner(program)
    runner({"x1": 0.0})
    got = runner({"x1": 0.0})
    assert runner.last_engine == "tape" and [w.operation for w in got.warnings] == ["<"]


def test_a_large_constant_array_is_not_written_into_the_code():
    text = "input x = ones(100)\ny = x\nfor i in range(2):\n    y = ones(100, 100) @ y / 100\nsum(y)\n"
    program = program_of(text)
    with pytest.raises(ProgramError, match="a constant array of 10,000 elements"):
        Runner(program, engine="compiled")({})
    start = time.monotonic()
    runner = Runner(program)
    assert np.allclose(runner({}).derivatives["x"], 1.0, rtol=1e-12) and runner.last_engine == "tape"
    assert time.monotonic() - start < 5
