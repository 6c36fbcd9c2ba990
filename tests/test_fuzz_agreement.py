"""Fuzzing without an oracle: every way of computing a derivative gives the same number.

Issue 11's thirteen bugs slipped past the random-program fuzzer of
tests/test_fuzz.py because it never wrote the programs that show them. The
generator now writes those classes too (`programs(extra=True)`, see
docs/fuzzing.md), and these tests hold them to properties that need no oracle:

1. `Agreement` (fuzzing/agreement.py): the gradient by reverse mode, the
   Jacobian by forward and by reverse mode, J·v; the Hessian as `hessian`
   computes it, by forward-over-reverse, reverse-over-reverse,
   forward-over-forward, `hvp` and inside the language; the third order by
   Taylor mode and by nesting; and the same program with its twins spelled
   out, its loops checkpointed and its functions inlined.
2. `check_program` of tests/test_fuzz.py on the new classes: finite
   differences of the value and of the gradient.
3. The same agreement through the real command line (`run_main`).

A disagreement that is a known bug (fuzzing/known.py) is counted, not failed,
so that the fuzzers keep looking for new ones; the known bugs' own examples are
the `test_issue_11_bug_*` tests below, marked xfail until they are fixed, and
the extended fuzzer's own findings are `test_finding_*`.

Long profiles:  AUTODIFF_FUZZ_EXAMPLES=3000 python -m pytest -m fuzz tests/test_fuzz_agreement.py -s
"""
from __future__ import annotations

import json
import math
import os
import re
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import autodiff.cli.main  # noqa: F401 - registers the commands
from autodiff.diffcore.higher import derivative_tensors
from autodiff.diffcore.program import Program, plain_output
from autodiff.grammar import Source, parse
from autodiff.grammar.source import ProgramError
from fuzzing import rewrites
from fuzzing.agreement import Agreement, Disagreement, agree, direction_for, flat, square
from fuzzing.known import KNOWN_BUGS, known_bug, known_failure
from fuzzing.programs import Generated, programs, strip_spans, to_source
from fuzzing.watch import LIMITS, silent
from helpers import run_main
from test_fuzz import check_program

LONG_EXAMPLES = int(os.environ.get("AUTODIFF_FUZZ_EXAMPLES", "5000"))
HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
# The agreement needs programs with few input elements (every Hessian method runs).
SMALL = dict(max_depth=2, max_statements=3, extra=True)

pytestmark = pytest.mark.filterwarnings("ignore:.*encountered in:RuntimeWarning")


@pytest.fixture(autouse=True)
def no_debug(monkeypatch):
    monkeypatch.delenv("AUTODIFF_DEBUG", raising=False)


class Findings:
    """The disagreements of a run: known bugs are counted (and kept, for the long profile's report),
    the first new one fails the test."""

    def __init__(self):
        self.stats: Counter = Counter()
        self.known: dict = {}           # (bug, signature) -> (count, shortest program text)
        self.new: dict = {}

    def settle(self, found: list, raise_new: bool = True, generated: Generated = None) -> None:
        new = []
        for d in found:
            bug = known_bug(d)
            self.stats[f"known bug {bug}" if bug else "new finding"] += 1
            book = self.known if bug else self.new
            key = (bug, d.signature)
            count, shortest = book.get(key, (0, None))
            shown = f"{d}\n--- generated: {generated!r}" if generated is not None else str(d)
            book[key] = (count + 1, shortest if shortest is not None and len(shortest) <= len(shown) else shown)
            if bug is None:
                new.append(d)
        if new and raise_new:
            raise new[0]

    def report(self, title: str, seconds: float) -> str:
        lines = [f"{title}: {self.stats['programs']} programs in {seconds:.0f} s"]
        lines += [f"  {k}: {v}" for k, v in sorted(self.stats.items()) if k != "programs"]
        for label, book in (("known bugs", self.known), ("NEW FINDINGS", self.new)):
            lines.append(f"{label}: {len(book)} distinct")
            for (bug, signature), (count, d) in sorted(book.items(), key=lambda kv: (str(kv[0][0]), -kv[1][0])):
                lines.append(f"  [{bug or 'new'}] x{count} {signature[:200]}")
        return "\n".join(lines)

    def write(self, path: Path) -> None:
        """Every distinct finding with its shortest program, for the long profile (docs/fuzzing.md)."""
        with open(path, "w", encoding="utf-8") as out:
            for label, book in (("NEW", self.new), ("KNOWN", self.known)):
                for (bug, signature), (count, d) in book.items():
                    out.write(f"===== {label} [{bug or 'new'}] x{count} {signature}\n{d}\n\n")


# ================================================== 1. every method, every rewrite

AGREEMENT = Findings()


@settings(max_examples=30, derandomize=True, deadline=None, database=None, suppress_health_check=HEALTH)
@given(st.one_of(programs(**SMALL), programs(**SMALL, one_scalar_input=True)))
def test_every_way_of_computing_a_derivative_agrees(generated):
    AGREEMENT.settle(Agreement(generated, AGREEMENT.stats).check())


def long_run(title: str, strategy, body) -> None:
    findings = Findings()
    start = time.monotonic()

    @settings(max_examples=LONG_EXAMPLES, deadline=None, suppress_health_check=HEALTH)
    @given(strategy)
    def run(generated):
        body(generated, findings)
        if findings.stats["programs"] % 500 == 0:
            print(f"{title}: {findings.stats['programs']} programs, {time.monotonic() - start:.0f} s", flush=True)

    try:
        run()
    finally:
        print(findings.report(title, time.monotonic() - start))
        target = os.environ.get("AUTODIFF_FUZZ_FINDINGS")
        if target:
            findings.write(Path(target))


@pytest.mark.fuzz
def test_every_way_of_computing_a_derivative_agrees_long():
    """With AUTODIFF_FUZZ_FINDINGS=FILE, every distinct finding is written there; new ones do not stop
    the run (hypothesis would stop at the first), so that one run reports them all."""
    collect = bool(os.environ.get("AUTODIFF_FUZZ_FINDINGS"))
    long_run("agreement (long profile)",
             st.one_of(programs(**SMALL), programs(max_depth=3, max_statements=4, extra=True),
                       programs(**SMALL, one_scalar_input=True)),
             lambda g, findings: findings.settle(Agreement(g, findings.stats).check(), raise_new=not collect,
                                                 generated=g))


# ======================================== 2. finite differences on the new classes

FINITE_DIFFERENCES = Findings()


def check_program_classified(generated: Generated, findings: Findings) -> None:
    """check_program of tests/test_fuzz.py; a failure that is a known bug is counted."""
    try:
        check_program(generated, findings.stats)
    except Exception as error:      # noqa: BLE001 - classified, then raised again if new
        bug = known_failure(generated, error, lambda g: check_program(g, Counter()))
        if bug is None:
            raise
        findings.stats[f"known bug {bug}"] += 1


@settings(max_examples=20, derandomize=True, deadline=None, database=None, suppress_health_check=HEALTH)
@given(programs(extra=True))
def test_random_programs_of_the_new_classes(generated):
    check_program_classified(generated, FINITE_DIFFERENCES)


@pytest.mark.fuzz
def test_random_programs_of_the_new_classes_long():
    long_run("finite differences, new classes (long profile)",
             st.one_of(programs(extra=True), programs(max_depth=3, max_statements=5, extra=True)),
             check_program_classified)


# ================================================== 3. through the command line

def _numbers(value):
    """JSON numbers, with the strings "nan", "inf", "-inf" back as floats."""
    if isinstance(value, str) and value in ("nan", "inf", "-inf"):
        return float(value)
    if isinstance(value, list):
        return [_numbers(v) for v in value]
    if isinstance(value, dict):
        return {k: _numbers(v) for k, v in value.items()}
    return value


def value_text(v) -> str:
    return repr(float(v)) if np.ndim(v) == 0 else json.dumps(np.asarray(v).tolist())


def cli_agreement(generated: Generated, directory: Path, findings: Findings) -> None:
    """The same agreement through `main()`: grad, grad --order 2, hessian, jacobian --mode forward and
    reverse, jvp, hvp, and `eval` of the in-language Hessian; the exit codes agree too."""
    text = generated.source
    try:
        program = Program(Source(text, "<fuzz>"))
        at = {n: v for n, v in generated.inputs.items() if n in program.input_names}
        output = plain_output(program.run(at, LIMITS, print_fn=silent).output)
    except ProgramError:
        return
    names = list(at)
    sizes = {n: (int(np.size(at[n])), np.shape(at[n])) for n in names}
    if np.ndim(output) or not math.isfinite(output) or sum(s for s, _ in sizes.values()) > 6:
        return
    findings.stats["programs"] += 1
    path = directory / "program.expr"
    path.write_text(text, encoding="utf-8")
    base = [str(path), "--json", "--max-steps", "100000", "--timeout", "5"]
    base += [a for n in names for a in ("--at", f"{n}={value_text(at[n])}")]
    v = direction_for(text, sizes, names)
    directions = [a for n in names for a in ("--direction", f"{n}={value_text(v[n])}")]
    commands = {
        "grad": ["grad"], "grad --order 2": ["grad", "--order", "2"], "hessian": ["hessian"],
        "jacobian --mode forward": ["jacobian", "--mode", "forward"],
        "jacobian --mode reverse": ["jacobian", "--mode", "reverse"],
        "jvp": ["jvp"] + directions, "hvp": ["hvp"] + directions,
    }
    found: list = []
    results = {}
    for label, args in commands.items():
        code, out, err = run_main(args + base)
        if code == 3 or "internal error" in err:
            found.append(Disagreement("crash", text, f"autodiff {label} crashes: {err.strip()[-300:]}", (label,),
                                      features=generated.features))
        results[label] = (code, _numbers(json.loads(out)) if code == 0 and out.strip() else None, err)
    codes = {label: r[0] for label, r in results.items()}
    if len(set(codes.values())) > 1:
        failing = {label: results[label][2].strip().splitlines()[:1] for label, c in codes.items() if c}
        found.append(Disagreement("fails", text, f"exit codes differ: {codes}: {failing}", tuple(codes),
                                  features=generated.features))

    def compare(check, a_name, a, b_name, b, rtol=1e-9):
        if a is None or b is None:
            return
        a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
        ok = a.shape == b.shape and np.all(agree(a, b, rtol, 1e-12))
        if not ok:
            k = tuple(np.argwhere(~agree(a, b, rtol, 1e-12))[0]) if a.shape == b.shape else ()
            values = (float(a[k]), float(b[k])) if a.shape == b.shape else ()
            found.append(Disagreement(check, text, f"autodiff {a_name} gives {a.tolist()}, autodiff {b_name} "
                                      f"gives {b.tolist()}", (a_name, b_name), values, generated.features))
        else:
            findings.stats[f"agree: {check}"] += 1

    doc = {label: r[1] for label, r in results.items()}
    sized = {n: s for n, (s, _) in sizes.items()}
    gradient = flat(doc["grad"]["gradient"], names) if doc["grad"] else None
    for label in ("jacobian --mode forward", "jacobian --mode reverse"):
        if doc[label]:
            compare("first order", label, flat(doc[label]["jacobian"], names), "grad", gradient)
    if doc["jvp"] and gradient is not None:
        compare("first order", "jvp", doc["jvp"]["jvp"], "grad · v", float(flat(v, names) @ gradient))
    hessians = {}
    for label in ("grad --order 2", "hessian"):
        if doc[label]:
            blocks = {tuple(k.split(",")): b for k, b in doc[label]["derivatives"]["2"].items()}
            hessians[label] = square(blocks, names, sized)
            compare("hessian", f"{label}'s gradient", flat(doc[label]["derivatives"]["1"], names), "grad",
                    gradient, 1e-7)
    if len(hessians) == 2:
        compare("hessian", "grad --order 2", hessians["grad --order 2"], "hessian", hessians["hessian"], 0.0)
    H = hessians.get("hessian")
    if H is not None:
        if doc["hessian"]["method"] != "taylor":
            compare("symmetry", "hessian", H, "its transpose", H.T, 1e-7)
        if doc["hvp"]:
            compare("hvp", "hvp", flat(doc["hvp"]["hvp"], names), "hessian · v", H @ flat(v, names), 1e-7)
        wrapper = rewrites.in_language_hessian(generated, names, at)
        if wrapper is not None:
            path2 = directory / "hessian.expr"
            path2.write_text(wrapper, encoding="utf-8")
            code, out, err = run_main(["eval", str(path2), "--json", "--max-steps", "1000000", "--timeout", "10"])
            if code == 0:
                blocks = {}
                offsets = np.cumsum([0] + [sized[n] for n in names])
                for i, a in enumerate(names):
                    for j, b in enumerate(names):
                        blocks[(a, b)] = H[offsets[i]:offsets[i + 1], offsets[j]:offsets[j + 1]]
                compare("in-language hessian", "eval of the in-language hessian",
                        np.reshape(_numbers(json.loads(out)["output"]), -1), "hessian",
                        rewrites.flat_hessian(blocks, names), 1e-7)
            else:
                found.append(Disagreement("fails", text, f"the in-language Hessian fails (exit {code}): "
                                          f"{err.strip()[:300]}\n--- in-language hessian:\n{wrapper}",
                                          ("in-language jacobian(grad(whole))",), features=generated.features))
    findings.settle(found)


CLI = Findings()


@pytest.fixture(scope="module")
def cli_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("cli-agreement")


@settings(max_examples=12, derandomize=True, deadline=None, database=None, suppress_health_check=HEALTH)
@given(programs(max_depth=2, max_statements=2, extra=True))
def test_every_command_agrees_through_the_command_line(cli_dir, generated):
    cli_agreement(generated, cli_dir, CLI)


@pytest.mark.fuzz
def test_every_command_agrees_through_the_command_line_long(tmp_path):
    long_run("command line agreement (long profile)", programs(max_depth=2, max_statements=3, extra=True),
             lambda g, findings: cli_agreement(g, tmp_path, findings))


# ======================================================= the rewrites themselves

def test_the_rewrites_keep_programs_valid_and_change_them():
    """Each rewrite gives a program that parses back to itself, computes the same, and does what it says."""
    text = ("def f1(p2, p3=2):\n    return p2 * p3\n"
            "def f8(p9):\n    t10 = p9 * 2\n    return t10 + 1\n"
            "input x4 = 1.5\nt5 = x4\nfor i6 in range(3):\n    t5 = f1(t5) + grad(f1)(x4)\n"
            "w7 = 0\nwhile w7 < 2:\n    w7 += 1\n    if w7 > 5:\n        break\nout = f8(t5) + f1(1)\n")
    module = parse(Source(text))
    generated = Generated(module, {"x4": 1.5})
    checkpointed, wrapped = rewrites.checkpointed(module)
    assert wrapped == 1         # the while loop breaks out of itself: left alone
    inlined, count = rewrites.inlined(module)
    assert count == 4           # f1 twice, grad(f1) as a lambda, and f8 at its statement
    inlined_text = to_source(inlined)
    assert "f1(t5)" not in inlined_text and "lambda p2, p3=2: p2 * p3" in inlined_text
    assert "p9 = t5\nt10 = p9 * 2\ns1 = t10 + 1\nout = s1 + 1 * 2\n" in inlined_text
    for rewritten in (checkpointed, inlined):
        assert strip_spans(parse(Source(to_source(rewritten)))) == strip_spans(rewritten)
    outputs = [Program(Source(to_source(m))).run({}).output for m in (module, checkpointed, inlined)]
    assert outputs[0] == outputs[1] == outputs[2] == 26.0 * 2 + 1 + 2   # t -> 2 t + 2, three times from 1.5
    hessian = Program(Source(rewrites.in_language_hessian(generated, ["x4"], {"x4": 1.5}))).run({}).output
    np.testing.assert_allclose(hessian, [0.0])
    # no input to differentiate (a long run's `out = 0`, which raised IndexError): no wrapper
    assert rewrites.in_language_hessian(generated, [], {}) is None


@settings(max_examples=20, derandomize=True, deadline=None, database=None, suppress_health_check=HEALTH)
@given(programs(**SMALL))
def test_the_rewrites_of_generated_programs_reparse(generated):
    """Twins, checkpoints and inlining give programs the parser reads back as the same tree."""
    modules = [rewrites.with_twins(generated, kind) for kind in rewrites.twin_classes(generated)]
    modules += [rewrites.checkpointed(generated.module)[0], rewrites.inlined(generated.module, generated.custom)[0]]
    for module in modules:
        assert strip_spans(parse(Source(to_source(module)))) == strip_spans(module)


def test_known_bugs_are_specific():
    """The classifier of known bugs does not swallow a disagreement that names none of them."""
    plain = Disagreement("hessian", "y = x", "forward-over-reverse gives 1.0, reverse-over-reverse gives 2.0",
                         ("forward-over-reverse", "reverse-over-reverse"), (1.0, 2.0))
    assert known_bug(plain) is None
    # the fixed bugs of issue 11 are no longer excused: their disagreements are findings again
    assert known_bug(Disagreement("rewrite: twins: boolean mask", "", "x", ("a", "b"), (1.0, 2.0))) is None
    taylor = Disagreement("hessian", "", "x", ("hessian (taylor)", "forward-over-reverse"), (math.nan, 0.0))
    assert known_bug(taylor) is None
    # and neither are the fixed findings N1 and N5
    nested = Disagreement("crash", "", "input 'checkpoint' has no value", ("grad",), ())
    assert known_bug(nested) is None
    misuse = Disagreement("crash", "", "jacobian --mode forward crashes: TracerMisuse: Python arithmetic or a "
                          "conversion was applied to a Batched", ("jacobian --mode forward",), (),
                          frozenset({"checkpoint"}))
    assert known_bug(misuse) is None
    assert all(len(entry) == 3 for entry in KNOWN_BUGS)


# ======================================== issue 11: the known bugs' own examples
#
# Each bug of issue 11, as the property of this file that finds it: the two ways of computing the
# number that must agree (all fixed: they are regression tests now).

def derivatives(text: str, command: list) -> dict:
    code, out, err = run_main(command + ["-e", text, "--json"])
    assert code == 0, (code, err)
    return _numbers(json.loads(out))


@pytest.mark.parametrize("command", [["grad"], ["hessian"], ["jacobian", "--mode", "forward"]])
def test_issue_11_bug_1_closure_over_a_differentiated_input(command):
    doc = derivatives("input a = 1.5\nz = grad(lambda x: x*x + a*x)(1.0)\n", command)
    blocks = doc.get("gradient") or doc.get("jacobian") or doc["derivatives"]["1"]
    assert doc["output"] == 3.5 and blocks["a"] == 1.0


def test_issue_11_bug_1_a_type_error_inside_is_an_internal_error():
    code, out, err = run_main(["grad", "-e", "input a = 1.5\nz = grad(lambda x: x*x + a*x)(1.0)\n"])
    assert not (code == 1 and "unsupported operand" in err), err


CHECKPOINT_CALLING = ("input x = 0.5\ndef step(b):\n    return b * x\nb = x\nwith checkpoint:\n"
                      "    for i in range(1):\n        b = step(b)\nz = b * b\n")


def test_issue_11_bug_2_checkpoint_calling_a_function_that_reads_an_input():
    """The checkpoint rewrite: the same program without `with checkpoint:` gives dz/dx = 4x^3 = 0.5."""
    plain = derivatives(CHECKPOINT_CALLING.replace("with checkpoint:\n    for", "if true:\n    for"), ["grad"])
    assert plain["gradient"]["x"] == 0.5
    assert derivatives(CHECKPOINT_CALLING, ["grad"])["gradient"]["x"] == 0.5


def test_issue_11_bug_3_boolean_list_index_is_a_mask():
    """The twin: x[[true, false, true]] is [x[0], x[2]]."""
    program = Program(Source("input x = [1, 2, 3]\ny = x[[true, false, true]]\n"))
    np.testing.assert_array_equal(program.run({}).output, [1.0, 3.0])


TAYLOR_NAN = [
    # (program with one scalar input x, the point): Taylor mode against forward-over-reverse of the same
    # program with x a vector of one element
    ("X = [[x, 1], [0, 0], [2, x]]\ny = sum(norm(X, axis=1))", 0.5),
    ("y = x^2.5 + x^3 + 2*x", 0.0),
    ("y = (-2)^x", 2.0),
    ("y = pow(0.0, x)", 0.5),
]


@pytest.mark.parametrize("body, x", TAYLOR_NAN, ids=[b.splitlines()[-1] for b, _ in TAYLOR_NAN])
def test_issue_11_bugs_4_and_11_taylor_mode_agrees_with_nesting(body, x):
    taylor = derivative_tensors(Program(Source(f"input x = {x}\n{body}\n")), {"x": x}, 2)
    vector = re.sub(r"\bx\b", "v[0]", body)
    nested = derivative_tensors(Program(Source(f"input v = [{x}]\n{vector}\n")), {"v": np.array([x])}, 2)
    assert taylor.mode == "taylor" and nested.mode != "taylor"
    for order in (1, 2):
        t = float(np.reshape(list(taylor.orders[order].values())[0], ()))
        n = float(np.reshape(list(nested.orders[order].values())[0], ()))
        assert math.isfinite(t) and abs(t - n) <= 1e-9 * max(1.0, abs(n)), (order, t, n)


HARD = ("def hard(x):\n    return clip(round(x), 0, 3)\nbackward hard(x, g):\n    return g\n")


def test_issue_11_bug_5_custom_rules_under_every_order():
    """grad --order 2 = in-language grad(grad(f)); the Hessian is symmetric."""
    one = HARD + "input x = 1.6\ny = hard(x) * x\n"
    in_language = Program(Source(HARD + "y = grad(grad(lambda x: hard(x) * x))(1.6)\n")).run({}).output
    doc = derivatives(one, ["grad", "--order", "2"])
    assert doc["derivatives"]["1"]["x"] == pytest.approx(3.6)
    assert doc["derivatives"]["2"]["x,x"] == pytest.approx(in_language) == pytest.approx(2.0)
    two = derivatives(HARD + "input x = 1.6\ninput w = 1.0\ny = hard(x) * x * w\n", ["hessian"])["derivatives"]["2"]
    assert two["x,w"] == pytest.approx(two["w,x"])


@pytest.mark.parametrize("body, at", [
    ("y = sum(where(p > 0, p*log(p/q), 0))", "p=[0.5, 0, 0.5]"),
    ("y = sum(where(x > 0, sqrt(x), 0))", "x=[0, 1]"),
    ("y = sum(where(x != 0, sin(x)/x, 1))", "x=[0, 1]"),
])
def test_issue_11_bug_6_masked_singularities_at_every_order(body, at):
    """The gradient and the Hessian are finite wherever the mask hides the singular branch, and hvp agrees."""
    name = at.split("=")[0]
    text = ("input q = [0.25, 0.5, 0.25]\n" if "q" in body else "") + body
    doc = derivatives(text, ["hessian", "--at", at])
    assert all(math.isfinite(g) for g in np.ravel(doc["derivatives"]["1"][name]))
    H = np.asarray(doc["derivatives"]["2"][f"{name},{name}"])
    assert np.all(np.isfinite(H))
    direction = json.dumps([1.0] * H.shape[0])
    hvp = derivatives(text, ["hvp", "--at", at, "--direction", f"{name}={direction}"])["hvp"][name]
    np.testing.assert_allclose(hvp, H @ np.ones(H.shape[0]), rtol=1e-12)


def test_issue_11_bug_7_the_tie_warning_names_the_tie():
    code, out, err = run_main(["grad", "-e", "y = sum(where(x > 0, sqrt(x), 0))", "--at", "x=[0, 1]"])
    assert code == 0 and "compares equal values" in err
    assert "mixed" not in err and "0.5" not in err


def test_issue_11_bug_8_repeated_index_assignment_follows_the_last_write():
    """The twin: t[[0, 0]] = v is t[0] = v[0]; t[0] = v[1]."""
    listed = derivatives("input v = [1, 2]\nt = [0, 0]\nt[[0, 0]] = v\ny = sum(t)\n", ["grad"])
    written = derivatives("input v = [1, 2]\nt = [0, 0]\nt[0] = v[0]\nt[0] = v[1]\ny = sum(t)\n", ["grad"])
    assert listed["output"] == written["output"] == 2.0
    assert listed["gradient"]["v"] == written["gradient"]["v"] == [0.0, 1.0]


def test_issue_11_bug_8_forward_and_reverse_mode_agree_on_a_repeated_index():
    """Found by the agreement fuzzer: whatever bug 8's decision, the modes must make the same one.
    Today `jacobian --mode forward` gives dy/dv = [0, 4] (the last write wins, as the value does) and
    `--mode reverse` (and grad, and hessian's gradient) [2, 4]."""
    text = "input v = [1, 2]\nt = [0.0, 0.0]\nt[[0, 0]] = v * v\ny = sum(t)\n"
    forward = derivatives(text, ["jacobian", "--mode", "forward"])["jacobian"]["v"]
    reverse = derivatives(text, ["jacobian", "--mode", "reverse"])["jacobian"]["v"]
    assert forward == reverse


@pytest.mark.parametrize("text, expected", [
    ("sum(linspace(x, 2.0, 5))", 2.5),          # the twin x + (2 - x) * [0, 0.25, 0.5, 0.75, 1]
    ("sum(arange(x, x + 2.5))", 3.0),           # the twin x + [0, 1, 2]
])
def test_issue_11_bug_9_constructors_are_differentiable_in_their_arguments(text, expected):
    assert derivatives(text, ["grad", "--at", "x=1.0"])["gradient"]["x"] == pytest.approx(expected)


def test_full_is_differentiable_in_its_fill_value():
    """The third constructor of bug 9, already right: the twin [x, x, x]."""
    assert derivatives("sum(full(3, x))", ["grad", "--at", "x=1.0"])["gradient"]["x"] == 3.0


def test_issue_11_bug_10_dot_above_2d_is_numpys():
    a = np.arange(6.0).reshape(2, 3)
    b = np.arange(24.0).reshape(2, 3, 4)
    text = f"a = {json.dumps(a.tolist())}\nb = {json.dumps(b.tolist())}\ny = dot(a, b)\n"
    np.testing.assert_array_equal(Program(Source(text)).run({}).output, np.dot(a, b))


def test_issue_11_bug_12_hessian_of_mixed_advanced_indexing():
    """A linear function: every Hessian method gives 0, and hessian does not fail."""
    text = "input x = ones((2,3,4))\nV = ones((2,3))\ns = sum(x[0, :, [1, 3]] * V)\n"
    doc = derivatives(text, ["hessian"])
    assert not np.any(doc["derivatives"]["2"]["x,x"])


def test_issue_11_bug_13_grad_of_a_one_element_array():
    program = Program(Source("y = grad(lambda x: sum(x * x, keepdims=true))([1.0, 2.0])\n"))
    np.testing.assert_array_equal(program.run({}).output, [2.0, 4.0])


# ======================================= findings of the extended fuzzer (new bugs)

def test_finding_n1_checkpoint_nested_in_a_checkpointed_loop():
    """FINDING N1 (fixed; tests/test_regressions_findings.py has it in every mode): `with checkpoint:`
    inside a checkpointed loop is refused as an unknown input.

    `autodiff eval` (and every other command) of
        input x = 1.0 / t = x / with checkpoint: for i in range(2): with checkpoint: t = t * x / y = t
    exits 1 with "input 'checkpoint' has no value: it is read but never assigned" (hint: pass
    --at checkpoint=VALUE): the outer checkpoint takes the names its body reads, and the inner
    `with`'s context is one of them. The same program with either checkpoint removed gives
    y = 1, dy/dx = 3. Found by the checkpoint rewrite (every outermost loop wrapped) on a
    generated program with a checkpointed block inside a loop.
    """
    text = ("input x = 1.0\nt = x\nwith checkpoint:\n    for i in range(2):\n        with checkpoint:\n"
            "            t = t * x\ny = t\n")
    doc = derivatives(text, ["grad"])
    assert doc["output"] == 1.0 and doc["gradient"]["x"] == 3.0


@pytest.mark.parametrize("value", ["floor(x)", "detach(x)", "grad(lambda p: 0)(x)", "linspace(0, x, 1)[0]"])
@pytest.mark.parametrize("command", [["grad"], ["jvp", "--direction", "x=1"], ["hessian"]], ids=" ".join)
def test_finding_n2_checkpointed_block_with_a_constant_output(value, command):
    """FINDING N2: a checkpointed block whose output does not depend differentiably on its inputs.

    `autodiff grad` of `input x = 1.0 / with checkpoint: t = floor(x) / out = x + t` exits 3,
    "internal error: TypeError: unsupported operand type(s) for +: 'float' and 'NoneType'" (in
    reverse._accumulate); also with detach(x), an in-language grad of a constant function, or
    linspace(0, x, 1) (a constant while bug 9 stands); and so does every derivative command, jvp
    and jacobian --mode forward included, whose warnings come from a reverse-mode run. Without the
    checkpoint, dout/dx = 1. Found by the checkpoint rewrite on a loop whose body assigned
    `jacobian(lambda p6: [0, 0])(...)`.
    """
    doc = derivatives(f"input x = 1.0\nwith checkpoint:\n    t = {value}\nout = x + t\n", command)
    first = doc.get("gradient") or doc.get("derivatives", {}).get("1") or {"x": doc.get("jvp")}
    assert first["x"] == 1.0


MIXED_INDEX = [
    # (program, x, what goes wrong in forward mode)
    ("X = [[[0, 1], [1, 1], [0, x[0]]]]\ny = X[0, :, [0, 1]]\n", "[0.5, 1]", "jacobian --mode forward puts "
     "dy/dx[0] in the wrong element: dy[0, 2]/dx[1] = 1 instead of dy[1, 2]/dx[0] = 1"),
    ("X = [[[0, 1], [1, 1], [0, x[0]]]]\ny = sum(X[0, :, [0, 1]]) * x[1]\n", "[0.5, 1]", "the Hessian is "
     "[[1, 1], [0, 1]] (not even symmetric) instead of [[0, 1], [1, 0]]"),
    ("X = [[[x[0], x[1]], [x[2], 0]]]\ny = X[0, :, [1, 0]]\n", "[0.5, 1, 2]", "jacobian --mode forward: exit "
     "3, ValueError: operands could not be broadcast together"),
]


@pytest.mark.parametrize("text, x, symptom", MIXED_INDEX, ids=["jacobian", "hessian", "crash"])
def test_finding_n4_mixed_advanced_indexing_under_batched_forward_mode(text, x, symptom):
    """FINDING N4 (the root of issue 11's bug 12, with worse symptoms than its shape error): an index
    that mixes a list with a slice (numpy moves the list's axis first) under batched forward mode —
    `jacobian --mode forward` with several input elements, `hessian`, `hvp` — gives silently wrong
    numbers or crashes, while reverse mode and single-direction `jvp` are right. Found by the
    agreement of jacobian --mode forward and reverse (first as "a list: all input arrays must have
    the same shape" in a list literal built from such a value).
    """
    at = ["--at", f"x={x}"]
    forward = derivatives(text, ["jacobian", "--mode", "forward"] + at)["jacobian"]["x"]
    reverse = derivatives(text, ["jacobian", "--mode", "reverse"] + at)["jacobian"]["x"]
    np.testing.assert_array_equal(forward, reverse, err_msg=symptom)
    if "sum" in text:
        hessian = derivatives(text, ["hessian"] + at)["derivatives"]["2"]["x,x"]
        np.testing.assert_array_equal(hessian, [[0, 1], [1, 0]], err_msg=symptom)
