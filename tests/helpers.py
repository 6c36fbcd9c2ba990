"""Helpers shared by the test modules: running the real entry point, comparing numbers."""
from __future__ import annotations

import contextlib
import io
import shutil
import sys

import numpy as np
from click.testing import CliRunner

from autodiff.cli.main import main


def run_main(argv: list, stdin: bytes = b"") -> tuple:
    """The real entry point in-process: (exit code, stdout, stderr); never a traceback."""
    out, err = io.StringIO(), io.StringIO()
    old_stdin = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    code = "did not exit"
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main(argv)
            except SystemExit as exc:
                code = exc.code
    finally:
        sys.stdin = old_stdin
    assert "Traceback" not in out.getvalue() + err.getvalue(), err.getvalue()
    return code, out.getvalue(), err.getvalue()


def autodiff_command() -> list:
    """The installed `autodiff` command, or the module when it is not on PATH."""
    exe = shutil.which("autodiff")
    return [exe] if exe else [sys.executable, "-m", "autodiff.cli"]


def close(actual, expected, rtol=1e-12, atol=1e-12) -> None:
    actual = np.asarray(actual, dtype=float)
    expected = np.asarray(expected, dtype=float)
    assert actual.shape == expected.shape, f"shape {actual.shape} != {expected.shape}"
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol)


def make_runner() -> CliRunner:
    try:
        return CliRunner(mix_stderr=False)        # click < 8.2
    except TypeError:
        return CliRunner()                        # click >= 8.2 keeps stderr apart
