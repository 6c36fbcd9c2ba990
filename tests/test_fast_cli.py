"""The fast path (cli/fast.py) against click: same stdout, stderr and exit code.

Each command line of the corpus runs twice in-process: through `fast.run` and
through click (`main._run_click`). The fast path must take the common command
lines (and decline the others, which click then runs), and `cli/_spec.py`
must be what `python -m autodiff.cli.spec` derives from the click declarations.
"""
from __future__ import annotations

import contextlib
import io
import sys
from pathlib import Path

import pytest

from autodiff.cli import fast, spec
from autodiff.cli.main import _run_click

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
GRAPH = str(SAMPLES / "seed_graph.expr")
VJP = str(SAMPLES / "seed_vjp.expr")

# (command line, stdin, whether the fast path takes it)
CORPUS = [
    (["grad", "-e", "x^2 + 3*x", "--at", "x=2", "--json"], b"", True),
    (["grad", "-e", "x^2 + 3*x", "--at", "x=2"], b"", True),
    (["grad", GRAPH], b"", True),
    (["grad", GRAPH, "--json", "--precision", "3"], b"", True),
    (["eval", GRAPH], b"", True),
    (["eval", "-e", "[1, 2] * x", "--at=x=3", "--json"], b"", True),
    (["eval", "-ex + 1", "--at", "x=1"], b"", True),
    (["grad", "-"], b"x^2 + 3*x\n", True),
    (["grad", "-", "--at", "x=2", "--json"], b"x^2 + 3*x\n", True),
    (["grad", "--at", "x=2", "--", "-"], b"x^3\n", True),
    (["grad", "-e", "sum(a * c)", "--at", "a=[2,2,3]", "--at", "c=[[1,2,3],[2,3,4],[3,4,5]]"], b"", True),
    (["grad", VJP, "--vjp", "[1, 0.5]"], b"", True),
    (["grad", VJP, "--sum", "--json"], b"", True),
    (["grad", "-e", "x*y + y", "--at", "x=1", "--at", "y=2", "--wrt", "x"], b"", True),
    (["grad", "-e", "x*y", "--at", "x=1", "--at", "y=2", "--wrt", "x,y", "--of", "nothing"], b"", True),
    (["grad", "-e", "sqrt(x)", "--at", "x=-1", "--strict"], b"", True),
    (["grad", "-e", "abs(x)", "--at", "x=0"], b"", True),
    (["eval", "-e", "range(2000) * 1.0", "--full", "--precision", "2"], b"", True),
    (["eval", "-e", "x + 1", "--at", "x=1", "--max-memory", "500M", "--timeout", "5"], b"", True),
    (["eval", "-e", "x + 1", "--at", "x=1", "--timeout", "0"], b"", True),        # 0: no limit
    (["eval", "-e", "x + 1", "--at", "x=1", "--max-steps=5", "--max-depth", "7", "--max-elements", "9"], b"", True),
    (["eval", "-e", "x + 1", "--at", "x=1", "--precision", "3", "--precision", "4"], b"", True),
    (["eval", "-e", "x + 1", "--at", "x=1", "--points-format", "csv", "--on-error", "skip"], b"", True),
    (["eval", "-e", "x + 1", "--at", "x=1", "--traceback"], b"", True),
    # program errors
    (["grad", "-e", "x + )", "--at", "x=1"], b"", True),
    (["eval", "-e", "y = undefined_name + 1"], b"", True),
    (["grad", "-e", "x^2"], b"", True),
    (["eval", "-e", "assert 1 > 2, 'no'"], b"", True),
    (["grad", "-"], b"\xff\xfe", True),
    # usage errors raised by the bodies
    (["grad"], b"", True),
    (["grad", GRAPH, "-e", "x"], b"", True),
    (["grad", "no/such/file.expr"], b"", True),
    (["grad", str(SAMPLES)], b"", True),
    (["grad", "-e", "x", "--csv"], b"", True),
    (["eval", "-e", "x", "--at", "x=1", "--json-lines"], b"", True),
    (["grad", "-e", "x", "--at", "x=[1,"], b"", True),
    (["grad", "-e", "x", "--at", "nothere=1", "--at", "x=1"], b"", True),
    (["grad", "-e", "x", "--vjp", "1", "--sum"], b"", True),
    (["grad", "-e", "x", "--vjp", "[1,"], b"", True),
    # declined: click parses these, or the body needs click
    (["grad", "-e", "x", "--order", "0"], b"", False),
    (["grad", "-e", "x^3", "--at", "x=2", "--order", "2"], b"", False),
    (["grad", "-e", "x", "--order", "2", "--sum"], b"", False),
    (["grad", "-e", "x", "--precision", "18"], b"", False),
    (["grad", "-e", "x", "--precision", "many"], b"", False),
    (["grad", "-e", "x", "--timeout", "nan"], b"", False),
    (["grad", "-e", "x", "--timeout", "inf"], b"", False),
    (["grad", "-e", "x", "--timeout=-1"], b"", False),
    (["grad", "-e", "x", "--max-steps", "1000000000000001"], b"", False),
    (["grad", "-e", "x", "--max-memory", "9" * 400], b"", False),
    (["grad", "-e", "x", "--max-memory", "1X"], b"", False),
    (["grad", "-e", "x", "--on-error", "maybe"], b"", False),
    (["grad", "-e", "x", "--json=yes"], b"", False),
    (["grad", "-e", "x", "--unknown"], b"", False),
    (["grad", "-e", "x", "--at"], b"", False),
    (["grad", "-e", "x", "--at", "x"], b"", False),         # the --at callback refuses it: click says so
    (["grad", "-e", "x", "--at", "x", "3"], b"", False),
    (["grad", "-e", "x", "--vjp", "-1"], b"", False),
    (["grad", "a.expr", "b.expr"], b"", False),
    (["grad", "-x"], b"", False),
    (["grad", "--help"], b"", False),
    (["grad", "-e", "x", "-h"], b"", False),
    (["--version"], b"", False),
    (["hessian", "-e", "x^2", "--at", "x=1"], b"", False),
    (["eval", "-e", "x", "--points", "-"], b"x\n1\n2\n", False),
    (["grad", "-e", "x^2", "--points", "-", "--csv"], b'{"x": 1}\n{"x": 2}\n', False),
    ([], b"", False),
]


def _run(runner, argv: list, stdin: bytes) -> tuple:
    out, err = io.StringIO(), io.StringIO()
    old_stdin = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = runner(list(argv))
    finally:
        sys.stdin = old_stdin
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("argv, stdin, taken", CORPUS, ids=[" ".join(c[0])[-60:] or "(none)" for c in CORPUS])
def test_fast_path_and_click_agree(argv, stdin, taken):
    fast_code, fast_out, fast_err = _run(fast.run, argv, stdin)
    click_code, click_out, click_err = _run(_run_click, argv, stdin)
    if not taken:
        assert fast_code is None and fast_out == fast_err == "", "the fast path should leave this to click"
        return
    assert fast_code is not None, "the fast path should take this command line"
    assert (fast_code, fast_out, fast_err) == (click_code or 0, click_out, click_err)
    assert "Traceback" not in fast_err


def test_spec_matches_the_click_declarations():
    # Fails when an option of eval/grad changes without `python -m autodiff.cli.spec`.
    assert (Path(spec.__file__).with_name("_spec.py").read_text(encoding="utf-8") == spec.render()), \
        "cli/_spec.py is stale: run `python -m autodiff.cli.spec`"


def test_the_spec_covers_every_option_of_the_fast_commands():
    import click

    from autodiff.cli._spec import COMMANDS
    from autodiff.cli.app import cli

    root = click.Context(cli, info_name="autodiff")
    for name, command_spec in COMMANDS.items():
        command = cli.get_command(root, name)
        declared = {opt for param in command.params for opt in getattr(param, "opts", ()) if opt.startswith("-")}
        assert declared == set(command_spec["options"]), name
        assert all(kind != "unsupported" for kind, *_ in command_spec["params"].values()), name
