"""Error reports: position, kind, message, source line, caret, hint and exit code.

README: "Errors never show a Python traceback. A mistake in a program is
reported with its position, the source line, a caret and a hint", exit code 1
for a mistake in the program, 2 for a usage error on the command line.

Each case writes its program to `bad.expr` in a temporary directory and runs
the real entry point (`autodiff.cli.main:main`) in-process, so the exit code
is the one `sys.exit` receives; a handful also run as a subprocess.
"""
from __future__ import annotations

import re
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import pytest

from helpers import autodiff_command, run_main

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AUTODIFF_DEBUG", raising=False)
    return tmp_path


@dataclass
class Case:
    id: str
    program: str                    # written to bad.expr
    line: int
    col: int
    kind: str
    message: str                    # a fragment of the first line
    hint: Optional[str]             # a fragment of the hint line (None: not checked)
    code: int = 1
    args: list = field(default_factory=list)
    command: str = "eval"
    width: Optional[int] = None     # the number of carets, when it matters


CUSTOM_WRONG_SHAPE = """\
def sq(x):
    return x^2

backward sq(x, g):
    return [g, g]

input x = 3.0
y = sq(x)
"""

CUSTOM_WRONG_COUNT = """\
def f(a, b):
    return a * b

backward f(a, b, g):
    return g * b

input x = 3.0
y = f(x, 2)
"""

LEAK = """\
def f(x):
    return x^2, lambda y: x * y
out, ct = vjp(f, 2.0, (1.0, 0.0))
z = out[0] * 3
"""

CASES = [
    # ------------------------------------------------------------- syntax
    Case("syntax-unexpected-paren", "input x = 1\n# README's example\ny = x + )\n", 3, 9,
         "syntax error", "unexpected ')'", "expected an expression after '+'", width=1),
    Case("syntax-unclosed-bracket", "input x = 1\ny = [x, 2\nz = 3\n", 2, 5,
         "syntax error", "'[' was never closed", "missing ']'"),
    Case("syntax-unexpected-indent", "input x = 1\ny = x\n    z = 2\n", 3, 5,
         "syntax error", "unexpected indent", "indented"),
    Case("syntax-if-assign", "input x = 1\nif x = 1:\n    y = 2\n", 2, 6,
         "syntax error", "unexpected '='", "use '=='", width=1),
    Case("syntax-unterminated-string", 'input x = 1\ny = "abc\n', 2, 5,
         "syntax error", "unterminated string", 'close the string'),
    Case("syntax-reserved-word", "input x = 1\nwhile = x\n", 2, 1,
         "syntax error", "'while' is a reserved word", "another name"),
    Case("syntax-tabs-and-spaces", "input x = 1\nif x > 0:\n\ty = 1\n        z = 2\n", 4, 1,
         "syntax error", "tabs and spaces", "spaces only"),
    # -------------------------------------------------------------- names
    Case("name-did-you-mean-sin", "input x = 1\ny = sinn(x)\n", 2, 5,
         "name error", "name 'sinn' is not defined", "did you mean 'sin'?", width=4),
    Case("name-did-you-mean-variable", "input x = 1\ntotal = 0\ny = totl + x\n", 3, 5,
         "input error", "input 'totl' has no value", "did you mean 'total'?", width=4),
    # ------------------------------------------------------------- inputs
    Case("missing-declared-input", "input k\ny = k * 2\n", 1, 1,
         "input error", "input 'k' has no value", "--at k=VALUE"),
    Case("missing-implicit-input", "y = 2 * k + 1\n", 1, 9,
         "input error", "input 'k' has no value", "--at k=VALUE", width=1),
    # ------------------------------------------------------------- shapes
    Case("shape-add-vector", "input x = [1, 2]\ny = x + [1, 2, 3]\n", 2, 7,
         "shape error", "shapes (2,) and (3,) do not match", "broadcast", width=1),
    Case("shape-add-literals", "y = [1, 2] + [1, 2, 3]\n", 1, 12,
         "shape error", "shapes (2,) and (3,)", "broadcast", width=1),
    Case("shape-matmul", "A = ones(2, 3)\nB = ones(2, 3)\nC = A @ B\n", 3, 7,
         "shape error", "shapes (2, 3) and (2, 3)", "3 != 2", width=1),
    Case("shape-matmul-in-function", "def g(A):\n    return A @ A\ny = g(ones(2, 3))\n", 2, 14,
         "shape error", "'@'", "last axis", width=1),
    Case("index-out-of-range", "input x = [1, 2, 3]\ny = x[3]\n", 2, 5,
         "runtime error", "index 3 is out of bounds", None),
    # ---------------------------------------------------------- conditions
    Case("condition-not-scalar-if", "input x = [1, 2]\nif x > 0:\n    y = 1\n", 2, 4,
         "type error", "one true/false value, not an array of shape (2,)", "all(...) or any(...)", width=5),
    Case("condition-not-scalar-while", "input x = [1, 2]\nwhile x < 3:\n    x = x + 1\n", 2, 7,
         "type error", "one true/false value", "all(...) or any(...)", width=5),
    Case("assert-array-equality", "input a = [1, 2]\nassert a == a\n", 2, 1,
         "type error", "one true/false value", "all(...) or any(...)"),
    # ------------------------------------------------------ control flow
    Case("break-outside-loop", "input x = 1\nif x > 0:\n    break\n", 3, 5,
         "error", "'break' outside a loop", None, width=5),
    Case("continue-outside-loop", "def f(x):\n    continue\n", 2, 5,
         "error", "'continue' outside a loop", None),
    # ---------------------------------------------------------- arguments
    Case("builtin-too-many-arguments", "input x = 1\ny = sin(x, 2)\n", 2, 5,
         "error", "sin(): too many positional arguments", "sin(x)"),
    Case("builtin-too-few-arguments", "y = atan2(1)\n", 1, 5,
         "error", "atan2(): missing a required argument", "atan2(x, y)"),
    Case("user-function-too-few-arguments", "def f(a, b):\n    return a + b\ninput x = 1\ny = f(x)\n", 4, 5,
         "type error", "f() is missing a value for its parameter 'b'", None),
    Case("user-function-too-many-arguments", "def f(a, b):\n    return a + b\ny = f(1, 2, 3)\n", 3, 5,
         "type error", "f() takes 2 arguments but 3 were given", None),
    Case("string-plus-number", 'input x = 1\ny = "a" + x\n', 2, 9,
         "type error", "cannot compute '+' of a string and a number", None, width=1),
    Case("grad-of-vector-function", "def f(v):\n    return v * 2\ny = grad(f)([1.0, 2.0])\n", 3, 5,
         "type error", "grad needs a function that returns one number", "jacobian(f)"),
    # ------------------------------------------------------------- assert
    Case("assert-with-message", 'input x = 1\nassert x > 2, "x must exceed two"\ny = x\n', 2, 1,
         "assertion failed", "x must exceed two", None),
    # ------------------------------------------------------------- limits
    Case("max-steps", "input x = 1\nwhile true: pass\n", 2, 1,
         "limit exceeded", "1,000 steps", "--max-steps", args=["--max-steps", "1000"]),
    Case("max-steps-in-recursion", "def f(n):\n    return f(n - 1) if n > 0 else 0\ny = f(150)\n", 1, 1,
         "limit exceeded", "100 steps", "--max-steps", args=["--max-steps", "100"]),
    Case("max-depth", "def f(n):\n    return f(n + 1)\ny = f(0)\n", 1, 1,
         "limit exceeded", "deeper than 200", "--max-depth"),
    Case("max-depth-option", "def f(n):\n    return f(n + 1)\ny = f(0)\n", 1, 1,
         "limit exceeded", "deeper than 50", "--max-depth", args=["--max-depth", "50"]),
    Case("max-elements", "y = zeros(100000, 100000)\n", 1, 5,
         "limit exceeded", "10,000,000,000 elements", "--max-elements"),
    Case("max-elements-broadcast", "y = ones(100000, 1) * ones(1, 100000)\n", 1, 21,
         "limit exceeded", "10,000,000,000 elements", "--max-elements", width=1),
    # ------------------------------------------------- custom rules, leaks
    Case("custom-rule-wrong-shape", CUSTOM_WRONG_SHAPE, 4, 1,
         "shape error", "the backward rule of sq returned a gradient of shape (2,) for parameter 'x'",
         "shape of the value", command="grad"),
    Case("custom-rule-wrong-count", CUSTOM_WRONG_COUNT, 4, 1,
         "type error", "returned 1 gradient for 2 parameters", None, command="grad"),
    Case("value-leaks-from-a-derivative", LEAK, 4, 12,
         "runtime error", "used after grad() returned", "return the value", width=1),
]


def check_report(err: str, filename: str, source_text: str, line: int, col: int, kind: str,
                 message: str, hint: Optional[str], width: Optional[int]) -> None:
    lines = err.rstrip("\n").split("\n")
    prefix = f"{filename}:{line}:{col}: {kind}: "
    assert lines[0].startswith(prefix), f"expected {prefix!r}, got {lines[0]!r}"
    assert message in lines[0], f"{message!r} not in {lines[0]!r}"
    source_line = source_text.splitlines()[line - 1].replace("\t", " ")
    assert lines[1] == "    " + source_line
    caret = lines[2]
    assert caret[:4 + col - 1] == " " * (4 + col - 1), f"caret not at column {col}: {caret!r}"
    assert caret[4 + col - 1] == "^", f"caret not at column {col}: {caret!r}"
    assert set(caret.strip()) == {"^"}
    if width is not None:
        assert caret.strip() == "^" * width
    hints = [l for l in lines[3:] if l.startswith("hint: ")]
    if hint is not None:
        assert len(hints) == 1, f"no hint in {err!r}"
        assert hint in hints[0], f"{hint!r} not in {hints[0]!r}"
    assert len(lines) == 3 + len(hints), err


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_program_error(case: Case):
    Path("bad.expr").write_text(case.program, encoding="utf-8")
    start = time.monotonic()
    code, out, err = run_main([case.command, "bad.expr", *case.args])
    elapsed = time.monotonic() - start
    assert code == case.code, err
    assert out == ""
    check_report(err, "bad.expr", case.program, case.line, case.col, case.kind, case.message, case.hint,
                 case.width)
    if case.id.startswith("max-elements"):
        assert elapsed < 2.0, "the element limit must refuse before allocating"


def test_at_least_fifteen_cases():
    assert len(CASES) >= 15
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", [c for c in CASES if c.id in
                                  ("syntax-unexpected-paren", "name-did-you-mean-sin", "max-elements")],
                         ids=lambda c: c.id)
def test_program_error_in_subprocess(case: Case, in_tmp):
    Path("bad.expr").write_text(case.program, encoding="utf-8")
    proc = subprocess.run(autodiff_command() + [case.command, "bad.expr", *case.args], capture_output=True,
                          cwd=in_tmp, timeout=60)
    err = proc.stderr.decode()
    assert "Traceback" not in err
    assert proc.returncode == case.code
    assert proc.stdout == b""
    check_report(err, "bad.expr", case.program, case.line, case.col, case.kind, case.message, case.hint,
                 case.width)


def test_same_report_for_stdin_and_expr():
    text = "input x = 1\ny = x + )\n"
    code, out, err = run_main(["eval", "-"], stdin=text.encode())
    assert code == 1
    check_report(err, "<stdin>", text, 2, 9, "syntax error", "unexpected ')'", "after '+'", 1)
    code, out, err = run_main(["eval", "-e", text])
    assert code == 1
    check_report(err, "<expr>", text, 2, 9, "syntax error", "unexpected ')'", "after '+'", 1)


def test_failing_assert_without_message_shows_both_sides():
    Path("bad.expr").write_text("input x = 1\nassert x > 2\n")
    code, out, err = run_main(["eval", "bad.expr"])
    assert code == 1
    lines = err.splitlines()
    prefix = "bad.expr:2:1: assertion failed: "
    assert lines[0].startswith(prefix)
    # the report must say what was compared: the value of x, 1, and 2 (not the words "left > right")
    assert "left > right" not in err
    shown = "\n".join([lines[0][len(prefix):]] + [l for l in lines[1:] if l != "    assert x > 2"])
    assert re.search(r"(?<![\w.:])1(\.0)?(?![\w.])", shown), err


# ---------------------------------------------------------- usage errors

def test_at_for_an_input_the_program_does_not_have():
    Path("bad.expr").write_text("input a = 2\nb = a * 3\n")
    code, out, err = run_main(["grad", "bad.expr", "--at", "y=1"])
    assert code == 2
    assert out == ""
    assert err.startswith("bad.expr: usage error: ")
    assert "no input named 'y'" in err and "its inputs: a" in err


def test_at_for_an_assigned_variable():
    Path("bad.expr").write_text("input a = 2\nb = a * 3\n")
    code, out, err = run_main(["grad", "bad.expr", "--at", "b=1"])
    assert code == 2
    assert "'b' is not an input" in err
    assert "hint: " in err and "input b" in err


def test_of_a_variable_that_does_not_exist():
    Path("bad.expr").write_text("input a = 2\nbee = a * 3\n")
    code, out, err = run_main(["grad", "bad.expr", "--of", "be"])
    assert code == 2
    assert "no top-level variable 'be'" in err
    assert "did you mean 'bee'?" in err


def test_malformed_at_value():
    Path("bad.expr").write_text("input x = 2\ny = x^2\n")
    code, out, err = run_main(["grad", "bad.expr", "--at", "x=[1,"])
    lines = err.rstrip("\n").split("\n")
    # the error points into the value, under the name of the option
    m = re.match(r"--at x:1:(\d+): syntax error: ", lines[0])
    assert m, lines[0]
    col = int(m.group(1))
    assert 1 <= col <= len("[1,") + 1
    assert lines[1] == "    [1,"
    assert lines[2].index("^") == 4 + col - 1
    assert any(l.startswith("hint: ") for l in lines)
    # README: a malformed --at is a usage error on the command line, exit code 2
    assert code == 2


def test_at_value_that_is_not_constant():
    Path("bad.expr").write_text("input x = 2\ny = x^2\n")
    code, out, err = run_main(["grad", "bad.expr", "--at", "x=1 + q"])
    assert err.startswith("--at x:1:5: ")
    assert "'q' is not known here" in err
    assert code == 2    # README: a malformed --at is a usage error


def test_at_without_equals():
    Path("bad.expr").write_text("input x = 2\ny = x^2\n")
    code, out, err = run_main(["grad", "bad.expr", "--at", "x"])
    assert code == 2
    assert "NAME=VALUE" in err


def test_vjp_of_the_wrong_shape():
    Path("bad.expr").write_text("input x = [1.0, 2.0]\ny = [x[0]^2, x[1]^3]\n")
    code, out, err = run_main(["grad", "bad.expr", "--vjp", "[1, 2, 3]"])
    assert code in (1, 2)
    assert "(3,)" in err and "(2,)" in err


# ------------------------------------------------------ never a traceback

@pytest.mark.parametrize("argv", [
    ["eval", "-e", '"hello"'],
    ["eval", "-e", "lambda x: x"],
    ["eval", "-e", "sin"],
], ids=["string", "function", "builtin"])
def test_non_numeric_outputs_are_never_internal_errors(argv):
    code, out, err = run_main(argv)
    assert "internal error" not in err, err
    assert code in (0, 1)


def test_truncated_samples_never_crash():
    """Every prefix of every small sample (cut at each line and mid-line) gives 0 or 1, never a crash."""
    seen = 0
    for path in sorted((REPO / "samples").glob("*.expr")):
        if path.stem.startswith("xor_") or path.stem == "newton":
            continue                        # slow to run; covered by test_samples
        text = path.read_text(encoding="utf-8")
        cuts = sorted({m.start() for m in re.finditer("\n", text)} |
                      {i for i in range(0, len(text), 7)})
        for cut in cuts:
            for command in ("eval", "grad"):
                code, out, err = run_main([command, "-e", text[:cut] + "\n"])
                assert code in (0, 1), (path.name, cut, command, err)
                assert "internal error" not in err, (path.name, cut, err)
                if code == 1:
                    assert err.startswith("<expr>"), err
                seen += 1
    assert seen > 200


def test_output_never_contains_traceback_even_with_color_disabled(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    code, out, err = run_main(["eval", "-e", "y = x + )"])
    assert code == 1 and "\033[" not in err
