"""Regressions of issue 11, bugs 1, 2, 5 and 13: one number, whichever command computes it.

Each program goes through every derivative command that applies (`grad`, `hessian`,
`grad --order 2` and, for one input, `--order 3`, `jacobian --mode forward|reverse`, `jvp`
and `hvp` along each input element) by the real entry point, in process. `every_mode`
checks that the commands agree with each other and with central differences (of the
value, and of the reverse-mode gradient for the Hessian), and returns the numbers, which
each test compares with hand-derived values.
"""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

from autodiff.diffcore.engine import elementwise as E
from autodiff.diffcore.derivatives import differentiate, evaluate
from autodiff.diffcore.program import Program
from helpers import close, run_main

H = 1e-5            # central differences: truncation and rounding errors ~1e-10 on these programs
TIGHT = dict(rtol=1e-12, atol=1e-12)
FD = dict(rtol=1e-6, atol=1e-6)


def run_json(text: str, *args: str) -> dict:
    code, out, err = run_main([*args, "-e", text, "--json"])
    assert code == 0, (args, err)
    return json.loads(out)


def at_args(at: dict) -> list:
    return [arg for name, value in at.items() for arg in ("--at", f"{name}={json.dumps(value)}")]


def flat(blocks: dict, names: list) -> np.ndarray:
    return np.concatenate([np.ravel(blocks[x]) for x in names])


def every_mode(text: str, at: dict, differences: bool = True, symmetric: bool = True) -> tuple:
    """(value, gradient, Hessian[, third derivative]) of a program at `at`, by every command.

    Inputs may be numbers or lists; the gradient and the Hessian are over all input elements,
    flattened in the order of `at`. With one scalar input, the third derivative (`grad --order
    3`, checked against differences of `hessian`) is returned too. `differences=False` skips
    central differences, which see only values (for a custom rule that deliberately differs
    from its body: the rule defines the derivative, and values cannot show it); then the
    commands are checked against each other and the test's own numbers only.
    `symmetric=False` skips the symmetry check.
    """
    names = list(at)
    sizes = [int(np.size(at[x])) for x in names]
    n = sum(sizes)
    args = at_args(at)

    g = run_json(text, "grad", *args)
    value = g["output"]
    gradient = flat(g["gradient"], names)
    for mode in ("forward", "reverse"):
        J = run_json(text, "jacobian", "--mode", mode, *args)
        assert J["output"] == pytest.approx(value, rel=1e-14)
        close(flat(J["jacobian"], names), gradient, **TIGHT)

    hessians = []
    for command in (["hessian"], ["grad", "--order", "2"]):
        result = run_json(text, *command, *args)
        close(flat(result["derivatives"]["1"], names), gradient, **TIGHT)
        second = result["derivatives"]["2"]
        hessians.append(np.block([[np.reshape(second[f"{x},{y}"], (nx, ny)) for y, ny in zip(names, sizes)]
                                  for x, nx in zip(names, sizes)]))
    hessian = hessians[0]
    close(hessians[1], hessian, **TIGHT)
    if symmetric:
        close(hessian, hessian.T, **TIGHT)

    for k, (x, e) in enumerate(_basis(at)):
        jvp = run_json(text, "jvp", *args, "--direction", f"{x}={json.dumps(e)}")
        assert jvp["jvp"] == pytest.approx(gradient[k], rel=1e-12, abs=1e-12)
        hvp = run_json(text, "hvp", *args, "--direction", f"{x}={json.dumps(e)}")
        close(flat(hvp["gradient"], names), gradient, **TIGHT)
        close(flat(hvp["hvp"], names), hessian[:, k], **TIGHT)

    program = Program.from_text(text, "<test>")
    for k, (plus, minus) in enumerate(_nudged(at) if differences else ()):
        slope = (evaluate(program, plus).output - evaluate(program, minus).output) / (2 * H)
        close(slope, gradient[k], **FD)
        gp, gm = (flat(differentiate(program, p).derivatives, names) for p in (plus, minus))
        close((gp - gm) / (2 * H), hessian[:, k], **FD)

    if n > 1 or np.ndim(at[names[0]]):
        return value, gradient, hessian
    (x,) = names
    third = run_json(text, "grad", "--order", "3", *args)["derivatives"]["3"][f"{x},{x},{x}"]
    if differences:
        plus, minus = next(_nudged(at))
        second = [run_json(text, "hessian", *at_args(p))["derivatives"]["2"][f"{x},{x}"] for p in (plus, minus)]
        close(third, (second[0] - second[1]) / (2 * H), **FD)
    return value, gradient, hessian, third


def _basis(at: dict):
    """(input, one-hot direction) for every element of every input."""
    for x, v in at.items():
        if not np.ndim(v):
            yield x, 1.0
            continue
        for i in range(np.size(v)):
            e = np.zeros(np.shape(v))
            e.flat[i] = 1.0
            yield x, e.tolist()


def _nudged(at: dict):
    """(at with one element + H, the same with - H), for every element of every input."""
    for x, v in at.items():
        for i in range(int(np.size(v))):
            pair = []
            for step in (H, -H):
                moved = np.array(v, dtype=float)
                moved.flat[i] += step
                pair.append({**at, x: moved if np.ndim(v) else float(moved)})
            yield tuple(pair)


def without_checkpoint(text: str) -> str:
    """The program with its `with checkpoint:` line removed and that block dedented."""
    out, indent = [], None
    for line in text.splitlines():
        depth = len(line) - len(line.lstrip())
        if line.strip() == "with checkpoint:":
            indent = depth
            continue
        if indent is not None and line.strip() and depth <= indent:
            indent = None
        out.append(line[:indent] + line[indent + 4:] if indent is not None else line)
    return "\n".join(out) + "\n"


def same_in_every_mode(checkpointed: str, at: dict) -> tuple:
    """every_mode of a program with a checkpoint, checked against the same program without it."""
    got = every_mode(checkpointed, at)
    want = every_mode(without_checkpoint(checkpointed), at)
    for a, b in zip(got, want):
        close(a, b, rtol=1e-13, atol=1e-13)
    return got


# ------------------------------------------ bug 1: in-language grad of a closure over an input

def test_grad_of_a_closure_over_a_differentiated_input():
    # d/dx (x^2 + a x) at 1 is 2 + a; the a*x entry's cotangent for x (from the outer trace)
    # reached the sweep's float fast path of x*x, which added it with Python's `+`.
    text = "input a = 1.5\nz = grad(lambda x: x*x + a*x)(1.0)\n"
    value, gradient, hessian, third = every_mode(text, {"a": 1.5})
    assert (value, gradient.tolist(), hessian.tolist(), third) == (3.5, [1.0], [[0.0]], 0.0)
    # and the other order of the terms, which always worked
    assert every_mode("input a = 1.5\nz = grad(lambda x: a*x + x*x)(1.0)\n", {"a": 1.5})[0] == 3.5


def test_grad_of_a_closure_nonlinear_in_the_input():
    a, x = 0.6, 0.7
    text = f"input a = {a}\nz = grad(lambda x: x*x*a + sin(a*x))({x})\n"
    value, gradient, hessian, third = every_mode(text, {"a": a})
    assert value == pytest.approx(2 * x * a + a * math.cos(a * x), rel=1e-14)
    assert gradient[0] == pytest.approx(2 * x + math.cos(a * x) - a * x * math.sin(a * x), rel=1e-13)
    assert hessian[0, 0] == pytest.approx(-2 * x * math.sin(a * x) - a * x * x * math.cos(a * x), rel=1e-13)
    assert third == pytest.approx(-3 * x * x * math.cos(a * x) + a * x ** 3 * math.sin(a * x), rel=1e-6)


def test_value_and_grad_and_vjp_of_a_closure_with_two_inputs():
    # value_and_grad: 1 + a w and 2 + a w; vjp with cotangent 2: 2 (2 + a w); z = 7 + 4 a w
    text = ("input a = 1.5\ninput w = 0.5\nf = lambda x: x*x + a*x*w\n"
            "v, g = value_and_grad(f)(1.0)\nout, c = vjp(f, 1.0, 2.0)\nz = v + g + c\n")
    value, gradient, hessian = every_mode(text, {"a": 1.5, "w": 0.5})
    assert value == 7 + 4 * 1.5 * 0.5
    close(gradient, [4 * 0.5, 4 * 1.5])
    close(hessian, [[0.0, 4.0], [4.0, 0.0]])


def test_grad_inside_grad_closing_over_an_input():
    # inner: d/dy (y^2 x + a y x) at y = x is 2x^2 + a x; times a, then d/dx: 4 a x + a^2
    text = "input a = 0.8\nz = grad(lambda x: grad(lambda y: y*y*x + a*y*x)(x) * a)(0.5)\n"
    value, gradient, hessian, third = every_mode(text, {"a": 0.8})
    assert value == pytest.approx(4 * 0.8 * 0.5 + 0.8 ** 2, rel=1e-15)
    assert gradient[0] == pytest.approx(2 + 2 * 0.8, rel=1e-15)
    assert (hessian[0, 0], third) == (2.0, 0.0)


def test_an_internal_type_error_is_an_internal_error_not_the_programs(monkeypatch):
    # A bug inside a derivative rule that raises TypeError, met inside an in-language grad():
    # nothing in the program explains it, so it is exit 3, not a "runtime error" (exit 1).
    def broken(g, ans, x):
        raise TypeError("unsupported operand type(s) for +: 'Box' and 'float'")
    monkeypatch.setattr(E.sin.primitive, "vjps", (broken,))
    code, out, err = run_main(["eval", "-e", "z = grad(lambda t: sin(t) * t)(1.0)"])
    assert code == 3 and "internal error: TypeError" in err and "runtime error" not in err


def test_python_arithmetic_on_a_tracer_is_an_internal_error(monkeypatch):
    # A rule that forgets to unwrap (Python's `*` on a tracer), inside jvp(f, ...), whose
    # function argument would otherwise make it look like "cannot compute jvp() of a function".
    monkeypatch.setattr(E.sin.primitive, "jvp", lambda tangents, ans, x: x * 1.0)
    code, out, err = run_main(["grad", "-e", "input a = 0.3\nz = jvp(lambda t: sin(t), a, 1.0)[1]"])
    assert code == 3 and "internal error: TracerMisuse" in err


@pytest.mark.parametrize("text, message", [
    ("f = sin\nf(1.0, 2.0)", "sin() does not take these arguments: too many positional arguments"),
    ("f = clip\nf(1.0, \"a\", 2)", "cannot compute f() of a number and a string and a number"),
    ("seed([1.0, 2.0])", "a seed must be a whole number, not an array of shape (2,)"),
    ("arange([1.0, 2.0])", "the start of arange must be a number, not an array of shape (2,)"),
    ("allclose([1, 2], [1, 2], rtol=[1, 2])", "rtol of allclose must be a number, not an array of shape (2,)"),
])
def test_type_errors_the_program_causes_are_still_its_errors(text, message):
    code, out, err = run_main(["eval", "-e", text])
    assert code == 1 and f"type error: {message}" in err, err


# ---------------------------------- bug 2: checkpointed loops reaching variables around them

def test_a_checkpointed_loop_calling_a_function_that_reads_a_top_level_input():
    text = ("input x = 0.5\ndef step(b):\n    return b * x\nb = x\n"
            "with checkpoint:\n    for i in range(1):\n        b = step(b)\nz = b * b\n")
    value, gradient, hessian, third = same_in_every_mode(text, {"x": 0.5})
    assert (value, gradient[0], hessian[0, 0], third) == (0.5 ** 4, 4 * 0.5 ** 3, 12 * 0.5 ** 2, 24 * 0.5)


def test_a_checkpointed_loop_calling_grad_of_a_closure_over_an_input():
    # (this one said "a value computed inside grad() was used after grad() returned")
    text = ("input a = 0.8\ninput x = 0.3\nb = x\nwith checkpoint:\n    for i in range(4):\n"
            "        b = b + grad(lambda t: sin(t) * a)(b) * 0.1\nz = b * a\n")
    same_in_every_mode(text, {"a": 0.8, "x": 0.3})


def test_a_checkpoint_in_a_function_reaching_its_own_enclosing_and_top_level_variables():
    text = ("input a = 0.8\ninput x = 0.3\ndef run(b, c):\n    def step(u):\n        return sin(u) * c + a * u\n"
            "    with checkpoint:\n        for i in range(5):\n            b = step(b) + a\n    return b\n"
            "z = run(x, x * a)\n")
    same_in_every_mode(text, {"a": 0.8, "x": 0.3})


def test_a_checkpoint_reaching_inputs_inside_a_tuple_and_through_closures_made_elsewhere():
    tuple_text = ("input a = 0.8\ninput x = 0.3\np = (a, (x, 2.0))\ndef step(u):\n"
                  "    return u * p[0] + sin(p[1][0]) * u\nb = x\nwith checkpoint:\n    for i in range(6):\n"
                  "        b = step(b)\nz = b\n")
    same_in_every_mode(tuple_text, {"a": 0.8, "x": 0.3})
    factory = "input a = 0.5\ninput x = 0.7\ndef make(c):\n    return lambda t: t * t * c + sin(t)\n"
    loop = "    with checkpoint:\n        for i in range(3):\n            b = h(b) + b\n    return b\nz = run(x)\n"
    same_in_every_mode(factory + "def run(b):\n    h = make(a * 2)\n" + loop, {"a": 0.5, "x": 0.7})
    same_in_every_mode(factory + "def run(b):\n    h = grad(make(a * 2))\n" + loop, {"a": 0.5, "x": 0.7})


def test_a_checkpoint_inside_an_in_language_grad_leaves_the_variables_around_it_as_they_were():
    text = ("input a = 0.7\ndef run(b):\n    with checkpoint:\n        for i in range(4):\n"
            "            b = sin(b) * a\n    return b\ng = grad(run)(0.3)\nz = g * a + run(a)\n")
    same_in_every_mode(text, {"a": 0.7})


# ------------------------------------------- bug 5: a custom rule defines the derivative

HARD = "def hard(x):\n    return clip(round(x), 0, 3)\nbackward hard(x, g):\n    return g\n"


def test_a_straight_through_rule_in_every_mode_and_order():
    # The rule says hard' = 1: y = hard(x) x has y' = hard(x) + x = 3.6 and y'' = 2 at 1.6
    # (forward and Taylor mode used to differentiate the body: y' = 2, y'' = 0).
    value, gradient, hessian, third = every_mode(HARD + "input x = 1.6\ny = hard(x) * x\n", {"x": 1.6},
                                                 differences=False)
    assert (value, gradient[0], hessian[0, 0], third) == (3.2, 3.6, 2.0, 0.0)
    nested = run_json(HARD + "f = lambda x: hard(x) * x\nz = [grad(grad(f))(1.6), jvp(f, 1.6, 1.0)[1], "
                      "hessian(f)(1.6), vjp(f, 1.6, 1.0)[1]]\n", "eval")["output"]
    assert nested == [2.0, 3.6, 2.0, 3.6]


def test_a_straight_through_rule_gives_a_symmetric_hessian():
    value, gradient, hessian = every_mode(HARD + "input x = 1.6\ninput w = 0.5\ny = hard(x) * x * w\n",
                                          {"x": 1.6, "w": 0.5}, differences=False)
    close(gradient, [0.5 * 3.6, 2.0 * 1.6])
    close(hessian, [[1.0, 3.6], [3.6, 0.0]])                # it was [[0.5, 3.6], [2.0, 0.0]]


def test_a_rule_that_depends_on_x_is_followed_at_every_order():
    # The rule says f' = 2 cos x (twice the body's): y = f(x) x, with f(x) = sin x as a value, has
    # y' = 2x cos x + sin x, y'' = 4 cos x - 2x sin x, y''' = -6 sin x - 2x cos x.
    text = ("def f(x):\n    return sin(x)\nbackward f(x, g):\n    return 2 * g * cos(x)\n"
            "input x = 0.9\ny = f(x) * x\n")
    x = 0.9
    value, gradient, hessian, third = every_mode(text, {"x": x}, differences=False)
    assert gradient[0] == pytest.approx(2 * x * math.cos(x) + math.sin(x), rel=1e-14)
    assert hessian[0, 0] == pytest.approx(4 * math.cos(x) - 2 * x * math.sin(x), rel=1e-14)
    assert third == pytest.approx(-6 * math.sin(x) - 2 * x * math.cos(x), rel=1e-6)


def test_a_rule_on_arrays_under_batched_forward_mode():
    # hard elementwise on a vector (jacobian --mode forward pushes all directions at once):
    # y = sum(hard(v) v w): dy/dv = w (hard(v) + v), dy/dw = sum(hard(v) v).
    v, w = [1.6, 0.4, 2.6], 0.5
    value, gradient, hessian = every_mode(HARD + "input v = [0.0]\ninput w = 0.0\ny = sum(hard(v) * v * w)\n",
                                          {"v": v, "w": w}, differences=False)
    hard = np.clip(np.round(v), 0, 3)
    close(gradient, list(w * (hard + v)) + [float(np.sum(hard * np.array(v)))])
    expected = np.zeros((4, 4))
    expected[:3, :3] = np.diag([2 * w] * 3)
    expected[:3, 3] = expected[3, :3] = hard + v
    close(hessian, expected)


def test_the_seed_quadratic_rule_in_every_mode():
    text = ("def quadratic(x, a, b, c):\n    return a * x^2 + b * x + c\n"
            "backward quadratic(x, a, b, c, g):\n    return g * (2*a*x + b), g * x^2, g * x, g\n"
            "input x = 3.0\ninput a = 2.0\ninput b = 1.0\ninput c = 4.0\ny = quadratic(x, a, b, c)\n")
    value, gradient, hessian = every_mode(text, {"x": 3.0, "a": 2.0, "b": 1.0, "c": 4.0})
    assert value == 25.0
    close(gradient, [13.0, 9.0, 3.0, 1.0])
    close(hessian, [[4, 6, 1, 0], [6, 0, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0]])


# ------------------------------------- bug 13: grad of a function with a one-element array

def test_grad_of_a_function_returning_an_array_of_one_element():
    # z = sum(2 x a) + sum(x^2 a) + a over x = [1, 2]: 6a + 5a + a = 12a
    text = ("input a = 0.7\ndef f(x):\n    return sum(x * x * a, keepdims=true)\n"
            "v, g = value_and_grad(f)([1.0, 2.0])\n"
            "z = sum(g) + sum(v) + sum(grad(lambda t: reshape(t * a, (1, 1)))(3.0))\n")
    value, gradient, hessian, third = every_mode(text, {"a": 0.7})
    assert (value, gradient[0], hessian[0, 0], third) == pytest.approx((8.4, 12.0, 0.0, 0.0), rel=1e-14)
    shapes = run_json("f = lambda x: sum(x * x, keepdims=true)\nv, g = value_and_grad(f)([1.0, 2.0])\n"
                      "z = [shape(v)[0], g[0], g[1]]\n", "eval")["output"]
    assert shapes == [1.0, 2.0, 4.0]                 # the value keeps its shape, as in autograd


def test_grad_still_refuses_an_output_of_several_elements():
    code, out, err = run_main(["eval", "-e", "grad(lambda t: [t, t])(1.0)"])
    assert code == 1 and "grad needs a function that returns one number" in err
