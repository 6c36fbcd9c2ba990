"""Command-line manners (issue 19): what a newcomer trips over, each held by a test.

Everything runs in-process through the real entry point (helpers.run_main), except where a
terminal, an encoding of the standard streams or the environment of a fresh process is
the point.
"""
from __future__ import annotations

import contextlib
import io
import platform
import re
import sys
from pathlib import Path

import numpy as np
import pytest

from autodiff.cli.main import main
from helpers import FakeTerminalBytes, run_main, run_with_streams

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def in_repo(monkeypatch):
    monkeypatch.chdir(REPO)
    monkeypatch.delenv("AUTODIFF_DEBUG", raising=False)
    for name in ("NO_COLOR", "FORCE_COLOR", "PAGER", "AUTODIFF_PAGER"):
        monkeypatch.delenv(name, raising=False)


def run_streams(argv: list, tty: bool = False, encoding: str = "utf-8", stdin: bytes = b"") -> tuple:
    """The entry point in-process, with standard streams of this encoding, stdout a terminal or
    not: (exit code, stdout, stderr), decoded strictly (a character the encoding lacks fails)."""
    out_bytes, err_bytes = FakeTerminalBytes(tty), FakeTerminalBytes(False)
    out = io.TextIOWrapper(out_bytes, encoding=encoding, write_through=True)
    err = io.TextIOWrapper(err_bytes, encoding=encoding, write_through=True)
    code = run_with_streams(argv, out, err, stdin)
    out.flush()
    err.flush()
    text_out, text_err = out_bytes.getvalue().decode(encoding), err_bytes.getvalue().decode(encoding)
    assert "Traceback" not in text_out + text_err, text_err
    return code, text_out, text_err


COLOUR = re.compile(r"\x1b\[[0-9;]*(3[0-9]|9[0-7])[;m]")      # an ANSI foreground colour


def run_broken(monkeypatch, argv: list) -> tuple:
    """Run argv with evaluate/differentiate broken (an internal error): (code, stderr)."""
    import autodiff.diffcore.derivatives as derivatives
    import autodiff.diffcore.higher as higher

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    for module, name in ((derivatives, "evaluate"), (higher, "derivative_tensors")):
        monkeypatch.setattr(module, name, broken)
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        with pytest.raises(SystemExit) as exited:
            main(argv)
    return exited.value.code, err.getvalue()


# ----------------------------------------------------------- 1. --traceback anywhere

@pytest.mark.parametrize("argv", [
    ["--traceback", "eval", "-e", "1"],                 # before the command
    ["eval", "-e", "1", "--traceback"],                 # after it: the fast path
    ["eval", "--traceback", "-e", "1"],
    ["hessian", "-e", "x^2", "--at", "x=1", "--traceback"],     # after it: click
])
def test_traceback_is_accepted_before_and_after_the_command(monkeypatch, argv):
    code, err = run_broken(monkeypatch, argv)
    assert code == 3
    assert "Traceback" in err and "RuntimeError: boom" in err


def test_without_traceback_an_internal_error_has_no_traceback(monkeypatch):
    code, err = run_broken(monkeypatch, ["eval", "-e", "1"])
    assert code == 3 and "Traceback" not in err and "--traceback" in err


def test_traceback_is_not_listed_in_help():
    code, out, _ = run_main(["grad", "--help"])
    assert code == 0 and "--traceback" not in out


# ----------------------------------------------------------- 4. --csv needs --points

@pytest.mark.parametrize("command", [["eval"], ["grad"], ["grad", "--order", "2"], ["hessian"],
                                     ["jvp", "--direction", "x=1"]])
@pytest.mark.parametrize("flag", ["--csv", "--json-lines"])
def test_points_formats_without_points_are_usage_errors(command, flag):
    code, out, err = run_main(command + ["-e", "x^2", "--at", "x=1", flag])
    assert code == 2 and out == ""
    assert f"{flag} needs --points" in err


def test_csv_with_points_still_works():
    code, out, err = run_main(["grad", "-e", "x^2", "--points", "-", "--csv"], stdin=b'{"x": 3}\n')
    assert code == 0, err
    assert out.splitlines()[1].split(",")[-1] == "6.0"


# ----------------------------------------------------------- 5. --at takes NAME=VALUE

@pytest.mark.parametrize("argv", [
    ["grad", "-e", "x^2", "--at", "x", "3"],            # FILE would be "3", beside -e
    ["grad", "samples/seed_graph.expr", "--at", "a", "3"],     # 3 would be an extra argument
    ["grad", "--at", "x", "3"],                         # 3 would be FILE
    ["eval", "-e", "x", "--at", "x"],
    ["hessian", "-e", "x^2", "--at", "x", "3"],
])
def test_a_forgotten_equals_sign_is_reported_as_such(argv):
    code, out, err = run_main(argv)
    assert code == 2 and out == ""
    assert "--at takes NAME=VALUE" in err
    assert "not both" not in err and "no such file" not in err and "extra argument" not in err


def test_direction_takes_name_value_too():
    code, _, err = run_main(["jvp", "samples/vector_field.expr", "--direction", "x", "[1, 0, 0]"])
    assert code == 2 and "--direction takes NAME=VALUE" in err


# ----------------------------------------------------------- 8. misspelt commands

@pytest.mark.parametrize("typo, command", [("grd", "grad"), ("jacobain", "jacobian"), ("evl", "eval"),
                                           ("hesian", "hessian"), ("chek", "check")])
def test_a_misspelt_command_suggests_the_closest(typo, command):
    code, out, err = run_main([typo, "-e", "x"])
    assert code == 2
    assert f"No such command '{typo}'. (Did you mean '{command}'?)" in err


def test_an_unrelated_word_gets_no_suggestion():
    code, _, err = run_main(["xyzzy"])
    assert code == 2 and "No such command 'xyzzy'." in err and "Did you mean" not in err


# ----------------------------------------------------------- 14. --version

def test_version_names_autodiff_numpy_and_python():
    code, out, err = run_main(["--version"])
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].startswith("autodiff ")
    assert lines[1] == f"numpy {np.__version__}"
    assert lines[2].startswith(f"Python {platform.python_version()} ")
    assert sys.version.split()[0] in lines[2]


# ----------------------------------------------------------- 3. jacobian --mode auto: one rule

def language_jacobian_mode(monkeypatch, n_in: int, n_out: int) -> str:
    """The mode the language's jacobian() took for f: R^n_in -> R^n_out (forward mode is spied on)."""
    from autodiff.diffcore.engine import transforms
    from autodiff.diffcore.derivatives import evaluate
    from autodiff.diffcore.program import Program
    used = []
    original = transforms.jacobian_forward
    monkeypatch.setattr(transforms, "jacobian_forward", lambda *a, **k: used.append(1) or original(*a, **k))
    rows = ", ".join(f"sum(v * v) * {k + 1}" for k in range(n_out))
    source = f"def f(v):\n    return [{rows}]\nJ = jacobian(f)(linspace(1, 2, {n_in}))\n"
    J = evaluate(Program.from_text(source), {}).output
    assert np.shape(J) == (n_out, n_in)
    np.testing.assert_allclose(J, [[2 * (k + 1) * v for v in np.linspace(1, 2, n_in)] for k in range(n_out)])
    monkeypatch.setattr(transforms, "jacobian_forward", original)
    return "forward" if used else "reverse"


@pytest.mark.parametrize("n_in, n_out", [(2, 2), (3, 3), (2, 3), (3, 2), (1, 1), (1, 4)])
def test_jacobian_auto_is_one_rule_for_the_command_and_the_language(monkeypatch, n_in, n_out):
    import json
    import re

    from autodiff.diffcore.engine.transforms import jacobian_mode
    program = f"input x = linspace(1, 2, {n_in})\ny = " + \
        "[" + ", ".join(f"sum(x * x) * {k + 1}" for k in range(n_out)) + "]\n"
    code, out, err = run_main(["jacobian", "-e", program, "--json"])
    assert code == 0, err
    command_mode = json.loads(out)["mode"]
    expected = "reverse" if n_out <= n_in else "forward"        # the rule README states
    assert command_mode == expected == jacobian_mode(n_in, n_out)
    assert language_jacobian_mode(monkeypatch, n_in, n_out) == expected
    # The note says which mode, and why, truthfully: the sizes it names are the real ones.
    code, out, err = run_main(["jacobian", "-e", program])
    note = out.strip().splitlines()[-1]
    match = re.fullmatch(r"# mode: (\w+) \(chosen by --mode auto: (\d+) output elements?, (\d+) input elements?: "
                         r"(reverse when the output has at most as many elements as the inputs|"
                         r"forward when the inputs have fewer elements than the output)\)", note)
    assert match, note
    assert match.group(1) == expected and match.group(4).startswith(expected)
    assert (int(match.group(2)), int(match.group(3))) == (n_out, n_in)


# ----------------------------------------------------------- 9. FORCE_COLOR and NO_COLOR

VIEWS = [["grad", "samples/seed_graph.expr"], ["trace", "samples/seed_graph.expr"],
         ["graph", "samples/seed_graph.expr", "--format", "tree"]]


@pytest.mark.parametrize("argv", VIEWS, ids=lambda argv: argv[0])
def test_force_color_lays_out_and_colours_a_pipe(monkeypatch, argv):
    monkeypatch.setenv("COLUMNS", "100")
    code, plain, _ = run_streams(argv)
    assert code == 0 and "\x1b[" not in plain and "╭" not in plain
    monkeypatch.setenv("FORCE_COLOR", "1")
    code, forced, _ = run_streams(argv)             # still a pipe
    assert code == 0 and COLOUR.search(forced), forced
    monkeypatch.setenv("FORCE_COLOR", "0")          # "0" does not force
    assert run_streams(argv)[1] == plain


@pytest.mark.parametrize("argv", VIEWS, ids=lambda argv: argv[0])
def test_no_color_keeps_the_terminal_layout(monkeypatch, argv):
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("TERM", "xterm")
    code, coloured, _ = run_streams(argv, tty=True)
    assert code == 0 and COLOUR.search(coloured)
    monkeypatch.setenv("NO_COLOR", "1")
    code, uncoloured, _ = run_streams(argv, tty=True)
    assert code == 0 and not COLOUR.search(uncoloured)
    # the same layout: the same text once the escape codes are taken out
    strip = re.compile(r"\x1b\[[0-9;]*m")
    assert strip.sub("", uncoloured) == strip.sub("", coloured)
    if argv[0] != "graph":
        assert "╭" in uncoloured or "┏" in uncoloured or "━" in uncoloured or "─" in uncoloured


def test_force_color_colours_error_reports_in_a_pipe(monkeypatch):
    monkeypatch.setenv("FORCE_COLOR", "1")
    code, _, err = run_streams(["grad", "-e", "x^"])
    assert code == 1 and COLOUR.search(err)
    monkeypatch.setenv("NO_COLOR", "1")            # NO_COLOR wins: no colours, same text
    code, _, err = run_streams(["grad", "-e", "x^"])
    assert code == 1 and not COLOUR.search(err) and "syntax error" in err


# ----------------------------------------------------------- 2. ASCII streams

ASCII_CASES = [
    (["grad", "samples/seed_vjp.expr", "--vjp", "[1, 0.5]"], "v*dy/dx = [2.0, 6.0]"),
    (["jvp", "samples/vector_field.expr", "--direction", "x=[1, 0, 0]"], "J*v of v = [2.00000, -0.824361]"),
    (["hvp", "samples/rosenbrock.expr", "--direction", "x=[1, 0, 0]"], "(H*v)[x] = [1330.0, -480.0, 0.0]"),
    (["graph", "samples/seed_graph.expr", "--format", "tree"], "`-- v4 e: mul = 40.0"),
    (["graph", "-e", "input x = 2\ny = x * 3\nz = y * y + y", "--format", "tree"], "^ shared: shown above"),
    (["trace", "-e", "input x = 0.5\nt = 0\nfor i in range(50):\n    t = t + x * 0.5", "--limit", "4"],
     ": 97 entries not shown"),
    (["trace", "-e", "input x = 0.5\nt = 0\nfor i in range(50):\n    t = t + x * 0.5", "--limit", "4"],
     "+ ... 46 more ... +"),
    (["plot", "-e", "sin(x)", "--height", "6", "--width", "60"], "* f   + f'"),
    (["plot", "-e", "sin(x)", "--order", "0", "--height", "6", "--width", "60"], "+---"),
    (["jvp", "--help"], "The directional derivative J*v of the output"),
]


@pytest.mark.parametrize("argv, shown", ASCII_CASES, ids=lambda v: " ".join(v)[:40] if isinstance(v, list) else "")
def test_an_ascii_stream_gets_ascii_stand_ins(argv, shown):
    code, out, err = run_streams(argv, encoding="ascii")       # decoding as ASCII fails on anything else
    assert code == 0, err
    assert shown in out, out


@pytest.mark.parametrize("tty", [False, True])
def test_ascii_tables_on_a_terminal(monkeypatch, tty):
    monkeypatch.setenv("COLUMNS", "80")
    if not tty:
        monkeypatch.setenv("FORCE_COLOR", "1")
    code, out, _ = run_streams(["grad", "samples/seed_vjp.expr", "--vjp", "[1, 0.5]"], tty=tty, encoding="ascii")
    assert code == 0 and "v*dy/dx" in out and "+----" in out and "| [2.0, 6.0]" in out


def test_an_ascii_stream_gets_ascii_errors_and_prints():
    code, out, err = run_streams(["eval", "-e", 'print("x·y")\ny = 2 ·'], encoding="ascii")
    assert code == 1 and "y = 2 *" in err            # the source line under the caret
    code, out, err = run_streams(["eval", "-e", 'print("pi: \u03c0")\n1'], encoding="ascii")
    assert code == 0 and "pi: \\u03c0" in err and out == "f = 1.0\n"


def test_a_latin1_stream_keeps_its_own_characters(monkeypatch):
    code, out, _ = run_streams(["grad", "samples/seed_vjp.expr", "--vjp", "[1, 0.5]"], encoding="latin-1")
    assert code == 0 and "v·dy/dx = [2.0, 6.0]" in out            # '·' is latin-1
    code, out, _ = run_streams(["graph", "samples/seed_graph.expr", "--format", "tree"], encoding="latin-1")
    assert code == 0 and "`-- v4 e" in out


def test_a_utf8_stream_is_left_alone():
    code, out, _ = run_streams(["grad", "samples/seed_vjp.expr", "--vjp", "[1, 0.5]"])
    assert code == 0 and "v·dy/dx = [2.0, 6.0]" in out


@pytest.mark.parametrize("env", [{"PYTHONIOENCODING": "ascii"},
                                 {"LC_ALL": "C", "LANG": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0"}],
                         ids=["PYTHONIOENCODING", "C locale"])
def test_ascii_streams_of_a_real_process(env):
    import os
    import subprocess

    from helpers import autodiff_command
    full = {k: v for k, v in os.environ.items() if k not in ("PYTHONIOENCODING", "PYTHONUTF8", "LC_ALL",
                                                               "LC_CTYPE", "NO_COLOR", "FORCE_COLOR")}
    full.update(env)
    proc = subprocess.run(autodiff_command() + ["grad", "samples/seed_vjp.expr", "--vjp", "[1, 0.5]"],
                          capture_output=True, cwd=REPO, env=full, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.decode("ascii") == "y = [1.0, 8.0]\nv*dy/dx = [2.0, 6.0]\n"


# ----------------------------------------------------------- 13. numbers

def significant_digits(text: str) -> int:
    mantissa = text.lstrip("-").split("e")[0].replace(".", "").lstrip("0")
    return len(mantissa)


def test_numbers_keep_their_point_and_share_their_significant_digits():
    from autodiff.cli.layout import number_text, number_texts
    assert number_texts(np.array([211.6000001, -7.9999999, -40.0000001]), 6) == ["211.6", "-8.000", "-40.00"]
    assert number_text(-7.9999999, 6) == "-8.0"
    assert number_text(123456.7, 6) == "123457.0"
    assert number_texts(np.array([1330.0, -480.0, 0.0]), 6) == ["1330.0", "-480.0", "0.0"]   # whole numbers
    assert number_texts(np.array([0.5, 0.25]), 6) == ["0.50", "0.25"]
    assert number_texts(np.array([1e-7, 0.5]), 6) == ["1e-07", "5e-01"]        # one notation per array
    assert number_texts(np.array([np.nan, -np.inf, 1.5]), 6) == ["nan", "-inf", "1.5"]
    assert number_texts(np.array([0.1 + 0.2]), 17) == ["0.30000000000000004"]


def test_every_element_of_an_array_has_the_same_significant_digits():
    from autodiff.cli.layout import number_texts
    rng = np.random.default_rng(7)
    for precision in (3, 6, 10):
        for scale in (1e-3, 1.0, 50.0):
            values = rng.standard_normal(40) * scale
            texts = number_texts(values, precision)
            # (a text like "100.0" is a whole number shown with its point: the ".0" is no digit)
            counts = {significant_digits(t) for t in texts if not t.endswith(".0")}
            assert len(counts) == 1, texts
            assert all("." in t or "e" in t for t in texts)
            # and each is the value, to that many digits
            digits = counts.pop()
            np.testing.assert_allclose([float(t) for t in texts], values, rtol=10.0 ** (1 - digits))


def test_gradient_of_rosenbrock_as_the_issue_showed_it():
    code, out, err = run_main(["grad", "samples/rosenbrock.expr"])
    assert code == 0, err
    assert "df/dx = [211.6, -8.000, -40.00]" in out


def test_the_language_prints_a_rounded_whole_number_with_its_point():
    code, out, err = run_main(["eval", "-e", "print(7.9999999)\nx = 1"])
    assert code == 0 and err == "8.0\n"


# ----------------------------------------------------------- 12. wide results, and the pager

def strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def on_a_terminal(monkeypatch, argv: list, columns: int = 60, rows: int = 200) -> str:
    monkeypatch.setenv("COLUMNS", str(columns))
    monkeypatch.setenv("LINES", str(rows))
    monkeypatch.setenv("TERM", "xterm")
    code, out, err = run_streams(argv, tty=True)
    assert code == 0, err
    return strip_ansi(out)


def matrix_rows(text: str) -> list:
    return [line for line in text.splitlines() if re.search(r"│ +\[?\[ *-?\d", line)]


def test_a_wide_matrix_fits_a_narrow_terminal_as_an_aligned_block(monkeypatch):
    out = on_a_terminal(monkeypatch, ["eval", "-e", "reshape(linspace(-1, 1, 160), 8, 20)", "--no-pager"])
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 60
    rows = matrix_rows(out)
    assert len(rows) == 8                           # one line per row of the matrix
    assert all("..." in row for row in rows)        # the middle columns elided, as numpy does
    assert len({row.index("...") for row in rows}) == 1 and len({len(row) for row in rows}) == 1   # aligned
    assert "-1.00000" in rows[0] and "1.00000]]" in rows[-1]          # the first and last columns


def test_full_shows_every_column_within_the_width(monkeypatch):
    out = on_a_terminal(monkeypatch, ["eval", "-e", "reshape(linspace(-1, 1, 160), 8, 20)", "--full",
                                      "--no-pager"])
    assert max(len(line) for line in out.splitlines()) <= 60
    numbers = re.findall(r"-?\d+\.\d+", out.split("value", 1)[1])
    assert len(numbers) == 160 and "..." not in out
    np.testing.assert_allclose([float(n) for n in numbers], np.linspace(-1, 1, 160), atol=1e-5)


def test_a_long_vector_wraps_onto_aligned_lines(monkeypatch):
    out = on_a_terminal(monkeypatch, ["eval", "-e", "linspace(0, 100, 40)", "--no-pager"])
    assert max(len(line) for line in out.splitlines()) <= 60
    numbers = re.findall(r"\d+\.\d+", out.split("value", 1)[1])
    np.testing.assert_allclose([float(n) for n in numbers], np.linspace(0, 100, 40), rtol=1e-5)
    cells = [line.split("│")[3] for line in out.splitlines() if line.count("│") == 4 and re.search(r"\d", line)]
    assert len(cells) > 2 and len({len(c.rstrip()) for c in cells[:-1]}) == 1       # full lines, aligned


def test_a_pipe_keeps_each_matrix_row_whole():
    code, out, _ = run_streams(["eval", "-e", "reshape(linspace(-1, 1, 160), 8, 20)"])
    assert code == 0 and len(out.splitlines()) == 8 and "..." not in out


@pytest.fixture
def pager(monkeypatch, tmp_path):
    """A pager that saves what it is given: (the file, the environment it saw)."""
    target = tmp_path / "paged.txt"
    script = tmp_path / "pager.py"
    script.write_text("import os, sys\n"
                      f"open({str(target)!r}, 'wb').write(sys.stdin.buffer.read())\n"
                      f"open({str(target) + '.env'!r}, 'w').write(os.environ.get('LESS', ''))\n")
    monkeypatch.setenv("PAGER", f"{sys.executable} {script}")
    monkeypatch.delenv("LESS", raising=False)
    return target


LONG = ["eval", "-e", "reshape(linspace(-1, 1, 160), 40, 4)"]


def test_long_output_on_a_terminal_goes_through_the_pager(monkeypatch, pager):
    out = on_a_terminal(monkeypatch, LONG, columns=80, rows=20)
    assert out == ""
    paged = strip_ansi(pager.read_text())
    assert len(matrix_rows(paged)) == 40 and "╭" in paged
    assert Path(str(pager) + ".env").read_text() == "FRX"          # as git sets it


@pytest.mark.parametrize("where", ["before", "after"])
def test_no_pager_before_or_after_the_command(monkeypatch, pager, where):
    argv = ["--no-pager"] + LONG if where == "before" else LONG + ["--no-pager"]
    out = on_a_terminal(monkeypatch, argv, columns=80, rows=20)
    assert len(matrix_rows(out)) == 40 and not pager.exists()


def test_no_pager_for_short_output_a_pipe_or_cat(monkeypatch, pager):
    assert "40.0" in on_a_terminal(monkeypatch, ["grad", "samples/seed_graph.expr"], rows=20)
    assert not pager.exists()
    code, out, _ = run_streams(LONG)                             # a pipe
    assert code == 0 and len(out.splitlines()) == 40 and not pager.exists()
    monkeypatch.setenv("PAGER", "cat")
    assert len(matrix_rows(on_a_terminal(monkeypatch, LONG, columns=80, rows=20))) == 40


@pytest.mark.parametrize("argv", [["trace", "-e", "input x = 1\nt = 0\nfor i in range(30):\n    t = t + x"],
                                  ["graph", "-e", "input x = 1\nt = 0\nfor i in range(30):\n    t = t + x",
                                   "--format", "tree"]], ids=["trace", "graph"])
def test_trace_and_tree_are_paged_too(monkeypatch, pager, argv):
    assert on_a_terminal(monkeypatch, argv, columns=100, rows=20) == ""
    assert "v1" in strip_ansi(pager.read_text())


# ----------------------------------------------------------- 10. shell completion

def completions(args: list, incomplete: str) -> list:
    from click.shell_completion import BashComplete

    from autodiff.cli.app import cli
    return [item.value for item in BashComplete(cli, {}, "autodiff", "_AUTODIFF_COMPLETE")
            .get_completions(args, incomplete)]


def test_file_arguments_complete_program_paths_expr_first(monkeypatch, tmp_path):
    for name in ("b.expr", "a.txt", "a.expr", ".hidden.expr"):
        (tmp_path / name).write_text("x\n")
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "m.expr").write_text("x\n")
    (tmp_path / "models" / "notes.md").write_text("")
    monkeypatch.chdir(tmp_path)
    assert completions(["grad"], "") == ["a.expr", "b.expr", "models/", "a.txt"]
    assert completions(["eval"], "a") == ["a.expr", "a.txt"]
    assert completions(["trace"], ".") == [".hidden.expr"]          # hidden files when asked for
    # a lone directory is opened, so that the shell does not end the word after it
    assert completions(["plot"], "mod") == ["models/m.expr", "models/notes.md"]
    assert completions(["jacobian"], "models/n") == ["models/notes.md"]


@pytest.mark.parametrize("args, incomplete, expected", [
    (["grad", "samples/rosenbrock.expr", "--at"], "", ["x="]),
    (["grad", "--at", "y=1", "-e", "x + y * z", "--at"], "", ["x=", "z="]),       # those not given yet
    (["hessian", "-e", "x + y * z", "--at"], "y", ["y="]),
    (["grad", "-e", "x + y * z", "--wrt"], "x,", ["x,y", "x,z"]),
    (["trace", "samples/seed_graph.expr", "--wrt"], "", ["a"]),
    (["jvp", "samples/vector_field.expr", "--direction"], "", ["x="]),
    (["eval", "samples/seed_graph.expr", "--of"], "", ["a", "b", "c", "d", "e"]),
    (["plot", "samples/sigmoid.expr", "--wrt"], "", ["x"]),
    (["grad", "--at"], "", []),                                     # no program on the line yet
    (["grad", "no/such.expr", "--at"], "", []),
    (["grad", "-e", "x +", "--at"], "", []),                        # not a valid program
])
def test_input_names_complete_once_the_program_is_on_the_line(args, incomplete, expected):
    assert completions(args, incomplete) == expected


def test_completion_through_the_entry_point(monkeypatch):
    monkeypatch.setenv("_AUTODIFF_COMPLETE", "bash_complete")
    monkeypatch.setenv("COMP_WORDS", "autodiff grad samples/rosenbrock.expr --at ")
    monkeypatch.setenv("COMP_CWORD", "4")
    code, out, err = run_main([])
    assert code == 0 and out == "plain,x=\n", err
    monkeypatch.setenv("COMP_WORDS", "autodiff hes")
    monkeypatch.setenv("COMP_CWORD", "1")
    assert run_main([])[1] == "plain,hessian\n"


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts(monkeypatch, shell):
    import shutil
    import subprocess
    monkeypatch.setenv("_AUTODIFF_COMPLETE", f"{shell}_source")
    code, script, err = run_main([])
    assert code == 0 and "_AUTODIFF_COMPLETE" in script and "autodiff" in script, err
    if shell == "bash":
        assert "compopt -o nospace" in script          # no space after 'x=' and 'samples/'
    if shell == "zsh":
        assert "compadd -S ''" in script
    if shutil.which(shell) and shell in ("bash", "zsh"):
        assert subprocess.run([shell, "-n"], input=script.encode(), timeout=30).returncode == 0


def test_readme_documents_completion_for_each_shell():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for shell in ("bash", "zsh", "fish"):
        assert f"_AUTODIFF_COMPLETE={shell}_source autodiff" in readme


def test_switches_of_one_invocation_do_not_outlive_it(monkeypatch):
    # --traceback and --no-pager belong to their run (cli/config.py, RunSettings): an in-process
    # caller (a later test, a notebook) keeps its environment, and the next run its own switches.
    import os
    monkeypatch.delenv("AUTODIFF_DEBUG", raising=False)
    monkeypatch.delenv("AUTODIFF_PAGER", raising=False)
    before = dict(os.environ)
    code, _, _ = run_main(["eval", "-e", "1 + 1", "--traceback", "--no-pager"])
    assert code == 0
    assert "AUTODIFF_DEBUG" not in os.environ and "AUTODIFF_PAGER" not in os.environ
    assert dict(os.environ) == before
    code, err = run_broken(monkeypatch, ["eval", "-e", "1"])        # the next run: no --traceback
    assert code == 3 and "Traceback" not in err
