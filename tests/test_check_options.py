"""`autodiff check`'s pytest-like options (issue 19, item 11): -x, -k, `-` for a list of paths on
standard input, --json, the per-file --timeout default, and the summary's words."""
from __future__ import annotations

import json
import textwrap
import time
from pathlib import Path

import pytest

from autodiff.cli import check as check_cli
from autodiff.diffcore.checks.runner import name_matcher
from helpers import run_main

PASSING = "input x = 2.0\ny = x * x\nassert y == 4\n"
FAILING = "input x = 2.0\ny = x * x\nassert y == 5\n"
ERRING = "y = 1 +\n"


@pytest.fixture(autouse=True)
def plain(monkeypatch):
    monkeypatch.delenv("AUTODIFF_DEBUG", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")


def files(tmp_path: Path, **texts: str) -> dict:
    made = {}
    for name, text in texts.items():
        path = tmp_path / f"{name}.expr"
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        made[name] = str(path)
    return made


def check(*args: str, stdin: bytes = b"") -> tuple:
    return run_main(["check", *args], stdin=stdin)


def test_summary_says_one_error_and_keeps_pytest_words():
    line = check_cli.summary({"pass": 2, "fail": 1, "error": 1}, 0.05)
    assert line == "2 passed, 1 failed, 1 error in 0.05s"
    assert check_cli.summary({"pass": 1, "fail": 0, "error": 2}, 1.0) == "1 passed, 0 failed, 2 errors in 1.00s"


def test_one_error_in_the_printed_summary(tmp_path):
    f = files(tmp_path, a=PASSING, b=ERRING)
    code, out, _ = check(f["a"], f["b"])
    assert code == 1 and out.splitlines()[-1].startswith("1 passed, 0 failed, 1 error in ")


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_exitfirst_stops_after_the_first_failure(tmp_path, jobs):
    # With one process the order is the collected one: a passes, b fails, c and d are never run.
    f = files(tmp_path, a=PASSING, b=FAILING, c=PASSING, d=ERRING)
    code, out, _ = check(str(tmp_path), "-x", "--jobs", jobs, "--json-lines")
    statuses = [json.loads(line)["status"] for line in out.splitlines()]
    assert code == 1 and statuses.count("fail") + statuses.count("error") == 1
    assert statuses[-1] in ("fail", "error")        # nothing is reported after the failure
    if jobs == "1":
        assert [json.loads(line)["file"] for line in out.splitlines()] == [f["a"], f["b"]]
    code, out, _ = check(str(tmp_path), "--exitfirst")
    assert out.splitlines()[-1].startswith("1 passed, 1 failed, 0 errors, 2 not checked (stopped at the first")
    code, out, _ = check(f["a"], f["c"], "-x")
    assert code == 0 and out.splitlines()[-1].startswith("2 passed, 0 failed, 0 errors in ")


def test_keyword_selects_files_by_path():
    match = name_matcher("seed and not (poly or SUM)")
    assert match("cases/seed_dot.expr") and not match("cases/seed_poly.expr") and not match("cases/seed_sum.expr")
    assert not match("cases/other.expr")
    assert name_matcher("a or b")("xbx") and not name_matcher("not b")("B.expr")     # case-insensitive
    for bad in ["", "and", "(a", "a b", "not", "a or"]:
        with pytest.raises(ValueError):
            name_matcher(bad)


def test_keyword_on_the_command_line(tmp_path):
    f = files(tmp_path, seed_one=PASSING, seed_two=FAILING, other=ERRING)
    code, out, _ = check(str(tmp_path), "-k", "seed and not two")
    assert code == 0 and f["seed_one"] in out and f["seed_two"] not in out and f["other"] not in out
    assert out.splitlines()[-1].startswith("1 passed, 0 failed, 0 errors, 2 deselected in ")
    code, _, err = check(str(tmp_path), "-k", "nothing_like_it")
    assert code == 2 and "selects none of the 3 files" in err
    code, _, err = check(str(tmp_path), "-k", "seed and")
    assert code == 2 and "-k 'seed and'" in err


def test_dash_reads_the_paths_from_standard_input(tmp_path):
    f = files(tmp_path, a=PASSING, b=FAILING, c=PASSING)
    listed = f"{f['a']}\n\n{f['b']}\r\n".encode()
    code, out, _ = check("-", "--json-lines", stdin=listed)
    assert code == 1 and [json.loads(line)["file"] for line in out.splitlines()] == [f["a"], f["b"]]
    code, out, _ = check(f["c"], "-", "--json-lines", stdin=listed)      # beside other paths, in place
    assert [json.loads(line)["file"] for line in out.splitlines()] == [f["c"], f["a"], f["b"]]
    code, _, err = check("-", stdin=b"")
    assert code == 2 and "give at least one PATH" in err
    code, _, err = check("-", stdin=b"/no/such/file.expr\n")
    assert code == 2 and "/no/such/file.expr: no such file or directory" in err


def test_json_is_one_object_with_the_counts_and_every_file(tmp_path):
    f = files(tmp_path, a=PASSING, b=FAILING, c=ERRING)
    code, lines_out, _ = check(str(tmp_path), "--json-lines")
    code, out, err = check(str(tmp_path), "--json", "--jobs", "2")
    report = json.loads(out)                # the whole of standard output is one object
    assert code == 1 and err.startswith("1 passed, 1 failed, 1 error in ")
    assert (report["passed"], report["failed"], report["errors"]) == (1, 1, 1)
    assert report["deselected"] == 0 and report["not_checked"] == 0 and report["seconds"] > 0
    assert [r["file"] for r in report["files"]] == [f["a"], f["b"], f["c"]]     # collected order
    by_lines = [json.loads(line) for line in lines_out.splitlines()]
    for one in (report["files"], by_lines):
        for r in one:
            r.pop("seconds")
    assert report["files"] == by_lines      # each file as --json-lines gives it
    code, _, err = check(str(tmp_path), "--json", "--json-lines")
    assert code == 2 and "not both" in err


def test_check_timeout_is_seconds_per_file_by_default(tmp_path):
    """check's own --timeout default: an infinite loop is an error in seconds, not at --max-steps."""
    param = next(p for p in check_cli.check_command.params if p.name == "timeout")
    assert param.default == check_cli.CHECK_TIMEOUT and 1 <= check_cli.CHECK_TIMEOUT <= 10
    f = files(tmp_path, loop="x = 0\nwhile true:\n    x = x + 1\n")
    started = time.monotonic()
    code, out, _ = check(f["loop"], "--timeout", "0.2")
    assert code == 1 and "checking the file took longer than 0.2 s" in out
    assert time.monotonic() - started < 3
