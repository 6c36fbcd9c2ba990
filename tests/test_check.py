"""`autodiff check`: batch runs of program files, their reports, and gradcheck (docs/check.md).

The big runs go through the real command in a subprocess (tests/cases/ must
all pass; tests/cases_failing/ must report exactly what is pinned here). The
ones that need to reach inside -- a worker process that crashes, an internal
exception -- run `main()` in-process with a module-level hook monkeypatched.
"""
from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from autodiff.cli.main import main
from autodiff.diffcore.checks import runner as checking
from autodiff.grammar.source import Source

REPO = Path(__file__).resolve().parents[1]
CASES = "tests/cases"
FAILING = "tests/cases_failing"
SUMMARY = re.compile(r"^(\d+) passed, (\d+) failed, (\d+) errors? in \d+\.\d\ds$")
FAILING_ARGS = ("--max-steps", "100000")          # infinite_loop.expr stops quickly


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    monkeypatch.delenv("AUTODIFF_DEBUG", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")


def autodiff_check(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "AUTODIFF_DEBUG"}
    proc = subprocess.run([sys.executable, "-m", "autodiff.cli", "check", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)
    assert "Traceback" not in proc.stdout + proc.stderr
    return proc


def run_main(capsys, *args: str) -> tuple[int, str, str]:
    """`autodiff check ARGS` in this process: (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as exited:
        main(["check", *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return exited.value.code, out, err


def blocks(stdout: str) -> dict:
    """{path: report block without times} from text output (the summary line excluded)."""
    found, current = {}, None
    for line in stdout.splitlines():
        head = re.match(r"^(PASS|FAIL|ERROR) (\S+) \(\d+\.\d\ds\)$", line)
        if head:
            current = head.group(2)
            found[current] = [f"{head.group(1)} {current} (T)"]
        elif SUMMARY.match(line):
            current = None
        else:
            assert current is not None, f"stray line: {line!r}"
            found[current].append(line)
    return {path: "\n".join(lines) for path, lines in found.items()}


def summary(stdout: str) -> tuple[int, int, int]:
    last = stdout.rstrip("\n").splitlines()[-1]
    match = SUMMARY.match(last)
    assert match, last
    return tuple(int(g) for g in match.groups())


def expected(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


# ------------------------------------------------------------ tests/cases/

def test_every_case_passes():
    files = sorted((REPO / CASES).glob("*.expr"))
    assert len(files) >= 60
    proc = autodiff_check(CASES)
    assert proc.returncode == 0, proc.stdout
    assert proc.stderr == ""                        # no progress bar when stderr is not a terminal
    assert "\033" not in proc.stdout
    found = blocks(proc.stdout)
    assert sorted(found) == [f"{CASES}/{f.name}" for f in files]
    assert all(block.startswith("PASS ") and "\n" not in block for block in found.values())
    assert list(found) == sorted(found)             # --jobs 1: in collection order
    assert summary(proc.stdout) == (len(files), 0, 0)


def test_most_cases_gradcheck_themselves():
    texts = [f.read_text(encoding="utf-8") for f in (REPO / CASES).glob("*.expr")]
    assert sum("# check: gradcheck" in t for t in texts) >= 0.8 * len(texts)
    assert all("assert" in t for t in texts)


# ----------------------------------------------------- tests/cases_failing/

@pytest.fixture(scope="module")
def failing(tmp_path_factory):
    """One text run over tests/cases_failing/, writing a JUnit report too."""
    junit = tmp_path_factory.mktemp("junit") / "report.xml"
    proc = autodiff_check(FAILING, *FAILING_ARGS, "--junit", str(junit))
    return proc, blocks(proc.stdout), junit


def test_failing_summary_and_exit_code(failing):
    proc, found, _ = failing
    assert proc.returncode == 1
    assert len(found) >= 6
    assert summary(proc.stdout) == (0, 5, 4)
    statuses = {Path(p).name: block.split()[0] for p, block in found.items()}
    assert statuses == {
        "assert_allclose.expr": "FAIL", "assert_at_point.expr": "FAIL", "assert_compare.expr": "FAIL",
        "gradcheck_wrong_rule.expr": "FAIL", "gradcheck_nan_output.expr": "FAIL",
        "infinite_loop.expr": "ERROR", "pragma_typo.expr": "ERROR", "shape_error.expr": "ERROR",
        "syntax_error.expr": "ERROR"}


def without_generated_message(block: str) -> str:
    """The block with the text autodiff generates for an assert without a message (`12.0 == 13.0
    is false`, or `the condition is false`) cut after 'assertion failed:'."""
    return re.sub(r"(: assertion failed:) (.* is false|the condition is false)$", r"\1 ...", block,
                  flags=re.MULTILINE)


def test_failed_comparison_shows_both_sides(failing):
    assert without_generated_message(failing[1][f"{FAILING}/assert_compare.expr"]) == expected(f"""
        FAIL {FAILING}/assert_compare.expr (T)
            {FAILING}/assert_compare.expr:7:1: assertion failed: ...
                assert grad_x == 13
                ^^^^^^^^^^^^^^^^^^^
            left: 12.0
            right: 13.0
        """)


def test_failed_allclose_shows_both_arrays(failing):
    assert without_generated_message(failing[1][f"{FAILING}/assert_allclose.expr"]) == expected(f"""
        FAIL {FAILING}/assert_allclose.expr (T)
            {FAILING}/assert_allclose.expr:4:1: assertion failed: ...
                assert allclose(g, 2 * x^2)
                ^^^^^^^^^^^^^^^^^^^^^^^^^^^
            left: [3.0, 12.0, 27.0]
            right: [2.0, 8.0, 18.0]
            largest difference: 9.0 at [2]
        """)


def test_failure_at_an_input_point_names_the_point(failing):
    assert failing[1][f"{FAILING}/assert_at_point.expr"] == expected(f"""
        FAIL {FAILING}/assert_at_point.expr (T)
            {FAILING}/assert_at_point.expr:5:1: assertion failed: sqrt(x^2) is |x|
                assert sqrt(x^2) == x, "sqrt(x^2) is |x|"
                ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
            left: 0.5
            right: -0.5
            at the point: x=-0.5  (# check: at, line 3)
        """)


def test_gradcheck_mismatch_of_a_wrong_backward_rule(failing):
    block = failing[1][f"{FAILING}/gradcheck_wrong_rule.expr"]
    lines = block.splitlines()
    assert lines[0] == f"FAIL {FAILING}/gradcheck_wrong_rule.expr (T)"
    assert lines[1] == (f"    {FAILING}/gradcheck_wrong_rule.expr: gradcheck failed at the inputs' defaults: "
                        "2 of 2 derivative elements differ")
    # The rule says 2x^2 and defines the derivative in forward mode too; finite differences,
    # which see only the values, say 3x^2 (to ~1e-10).
    assert re.fullmatch(r"    x\[0\]: reverse 2\.0, finite difference (3\.0000000\d*|2\.9999999\d*), "
                        r"forward 2\.0, error (1\.0000000\d*|0\.9999999\d*)", lines[2]), lines[2]
    assert re.fullmatch(r"    x\[1\]: reverse 8\.0, finite difference (12\.000000\d*|11\.999999\d*), "
                        r"forward 8\.0, error (4\.000000\d*|3\.999999\d*)", lines[3]), lines[3]
    assert lines[4] == ("    (a pass is |reverse - finite difference| <= atol + rtol*|finite difference|, "
                        "and the same for forward; rtol=1e-05, atol=1e-06)")
    assert len(lines) == 5


def test_gradcheck_over_a_nan_output_fails_with_the_reason(failing):
    """A wrong rule in a program whose output is NaN: reverse, forward and the finite difference
    are all NaN, which once counted as agreement (a PASS)."""
    assert failing[1][f"{FAILING}/gradcheck_nan_output.expr"] == expected(f"""
        FAIL {FAILING}/gradcheck_nan_output.expr (T)
            {FAILING}/gradcheck_nan_output.expr: gradcheck failed at the inputs' defaults: 1 of 1 derivative element differs
            x: reverse nan, finite difference nan, forward nan, error nan (the output is not finite near the point, so finite differences cannot check the derivative)
            (a pass is |reverse - finite difference| <= atol + rtol*|finite difference|, and the same for forward; rtol=1e-05, atol=1e-06)
        """)


def test_gradcheck_of_an_infinite_derivative_fails():
    """A finite output whose slope overflows: reverse, forward and the finite difference are all
    +inf, equal, and still no evidence that the rule is right. Never a pass."""
    from autodiff.diffcore.program import Program
    program = Program.from_text("input x = 0\ny = 1.7e308 * tanh(x * 1e10)")
    deadline = checking.file_deadline(checking.CheckOptions())
    mismatches, checked = checking.gradcheck(program, {}, None, 1e-5, 1e-6, deadline, ["reverse mode"])
    assert checked == 1
    (m,) = mismatches
    assert (m.reverse, m.finite_difference, m.forward) == (math.inf, math.inf, math.inf)
    assert m.reason == "not finite (reverse, finite difference, forward): a gradcheck compares finite values only"


def test_syntax_error_report(failing):
    assert failing[1][f"{FAILING}/syntax_error.expr"] == expected(f"""
        ERROR {FAILING}/syntax_error.expr (T)
            {FAILING}/syntax_error.expr:3:9: syntax error: unexpected ')'
                y = x + )
                        ^
            hint: expected an expression after '+'
        """)


def test_infinite_loop_hits_max_steps(failing):
    assert failing[1][f"{FAILING}/infinite_loop.expr"] == expected(f"""
        ERROR {FAILING}/infinite_loop.expr (T)
            {FAILING}/infinite_loop.expr:3:1: limit exceeded: the program ran 100,000 steps (loop iterations and calls) without finishing
                while true:
                ^
            hint: an infinite loop? raise the limit with --max-steps N
        """)


def test_runtime_shape_error(failing):
    block = failing[1][f"{FAILING}/shape_error.expr"]
    assert block.startswith(expected(f"""
        ERROR {FAILING}/shape_error.expr (T)
            {FAILING}/shape_error.expr:4:11: shape error: '+': shapes (3,) and (2,) do not match
                y = sum(x + w)
                          ^
        """))


def test_misspelt_pragma_is_an_error(failing):
    assert failing[1][f"{FAILING}/pragma_typo.expr"] == expected(f"""
        ERROR {FAILING}/pragma_typo.expr (T)
            {FAILING}/pragma_typo.expr:2:10: pragma error: unknown check pragma 'gradchek'
                # check: gradchek
                         ^^^^^^^^
            hint: did you mean 'gradcheck'? pragmas: gradcheck, at NAME=VALUE, ..., rtol=X atol=Y, wrt NAME, ...
        """)


def test_junit_report_parses_and_counts_match(failing):
    proc, found, junit = failing
    root = ET.parse(junit).getroot()
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    cases = suite.findall("testcase")
    for element in (root, suite):
        assert element.get("tests") == str(len(found)) == str(len(cases))
        assert element.get("failures") == "5" and element.get("errors") == "4"
        assert float(element.get("time")) >= 0
    assert [c.get("name") for c in cases] == sorted(Path(p).name for p in found)
    assert {c.get("classname") for c in cases} == {FAILING}
    by_name = {c.get("name"): c for c in cases}
    failure = by_name["assert_compare.expr"].find("failure")
    assert failure.get("message").startswith(f"{FAILING}/assert_compare.expr:7: assertion failed: ")
    assert failure.get("type") == "assertion failed"
    assert "left: 12.0\nright: 13.0" in failure.text
    error = by_name["syntax_error.expr"].find("error")
    assert error.get("type") == "syntax error" and "unexpected ')'" in error.get("message")
    assert "    y = x + )" in error.text
    assert by_name["gradcheck_wrong_rule.expr"].find("failure").get("type") == "gradcheck failed"
    assert sum(len(c.findall("failure")) for c in cases) == 5
    assert sum(len(c.findall("error")) for c in cases) == 4


# ------------------------------------------------------------- JSON lines

@pytest.fixture(scope="module")
def json_runs():
    """--json-lines over every case and failing file, with --jobs 1 and --jobs 2."""
    return {jobs: autodiff_check(CASES, FAILING, *FAILING_ARGS, "--json-lines", "--jobs", str(jobs))
            for jobs in (1, 2)}


def test_json_lines_one_valid_object_per_file(json_runs):
    proc = json_runs[1]
    assert proc.returncode == 1
    records = [json.loads(line) for line in proc.stdout.splitlines()]      # nothing else on stdout
    n_files = len(list((REPO / CASES).glob("*.expr"))) + len(list((REPO / FAILING).glob("*.expr")))
    assert len(records) == n_files == len({r["file"] for r in records})
    assert SUMMARY.match(proc.stderr.strip()) and summary(proc.stderr) == (n_files - 9, 5, 4)
    for r in records:
        assert set(r) == {"file", "status", "seconds", "points", "gradchecked", "details"}
        assert r["status"] in ("pass", "fail", "error") and r["seconds"] >= 0
        assert (r["details"] is None) == (r["status"] == "pass")
    by_file = {r["file"]: r for r in records}
    compare = by_file[f"{FAILING}/assert_compare.expr"]["details"]
    assert compare["comparison"] == "==" and compare["left"] == 12.0 and compare["right"] == 13.0
    assert (compare["line"], compare["col"], compare["source_line"]) == (7, 1, "assert grad_x == 13")
    assert compare["kind"] == "assertion failed"
    allclose = by_file[f"{FAILING}/assert_allclose.expr"]["details"]
    assert allclose["comparison"] == "allclose" and allclose["right"] == [2.0, 8.0, 18.0]
    grad = by_file[f"{FAILING}/gradcheck_wrong_rule.expr"]["details"]
    assert grad["kind"] == "gradcheck failed" and grad["mismatch_count"] == 2
    first = grad["mismatches"][0]
    assert first["input"] == "x" and first["index"] == [0] and first["reverse"] == 2.0
    assert first["forward"] == 2.0 and abs(first["finite_difference"] - 3.0) < 1e-8      # forward: the rule
    assert abs(first["error"] - 1.0) < 1e-8 and first["reason"] is None
    nan = by_file[f"{FAILING}/gradcheck_nan_output.expr"]["details"]["mismatches"][0]
    assert (nan["reverse"], nan["forward"], nan["finite_difference"]) == ("nan", "nan", "nan")
    assert nan["reason"].startswith("the output is not finite near the point")
    syntax = by_file[f"{FAILING}/syntax_error.expr"]["details"]
    assert (syntax["kind"], syntax["line"], syntax["col"]) == ("syntax error", 3, 9)
    assert by_file[f"{CASES}/seed_graph.expr"]["gradchecked"] == 1


def test_jobs_2_gives_the_same_statuses(json_runs):
    statuses = {jobs: {json.loads(line)["file"]: json.loads(line)["status"] for line in proc.stdout.splitlines()}
                for jobs, proc in json_runs.items()}
    assert statuses[1] == statuses[2]
    assert json_runs[2].returncode == json_runs[1].returncode == 1


def test_json_lines_are_streamed_and_non_finite_numbers_are_strings(tmp_path):
    write(tmp_path, "a_fast.expr", """
        input x = 1.0
        assert log(x - 2) > 0
        y = x
        """)
    write(tmp_path, "b_slow.expr", """
        input x = 1.0
        while true:
            x = x + 1
        """)
    proc = subprocess.Popen([sys.executable, "-m", "autodiff.cli", "check", str(tmp_path), "--json-lines",
                             "--timeout", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = json.loads(proc.stdout.readline())
        still_running = proc.poll() is None             # the slow file has not finished: streamed
        rest, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert still_running
    assert first["file"].endswith("a_fast.expr") and first["status"] == "fail"
    assert first["details"]["left"] == "nan" and first["details"]["right"] == 0.0
    second = json.loads(rest)
    assert second["status"] == "error" and second["details"]["kind"] == "limit exceeded"
    assert "longer than 2 s" in second["details"]["message"]
    assert summary(err) == (0, 1, 1) and "Traceback" not in err


# ------------------------------------------------- crashes and internal errors

def crashing_worker(path: str, options):
    """A worker that dies hard on one file (module level, so a pool can run it)."""
    if os.path.basename(path) == "crash.expr":
        os._exit(3)
    return checking.check_path(path, options)


def some_cases(directory: Path, n: int = 5) -> list[str]:
    names = sorted(p.name for p in (REPO / CASES).glob("*.expr"))[:n]
    for name in names:
        shutil.copy(REPO / CASES / name, directory / name)
    return names


def test_a_crashing_worker_is_an_error_and_the_rest_still_run(tmp_path, capsys, monkeypatch):
    names = some_cases(tmp_path)
    write(tmp_path, "crash.expr", "y = 1\n")
    monkeypatch.setattr(checking, "WORKER", crashing_worker)
    code, out, err = run_main(capsys, str(tmp_path), "--jobs", "2")
    assert code == 1
    found = blocks(out)
    crash = found.pop(os.path.join(str(tmp_path), "crash.expr"))
    assert crash.startswith(f"ERROR {tmp_path}/crash.expr (T)\n")
    assert "internal error: the worker process checking this file crashed" in crash
    assert sorted(Path(p).name for p in found) == names
    assert all(block.startswith("PASS") for block in found.values())
    assert summary(out) == (len(names), 0, 1)


def test_an_internal_exception_is_an_error_of_that_file_only(tmp_path, capsys, monkeypatch):
    names = some_cases(tmp_path, 3)
    write(tmp_path, "boom.expr", "y = 1\n")
    real = checking.parse_pragmas

    def exploding(source, input_names, *limits):
        if source.filename.endswith("boom.expr"):
            raise ZeroDivisionError("float division by zero")
        return real(source, input_names, *limits)
    monkeypatch.setattr(checking, "parse_pragmas", exploding)
    code, out, err = run_main(capsys, str(tmp_path))
    assert code == 1
    found = blocks(out)
    boom = found.pop(os.path.join(str(tmp_path), "boom.expr"))
    assert boom.splitlines()[:2] == [
        f"ERROR {tmp_path}/boom.expr (T)",
        f"    {tmp_path}/boom.expr: internal error: ZeroDivisionError: float division by zero"]
    assert sorted(Path(p).name for p in found) == names
    assert summary(out) == (len(names), 0, 1)


# ------------------------------------------------------------ options

def test_exit_codes_for_usage_errors(tmp_path, capsys):
    assert run_main(capsys)[0] == 2
    code, out, err = run_main(capsys, str(tmp_path / "missing.expr"))
    assert code == 2 and "no such file or directory" in err
    (tmp_path / "empty").mkdir()
    code, out, err = run_main(capsys, str(tmp_path / "empty"))
    assert code == 2 and "no .expr files" in err
    code, out, err = run_main(capsys, f"{CASES}/seed_poly.expr", "--junit", str(tmp_path / "no" / "dir.xml"))
    assert code == 2 and "--junit" in err
    code, out, err = run_main(capsys, f"{CASES}/seed_poly.expr")
    assert code == 0 and summary(out) == (1, 0, 0)


def test_quiet_prints_only_failures_and_the_summary(capsys):
    code, out, err = run_main(capsys, "--quiet", f"{CASES}/seed_poly.expr", f"{CASES}/seed_dot.expr",
                              f"{FAILING}/assert_compare.expr")
    assert code == 1
    assert list(blocks(out)) == [f"{FAILING}/assert_compare.expr"]
    assert summary(out) == (2, 1, 0)


def test_gradcheck_option_and_tolerances(tmp_path, capsys):
    rule = """
        def f(x):
            return x^2
        backward f(x, g):
            return g * 2 * x * (1 + 1e-4)
        input x = 1.5
        y = f(x)
        """
    plain = write(tmp_path, "approx.expr", rule)
    strict = write(tmp_path, "strict.expr", "# check: rtol=1e-6\n" + textwrap.dedent(rule).lstrip())
    assert run_main(capsys, str(plain))[0] == 0                                  # no gradcheck asked
    code, out, _ = run_main(capsys, str(plain), "--gradcheck")                   # off by 1e-4 > 1e-5
    assert code == 1 and "x: reverse 3.0003" in out
    assert run_main(capsys, str(plain), "--gradcheck", "--rtol", "1e-3")[0] == 0
    code, out, _ = run_main(capsys, str(strict), "--gradcheck", "--rtol", "1e-3")  # the file's rtol wins
    assert code == 1 and "rtol=1e-06" in out
    # detach changes the derivative on purpose: gradcheck says where.
    code, out, _ = run_main(capsys, f"{CASES}/seed_detach.expr", "--gradcheck")
    assert code == 1 and "x[1]: reverse 1.0, finite difference 3.0000000" in out


def test_gradcheck_of_an_array_output_uses_a_vjp(tmp_path, capsys):
    write(tmp_path, "vector.expr", """
        # check: gradcheck
        def double(v):
            return 2 * v
        backward double(v, g):
            return g * [2, 2, 3]
        input x = [1.0, 2.0, 3.0]
        y = double(x) * x
        """)
    code, out, _ = run_main(capsys, str(tmp_path / "vector.expr"), "--json-lines")
    details = json.loads(out)["details"]
    assert code == 1 and details["mismatch_count"] == 1
    assert details["mismatches"][0]["input"] == "x" and details["mismatches"][0]["index"] == [2]


def test_timeout_is_per_file(tmp_path, capsys):
    write(tmp_path, "loop.expr", """
        input x = 1.0
        while true:
            x = x + 1
        """)
    code, out, _ = run_main(capsys, str(tmp_path / "loop.expr"), f"{CASES}/seed_poly.expr", "--timeout", "0.3")
    assert code == 1 and summary(out) == (1, 0, 1)
    assert "limit exceeded: checking the file took longer than 0.3 s" in out


# ------------------------------------------------------------ the pieces

def test_pragmas():
    source = Source(textwrap.dedent("""
        # check: gradcheck rtol=1e-7
        # check: at x=0.5, y=[1, 2]
        #check:at x=pi/4
        # check: atol=0
        # check: wrt y
        # not a pragma: check: at x=1
        input x = 1.0
        input y = [0.0, 0.0]
        """), "p.expr")
    pragmas = checking.parse_pragmas(source, ["x", "y"])
    assert pragmas.gradcheck and pragmas.rtol == 1e-7 and pragmas.atol == 0.0 and pragmas.wrt == ["y"]
    assert [p.text for p in pragmas.points] == ["x=0.5, y=[1, 2]", "x=pi/4"]
    assert [p.line for p in pragmas.points] == [3, 4]
    assert pragmas.points[0].values["x"] == 0.5 and list(pragmas.points[0].values["y"]) == [1.0, 2.0]
    for text, message, col in [("# check: at z=1", "no input named 'z'", 13),
                               ("# check: at x=[1, ", "x: ", 15),
                               ("# check: rtol=-1", "rtol must be a number >= 0", 10),
                               ("# check: at x", "expected NAME=VALUE", 13),
                               ("# check: gradcheck wrt x", "`wrt` takes the rest of its line", 20)]:
        with pytest.raises(checking.PragmaError) as caught:
            checking.parse_pragmas(Source(text, "p.expr"), ["x"])
        assert message in caught.value.message and caught.value.span.col == col, (text, caught.value)


def test_collect_recurses_sorted_and_skips_hidden(tmp_path):
    for name in ["b.expr", "a/z.expr", "a/b/c.expr", ".hidden/x.expr", "a/.dot.expr", "notes.txt"]:
        write(tmp_path, name, "y = 1\n")
    files, empty, skipped = checking.collect([str(tmp_path), str(tmp_path / "b.expr"), str(tmp_path / "notes.txt")])
    relative = [os.path.relpath(f, tmp_path) for f in files]
    assert relative == ["a/b/c.expr", "a/z.expr", "b.expr", "notes.txt"]      # b.expr only once
    assert empty == [] and skipped == []
    with pytest.raises(FileNotFoundError):
        checking.collect([str(tmp_path / "nope")])
