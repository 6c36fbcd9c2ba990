"""A table of bad inputs: every one gets its documented exit code and a clear message, never a traceback.

Each case is a file in tests/bad_inputs/:

* `NAME.expr` is the program itself. Its first lines are comments that
  describe the case (they are part of the program, which is fine: comments):

      # args: grad --max-steps 1000     the command line after `autodiff`
      # exit: 1                         the exit code
      # expect: limit exceeded          a fragment of standard error (repeatable)
      # stdout: y = inf                 a fragment of standard output (repeatable)
      # max-seconds: 5                  the case must finish within this many seconds

  The file's path is appended to the arguments unless they contain `-e` or a
  placeholder: `{file}` (this file), `{missing}` (a path that does not exist),
  `{dir}` (a directory), `{nothing}` (no program argument at all).

* `NAME.case` has the same header and one more line, `# build: EXPR`: a Python
  expression giving the program's text or bytes, for inputs that cannot be
  kept as a readable file (empty, not UTF-8, NUL bytes, 2 MB, 10^4 brackets).

All cases run in-process through `autodiff.cli.main.main` (fast); a handful
also run through the installed `autodiff` command in a subprocess.
"""
from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import autodiff.cli.main  # noqa: F401 - registers the commands
from helpers import run_main

HERE = Path(__file__).resolve().parent
TABLE = HERE / "bad_inputs"
CASE_FILES = sorted(TABLE.glob("*.expr")) + sorted(TABLE.glob("*.case"))


@dataclass
class Case:
    name: str
    path: Path
    args: list
    exit: int
    expect: list = field(default_factory=list)
    stdout: list = field(default_factory=list)
    max_seconds: float = 10.0
    build: str | None = None

    def content(self) -> bytes:
        if self.build is None:
            return self.path.read_bytes()
        value = eval(self.build, {"__builtins__": {"range": range}}, {})   # test data, written by us
        return value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")


def read_case(path: Path) -> Case:
    header: dict = {"expect": [], "stdout": []}
    with open(path, "rb") as handle:
        for raw in handle:
            line = raw.decode("utf-8").rstrip("\r\n")
            if not line.startswith("# ") or ":" not in line:
                break
            key, _, value = line[2:].partition(":")
            key, value = key.strip(), value.strip()
            if key in ("expect", "stdout"):
                header[key].append(value)
            else:
                header[key] = value
    assert "args" in header and "exit" in header, f"{path.name}: needs '# args:' and '# exit:' lines"
    if path.suffix == ".case":
        assert "build" in header, f"{path.name}: a .case file needs a '# build:' line"
    return Case(path.stem, path, shlex.split(header["args"]), int(header["exit"]), header["expect"],
                header["stdout"], float(header.get("max-seconds", 10)), header.get("build"))


CASES = [read_case(p) for p in CASE_FILES]


def command_line(case: Case, workdir: Path) -> list:
    """The arguments, with the program file and placeholders filled in."""
    if case.build is not None:
        program = workdir / f"{case.name}.expr"
        program.write_bytes(case.content())
    else:
        program = case.path
    places = {"{file}": str(program), "{missing}": str(workdir / "no-such-file.expr"), "{dir}": str(workdir)}
    args = []
    placed = "-e" in case.args or "--expr" in case.args
    for arg in case.args:
        if arg == "{nothing}":
            placed = True
            continue
        for key, value in places.items():
            if key in arg:
                placed = True
                arg = arg.replace(key, value)
        args.append(arg)
    if not placed:
        args.append(str(program))
    return args


def check_outcome(case: Case, code: int, out: str, err: str, seconds: float) -> None:
    context = f"{case.name}: exit {code}\n--- stdout:\n{out[-3000:]}\n--- stderr:\n{err[-3000:]}"
    assert "Traceback" not in out + err, context
    assert "internal error" not in err, context
    assert code == case.exit, context
    for fragment in case.expect:
        assert fragment in err, f"missing in stderr: {fragment!r}\n{context}"
    for fragment in case.stdout:
        assert fragment in out, f"missing in stdout: {fragment!r}\n{context}"
    assert seconds <= case.max_seconds, f"{case.name} took {seconds:.2f} s (at most {case.max_seconds} s)"


@pytest.fixture(autouse=True)
def plain_environment(monkeypatch):
    monkeypatch.delenv("AUTODIFF_DEBUG", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")


def test_the_table_is_big_enough():
    assert len(CASES) >= 40
    groups = {c.name.split("_")[0] for c in CASES}
    assert {"syntax", "name", "type", "shape", "limit", "numeric", "escape", "cli", "file"} <= groups


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input(case, tmp_path):
    args = command_line(case, tmp_path)
    start = time.monotonic()
    code, out, err = run_main(args)
    check_outcome(case, code, out, err, time.monotonic() - start)


def test_escape_attempts_are_language_errors():
    """Everything that reaches for Python is a syntax error or an unknown name, exit 1."""
    for case in CASES:
        if case.name.startswith("escape_"):
            assert case.exit == 1
            assert any(kind in " ".join(case.expect) for kind in ("syntax error", "name error", "has no value")), \
                case.name


# A handful through the real command: exit codes and messages as a shell sees them.
SUBPROCESS_CASES = ["cli_unknown_option", "limit_zeros_huge", "escape_import_os", "file_not_utf8",
                    "file_nested_parentheses", "cli_missing_file", "numeric_log_zero"]


@pytest.mark.skipif(shutil.which("autodiff") is None, reason="the autodiff command is not installed")
@pytest.mark.parametrize("name", SUBPROCESS_CASES)
def test_bad_input_in_a_subprocess(name, tmp_path):
    (case,) = [c for c in CASES if c.name == name]
    args = command_line(case, tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "AUTODIFF_DEBUG"}
    env["NO_COLOR"] = "1"
    start = time.monotonic()
    result = subprocess.run([shutil.which("autodiff"), *args], capture_output=True, text=True, env=env,
                            timeout=60, errors="replace")
    seconds = time.monotonic() - start
    # The process start (Python, numpy, lark) is not the case's own time.
    check_outcome(case, result.returncode, result.stdout, result.stderr, seconds - min(seconds, 3.0))


def test_subprocess_cases_exist():
    names = {c.name for c in CASES}
    assert set(SUBPROCESS_CASES) <= names
    assert sys.executable
