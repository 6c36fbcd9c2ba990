"""`with checkpoint:` recomputes instead of storing; the derivatives must not change."""
from __future__ import annotations

import numpy as np
import pytest

from autodiff.diffcore.engine import elementwise as E
from autodiff.diffcore.derivatives import differentiate
from autodiff.diffcore.higher import derivative_tensors
from autodiff.diffcore.program import Program
from autodiff.grammar.source import ProgramError


def both(body: str, header: str = "", at=None):
    """(checkpointed, plain) gradients of a program whose indented loop is `body`."""
    plain = header + body.replace("    ", "", 0)
    checkpointed = header + "with checkpoint:\n" + "".join("    " + line + "\n" for line in body.splitlines())
    return (differentiate(Program.from_text(checkpointed), at or {}),
            differentiate(Program.from_text(plain), at or {}))


SCALAR = "input a = 0.9\ninput b0 = 0.3\nb = b0\n"
LOOP = "for i in range(N):\n    b = sin(b)*a + 0.5*b*b/(1+b*b)"


@pytest.mark.parametrize("n", [1, 2, 3, 5, 10, 17, 100])
def test_scalar_loop_same_gradient_for_any_length(n):
    got, want = both(LOOP.replace("N", str(n)), SCALAR)
    assert got.output == want.output
    for name in ("a", "b0"):
        assert got.derivatives[name] == pytest.approx(want.derivatives[name], rel=1e-13, abs=1e-300)


def test_the_tape_holds_about_sqrt_n_entries():
    got, want = both(LOOP.replace("N", "400"), SCALAR)
    assert want.tape_length >= 400                   # an entry per iteration at least (fused), stored
    assert got.tape_length < 150                     # 20 segments of 20 iterations


def test_array_state_several_outputs_and_reads_of_unassigned_variables():
    header = "input w = [0.5, -0.25, 0.75]\ninput v0 = [1.0, 2.0, 3.0]\nv = v0\ns = 0\n"
    body = "for k in range(7):\n    v = tanh(v * w + k / 10)\n    s = s + sum(v * v)"
    got, want = both(body, header)
    assert got.output == pytest.approx(want.output)
    for name in ("w", "v0"):
        np.testing.assert_allclose(got.derivatives[name], want.derivatives[name], rtol=1e-12)


def test_a_block_without_a_loop_is_one_segment():
    header = "input x = 1.3\n"
    body = "y = exp(x) * sin(x)\nz = y * y + x"
    got, want = both(body, header)
    assert got.derivatives["x"] == pytest.approx(want.derivatives["x"], rel=1e-14)


def test_inside_a_function_and_with_user_functions():
    src = ("def step(b, a):\n    return sin(b) * a + 0.1\n"
           "def run(a, b):\n    with checkpoint:\n        for i in range(9):\n            b = step(b, a)\n"
           "    return b\ninput a = 0.8\ny = run(a, 0.2)\n")
    plain = ("def step(b, a):\n    return sin(b) * a + 0.1\n"
             "def run(a, b):\n    for i in range(9):\n        b = step(b, a)\n"
             "    return b\ninput a = 0.8\ny = run(a, 0.2)\n")
    got = differentiate(Program.from_text(src), {})
    want = differentiate(Program.from_text(plain), {})
    assert got.derivatives["a"] == pytest.approx(want.derivatives["a"], rel=1e-13)


def test_second_order_through_a_checkpoint():
    src = SCALAR + "with checkpoint:\n" + "".join("    " + l + "\n" for l in LOOP.replace("N", "6").splitlines())
    plain = SCALAR + LOOP.replace("N", "6") + "\n"
    got = derivative_tensors(Program.from_text(src), {}, 2)
    want = derivative_tensors(Program.from_text(plain), {}, 2)
    for key, block in want.orders[2].items():
        assert got.orders[2][key] == pytest.approx(block, rel=1e-10)


def test_break_and_return_are_refused_at_compile_time():
    with pytest.raises(ProgramError, match="'break' inside a checkpointed block"):
        Program.from_text("x = 1\nwith checkpoint:\n    for i in range(3):\n        break\n")
    with pytest.raises(ProgramError, match="'return' inside a checkpointed block"):
        Program.from_text("def f(x):\n    with checkpoint:\n        return x\nf(1)\n")


def test_a_traced_value_from_the_top_level_is_an_input_of_the_segments():
    # (it used to be refused: the recomputation found the outer recording's value in the frame)
    src = "input a = 2.0\ndef f(b):\n    with checkpoint:\n        for i in range(3):\n            b = b * a\n    return b\ny = f(1.0)\n"
    result = differentiate(Program.from_text(src), {})
    assert result.output == 8.0
    assert result.derivatives["a"] == pytest.approx(12.0, rel=1e-14)      # d(a^3)/da


def test_a_segment_that_reaches_a_traced_value_it_was_not_given_is_refused():
    # The compiler passes every traced value a block can reach; should one still escape it, the
    # segment's entry would miss its derivative, so the step refuses instead of giving a number.
    from autodiff.diffcore.interpreter.checkpoint import run_segment
    from autodiff.diffcore.engine.reverse import recording

    class Outside(Exception):
        pass

    with recording() as tape:
        b, hidden = tape.new_input(1.0), tape.new_input(2.0)
        with pytest.raises(Outside):
            run_segment(lambda values: (E.mul(values[0], hidden),), (b,), Outside)
