"""The warnings of `jvp` (docs/numerics.md, "Warnings"): those of computing J·v by one forward
pass, never of a Jacobian: kinks and ties met on the way, a non-finite output, a non-finite J·v,
each located; grad's own warning where J·v asks grad's question."""
from __future__ import annotations

import json

import numpy as np

from autodiff.diffcore.derivatives import Differentiator, evaluate
from autodiff.diffcore.higher import directional
from autodiff.diffcore.program import Program
from autodiff.grammar.source import Source

from helpers import run_main


def program(text: str) -> Program:
    return Program(Source(text, "p.expr"))


def located(result) -> list:
    """(kind, operation, message, line, col) of each warning."""
    return [(w.kind, w.operation, w.message, w.span and w.span.line, w.span and w.span.col)
            for w in result.warnings]


def grad_warnings(p: Program, at: dict) -> list:
    return located(Differentiator(p)(at))


def test_a_big_array_output_gets_its_jvp_without_a_jacobian():
    # the Jacobian would have 4*10^8 entries; J·v = 2 v needs one forward pass
    code, out, err = run_main(["jvp", "-e", "x*2", "--at", "x=zeros(20000)", "--direction", "x=ones(20000)",
                               "--json"])
    assert (code, err) == (0, "")
    document = json.loads(out)
    assert np.array_equal(document["jvp"], np.full(20000, 2.0)) and document.get("warnings", []) == []


def test_a_kink_on_the_way_is_located_as_grad_locates_it():
    p = program("input x = 0\ny = 3 * x\nz = abs(y) + x\nz\n")
    r = directional(p, {}, {"x": 1.0})
    # abs at 0 takes the subgradient 0: J·v = 1 from the `+ x` alone
    assert r.value == 1.0
    assert located(r) == [("kink", "abs", "abs at 0: the subgradient 0 is used (as in PyTorch and JAX)", 3, 5)]
    assert located(r) == grad_warnings(p, {})
    # an array output: the kink of the one element at 0, at the operation's place, no Jacobian
    p = program("input x = [0, 2]\ny = abs(x) * 2\ny\n")
    r = directional(p, {}, {"x": [1.0, 1.0]})
    assert r.value.tolist() == [0.0, 2.0]
    assert located(r) == [("kink", "abs", "abs at 0: the subgradient 0 is used (as in PyTorch and JAX)", 2, 5)]


def test_a_tie_of_a_comparison_and_of_maximum_are_located():
    p = program("input x = 1\nif x > 1:\n    y = x * x\nelse:\n    y = 2 * x\ny\n")
    r = directional(p, {}, {"x": 0.5})
    assert r.value == 1.0          # the branch for false: d(2x) = 2, times 0.5
    assert located(r) == [("kink", ">", "'>' compares equal values (1); the branch for false was taken, so the "
                                        "derivative is one-sided here", 2, 4)]
    assert located(r) == grad_warnings(p, {})
    p = program("input x = [1, 2]\ninput y = [1, 3]\nm = maximum(x, y)\nm + 0\n")
    r = directional(p, {}, {"x": [1.0, 1.0], "y": [1.0, -1.0]})
    assert r.value.tolist() == [1.0, -1.0]      # 0.5 + 0.5 at the tie; y's -1 where y is larger
    assert located(r) == [("kink", "maximum", "maximum of equal values: the gradient is shared 0.5 / 0.5 (as in "
                                              "PyTorch and JAX)", 3, 5)]


def test_a_non_finite_jv_is_located_at_the_first_operation_whose_tangent_is_not():
    # sqrt'(0) is infinite: J·v's first element, at sqrt (line 2, col 5)
    p = program("input x = [0, 1, 4]\ny = sqrt(x)\ny * 2\n")
    r = directional(p, {}, {"x": [1.0, 1.0, 1.0]})
    assert r.value.tolist() == [np.inf, 1.0, 0.5]
    assert located(r) == [("non-finite", "sqrt", "the derivative through sqrt is not finite here", 2, 5)]
    # not moving x[0]: J·v is finite, and jvp warns of nothing (grad's gradient would still be infinite)
    r = directional(p, {}, {"x": [0.0, 1.0, 1.0]})
    assert r.value.tolist() == [0.0, 1.0, 0.5] and r.warnings == []
    # two inputs: the sqrt that made J·v infinite (col 1), where grad's sweep meets the other first (col 11)
    p = program("input x = 0\ninput y = 0\nsqrt(x) + sqrt(y)\n")
    r = directional(p, {}, {"x": 1.0})
    assert r.value == np.inf
    assert located(r) == [("non-finite", "sqrt", "the derivative through sqrt is not finite here", 3, 1)]
    assert grad_warnings(p, {})[0][3:] == (3, 11)


def test_one_number_in_and_out_gets_grads_warning_word_for_word():
    # J·v = f'(x) v: grad's question, and grad's answer (its sweep meets the outer sqrt first)
    p = program("input x = 0\nsqrt(sqrt(x))\n")
    r = directional(p, {}, {"x": 2.0})
    assert r.value == np.inf
    assert located(r) == grad_warnings(p, {}) == [
        ("non-finite", "sqrt", "the derivative through sqrt is not finite here", 2, 1)]
    # a non-finite output: the first operation that produced a non-finite value, as grad and eval say
    p = program("input x = 0\ny = log(x)\ny * 2\n")
    r = directional(p, {}, {"x": 1.0})
    assert located(r) == grad_warnings(p, {}) == [
        ("non-finite", "log", "log produced -inf: the first non-finite value", 2, 5)]


def test_a_non_finite_array_output_is_located_without_a_jacobian():
    p = program("input x = zeros(2000)\ny = log(x)\ny\n")
    message = "log produced an array of shape (2000,) containing -inf: the first non-finite value"
    r = directional(p, {}, {"x": np.ones(2000)})
    assert located(r) == [("non-finite", "log", message, 2, 5)]
    assert located(evaluate(p, {})) == [("non-finite", "log", message, 2, 5)]


def test_the_runs_that_locate_a_warning_print_nothing():
    printed: list = []
    p = program("input x = 1\nprint(x)\nsqrt(x)\n")
    p.compiled.runtime.default_print = printed.append
    directional(p, {"x": 1.0}, {"x": 1.0})
    finite = len(printed)
    directional(p, {"x": 0.0}, {"x": 1.0})
    assert len(printed) == 2 * finite
    assert finite == 1                                          # the plain first run alone prints
    assert p.compiled.runtime.default_print == printed.append   # and the program's own is put back


KINKED = """input x = [0, 2, 2, -1]
input y = 0
a = abs(x) + relu(x) + maximum(x, 2) + minimum(x, y) + clip(x, -1, 2)
b = max(x) + min(x) + norm([y, y]) + hypot(y, y) + norm(x[0:1])
c = sort(x)
d = floor(x[1]) + sign(y)
for i in range(3):
    b = b + abs(y)
if y >= 0:
    b = b * 2
sum(a) + b + sum(c) + d
"""


def test_the_forward_pass_notes_the_kinks_grads_tape_scan_finds():
    # every kinked primitive at its kink, a loop (one warning per place), a tie of a comparison:
    # jvp's kinks are grad's, in the same order and at the same places
    p = program(KINKED)
    want = [w for w in grad_warnings(p, {}) if w[0] == "kink"]
    assert len(want) >= 12
    got = directional(p, {}, {"x": [1.0, -1.0, 0.5, 2.0], "y": 1.0})
    assert located(got) == want
