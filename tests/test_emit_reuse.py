"""emit computes each value once: a rule reads the name of a value the forward sweep assigned
(reuse.py), and a subexpression a statement holds twice is named before it (writer.py). The
emitted programs still agree with the tape (test_emit_builtins.emitted_agrees)."""
from __future__ import annotations

import json
import re

import pytest

from autodiff.diffcore.program import Program
from autodiff.grammar import Source
from helpers import run_main
from test_emit import ROOT
from test_emit_builtins import emitted_agrees

pytestmark = pytest.mark.filterwarnings("ignore:.*encountered in:RuntimeWarning")

MODES = [(m, t) for m in ("reverse", "forward") for t in ("expr", "python")]


def emitted(path, mode: str, target: str) -> dict:
    code, out, err = run_main(["emit", str(path), "--mode", mode, "--to", target, "--json"])
    assert code == 0, err
    data = json.loads(out)
    emitted_agrees(Program(Source(path.read_text(), str(path))), data, mode, target)
    return data


def calls(code: str, name: str) -> int:
    lines = [line for line in code.splitlines() if not line.lstrip().startswith(("#", "def ", "return "))]
    return len(re.findall(r"(?<![\w.])_?" + name + r"\(", "\n".join(lines)))


@pytest.mark.parametrize("mode,target", MODES)
def test_gaussian_loglik_calls_cholesky_once_per_forward_sweep(mode, target):
    data = emitted(ROOT / "samples" / "gaussian_loglik.expr", mode, target)
    # the language writes one program; the module, f() and the derivative's own forward sweep
    assert calls(data["code"], "cholesky") == (1 if target == "expr" else 2)
    # the backward sweep writes the factor's name where its rule reads it
    if mode == "reverse":
        backward = data["code"].split("# backward sweep")[-1]
        assert "S_bar" in backward and re.search(r"transpose\(C, ", backward)


@pytest.mark.parametrize("mode,target", MODES)
def test_a_statement_names_what_it_holds_twice(mode, target, tmp_path):
    path = tmp_path / "e.expr"
    # one eigh per statement: y = sum(eigh(S)[0]^2); before, its adjoint called eigh 58 times
    path.write_text("input t = 0.7\nS = [[2, t], [t, 1.5 * t + 2]]\ny = sum(eigh(S)[0] ^ 2)\ny\n")
    data = emitted(path, mode, target)
    # the forward sweeps' (the module's f() and its derivative's) and the rule's own, once each:
    # the language names the tuple eigh returns, as its packing reads both results
    assert calls(data["code"], "eigh") == (2 if target == "expr" else 3)
    assert re.search(r"^\s*t1 = ", data["code"], re.M)


def test_a_value_whose_names_a_loop_overwrites_is_computed_again(tmp_path):
    # E = exp(total) after the loop is the node exp(total) of the loop body too: inside the
    # backward loop total holds each iteration's value, not the last, so E cannot stand for it
    path = tmp_path / "loop.expr"
    path.write_text("input a = 0.3\ntotal = a\nfor k in range(3):\n    total = total + exp(total) * 0.1\n"
                    "E = exp(total)\nout = E * a\nout\n")
    for mode, target in MODES:
        data = emitted(path, mode, target)
        if mode == "reverse":
            backward_loop = data["code"].split("# backward sweep")[-1].split("for _ in range(")[1]
            assert "exp(total_1)" in backward_loop
