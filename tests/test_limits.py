"""Limits that always hold (issue 12): every number a float64, one admission for every array,
a wall-time limit checked by the work done, --at under the command's limits, bounded strings,
type errors as language errors, and derivatives of any supported order without overflow.

The cases that used to hang (an exact integer growing without bound, a loop of huge matrix
products, a Jacobian of 27 million entries) run in one child process with a timeout, so that a
regression fails in seconds instead of hanging the suite; everything else runs in-process and
takes milliseconds, under small limits.
"""
from __future__ import annotations

import inspect
import json
import math
import os
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

import autodiff.cli.main  # noqa: F401 - registers the commands
from autodiff.grammar.source import ProgramError
from autodiff.diffcore.engine import elementwise as E, numeric
from autodiff.diffcore.interpreter.builtins import BUILTINS, Builtin
from autodiff.diffcore.derivatives import Differentiator, evaluate
from autodiff.diffcore.engine.errors import LimitExceeded, ValueTypeError
from autodiff.diffcore.engine.context import RunContext, current
from autodiff.diffcore.engine.numeric import WORK_PER_LOOK, ArrayTooLarge, OutOfTime
from autodiff.diffcore.program import Program
from autodiff.diffcore.interpreter.runtime import DEFAULT_TIMEOUT, Limits, Runtime, runtime_builtins
from autodiff.diffcore.interpreter.strings import MAX_STRING_LENGTH
from autodiff.diffcore.engine.tracing import REGISTRY
from helpers import run_main
import linalg_cases

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def plain_environment(monkeypatch):
    monkeypatch.delenv("AUTODIFF_DEBUG", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")


def run(text: str, limits: Limits = None, at: dict = None):
    return evaluate(Program.from_text(text), at or {}, limits=limits or Limits(), print_fn=lambda t: None)


def grad(text: str, limits: Limits = None, at: dict = None):
    return Differentiator(Program.from_text(text), limits=limits or Limits(), print_fn=lambda t: None)(at or {})


def refused(text: str, limits: Limits, kind=ProgramError, differentiate: bool = False) -> ProgramError:
    with pytest.raises(kind) as raised:
        (grad if differentiate else run)(text, limits)
    return raised.value


# ------------------------------------------------- the cases that used to hang: one child process

# (name, argv, exit code, fragment of stderr or None, most seconds the case may take)
HANG_PRONE = [
    # item 1: i ^ i ^ i on exact integers grew without bound in one uninterruptible operation
    ("power of loop variables", ["eval", "--timeout", "2", "-e", "for i in range(10, 11): y = i ^ i ^ i"],
     0, None, 3),
    ("power of sizes", ["eval", "--timeout", "2", "-e", "n = len(zeros(5000))\nm = shape(zeros(3, 7))[1]\n"
                        "y = n ^ n ^ n + m ^ m ^ m ^ m"], 0, "the output is inf", 3),
    # item 2: a loop of a few huge operations stops at --timeout, by the work it does
    ("matmul loop", ["eval", "--timeout", "0.5", "-e", "a = ones(700, 700)\nfor i in range(1000):\n"
                     "    b = a @ a\ny = sum(b)"], 1, "longer than 0.5 s", 4),
    ("matmul loop under grad", ["grad", "--timeout", "0.5", "-e", "b = x * ones(700, 700)\nfor i in range(1000):\n"
                                "    b = b @ ones(700, 700) * 0.001\ny = sum(b)", "--at", "x=1"],
     1, "longer than 0.5 s", 4),
    ("reduction loop", ["eval", "--timeout", "0.5", "-e", "a = ones(3000, 3000)\nt = 0\n"
                        "for i in range(100000):\n    t = t + sum(a)\ny = t"], 1, "longer than 0.5 s", 4),
    # item 3: a loop in an --at value ran under the default limits
    ("--at loop", ["eval", "--max-steps", "10", "-e", "x + 1",
                   "--at", "x=t = 0\nfor i in range(3000000): t = t + 1"], 2, "--max-steps", 3),
    # item 4: grad of an array output swept 90,000 rows, past --timeout and the Jacobian cap
    ("grad of a 300x300 output", ["grad", "--timeout", "3", "-e", "outer(x, x)", "--at", "x=zeros(300)"],
     2, "27,000,000 entries", 3),
    # (forty products per sweep, so that the sweeps outlast 0.2 s on an idle, fast machine too)
    ("grad of many sweeps", ["grad", "--timeout", "0.2", "-e",
                             "y = x * x\nfor i in range(40):\n    y = ones(999, 999) @ y / 999\ny",
                             "--at", "x=ones(999)"], 1, "longer than 0.2 s", 3),
]

_CHILD = """
import json, sys, time
sys.path.insert(0, {tests!r})
from helpers import run_main
for name, argv in json.loads(sys.argv[1]):
    start = time.monotonic()
    code, out, err = run_main(argv)
    print(json.dumps([name, code, out, err, time.monotonic() - start]), flush=True)
"""


def test_cases_that_used_to_hang_end_within_their_limits():
    cases = [(name, argv) for name, argv, *_ in HANG_PRONE]
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("AUTODIFF_DEBUG", None)
    budget = sum(case[-1] for case in HANG_PRONE) + 20          # (the child's start, numpy's import)
    try:
        child = subprocess.run([sys.executable, "-c", _CHILD.format(tests=str(Path(__file__).parent)),
                                json.dumps(cases)], capture_output=True, text=True, timeout=budget, env=env)
        lines = child.stdout.splitlines()
        failure = child.stderr[-2000:]
    except subprocess.TimeoutExpired as expired:
        lines = (expired.stdout or b"").decode().splitlines() if isinstance(expired.stdout, bytes) else \
            (expired.stdout or "").splitlines()
        failure = f"the child process was killed after {budget} s"
    results = {name: (code, out, err, seconds) for name, code, out, err, seconds in map(json.loads, lines)}
    for name, argv, code, fragment, most in HANG_PRONE:
        assert name in results, f"{name!r} did not finish ({failure}); finished: {sorted(results)}"
        got, out, err, seconds = results[name]
        context = f"{name}: exit {got}, {seconds:.1f} s\n{out}\n{err}"
        assert got == code, context
        assert "internal error" not in err and "Traceback" not in err, context
        assert fragment is None or fragment in err, context
        assert seconds < most, context


# ------------------------------------------------------------ item 1, 14: numbers are float64

def test_sizes_and_loop_variables_are_float64_numbers():
    assert run("y = len(zeros(3))").output == 3.0 and type(run("y = len(zeros(3))").output) is float
    assert run("y = len((1, 2))").output == 2.0
    assert run("y = shape(zeros(2, 3))").output == (2.0, 3.0)
    assert all(type(v) is float for v in run("y = shape(zeros(2, 3))").output)
    looped = run("y = 0\nfor i in range(2, 5):\n    y = y + i\n")
    assert looped.output == 9.0 and type(looped.output) is float
    # booleans count as 0 and 1 in arithmetic (numpy would add boolean arrays as `or`)
    assert run("y = true + true").output == 2.0 and type(run("y = true + true").output) is float
    assert run("y = -true").output == -1.0
    np.testing.assert_array_equal(run("y = (x > 0) + (x > 1)", at={"x": np.array([-1.0, 0.5, 2.0])}).output,
                                  [0.0, 1.0, 2.0])
    np.testing.assert_array_equal(run("y = (x > 0) * (x > 1)", at={"x": np.array([-1.0, 0.5, 2.0])}).output,
                                  [0.0, 0.0, 1.0])


def test_range_and_indexing_still_take_those_numbers():
    out = run("x = [10.0, 20.0, 30.0]\nt = (1, 2, 3)\ny = 0\nfor i in range(len(x)):\n"
              "    y = y + x[i] * t[i]\ny = y + x[len(x) - 1] + sum(zeros(shape(x)))").output
    assert out == 10 + 40 + 90 + 30
    # a checkpointed range loop cuts the same float values into segments
    g = grad("input a = 2.0\nb = 1.0\nwith checkpoint:\n    for i in range(10):\n        b = b + a * i\n")
    assert g.output == 1.0 + 2.0 * 45 and g.derivatives["a"] == 45.0


def test_huge_numbers_overflow_to_inf_in_every_place(capsys):
    n = "len(zeros(5000))"
    code, out, err = run_main(["eval", "-e", "y = x", "--at", f"x={n}^{n}"])
    assert code == 0 and "y = inf" in out
    code, out, err = run_main(["eval", "-e", f"input x = {n} ^ {n}\ny = x"])
    assert code == 0 and "y = inf" in out
    code, out, err = run_main(["eval", "-e", f"n = {n}\nassert n^n < 0"])
    assert code == 1 and "assertion failed: inf < 0.0 is false" in err
    code, out, err = run_main(["eval", "--json", "-e", f"n = {n}\ny = n^n"])
    assert code == 0 and json.loads(out)["output"] == "inf"
    assert "the output is inf" in err
    code, out, err = run_main(["grad", "-e", f"n = {n}\ny = n^n * x", "--at", "x=1"])
    assert code == 0 and "dy/dx = inf" in out


# ------------------------------------------------------------------ item 10: one admission

# Every way a program makes an array, each just over a limit of 100 elements from values within
# it: (what, program). A test below checks that every builtin that makes an array is here.
SMALL = Limits(max_elements=100)
PRODUCERS = [
    ("zeros", "y = zeros(101)"), ("ones", "y = ones(11, 11)"), ("full", "y = full(11, 11, 0.5)"),
    ("eye", "y = eye(11)"), ("arange", "y = arange(101)"), ("linspace", "y = linspace(0, 1, 101)"),
    ("range", "y = range(101)"), ("randn", "y = randn(101)"), ("rand", "y = rand(11, 10)"),
    ("outer", "y = outer(ones(11), ones(10))"),
    ("stack", "y = stack(ones(60), ones(60))"), ("concat", "x = ones(60)\ny = concat(x, x)"),
    ("concat doubling", "x = ones(10)\nfor i in range(30):\n    x = concat(x, x)\ny = x"),
    ("list of arrays", "v = ones(40)\ny = [v, v, v]"), ("list of traced arrays", "v = x[0] * ones(40)\ny = [v, v, v]"),
    ("broadcasting +", "y = ones(11, 1) + ones(1, 10)"), ("broadcasting *", "y = x * ones(11, 1)"),
    ("broadcasting ^", "y = ones(11, 1) ^ ones(10)"), ("matmul", "y = ones(11, 1) @ ones(1, 10)"),
    ("dot", "y = dot(ones(11, 1), ones(1, 10))"), ("matmul builtin", "y = matmul(ones(11, 1), ones(1, 10))"),
    ("minimum", "y = minimum(ones(11, 1), ones(10))"), ("maximum", "y = maximum(ones(11, 1), ones(10))"),
    ("max of two", "y = max(ones(11, 1), ones(10))"), ("min of two", "y = min(ones(11, 1), ones(10))"),
    ("pow", "y = pow(ones(11, 1), ones(10))"), ("atan2", "y = atan2(ones(11, 1), ones(10))"),
    ("hypot", "y = hypot(ones(11, 1), ones(10))"), ("clip", "y = clip(ones(11, 1), ones(10), 2)"),
    ("where", "y = where(ones(11, 1) > 0, ones(10), 0)"),
    ("fmax", "y = fmax(ones(11, 1), ones(10))"), ("fmin", "y = fmin(ones(11, 1), ones(10))"),
    ("xlogy", "y = xlogy(ones(11, 1), ones(10))"), ("logaddexp", "y = logaddexp(ones(11, 1), ones(10))"),
    ("logaddexp2", "y = logaddexp2(ones(11, 1), ones(10))"),
    ("comparison", "y = ones(11, 1) == ones(1, 10)"), ("comparison <", "y = ones(11, 1) < ones(10)"),
    ("isclose", "y = isclose(ones(11, 1), ones(10))"), ("allclose", "y = allclose(ones(11, 1), ones(10))"),
    ("integer-array index", "i = zeros(50)\nA = ones(2, 50)\ny = A[i]"),
    ("integer-array index of a traced value", "i = zeros(50)\ny = (x[0] * ones(2, 50))[i]"),
    ("grad of an array", "y = grad(lambda t: sum(outer(t, t)))(ones(11))"),
    ("jacobian", "y = jacobian(lambda t: t * t)(ones(11))"),
    ("hessian", "y = hessian(lambda t: sum(t * t * t))(ones(11))"),
    ("enumerate", "y = enumerate(ones(51))"), ("zip", "v = ones(34)\ny = zip(v, v, v)"),
    *linalg_cases.PRODUCERS,
    ("tile", "y = tile(x, 11)"), ("tile of a traced value", "y = tile(x * 2, (11, 1))"),
    ("repeat", "y = repeat(x, 11)"), ("repeat counts", "y = repeat(x, 11 * ones(10))"),
    ("pad", "y = pad(x * ones(10, 1), 1)"), ("tril", "y = tril(ones(11))"), ("triu", "y = triu(x[0] * ones(11), 1)"),
    ("take", "y = take(x, zeros(101))"), ("take_along_axis", "y = take_along_axis(x * ones(1, 10), zeros(11, 1), 0)"),
    ("vstack", "v = ones(60)\ny = vstack([v, v])"), ("hstack", "v = ones(60)\ny = hstack([v, x[0] * v])"),
    ("dstack", "y = dstack([ones(8, 7), ones(8, 7)])"), ("column_stack", "v = ones(60)\ny = column_stack([v, v])"),
]
# Builtins that make no array larger than their arguments (reductions, elementwise functions, tests
# of one argument): their result is admitted too, but never goes over a limit its arguments kept.
NOT_GROWING = {"sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "exp", "expm1", "log",
               "log1p", "sqrt", "abs", "sigmoid", "softplus", "relu", "sign", "floor", "ceil", "round", "log2",
               "log10", "sum", "prod", "mean", "norm", "logsumexp", "shape", "len", "detach", "any", "all",
               "isnan", "isfinite", "value_and_grad", "jvp", "vjp", "print", "seed", "softmax",
               "reshape", "transpose",
               # order and shapes that only rearrange or cut (a sort's positions are its own size too)
               "sort", "argsort", "argmax", "argmin", "topk", "flip", "roll", "squeeze", "expand_dims",
               "atleast_1d", "atleast_2d", "atleast_3d", "moveaxis", "swapaxes", "split", "array_split",
               "var", "std", "cumsum", "cumprod", "diff", "log_softmax", "erf", "erfc", "gammaln", "digamma",
               "polygamma", "sinc", "asinh", "acosh", "atanh", "nan_to_num", "int", "float"} | linalg_cases.NOT_GROWING


def test_the_table_names_every_builtin_that_makes_arrays():
    functions = {n for n, v in BUILTINS.items() if isinstance(v, Builtin)} | set(runtime_builtins(Runtime()))
    covered = {what.split()[0] for what, _ in PRODUCERS}
    assert functions - NOT_GROWING - covered == set()


@pytest.mark.parametrize("what, text", PRODUCERS, ids=[p[0] for p in PRODUCERS])
def test_every_way_of_making_an_array_is_held_to_the_element_limit(what, text):
    for differentiate in (False, True):
        program = "input x = ones(10)\n" + text + "\nz = sum(x * x)\n"
        error = refused(program, SMALL, LimitExceeded, differentiate)
        assert error.limit == "max-elements" and error.span is not None, (what, error)
        assert "the limit is 100" in error.message


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_primitive_admits_its_result_exactly_at_the_limit(name):
    """The size rule of every registered primitive gives its result's size before it is computed:
    at a limit one below it the call is refused, at the limit it goes through."""
    import test_primitives
    prim = REGISTRY[name]
    assert prim.size is not None, f"{name} has no size rule"
    rng = np.random.default_rng(5)
    for case in test_primitives.CASES[name]:
        args = case.make(rng)
        if not any(isinstance(a, np.ndarray) for a in args) and not case.params:
            continue        # numbers alone: nothing to admit
        with RunContext(Limits(max_elements=10**9)), np.errstate(all="ignore"):
            result = prim.impl(*args, **case.params)
        n = result.size if isinstance(result, np.ndarray) else 1
        with RunContext(Limits(max_elements=n)), np.errstate(all="ignore"):
            prim.impl(*args, **case.params)
        with RunContext(Limits(max_elements=n - 1)), pytest.raises(ArrayTooLarge):
            prim.impl(*args, **case.params)


def test_taylor_mode_admits_its_arrays_too():
    """Taylor mode computes its coefficients with numpy itself: its arrays are admitted before the rules run."""
    from autodiff.diffcore.higher import derivative_tensors
    program = Program.from_text("y = sum(x * ones(11, 1) + ones(10))")
    with pytest.raises(LimitExceeded) as raised:
        derivative_tensors(program, {"x": 0.5}, 3, limits=SMALL)
    assert raised.value.limit == "max-elements" and raised.value.span is not None
    result = derivative_tensors(program, {"x": 0.5}, 3, limits=Limits(max_elements=110))
    assert result.mode == "taylor" and result.orders[1][("x",)] == 110.0
    text = Program.from_text("s = '%r' % x\ny = x ^ 3")         # a string from a Taylor-mode value
    assert derivative_tensors(text, {"x": 2.0}, 3).orders[3][("x",) * 3] == 6.0


def test_a_refused_array_is_never_allocated():
    """4 million booleans of a comparison (3.5 GB at 60,000 x 60,000) are refused before numpy makes them."""
    limits = Limits(max_elements=100_000)
    for text in ("y = zeros(2000, 1) == zeros(1, 2000)", "y = zeros(2000, 1) + zeros(1, 2000)",
                 "y = isclose(zeros(2000, 1), zeros(1, 2000))", "i = zeros(2000)\ny = zeros(2, 2000)[i]",
                 "x = zeros(2000, 1)\ny = where(x > 0, zeros(1, 2000), 0)"):
        tracemalloc.start()
        try:
            with pytest.raises(LimitExceeded):
                run(text, limits)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 1_000_000, (text, peak)     # the 2000-element operands, not 4 MB of result


# ------------------------------------------------------------------ item 2: wall time

def test_the_default_timeout_is_one_value_documented_everywhere():
    from autodiff.cli.options import limit_options

    @limit_options
    def command(**kwargs):
        pass
    timeout = next(p for p in command.__click_params__ if p.name == "timeout")
    assert DEFAULT_TIMEOUT == 60.0
    assert Limits().timeout == DEFAULT_TIMEOUT == timeout.default
    import click

    from autodiff.cli.app import cli
    eval_command = cli.get_command(click.Context(cli), "eval")
    assert next(p for p in eval_command.params if p.name == "timeout").default == DEFAULT_TIMEOUT
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "| `--timeout SECONDS` | 60 |" in readme
    assert "`--timeout` | 60 s" in (ROOT / "docs" / "numerics.md").read_text(encoding="utf-8")


def test_timeout_zero_means_no_limit():
    from autodiff.cli.config import LimitSettings
    assert LimitSettings(10, 10, 10, 0, 2**30).limits().timeout is None
    assert LimitSettings(10, 10, 10, 2.5, 2**30).limits().timeout == 2.5
    code, out, err = run_main(["eval", "--timeout", "0", "-e", "y = 1 + 1"])
    assert code == 0 and "y = 2.0" in out


def test_work_on_arrays_reads_the_clock_between_operations():
    """No loop iteration and no call: the primitives' work alone stops the run at its deadline."""
    a = np.ones(WORK_PER_LOOK)              # each operation on it counts more than WORK_PER_LOOK
    with RunContext(Limits(timeout=0.001)):
        time.sleep(0.002)
        with pytest.raises(OutOfTime):
            E.add(a, a)
    assert current().deadline == math.inf       # the clock is put back (outside a run: none)


def test_a_nested_clock_never_extends_the_outer_one():
    with RunContext(Limits(timeout=1.0)):
        outer = current().deadline
        with RunContext(Limits(timeout=100.0)):
            assert current().deadline == outer
        with RunContext(Limits(timeout=0.01)):
            assert current().deadline < outer and current().timeout == 0.01
        assert current().deadline == outer and current().timeout == 1.0
    assert current().deadline == math.inf


# Commands that end every way, each followed in the same process by a timed Jacobian below.
ENDINGS = [
    (["eval", "--max-steps", "10", "-e", "x + 1", "--at", "x=t = 0\nfor i in range(3000000): t = t + 1"], 2),
    (["eval", "--timeout", "5", "-e", "t = 0\nwhile true:\n    t = t + sum(ones(2000, 2000))"], 1),
    (["grad", "--timeout", "0", "-e", "y = ones(30, 30) @ (x * x)", "--at", "x=ones(30)"], 0),
    (["eval", "-e", "y = 1 +"], 1),
]


def test_every_run_in_a_process_keeps_its_deadline_whatever_ran_before(monkeypatch):
    """A command's --timeout holds after any other in the same process: nothing a run leaves
    (its context, a meter, a limit) moves or skips the next run's deadline. Checked by the
    mechanism, not by the machine's speed: with the primitives' clock an hour ahead, every look
    at it finds the deadline passed, so a run with a limit stops at its first look (the Jacobian's
    sweeps look before each row) and a run without one finishes."""
    real = time.monotonic
    monkeypatch.setattr(numeric, "time", type("Clock", (), {"monotonic": staticmethod(lambda: real() + 3600.0)}))
    jacobian = ["grad", "-e", "y = ones(30, 30) @ (x * x)", "--at", "x=ones(30)"]
    for argv, ending in ENDINGS:
        code, out, err = run_main(argv)
        assert code == ending, err
        code, out, err = run_main(jacobian[:1] + ["--timeout", "0.2"] + jacobian[1:])
        assert code == 1 and "the program ran longer than 0.2 s" in err and out == "", (argv, code, err)
    code, out, err = run_main(jacobian)           # the default 60 s: an hour ahead is past it too
    assert code == 1 and "longer than 60 s" in err
    code, out, err = run_main(jacobian[:1] + ["--timeout", "0", "--json"] + jacobian[1:])
    assert code == 0 and json.loads(out)["jacobian"]["x"] == [[2.0] * 30] * 30     # d(sum_j x_j^2)/dx_k


def test_timeout_error_is_located_and_names_the_option():
    error = refused("a = ones(500, 500)\nt = 0\nwhile true:\n    t = t + sum(a @ a)\n",
                    Limits(timeout=0.05, max_steps=10**9), OutOfTime)
    assert error.limit == "timeout" and error.span is not None and "--timeout" in error.hint


# --------------------------------------------------- item 3: --at and pragmas under the command's limits

def test_at_values_run_under_the_commands_limits():
    calls = "(lambda t: t)((lambda t: t)((lambda t: t)(1)))"
    code, out, err = run_main(["eval", "--max-steps", "2", "-e", "x", "--at", f"x={calls}"])
    assert code == 2 and "--at x" in err and "--max-steps" in err
    code, out, err = run_main(["eval", "--max-steps", "5", "-e", "x", "--at", f"x={calls}"])
    assert code == 0 and " = 1.0" in out
    code, out, err = run_main(["eval", "--max-elements", "100", "-e", "x", "--at", "x=zeros(1000)"])
    assert code == 2 and "--max-elements" in err
    code, out, err = run_main(["grad", "--max-elements", "100", "-e", "sum(x * v)", "--at", "x=ones(3)",
                               "--vjp", "1", "--at", "v=ones(101)"])
    assert code == 2 and "--max-elements" in err


def test_check_pragmas_run_under_the_files_limits(tmp_path):
    path = tmp_path / "p.expr"
    path.write_text("# check: at x=(lambda t: t)((lambda t: t)((lambda t: t)(1)))\ny = x * 2\n")
    code, out, err = run_main(["check", "--max-steps", "2", str(path)])
    assert code == 1 and "ERROR" in out and "--max-steps" in out
    code, out, err = run_main(["check", "--max-steps", "10", str(path)])
    assert code == 0, out + err


# ------------------------------------------------------------- item 4: grad of an array output

def test_grad_of_an_array_output_has_the_jacobians_cap():
    code, out, err = run_main(["grad", "-e", "outer(x, x)", "--at", "x=zeros(101)"])
    assert code == 2 and "the Jacobian would have 1,030,301 entries" in err
    code, out, err = run_main(["jacobian", "-e", "outer(x, x)", "--at", "x=zeros(101)"])
    assert code == 2 and "1,030,301 entries" in err
    result = grad("y = x * x", at={"x": np.array([1.0, 2.0])})          # under the cap: the full Jacobian
    np.testing.assert_array_equal(result.derivatives["x"], [[2.0, 0.0], [0.0, 4.0]])


# --------------------------------------------------------- item 11, 22: strings and tuples

def test_format_shows_values_the_way_print_does():
    text = ("f = lambda t: t\ndef g(t):\n    return t\ndef nothing():\n    pass\n"
            "y = '%r|%s|%r|%r|%r|%s|%r|%r' % (x, x, f, g, zeros(2), (1, true), sin, nothing)\n")
    want = "1.5|1.5|<lambda>|<function g>|[0.0, 0.0]|(1.0, true)|<function sin>|<function nothing>"
    assert run(text, at={"x": 1.5}).output == want
    code, out, err = run_main(["grad", "-e", "s = '%r' % x\nprint(s)\ny = 2 * x", "--at", "x=1.5"])
    assert code == 0 and err.strip() == "1.5" and "dy/dx = 2.0" in out
    assert run("y = '%5.2f|%d|%x|%e|%g|%-4s|%%' % (pi, 7.9, 255, 1e10, 0.5, 'ab')").output == \
        " 3.14|7|ff|1.000000e+10|0.5|ab  |%"
    assert run("y = 'a' + 'b' + '%g' % len(zeros(3))").output == "ab3"


def test_strings_are_bounded_before_they_are_made():
    for text, fragment in [("y = '%3000000000s' % 'a'", "a width of 3,000,000,000"),
                           ("y = '%.3000000000f' % 1", "a precision of 3,000,000,000"),
                           ("y = '%*d' % (2000000, 1)", "a width of 2,000,000"),
                           ("s = 'ab'\nfor i in range(40):\n    s = s + s\ny = s", "joining two strings")]:
        tracemalloc.start()
        try:
            error = refused(text, Limits(), LimitExceeded)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert fragment in error.message and f"{MAX_STRING_LENGTH:,}" in error.message and error.span is not None
        assert peak < 10 * MAX_STRING_LENGTH


@pytest.mark.parametrize("text, fragment", [
    ("y = '%g %g' % 1", "more conversions than the 1 value"),
    ("y = '%g' % (1, 2)", "1 conversion for 2 values"),
    ("y = '%q' % 1", "unknown conversion '%q'"),
    ("y = 'ab %' % 1", "lone %"),
    ("y = '%(a)s' % 1", "needs a mapping"),
    ("y = '%d' % zeros(2)", "%d needs a number, not an array"),
    ("y = '%d' % inf", "%d needs a finite number"),
    ("y = '%x' % 2.5", "%x needs a whole number"),
    ("y = '%f' % sin", "%f needs a number, not a function"),
    ("y = 'a' * 3", "cannot compute '*' of a string and a number"),
    ("y = 'a' + 1", "cannot compute '+' of a string and a number"),
    ("y = 1 % 'a'", "cannot compute '%' of a number and a string"),
    ("t = (1, 2)\ny = t + t", "cannot compute '+' of a tuple of 2 and a tuple of 2"),
    ("t = (1, 2)\ny = t * true", "cannot compute '*' of a tuple of 2 and a boolean"),
])
def test_string_and_tuple_mistakes_are_type_errors(text, fragment):
    for differentiate in (False, True):
        error = refused("input x = 1.0\n" + text + "\nz = x", Limits(), ValueTypeError, differentiate)
        assert fragment in error.message and error.span is not None and error.hint, error


# ------------------------------------------------- item 16: odd arguments are language errors

ODD = {"function": "sin", "lambda": "(lambda t: t)", "tuple": "(1, 2)", "string": "'a'", "none": "nothing()",
       "bool": "true"}
# (builtin, kind, position) where the odd kind is what the builtin takes there.
VALID = {("detach", kind, 0) for kind in ODD} | {
    ("full", "tuple", 0), ("reshape", "tuple", 1), ("len", "tuple", 0), ("shape", "tuple", 0),
    ("mean", "none", 1), ("softmax", "none", 1),
    ("enumerate", "tuple", 0), ("zip", "tuple", 0), ("zip", "tuple", 1),
    ("mean", "none", 1), ("softmax", "none", 1), ("einsum", "string", 0),
    # numpy's None axes (all, or flattened) and tuples of axes, repetitions and widths
    ("flip", "none", 1), ("squeeze", "none", 1), ("repeat", "none", 2), ("roll", "none", 2),
    ("expand_dims", "tuple", 1), ("tile", "tuple", 1),
    ("mean", "none", 1), ("softmax", "none", 1), ("log_softmax", "none", 1), ("var", "none", 1),
    ("std", "none", 1), ("cumsum", "none", 1), ("cumprod", "none", 1),
    *{(name, kind, 0) for name in ("grad", "value_and_grad", "jacobian", "hessian", "jvp", "vjp")
      for kind in ("function", "lambda")},
}


def _positions(builtin: Builtin) -> int:
    try:
        parameters = inspect.signature(builtin.fn).parameters.values()
    except (TypeError, ValueError):
        return 2
    count = sum(p.kind == p.POSITIONAL_OR_KEYWORD for p in parameters)
    if any(p.kind == p.VAR_POSITIONAL for p in parameters):
        count = max(count, 2)
    return max(1, min(count, 3))


def _calls():
    everything = {**{n: b for n, b in BUILTINS.items() if isinstance(b, Builtin)}, **runtime_builtins(Runtime())}
    for name, builtin in sorted(everything.items()):
        for kind, odd in ODD.items():
            for position in range(_positions(builtin)):
                args = ["x"] * _positions(builtin)
                args[position] = odd
                yield name, kind, position, f"{name}({', '.join(args)})"


CALLS = list(_calls())


@pytest.mark.parametrize("kind", sorted(ODD))
def test_every_builtin_given_an_odd_argument_is_a_language_error(kind):
    """Every builtin, with a function, a lambda, a tuple, a string, nothing or a boolean in each of its
    positions, under eval and grad: a located language error (exit 1) unless the builtin takes that kind
    there, never an internal error."""
    limits = Limits(max_steps=10_000, max_elements=10_000, timeout=5)
    for name, odd_kind, position, call in CALLS:
        if odd_kind != kind:
            continue
        program = Program.from_text(f"input x = [1.0, 2.0]\ndef nothing():\n    pass\ny = {call}\n")
        for mode in ("eval", "grad"):
            try:
                if mode == "eval":
                    evaluate(program, {}, limits=limits, print_fn=lambda t: None)
                else:
                    Differentiator(program, limits=limits, print_fn=lambda t: None)({})
                outcome = None
            except ProgramError as error:
                outcome = error
            except Exception as error:      # an internal error (exit 3): the bug this test is for
                pytest.fail(f"{mode} {call}: {type(error).__name__}: {error}")
            if outcome is not None:
                assert outcome.kind != "usage error", (mode, call, outcome)       # exit 1, not 2
                assert outcome.span is not None or outcome.message.startswith("the output is") \
                    or "computes no value" in outcome.message, (mode, call, outcome)
            elif kind not in ("bool",) and (name, kind, position) not in VALID and mode == "eval":
                pytest.fail(f"eval {call} was accepted")


@pytest.mark.parametrize("mode", ["eval", "grad"])
@pytest.mark.parametrize("text, fragment", [
    ("atan2([x, 2], sin)", "cannot compute atan2() of an array of shape (2,) and a function"),
    ("[x, 2] ^ (1, 2)", "cannot compute '^' of an array of shape (2,) and a tuple of 2"),
    ("hypot([x, 2], (1, 2))", "cannot compute hypot() of an array of shape (2,) and a tuple of 2"),
    ("pow(x, sin)", "cannot compute pow() of a number and a function"),
    ("where(sin, x, x)", "the condition of where must be a number or an array, not a function"),
    ("x @ (1, 2)", "cannot compute '@' (matrix product) of a number and a tuple of 2"),
])
def test_type_errors_of_the_issue_are_located_with_a_hint(mode, text, fragment):
    code, out, err = run_main([mode, "-e", text, "--at", "x=1"])
    assert code == 1, err
    assert "<expr>:1:" in err and "type error:" in err and fragment in err and "hint:" in err, err


# --------------------------------------------------------- item 17: Taylor mode's factorials

def test_derivatives_up_to_the_highest_order_are_exact_without_overflow():
    from autodiff.diffcore.higher import derivative_tensors
    from autodiff.diffcore.engine.taylor import MAX_ORDER
    assert MAX_ORDER == 170
    result = derivative_tensors(Program.from_text("exp(x)"), {"x": 0.5}, MAX_ORDER)
    assert result.mode == "taylor"
    for k in (1, 100, 169, 170):
        assert result.orders[k][("x",) * k] == pytest.approx(math.exp(0.5), rel=1e-12), k
    result = derivative_tensors(Program.from_text("x ^ 3"), {"x": 0.5}, MAX_ORDER)
    assert [result.orders[k][("x",) * k] for k in (1, 2, 3, 4, 170)] == [0.75, 3.0, 6.0, 0.0, 0.0]


def test_an_order_past_the_highest_is_a_usage_error():
    code, out, err = run_main(["grad", "--order", "171", "-e", "x", "--at", "x=0.5"])
    assert code == 2 and "171 is not in the range 1<=x<=170" in err
    from autodiff.cli.options import MAX_ORDER as OPTION_MAXIMUM
    from autodiff.diffcore.engine.taylor import MAX_ORDER
    assert OPTION_MAXIMUM == MAX_ORDER


def test_coefficients_past_the_largest_factorial_do_not_overflow():
    from autodiff.diffcore.engine.taylor import coefficient_derivative
    big = math.lgamma(172)          # 171! = 1.2e309: past the largest float64
    assert coefficient_derivative(0.0, 171) == 0.0
    assert coefficient_derivative(math.exp(-big + 2), 171) == pytest.approx(math.exp(2), rel=1e-12)
    assert coefficient_derivative(-math.exp(-big + 3), 171) == pytest.approx(-math.exp(3), rel=1e-12)
    assert math.isnan(coefficient_derivative(math.nan, 171))
    assert coefficient_derivative(1.0, 171) == math.inf            # 171! itself: past float64, inf
    np.testing.assert_allclose(coefficient_derivative(np.array([0.0, math.exp(-big + 2)]), 171), [0.0, math.exp(2)])
