"""Cold start (performance case 1): what the common command imports, and the generated tables.

The parser runs on tables generated ahead of time by lark (grammar/_tables.py,
`python -m autodiff.grammar.generate`), and click loads only the module of the
command it runs (cli/app.py), so that `autodiff grad -e ... --json` imports little
beyond numpy, click and diffcore. These tests pin that, and fail when the
checked-in tables no longer match autodiff.lark.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from autodiff.cli.render import dumps, dumps_single
from autodiff.diffcore.derivatives import Derivatives, Evaluation
from autodiff.diffcore.engine.diagnostics import Diagnostic
from autodiff.diffcore.program import InputInfo, RunResult
from autodiff.diffcore.interpreter.runtime import Limits
from autodiff.grammar import _tables, generate
from autodiff.grammar.ast import Span
from autodiff.grammar.source import Source

HEAVY = ("lark", "regex", "rich", "logging", "autodiff.cli.points.reading",
         # the other commands' modules, and click's parts that parsing does not need
         "autodiff.cli.higher", "autodiff.cli.check", "autodiff.cli.trace", "autodiff.cli.graph",
         "autodiff.cli.plot", "click.shell_completion", "click.testing",
         "autodiff.diffcore.higher", "autodiff.diffcore.engine.forward", "autodiff.diffcore.engine.taylor", "difflib",
         # the results are plain classes and eval/grad write their JSON themselves (~6 ms together)
         "dataclasses", "json",
         "autodiff.diffcore.engine.transforms", "autodiff.diffcore.interpreter.custom", "autodiff.diffcore.interpreter.checkpoint",
         "autodiff.diffcore.checks.runner", "autodiff.diffcore.views.recorder")


def imported_by(argv: list, stdin: str = "") -> tuple:
    """Run the command in a fresh interpreter: (exit code, stdout, the heavy modules it imported)."""
    code = ("import atexit, sys\n"
            f"heavy = {HEAVY!r}\n"
            "atexit.register(lambda: sys.stderr.write('IMPORTED %r\\n' % [m for m in heavy if m in sys.modules]))\n"
            f"sys.argv = ['autodiff'] + {argv!r}\n"
            "from autodiff.cli.main import main\n"
            "main()\n")
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TERM")}
    result = subprocess.run([sys.executable, "-c", code], input=stdin, capture_output=True, text=True,
                            env=env, timeout=60)
    marker = [line for line in result.stderr.splitlines() if line.startswith("IMPORTED ")]
    assert marker, result.stderr
    return result.returncode, result.stdout, eval(marker[-1][len("IMPORTED "):])


def test_grad_json_imports_neither_lark_nor_rich_nor_other_commands():
    code, out, heavy = imported_by(["grad", "-e", "x^2 + 3*x", "--at", "x=2", "--json"])
    assert code == 0 and '"gradient": {"x": 7.0}' in out
    assert heavy == []


def test_text_output_to_a_pipe_and_stdin_stay_light():
    code, out, heavy = imported_by(["grad", "-", "--at", "x=2"], stdin="x^2 + 3*x\n")
    assert code == 0 and out == "f = 10.0\ndf/dx = 7.0\n"
    assert heavy == []


def test_errors_stay_light():
    code, _, heavy = imported_by(["grad", "-e", "x + )"])
    assert code == 1 and heavy == []
    code, _, heavy = imported_by(["grad", "-e", "x", "--vjp", "1", "--sum"])
    assert code == 2 and heavy == []


def test_the_command_skips_the_final_collection_and_a_caller_keeps_its_gc():
    # main() run as the command (reading sys.argv) freezes the objects it leaves, so that the
    # interpreter's last full collections skip them (cli/main.py, _exit); a caller that hands main()
    # its arguments keeps its GC as it was.
    import gc

    from helpers import run_main
    before = gc.get_freeze_count()
    assert run_main(["eval", "-e", "1 + 1"])[0] == 0
    assert gc.get_freeze_count() == before and gc.isenabled()
    code = ("import atexit, gc, sys\n"
            "atexit.register(lambda: sys.stderr.write('FROZEN %d\\n' % gc.get_freeze_count()))\n"
            "sys.argv = ['autodiff', 'eval', '-e', '1 + 1']\n"
            "from autodiff.cli.main import main\n"
            "main()\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout == "f = 2.0\n"
    assert int(result.stderr.split("FROZEN ")[1]) > 1000


def test_eval_json_stays_light():
    code, out, heavy = imported_by(["eval", "-e", "x^2 + 3*x", "--at", "x=2", "--json"])
    assert code == 0 and '"output": 10.0' in out
    assert heavy == []


@pytest.mark.parametrize("document", [
    {"output": 10.0, "gradient": {"x": 7.0}, "output_name": None, "inputs": {"x": 2.0}, "wrt": ["x"],
     "program": "<expr>", "warnings": []},
    {"output": np.array([[1.5, -0.0], [math.nan, math.inf]]), "jacobian": {"x": np.arange(4.0).reshape(2, 2)},
     "inputs": {"n": 3, "b": True, "c": np.float32(0.1), "i": np.int64(-7), "t": (1.0, [2, None])},
     "wrt": [], "summed": False, "empty": {}, "tuple": (), "big": 10**30, "tiny": 5e-324, "neg": -math.inf},
    {"program": 'C:\\progs\\"odd".expr', "tab": "a\tb", "unicode": "v·J — ∂f/∂x 😀", "control": "\x00\x1f\x7f",
     "warnings": [{"kind": "kink", "operation": "abs", "message": "abs at 0: one-sided", "line": 1, "col": 5}],
     "keys": {"é": 1.0, 'q"uote': 2.0}, "other": Span(1, 2, 1, 3)},
])
def test_the_json_of_eval_and_grad_is_json_dumps(document):
    # dumps_single writes eval's and grad's document without importing json: it must agree exactly.
    assert dumps_single(document) == dumps(document)
    json.loads(dumps_single(document))


def test_the_results_behave_like_the_dataclasses_they_were():
    span = Span(1, 2, 1, 3)
    for frozen in (Source("x^2", "a.expr"), Diagnostic("kink", "abs", "at 0", span), InputInfo("x", span, True, False)):
        twin = pickle.loads(pickle.dumps(frozen))
        assert twin == frozen and hash(twin) == hash(frozen) and repr(twin) == repr(frozen)
        with pytest.raises(AttributeError):
            frozen.kind = "other"
    assert repr(Source("x")) == "Source(text='x', filename='<expr>')"
    assert Source("x") != Source("x", "b.expr") and Source("x") != ("x", "<expr>")
    assert repr(Diagnostic("kink", "abs", "m", None)) == "Diagnostic(kind='kink', operation='abs', message='m', span=None)"
    assert repr(InputInfo("x", None, True, False)) == "InputInfo(name='x', span=None, declared=True, has_default=False)"
    assert repr(RunResult(1.0, None, {})) == "RunResult(output=1.0, output_name=None, inputs={})"
    assert repr(Evaluation({}, 1.0, "y")) == "Evaluation(inputs={}, output=1.0, output_name='y', warnings=[])"
    assert repr(Derivatives({}, 1.0, None, ["x"], "gradient")) == (
        "Derivatives(inputs={}, output=1.0, output_name=None, wrt=['x'], kind='gradient', derivatives={}, "
        "tape_length=0, warnings=[], summed=False)")
    first, second = Derivatives({}, 1.0, None, [], "gradient"), Derivatives({}, 1.0, None, [], "gradient")
    assert first == second and first.warnings is not second.warnings
    # Limits is mutable, and dataclasses.replace still works on it (diffcore/checks/runner.py uses it).
    limits = Limits(max_steps=5, timeout=2.0)
    limits.max_memory = 1024
    assert repr(limits) == ("Limits(max_steps=5, max_depth=200, max_elements=10000000, timeout=2.0, "
                            "max_memory=1024)")
    assert dataclasses.replace(limits, timeout=None) == limits.replace(timeout=None) == Limits(5, 200, 10**7, None, 1024)
    assert [f.name for f in dataclasses.fields(Limits)] == ["max_steps", "max_depth", "max_elements", "timeout",
                                                            "max_memory"]
    assert pickle.loads(pickle.dumps(limits)) == limits and Limits() == Limits() and Limits() != limits


def test_a_command_loads_its_own_module_only():
    code, out, heavy = imported_by(["hessian", "-e", "x^3", "--at", "x=2", "--json"])
    assert code == 0 and '"2": {"x,x": 12.0}' in out
    assert "autodiff.cli.higher" in heavy and "autodiff.diffcore.higher" in heavy
    assert not {"autodiff.cli.check", "autodiff.cli.trace", "autodiff.cli.graph", "autodiff.cli.plot"} & set(heavy)


def test_the_tables_match_the_grammar():
    grammar = generate.GRAMMAR_FILE.read_text(encoding="utf-8")
    assert _tables.GRAMMAR_SHA256 == hashlib.sha256(grammar.encode("utf-8")).hexdigest(), \
        "grammar/_tables.py is stale: run `python -m autodiff.grammar.generate`"


def test_regenerating_the_tables_gives_the_checked_in_file():
    # Catches a hand edit of _tables.py. Only with the lark that made the file: a new lark may
    # word the same tables differently, and that does not make them stale (test_tables_vs_lark.py
    # compares the parser with whatever lark is installed).
    import lark
    if lark.__version__ != _tables.LARK_VERSION:
        pytest.skip(f"the tables were made with lark {_tables.LARK_VERSION}; lark {lark.__version__} is installed")
    assert Path(_tables.__file__).read_text(encoding="utf-8") == generate.render(
        generate.GRAMMAR_FILE.read_text(encoding="utf-8")), \
        "grammar/_tables.py is stale: run `python -m autodiff.grammar.generate`"


def test_a_new_lark_alone_does_not_make_the_tables_stale(tmp_path):
    grammar = generate.GRAMMAR_FILE.read_text(encoding="utf-8")
    current = Path(_tables.__file__).read_text(encoding="utf-8")
    assert generate.staleness(Path(_tables.__file__), grammar) is None
    other_lark = tmp_path / "other_lark.py"
    other_lark.write_text(current.replace(f"LARK_VERSION = {_tables.LARK_VERSION!r}", "LARK_VERSION = '99.0'")
                          .replace("    {", "    { ", 1))          # and worded a little differently
    assert generate.staleness(other_lark, grammar) is None
    edited = tmp_path / "edited.py"
    edited.write_text(current.replace("    {", "    { ", 1))
    assert "by hand" in generate.staleness(edited, grammar)
    assert "another grammar" in generate.staleness(Path(_tables.__file__), grammar + "\n// changed\n")


def test_generate_check_command(tmp_path):
    stale = tmp_path / "_tables.py"
    stale.write_text("# stale\n")
    result = subprocess.run([sys.executable, "-m", "autodiff.grammar.generate", "--check", "--output", str(stale)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and "stale" in result.stderr
    result = subprocess.run([sys.executable, "-m", "autodiff.grammar.generate", "--check"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
