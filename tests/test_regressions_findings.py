"""Regressions of the extended fuzzer's findings N1, N3 and N5 (docs/fuzzing.md), and of the
batching rule of an element assignment whose value has leading axes of length 1.

Each program goes through every derivative command by the real entry point (`every_mode` of
tests/test_regressions_modes.py: grad, grad --order 2 (and 3 for one scalar input), hessian,
jacobian --mode forward|reverse, jvp and hvp along each input element, checked against each
other and, where the function is smooth around the point, central differences), and the
numbers are compared with hand-derived ones.
"""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

from autodiff.grammar import Source, parse
from fuzzing.agreement import Agreement
from fuzzing.programs import Generated
from helpers import close, run_main
from test_regressions_modes import every_mode, run_json

# ------------------------------------------- N1: a checkpoint inside a checkpointed block


def test_n1_a_checkpoint_nested_in_a_checkpointed_loop():
    # t = x * x * x. The outer segment's recomputation ran the inner checkpoint, which took the
    # variables the program assigned after the block (y, holding a value of the closed outer
    # recording) for values it reaches: "the checkpointed block reaches a differentiated value
    # that is not held by a variable it can see" (first reported as an unknown input).
    x = 1.5
    text = ("input x = 1.5\nt = x\nwith checkpoint:\n    for i in range(2):\n        with checkpoint:\n"
            "            t = t * x\ny = t\n")
    value, gradient, hessian, third = every_mode(text, {"x": x})
    assert value == x ** 3
    close(gradient, [3 * x ** 2], rtol=1e-14)
    close(hessian, [[6 * x]], rtol=1e-14)
    assert third == pytest.approx(6.0, rel=1e-12)


def test_n1_checkpointed_loops_nested_in_several_segments():
    # 5 outer iterations (segments of 3 and 2), each 2 inner ones: t = x^11
    x = 1.1
    text = (f"input x = {x}\nt = x\nwith checkpoint:\n    for i in range(5):\n        with checkpoint:\n"
            "            for j in range(2):\n                t = t * x\ny = t\n")
    value, gradient, hessian, third = every_mode(text, {"x": x})
    assert value == pytest.approx(x ** 11, rel=1e-14)
    close(gradient, [11 * x ** 10], rtol=1e-13)
    close(hessian, [[110 * x ** 9]], rtol=1e-13)
    assert third == pytest.approx(990 * x ** 8, rel=1e-12)


def test_n1_nested_checkpoints_in_a_function_under_in_language_grad():
    # power(p) = (p * s)^3 / s^3 * p = p^4 ... written out: t = p, then three times t = t * p * s,
    # so power(p) = p^4 s^3; grad(power)(x) = 4 x^3 s^3 with s = x: 4 x^6.
    x = 0.9
    text = (f"input x = {x}\ndef power(p):\n    t = p\n    with checkpoint:\n        for i in range(3):\n"
            "            with checkpoint:\n                t = t * p * s\n    return t\n"
            "s = x\ny = grad(power)(x)\n")
    value, gradient, hessian, third = every_mode(text, {"x": x})
    assert value == pytest.approx(4 * x ** 6, rel=1e-14)
    close(gradient, [24 * x ** 5], rtol=1e-13)
    close(hessian, [[120 * x ** 4]], rtol=1e-13)
    assert third == pytest.approx(480 * x ** 3, rel=1e-10)


@pytest.mark.parametrize("before", ["x", "1.0"])
def test_a_segment_recomputed_sees_the_variables_as_they_were_when_it_ran(before):
    # f reads z, which the program assigns again after the block. The recomputation in the
    # backward sweep read the later z (a value of the closed recording): exit 1, "a value
    # computed inside grad() was used after grad() returned". y = x z0 + x^3.
    x = 1.5
    text = (f"input x = {x}\nz = {before}\ndef f(p):\n    return p * z\nwith checkpoint:\n    t = f(x)\n"
            "z = x * x * x\ny = t + z\n")
    value, gradient, hessian, third = every_mode(text, {"x": x})
    if before == "x":
        expected = (x ** 2 + x ** 3, 2 * x + 3 * x ** 2, 2 + 6 * x)
    else:
        expected = (x + x ** 3, 1 + 3 * x ** 2, 6 * x)
    assert value == pytest.approx(expected[0], rel=1e-15)
    close(gradient, [expected[1]], rtol=1e-14)
    close(hessian, [[expected[2]]], rtol=1e-14)
    assert third == pytest.approx(6.0, rel=1e-12)


def test_a_checkpointed_block_assigning_a_tuple_a_function_and_a_branch_in_every_mode():
    # Found with N1's fix by the long agreement profile. A segment's outputs were every variable
    # it assigns, each taken for a number: c = (x, x*x) left the block as one opaque value, whose
    # derivative reverse mode lost (dy/dx = 0, silently), a function defined in the block could
    # no longer be called ("f is a function, not a function"), and u, assigned in a branch not
    # taken, left it as a differentiated "unset" value, which a later segment's forward-mode
    # rule refused (hessian, hvp: "argument 5 must be a number or an array, not _Unset").
    # y = c0 c1 + f(x) + t x = x^3 + x^2 + x^3 = 2 x^3 + x^2
    x = 1.5
    text = (f"input x = {x}\nwith checkpoint:\n    c = (x, x * x)\n    def f(p):\n        return p * x\n"
            "    if x > 2:\n        u = x\n    t = x * x\n    flag = x > 1\nwith checkpoint:\n"
            "    y = c[0] * c[1] + f(x) + t * x\n")
    value, gradient, hessian, third = every_mode(text, {"x": x})
    assert value == 2 * x ** 3 + x ** 2
    close(gradient, [6 * x ** 2 + 2 * x], rtol=1e-14)
    close(hessian, [[12 * x + 2]], rtol=1e-14)
    assert third == pytest.approx(12.0, rel=1e-12)


def test_a_tuple_holding_differentiated_values_is_a_checkpointed_blocks_input():
    x = 1.5
    text = (f"input x = {x}\nc = (x, (x * x, 2.0))\nt = x\nwith checkpoint:\n    for i in range(3):\n"
            "        t = t * c[1][0] * c[1][1] / c[0]\ny = t\n")      # t = x (2x)^3 = 8 x^4
    value, gradient, hessian, third = every_mode(text, {"x": x})
    assert value == pytest.approx(8 * x ** 4, rel=1e-15)
    close(gradient, [32 * x ** 3], rtol=1e-14)
    close(hessian, [[96 * x ** 2]], rtol=1e-14)
    assert third == pytest.approx(192 * x, rel=1e-10)


@pytest.mark.parametrize("command", [["eval"], ["grad"], ["hessian"], ["jacobian", "--mode", "forward"],
                                     ["jvp", "--direction", "x=1"], ["hvp", "--direction", "x=1"]], ids=" ".join)
def test_a_variable_a_checkpointed_block_leaves_unassigned_is_still_unassigned(command):
    # grad said "the output is _Unset, not a number or an array"
    text = "input x = 1.0\nwith checkpoint:\n    if x > 2:\n        t = x\ny = t\n"
    code, out, err = run_main(command + ["-e", text])
    assert code == 1 and "5:5: runtime error: 't' is used before it is assigned" in err, err


# ------------------------------------------------------------ N3: `//` is numpy's floor_divide

@pytest.mark.parametrize("a, b, expected", [
    ("1", "0.1", 9.0), ("-1e-308", "1e308", -1.0), ("inf", "2", math.nan), ("-5", "inf", -1.0),
    ("-1", "0.1", -10.0), ("7", "-2", -4.0), ("1", "0", math.inf), ("0", "0", math.nan),
])
def test_n3_floor_division_values(a, b, expected):
    for text in (f"{a} // {b}", f"[{a}] // [{b}]"):
        code, out, err = run_main(["eval", "-e", text, "--json"])
        assert code == 0, err
        got = json.loads(out)["output"]
        got = got[0] if isinstance(got, list) else got
        got = math.nan if got == "nan" else float(got)
        assert (math.isnan(got) and math.isnan(expected)) or got == expected, (text, got)


def test_n3_floor_division_and_mod_agree():
    # numpy's invariant: (a // b) * b + a % b == a (to rounding), which floor(a / b) broke at 1, 0.1
    code, out, err = run_main(["eval", "-e", "(1 // 0.1) * 0.1 + 1 % 0.1", "--json"])
    assert code == 0 and '"output": 1.0' in out, (out, err)


def test_n3_the_derivative_of_mod_uses_the_same_quotient():
    # a % b = a - 9 b around (1, 0.1) (1 // 0.1 is 9): y = (a % b) b + a // b has
    # dy/da = b, dy/db = (a % b) - 9 b, d2y/da db = 1, d2y/db2 = -18 (floor(a / b) gave -20).
    # The point sits just beside a jump (a = 10 b is 1e-17 away), so no central differences.
    a, b = 1.0, 0.1
    m = a % b
    text = f"input a = {a}\ninput b = {b}\ny = (a % b) * b + a // b\n"
    value, gradient, hessian = every_mode(text, {"a": a, "b": b}, differences=False)
    assert value == m * b + 9.0
    close(gradient, [b, m - 9 * b], rtol=1e-14)
    close(hessian, [[0.0, 1.0], [1.0, -18.0]], rtol=1e-14, atol=1e-14)


def test_n3_taylor_mode_of_mod_uses_the_same_quotient():
    # y = b^2 (1 % b) = b^2 (1 - 9 b) around 0.1: y' = 2 b m - 9 b^2, y'' = 2 m - 36 b, y''' = -54
    b = 0.1
    m = 1 % b
    value, gradient, hessian, third = every_mode(f"input b = {b}\ny = (1 % b) * b * b\n", {"b": b},
                                                 differences=False)
    assert value == pytest.approx(m * b * b, rel=1e-15)
    close(gradient, [2 * b * m - 9 * b * b], rtol=1e-13)
    close(hessian, [[2 * m - 36 * b]], rtol=1e-13)
    assert third == pytest.approx(-54.0, rel=1e-12)


def test_n3_floor_division_is_a_step_with_derivative_zero():
    # y = (x // y0) x at (5, 2): 2 x, away from a jump
    value, gradient, hessian = every_mode("input x = 5.0\ninput d = 2.0\ny = (x // d) * x\n", {"x": 5.0, "d": 2.0})
    assert value == 10.0
    close(gradient, [2.0, 0.0])
    close(hessian, [[0.0, 0.0], [0.0, 0.0]])
    assert run_json("input x = 5.0\ninput d = 2.0\ny = (x // d) * x\n", "grad")["warnings"] == []


def test_n3_floor_division_at_its_jump_is_reported():
    doc = run_json("x // d", "grad", "--at", "x=4", "--at", "d=2")
    assert doc["gradient"] == {"x": 0.0, "d": 0.0}
    (warning,) = doc["warnings"]
    assert warning["kind"] == "kink" and warning["operation"] == "//" and "4 // 2" in warning["message"]


# ------------------------------------- N5: a checkpointed loop under a batched forward Hessian

N5 = ("def f1(p2, p3):\n    t4 = p3\n    w5 = 0\n    with checkpoint:\n        while w5 < 1:\n"
      "            t6 = p2[-2]\n            w5 += 1\n    return p2[-2] + p2[-2]\n"
      "input x7 = 0\ninput x8 = 0\nout = grad(f1, 1)([x7, x7], x7)\n")


def test_n5_the_fuzzers_program_agrees_in_every_method():
    # The TracerMisuse was the fuzzer's own: its ForwardWatch read the tangent of a checkpointed
    # segment (a tuple of tangents, batched ones in a forward Jacobian) with np.asarray.
    generated = Generated(parse(Source(N5)), {"x7": 0.0, "x8": 0.0}, features=frozenset({"checkpoint"}))
    assert [d.detail for d in Agreement(generated).check()] == []
    value, gradient, hessian = every_mode(N5, {"x7": 0.0, "x8": 0.0})
    assert value == 0.0 and not gradient.any() and not hessian.any()


def test_n5_a_checkpointed_while_loop_inside_in_language_grad_in_every_mode():
    # f(p, q) = p q^2 p; grad in q: 2 p^2 q; out = 2 x^3 y
    x, y = 1.5, 0.5
    text = (f"def f(p, q):\n    w = 0\n    t = p\n    with checkpoint:\n        while w < 2:\n"
            f"            t = t * q\n            w += 1\n    return t * p\ninput x = {x}\ninput y = {y}\n"
            "out = grad(f, 1)(x, y) * x\n")
    value, gradient, hessian = every_mode(text, {"x": x, "y": y})
    assert value == 2 * x ** 3 * y
    close(gradient, [6 * x ** 2 * y, 2 * x ** 3], rtol=1e-14)
    close(hessian, [[12 * x * y, 6 * x ** 2], [6 * x ** 2, 0.0]], rtol=1e-14, atol=1e-14)
    # The loop counter is a plain number, in the program and in the segment run again: no
    # "'<' compares equal values" at w = 2 from a recomputation that differentiated it.
    for command in (["grad"], ["hessian"], ["jacobian", "--mode", "forward"], ["hvp", "--direction", "x=1"]):
        assert run_json(text, *command)["warnings"] == [], command


# ------------------------------ an element assignment of a value with leading axes of length 1

def test_assigning_a_row_shaped_1_by_n_to_a_row_in_every_mode():
    # numpy drops the value's leading 1: t[0] = 2 x, out = sum(2 x * x)
    x = [1.0, 2.0, 3.0]
    text = "input x = [1.0, 2.0, 3.0]\nt = reshape(x, (1, 3))\nt[0] = t * 2\nout = sum(t * x)\n"
    value, gradient, hessian = every_mode(text, {"x": x})
    assert value == 28.0
    close(gradient, 4 * np.array(x))
    close(hessian, 4 * np.eye(3))


def test_assigning_extra_leading_ones_to_a_mixed_advanced_selection_in_every_mode():
    # t[0, :, [1, 3]] is a (2, 3) selection; the (1, 1, 1, 3) value x^2 fits it as (3,): t holds
    # x1 at 18 places and each x_j^2 at 2, so out = x0 (18 x1 + 2 sum(x^2)). Reverse mode could
    # not sum the cotangent back to the value's shape (exit 3) and forward mode did not batch it.
    x = np.array([1.0, 2.0, 3.0])
    text = ("input x = [1.0, 2.0, 3.0]\nt = zeros((2, 3, 4)) + x[1]\n"
            "t[0, :, [1, 3]] = reshape(x * x, (1, 1, 1, 3))\nout = sum(t * x[0])\n")
    value, gradient, hessian = every_mode(text, {"x": x.tolist()})
    assert value == x[0] * (18 * x[1] + 2 * np.sum(x * x)) == 64.0
    close(gradient, [68.0, 26.0, 12.0])
    close(hessian, [[12.0, 26.0, 12.0], [26.0, 4.0, 0.0], [12.0, 0.0, 4.0]])
