"""Cold start (performance case 1): what the common command imports, and the generated tables.

The parser runs on tables generated ahead of time by lark (grammar/_tables.py,
`python -m autodiff.grammar.generate`), and `eval`/`grad` run without click
(cli/fast.py), so that `autodiff grad -e ... --json` imports little beyond
numpy and diffcore. These tests pin that, and fail when the checked-in tables
no longer match autodiff.lark.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from autodiff.grammar import _tables, generate

HEAVY = ("click", "lark", "regex", "rich", "logging", "autodiff.cli.points", "autodiff.cli.app",
         "autodiff.diffcore.higher", "autodiff.diffcore.forward", "autodiff.diffcore.taylor", "difflib")


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


def test_grad_json_imports_neither_click_nor_lark_nor_rich():
    code, out, heavy = imported_by(["grad", "-e", "x^2 + 3*x", "--at", "x=2", "--json"])
    assert code == 0 and '"gradient": {"x": 7.0}' in out
    assert heavy == []


def test_text_output_to_a_pipe_and_stdin_stay_light():
    code, out, heavy = imported_by(["grad", "-", "--at", "x=2"], stdin="x^2 + 3*x\n")
    assert code == 0 and out == "f = 10.0\ndf/dx = 7.0\n"
    assert heavy == []


def test_errors_on_the_fast_path_stay_light():
    code, _, heavy = imported_by(["grad", "-e", "x + )"])
    assert code == 1 and heavy == []
    code, _, heavy = imported_by(["grad", "-e", "x", "--vjp", "1", "--sum"])
    assert code == 2 and heavy == []


def test_other_command_lines_still_go_to_click():
    code, out, heavy = imported_by(["--version"])
    assert code == 0 and "autodiff" in out and "click" in heavy


def test_the_tables_match_the_grammar():
    grammar = generate.GRAMMAR_FILE.read_text(encoding="utf-8")
    assert _tables.GRAMMAR_SHA256 == hashlib.sha256(grammar.encode("utf-8")).hexdigest(), \
        "grammar/_tables.py is stale: run `python -m autodiff.grammar.generate`"


def test_regenerating_the_tables_gives_the_checked_in_file():
    # Also catches a hand edit of _tables.py, or a lark upgrade that changes the tables.
    assert Path(_tables.__file__).read_text(encoding="utf-8") == generate.render(
        generate.GRAMMAR_FILE.read_text(encoding="utf-8")), \
        "grammar/_tables.py is stale: run `python -m autodiff.grammar.generate`"


def test_generate_check_command(tmp_path):
    stale = tmp_path / "_tables.py"
    stale.write_text("# stale\n")
    result = subprocess.run([sys.executable, "-m", "autodiff.grammar.generate", "--check", "--output", str(stale)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and "stale" in result.stderr
    result = subprocess.run([sys.executable, "-m", "autodiff.grammar.generate", "--check"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
