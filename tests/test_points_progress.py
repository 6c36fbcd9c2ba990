"""`--points` shows a progress bar on stderr when stderr is a terminal and the results go to a file
or a pipe, and none otherwise (issue 19, item 15). The streams are faked, as in test_manners.py."""
from __future__ import annotations

import contextlib
import io
import json

import pytest

from autodiff.cli.main import main

from helpers import FakeTerminalBytes


@pytest.fixture(autouse=True)
def plain_env(monkeypatch):
    for name in ("NO_COLOR", "FORCE_COLOR", "AUTODIFF_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TERM", "xterm")


def run(argv: list, err_tty: bool, out_tty: bool = False) -> tuple:
    """(exit code, stdout, stderr) with stderr (and stdout) a terminal or not."""
    out = io.TextIOWrapper(FakeTerminalBytes(out_tty), encoding="utf-8", write_through=True)
    err = io.TextIOWrapper(FakeTerminalBytes(err_tty), encoding="utf-8", write_through=True)
    code = "did not exit"
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(argv)
        except SystemExit as exc:
            code = exc.code
    return code, out.buffer.getvalue().decode(), err.buffer.getvalue().decode()


@pytest.fixture
def points_file(tmp_path):
    path = tmp_path / "points.csv"
    path.write_text("x\n" + "".join(f"{k / 10}\n" for k in range(40)), encoding="utf-8")
    return str(path)


def test_a_bar_on_a_terminal_stderr_when_the_results_go_to_a_file(points_file):
    code, out, err = run(["grad", "-e", "x^2", "--points", points_file, "--jobs", "1"], err_tty=True)
    assert code == 0
    results = [json.loads(line) for line in out.splitlines()]
    assert len(results) == 40 and results[-1]["gradient"]["x"] == pytest.approx(2 * 3.9)
    assert "points" in err and "40 done" in err and "eta" in err      # the total is known: time left
    assert "\x1b[" in err                                               # drawn for a terminal


def test_no_bar_when_stderr_is_not_a_terminal(points_file):
    code, out, err = run(["grad", "-e", "x^2", "--points", points_file, "--jobs", "1"], err_tty=False)
    assert code == 0 and len(out.splitlines()) == 40 and err == ""


def test_no_bar_when_the_results_are_on_the_terminal_or_no_color(points_file, monkeypatch):
    code, out, err = run(["grad", "-e", "x^2", "--points", points_file], err_tty=True, out_tty=True)
    assert code == 0 and "done" not in err
    monkeypatch.setenv("NO_COLOR", "1")
    code, out, err = run(["grad", "-e", "x^2", "--points", points_file], err_tty=True)
    assert code == 0 and err == ""
