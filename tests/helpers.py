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
    # Text streams over bytes, as a real stdout is: click writes some output (completion scripts,
    # since click 8.5) as bytes to the stream's buffer.
    out_bytes, err_bytes = io.BytesIO(), io.BytesIO()
    out = io.TextIOWrapper(out_bytes, encoding="utf-8", write_through=True)
    err = io.TextIOWrapper(err_bytes, encoding="utf-8", write_through=True)
    code = run_with_streams(argv, out, err, stdin)
    out.flush()
    err.flush()
    text_out, text_err = out_bytes.getvalue().decode("utf-8"), err_bytes.getvalue().decode("utf-8")
    assert "Traceback" not in text_out + text_err, text_err
    return code, text_out, text_err


def run_with_streams(argv: list, out, err, stdin: bytes = b""):
    """The real entry point in-process with these stdout and stderr streams: its exit code."""
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
    return code


class FakeTerminalBytes(io.BytesIO):
    """The bytes under a text stream that may claim to be a terminal (isatty)."""

    def __init__(self, tty: bool):
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def child_pids(pid: int) -> list:
    """The process ids of pid's children (Linux), or [] when it has none or is gone."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as listing:
            return [int(child) for child in listing.read().split()]
    except OSError:
        return []


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


def run_in_threads(work, count: int) -> list:
    """Run work(0), ..., work(count - 1) in as many threads at once; the exceptions they raised."""
    import threading
    errors: list = []

    def guarded(i: int) -> None:
        try:
            work(i)
        except BaseException as error:  # pragma: no cover - returned to the test
            errors.append(error)

    threads = [threading.Thread(target=guarded, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors
