"""Fuzzing: random well-formed programs, and mutated samples through the command line.

Two fuzzers, each with a fixed-seed profile (a sample of it in the default `pytest`,
all of it marked `slow`) and a long profile marked `fuzz` (docs/fuzzing.md):

1. Random programs (`fuzzing/programs.py`) are printed, parsed back (the tree
   must be the same), run, and differentiated. Every program either runs or
   fails with a `ProgramError`; where the output is a finite number and the
   function is smooth at the point, the reverse-mode gradient matches central
   finite differences, forward-mode Jacobians match reverse-mode ones, and
   second derivatives (`grad --order 2`) match differences of the gradient.
2. Every `samples/*.expr`, mutated by byte and token edits, goes through the
   real entry point `autodiff.cli.main.main` for eval, grad, grad --order 2
   and jacobian: the exit code is 0, 1 or 2 (3 is an internal error) and no
   Python traceback is ever printed.

Full fixed-seed profiles:  python -m pytest -m slow tests/test_fuzz.py
Long profiles:  AUTODIFF_FUZZ_EXAMPLES=20000 python -m pytest -m fuzz tests/test_fuzz.py -s
(add --hypothesis-seed=N to reproduce a run). Each prints how many programs it ran.

The findings the fuzzers made are kept at the end of this file as plain
regression tests, each of which failed until the product was fixed.
"""
from __future__ import annotations

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
from autodiff.diffcore.derivatives import Differentiator, differentiate
from autodiff.diffcore.higher import derivative_tensors, jacobian
from autodiff.diffcore.program import Program, plain_output
from autodiff.grammar import Source, parse
from autodiff.grammar.source import ProgramError
from fuzzing.agreement import DOCUMENTED_REFUSALS
from fuzzing.programs import STYLES, Generated, programs, strip_spans, to_source
from fuzzing.watch import (ATOL, HUGE, LIMITS, MODE_RTOL, RTOL, SECOND_ORDER_MAX_SIZE, STEP, ForwardWatch,
                           PathWatch, TapeWatch, event, finite_difference, jacobian_blocks, moved,
                           on_branch_boundary, silent)
from helpers import run_main

REPO = Path(__file__).resolve().parents[1]
SAMPLES = sorted((REPO / "samples").glob("*.expr"))
LONG_EXAMPLES = int(os.environ.get("AUTODIFF_FUZZ_EXAMPLES", "5000"))
HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]


# Findings reported but not fixed yet: {a fragment of the error: its regression test}. The
# fuzzers count these as known and keep looking for new ones (a fuzzer stuck on a known bug
# finds nothing else). Every finding so far is fixed; when a new one comes, add its regression
# test at the end of this file and, until the fix, its fragment here.
KNOWN_FINDINGS: dict = {}


def known_finding(text: str) -> str | None:
    return next((test for fragment, test in KNOWN_FINDINGS.items() if fragment in text), None)


@pytest.fixture(autouse=True)
def no_debug(monkeypatch):
    monkeypatch.delenv("AUTODIFF_DEBUG", raising=False)


# ======================================================= 1. random programs
# (The watchers, the finite differences and their tolerances are in fuzzing/watch.py.)


def check_program(generated: Generated, stats: Counter) -> None:
    """Every property of section 1 for one generated program; raises AssertionError on a finding.

    For `raw` programs (whose operations may leave their domains) the
    derivatives are taken, which must not fail, but not compared; nor for
    programs with a surrogate `backward` rule (straight-through rounding...),
    whose derivative is the rule's, not the function's (test_fuzz_agreement.py
    holds every mode to the rule instead).
    """
    compare = not generated.raw and not generated.surrogate
    text = generated.source
    stats["programs"] += 1
    # The printer and the parser agree: the reparsed tree is the generated one.
    reparsed = parse(Source(text, "<fuzz>"))
    assert strip_spans(reparsed) == strip_spans(generated.module), "the reparse differs from the tree:\n" + text

    # It runs, or fails with a ProgramError (any other exception propagates: a finding).
    paths = PathWatch()
    try:
        program = paths.compile(Source(text, "<fuzz>"))
        at = {name: v for name, v in generated.inputs.items() if name in program.input_names}
        output = plain_output(program.run(at, LIMITS, print_fn=silent).output)
    except ProgramError as error:
        stats["program error"] += 1
        stats[f"program error: {type(error).__name__}"] += 1
        event(f"program error: {type(error).__name__}")
        return
    if np.ndim(output) or not math.isfinite(output):
        stats["array or non-finite output"] += 1
        event("array or non-finite output")
        return
    stats["finite scalar output"] += 1

    # The program ran, so differentiating it must not fail.
    try:
        with TapeWatch() as watch:
            result = differentiate(program, at, limits=LIMITS, print_fn=silent)
            unfused = Differentiator(program, limits=LIMITS, print_fn=silent, fuse=False)(at)
        with ForwardWatch() as tangents:
            forward = jacobian_blocks(program, at, "forward")
        reverse = jacobian_blocks(program, at, "reverse")
    except ProgramError as error:
        if any(fragment in str(error) for fragment in DOCUMENTED_REFUSALS):
            stats["documented refusal"] += 1
            return
        raise AssertionError(f"the program runs, but differentiating it fails: {type(error).__name__}: "
                             f"{error}\n{text}") from None
    except Exception as error:
        if not known_finding(f"{type(error).__name__}: {error}"):
            raise
        stats["known finding"] += 1
        event("known finding")
        return
    assert result.output == output or (math.isclose(result.output, output, rel_tol=1e-12)), text
    check_fusion(result, unfused, watch.magnitude(), text)
    if not compare:
        return
    if on_branch_boundary(paths, program, at, text):
        stats["point on a branch boundary"] += 1
        event("point on a branch boundary")
        return
    if not watch.all_finite():
        stats["non-finite intermediate values"] += 1
        event("non-finite intermediate values")
        return
    magnitude = watch.magnitude()

    checked = smooth = 0
    for name in result.wrt:
        gradient = np.asarray(result.derivatives[name], dtype=np.float64)
        fwd, rev = forward.get(name), reverse.get(name)
        for index in np.ndindex(gradient.shape):
            g = float(gradient[index])
            estimate = finite_difference(program, at, name, index, output)
            checked += 1
            if estimate is None:
                continue
            fd, fd_error = estimate
            if max(abs(output), abs(fd), abs(g) if math.isfinite(g) else 0.0) > HUGE:
                stats["elements too large for finite differences"] += 1
                continue
            smooth += 1
            if fd != 0:
                stats["elements with a nonzero derivative"] += 1
            where = f"d/d{name}{list(index) if index else ''}"
            tolerance = ATOL + RTOL * max(abs(g), abs(fd)) + 10 * fd_error + 1e-14 * magnitude
            if not abs(g - fd) <= tolerance and watch.at_kink():
                # A kink's convention (ties shared 0.5/0.5, abs'(0) = 0) inside a function that is
                # smooth all the same: maximum(x, clip(x, 0, 1)) at 0 gets 0.75, the function's slope is 1.
                stats["mismatch at a kink (the kink's convention)"] += 1
                continue
            assert math.isfinite(g), (f"{where}: reverse mode gives {g}, but the function is smooth here "
                                      f"(finite differences: {fd})\n{text}")
            assert abs(g - fd) <= tolerance, (f"{where}: reverse mode gives {g!r}, finite differences "
                                              f"{fd!r}\n{text}")
            # Forward and reverse mode agree to rounding.
            f, r = float(fwd[index]), float(rev[index])
            cancellation = 1e-13 * max(tangents.largest, magnitude)   # see ForwardWatch
            assert abs(f - r) <= MODE_RTOL * max(1.0, abs(f), abs(r)) + cancellation, (
                f"{where}: forward mode {f!r}, reverse mode {r!r}\n{text}")
            assert abs(r - g) <= MODE_RTOL * max(1.0, abs(r), abs(g)), (
                f"{where}: reverse Jacobian {r!r}, gradient {g!r}\n{text}")
    stats["elements checked"] += checked
    stats["elements smooth and compared"] += smooth
    if smooth:
        stats["programs with a derivative compared"] += 1
        event("derivative compared with finite differences")
        if checked <= SECOND_ORDER_MAX_SIZE:
            check_second_order(program, at, result.derivatives, text, stats, magnitude, watch)


def check_fusion(fused, unfused, magnitude: float, text: str) -> None:
    """Fused scalar expressions (one tape entry each) change nothing but rounding: the same output,
    the same warnings, and derivatives that agree to rounding (NaN where the other has NaN)."""
    assert fused.output == unfused.output or math.isclose(fused.output, unfused.output, rel_tol=1e-12), (
        f"output fused {fused.output!r}, unfused {unfused.output!r}\n{text}")
    assert [(w.kind, w.operation, w.span) for w in fused.warnings] == [
        (w.kind, w.operation, w.span) for w in unfused.warnings], (
        f"warnings fused {fused.warnings}, unfused {unfused.warnings}\n{text}")
    for name in unfused.wrt:
        a = np.asarray(fused.derivatives[name], dtype=np.float64)
        b = np.asarray(unfused.derivatives[name], dtype=np.float64)
        both_finite = np.isfinite(a) & np.isfinite(b)
        assert np.array_equal(np.isnan(a), np.isnan(b)) or not np.all(np.isfinite(b)), (
            f"d/d{name}: fused {a!r}, unfused {b!r}\n{text}")
        tolerance = MODE_RTOL * np.maximum(1.0, np.maximum(np.abs(a), np.abs(b))) + 1e-13 * magnitude
        assert np.all(np.abs(a - b)[both_finite] <= np.broadcast_to(tolerance, a.shape)[both_finite]), (
            f"d/d{name}: fused {a!r}, unfused {b!r}\n{text}")


def gradient_at(program: Program, at: dict) -> dict | None:
    try:
        result = differentiate(program, at, limits=LIMITS, print_fn=silent)
    except ProgramError:
        return None
    if np.ndim(result.output) or not math.isfinite(result.output):
        return None
    return {name: np.asarray(g, dtype=np.float64) for name, g in result.derivatives.items()}


def check_second_order(program: Program, at: dict, gradient: dict, text: str, stats: Counter,
                       magnitude: float, watch: TapeWatch) -> None:
    """`grad --order 2` (Taylor mode for one scalar input, forward-over-reverse otherwise) against
    central differences of the reverse-mode gradient, with the same stability tests as above."""
    try:
        tensors = derivative_tensors(program, at, 2, limits=LIMITS)
    except ProgramError as error:
        if known_finding(str(error)):
            stats["known finding"] += 1
            return
        raise AssertionError(f"first derivatives work, but `grad --order 2` fails: {type(error).__name__}: "
                             f"{error}\n{text}") from None
    hessian = {names: np.asarray(block, dtype=np.float64) for names, block in tensors.orders[2].items()}
    here = {name: np.asarray(g, dtype=np.float64) for name, g in gradient.items()}
    for b in at:
        for b_index in np.ndindex(np.shape(at[b])):
            x = float(np.asarray(at[b])[b_index]) if b_index else float(at[b])
            columns = []
            for h in (STEP * max(1.0, abs(x)), 10 * STEP * max(1.0, abs(x))):
                plus = gradient_at(program, moved(at, b, b_index, h))
                minus = gradient_at(program, moved(at, b, b_index, -h))
                if plus is None or minus is None:
                    break
                columns.append((h, plus, minus))
            if len(columns) < 2:
                continue
            for a in at:
                for a_index in np.ndindex(np.shape(at[a])):
                    (h1, p1, m1), (h2, p2, m2) = columns
                    c1 = (p1[a][a_index] - m1[a][a_index]) / (2 * h1)
                    c2 = (p2[a][a_index] - m2[a][a_index]) / (2 * h2)
                    fwd = (p1[a][a_index] - here[a][a_index]) / h1
                    bwd = (here[a][a_index] - m1[a][a_index]) / h1
                    scale = max(abs(c1), abs(c2))
                    if not (math.isfinite(c1) and math.isfinite(c2)) or scale > HUGE:
                        continue
                    if abs(c1 - c2) > 1e-6 + 1e-5 * scale or abs(fwd - bwd) > 1e-4 * (1 + scale):
                        continue
                    value = float(hessian[(a, b)][a_index + b_index])
                    where = f"d2/d{a}{list(a_index) if a_index else ''} d{b}{list(b_index) if b_index else ''}"
                    tolerance = ATOL + RTOL * max(abs(value), abs(c1)) + 10 * abs(c1 - c2) + 1e-11 * magnitude * magnitude
                    if not abs(value - c1) <= tolerance and watch.at_kink():
                        stats["second order mismatch at a kink (the kink's convention)"] += 1
                        continue
                    assert abs(value - c1) <= tolerance, (
                        f"{where}: grad --order 2 ({tensors.kind}, {getattr(tensors, 'mode', None) or 'nested'}) "
                        f"gives {value!r}, finite differences of the gradient {c1!r}\n{text}")
                    stats["second derivatives compared"] += 1


def check_reparse(generated: Generated, style) -> None:
    """The printer's options (** for ^, one-line bodies, tabs, extra parentheses) give the same tree."""
    text = to_source(generated.module, style)
    assert strip_spans(parse(Source(text))) == strip_spans(generated.module), text


PROGRAM_STATS: Counter = Counter()


# Each fixed-seed profile runs a sample of its examples by default, and all of them with the
# tests marked `slow` (`python -m pytest -m slow`; README, "Fuzzing"): the same checks, on more
# programs. The default run stays near a minute; CI runs both (.ci/run).

@settings(max_examples=60, derandomize=True, deadline=None, database=None, suppress_health_check=HEALTH)
@given(programs())
def test_random_programs(generated):
    check_program(generated, PROGRAM_STATS)


@pytest.mark.slow
@settings(max_examples=250, derandomize=True, deadline=None, database=None, suppress_health_check=HEALTH)
@given(programs())
def test_random_programs_more(generated):
    check_program(generated, PROGRAM_STATS)


@settings(max_examples=50, derandomize=True, deadline=None, database=None, suppress_health_check=HEALTH)
@given(programs(max_depth=2), STYLES)
def test_printer_styles_reparse(generated, style):
    check_reparse(generated, style)


@pytest.mark.slow
@settings(max_examples=150, derandomize=True, deadline=None, database=None, suppress_health_check=HEALTH)
@given(programs(max_depth=2), STYLES)
def test_printer_styles_reparse_more(generated, style):
    check_reparse(generated, style)


@settings(max_examples=100, derandomize=True, deadline=None, database=None, suppress_health_check=HEALTH)
@given(programs(max_depth=2, max_statements=3, wild=0.1, raw=True))
def test_random_programs_outside_domains(generated):
    """Operands of random shapes and outside the functions' domains: shape errors, NaN and
    infinities, which must all be clean outcomes (a ProgramError, or a value)."""
    check_program(generated, PROGRAM_STATS)


def report(title: str, stats: Counter, seconds: float) -> None:
    lines = [f"{title}: {stats['programs']} programs in {seconds:.0f} s"]
    lines += [f"  {key}: {value}" for key, value in sorted(stats.items()) if key != "programs"]
    print("\n".join(lines))


def progress(title: str, stats: Counter, start: float) -> None:
    """A line every 1000 programs of a long profile (seen with -s)."""
    if stats["programs"] % 1000 == 0:
        print(f"{title}: {stats['programs']} programs, {time.monotonic() - start:.0f} s", flush=True)


@pytest.mark.fuzz
def test_random_programs_long():
    stats: Counter = Counter()
    start = time.monotonic()

    @settings(max_examples=LONG_EXAMPLES, deadline=None, suppress_health_check=HEALTH)
    @given(st.one_of(programs(max_depth=3, max_statements=5), programs(max_depth=3, max_statements=5),
                     programs(max_depth=3, max_statements=5), programs(max_depth=2, wild=0.1, raw=True)),
           STYLES)
    def run(generated, style):
        check_reparse(generated, style)
        check_program(generated, stats)
        progress("random programs", stats, start)

    try:
        run()
    finally:
        report("random programs (long profile)", stats, time.monotonic() - start)


# ==================================================== 2. mutated samples via the CLI

COMMANDS = [["eval"], ["grad"], ["grad", "--order", "2"], ["jacobian"]]
SMALL_LIMITS = ["--max-steps", "100000", "--timeout", "5", "--max-elements", "1000000"]

TOKEN = re.compile(r"""\n[ \t]*|[ \t]+|[A-Za-z_]\w*|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|"[^"\n]*"|'[^'\n]*'"""
                   r"""|\*\*|//|[-+*/<>=!]=|#[^\n]*|.""", re.S)
INSERTIONS = [
    # operators and punctuation
    "+", "-", "*", "/", "^", "**", "@", "%", "//", "<", "<=", "==", "!=", "=", "+=", "-=", ":", ",", ";",
    ".", "!", "&", "|", "~", "{", "}", "?", "$", "`", "\\", "'", '"', "#",
    # brackets
    "(", ")", "[", "]", "()", "[]", "[[", "]]",
    # keywords and names
    "input", "def", "backward", "return", "if", "elif", "else", "while", "for", "in", "break", "continue",
    "pass", "assert", "with", "lambda", "and", "or", "not", "true", "false", "no_grad", "grad", "jacobian",
    "hessian", "jvp", "vjp", "detach", "range", "zeros", "print", "seed", "randn", "x", "y", "import",
    "__class__", "open", "eval",
    # layout
    "\n", "\n    ", "\n\t", "    ", "\t", "\r", "\r\n", "\f", "\\\n",
    # unicode and control characters
    "\x00", "\x01", "\x7f", "\u00e9", "\u2212", "\u00d7", "\u2264", "\ufeff", "\u200b", "\u2028", "\U0001F600",
    "\ud800",
    # numbers
    "0", "1e999", "1e-400", "9" * 400, "0." + "0" * 300 + "1", "1e308", "nan", "inf", "-inf", "2.5e", "1..2",
    # deep nesting and long runs
    "(" * 300, ")" * 300, "[" * 300, "-" * 500, "not " * 300, "2^" * 300, "x" * 5000, "f(" * 100, "+1" * 300,
    "lambda: " * 120, "1 if true else " * 120, "[" * 150 + "]" * 150, "(" * 199 + "1" + ")" * 199,
    "[" * 70 + "1" + "]" * 70, "[" * 40, "]" * 40,
    # strings where numbers go
    '"a"', "'b'", ' == "s"', ' != "s"', ' < "s"', '"\\n"', '"' + "x" * 500 + '"',
    "\n" + "\n".join(" " * i + "if true:" for i in range(0, 240, 2)) + "\n",
]


@st.composite
def mutations(draw):
    """A sample file, edited by a few byte and token edits: (sample name, bytes)."""
    path = draw(st.sampled_from(SAMPLES))
    text = path.read_text(encoding="utf-8")
    tokens = TOKEN.findall(text)
    assert "".join(tokens) == text
    data: bytes | None = None
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["delete", "duplicate", "swap", "insert", "replace", "bytes",
                                     "insert", "delete", "truncate", "line"]))
        if kind == "bytes":          # byte-level: flip, insert or delete bytes (may leave UTF-8)
            data = data if data is not None else "".join(tokens).encode("utf-8", "surrogatepass")
            for _ in range(draw(st.integers(1, 3))):
                position = draw(st.integers(0, max(0, len(data) - 1)))
                op = draw(st.sampled_from(["flip", "insert", "delete"]))
                byte = bytes([draw(st.integers(0, 255))])
                if op == "flip" and data:
                    data = data[:position] + bytes([data[position] ^ (1 << draw(st.integers(0, 7)))]) + \
                        data[position + 1:]
                elif op == "insert":
                    data = data[:position] + byte + data[position:]
                else:
                    data = data[:position] + data[position + 1:]
            continue
        if data is not None:         # token edits after byte edits: back to text, as far as it decodes
            tokens = TOKEN.findall(data.decode("utf-8", "replace"))
            data = None
        if not tokens:
            tokens = [""]
        i = draw(st.integers(0, len(tokens) - 1))
        j = draw(st.integers(0, len(tokens) - 1))
        if kind == "delete":
            del tokens[i:i + draw(st.integers(1, 3))]
        elif kind == "duplicate":
            tokens.insert(i, tokens[i] * draw(st.integers(1, 3)))
        elif kind == "swap":
            tokens[i], tokens[j] = tokens[j], tokens[i]
        elif kind == "insert":
            tokens.insert(i, draw(st.sampled_from(INSERTIONS)))
        elif kind == "replace":
            tokens[i] = draw(st.sampled_from(INSERTIONS))
        elif kind == "truncate":
            tokens = tokens[:i]
        else:                        # a whole line: duplicate or delete it, or change its indentation
            lines = "".join(tokens).split("\n")
            k = draw(st.integers(0, len(lines) - 1))
            op = draw(st.sampled_from(["dup", "del", "indent", "dedent"]))
            if op == "dup":
                lines.insert(k, lines[k])
            elif op == "del":
                del lines[k]
            elif op == "indent":
                lines[k] = draw(st.sampled_from([" ", "    ", "\t", "  "])) + lines[k]
            else:
                lines[k] = lines[k].lstrip()
            tokens = TOKEN.findall("\n".join(lines))
    if data is None:
        data = "".join(tokens).encode("utf-8", "surrogatepass")
    return path.name, data


def check_mutation(directory: Path, sample: str, data: bytes, command: list, stats: Counter) -> None:
    path = directory / f"mutated-{sample}"
    path.write_bytes(data)
    args = command + [str(path)] + SMALL_LIMITS
    code, out, err = run_main(args)
    stats["runs"] += 1
    stats[f"exit {code}"] += 1
    event(f"exit {code}")
    if code == 3 and known_finding(err):
        stats["known finding"] += 1
        return
    shown = data.decode("utf-8", "backslashreplace")
    if len(shown) > 3000:
        shown = shown[:1500] + "\n[...]\n" + shown[-1500:]
    context = f"autodiff {' '.join(command)} FILE -> exit {code}\n--- FILE:\n{shown}\n--- stderr:\n{err[-2000:]}"
    assert code in (0, 1, 2), context
    assert "Traceback" not in out and "Traceback" not in err, context
    assert "internal error" not in err, context


@pytest.fixture(scope="module")
def mutation_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("mutations")


MUTATION_STATS: Counter = Counter()


@settings(max_examples=150, derandomize=True, deadline=None, database=None, suppress_health_check=HEALTH)
@given(mutations(), st.sampled_from(COMMANDS))
def test_mutated_samples(mutation_dir, mutation, command):
    sample, data = mutation
    check_mutation(mutation_dir, sample, data, command, MUTATION_STATS)


@pytest.mark.slow
@settings(max_examples=800, derandomize=True, deadline=None, database=None, suppress_health_check=HEALTH)
@given(mutations(), st.sampled_from(COMMANDS))
def test_mutated_samples_more(mutation_dir, mutation, command):
    sample, data = mutation
    check_mutation(mutation_dir, sample, data, command, MUTATION_STATS)


@pytest.mark.fuzz
def test_mutated_samples_long(tmp_path):
    stats: Counter = Counter()

    @settings(max_examples=LONG_EXAMPLES, deadline=None, suppress_health_check=HEALTH)
    @given(mutations(), st.sampled_from(COMMANDS))
    def run(mutation, command):
        sample, data = mutation
        check_mutation(tmp_path, sample, data, command, stats)

    start = time.monotonic()
    try:
        run()
    finally:
        stats["programs"] = stats["runs"]
        report("mutated samples (long profile)", stats, time.monotonic() - start)


def test_mutation_tokenizer_round_trips():
    """The token edits start from a tokenisation that gives back every sample exactly."""
    for path in SAMPLES:
        text = path.read_text(encoding="utf-8")
        assert "".join(TOKEN.findall(text)) == text, path.name


# ========================================================= 3. findings: regression tests
#
# Each test below is the minimal reproducer of a finding, asserting the correct behaviour: it
# failed until the product was fixed. Findings 1 to 4 were fixed in e4ff2fb ("Fix four fuzzing
# findings"); the tests stay as regression tests. See docs/fuzzing.md for the list.

NO_INPUT_COMMANDS = [["jacobian", "-e", "1"], ["jacobian", "--mode", "forward", "-e", "1"],
                     ["hessian", "-e", "1"], ["grad", "--order", "2", "-e", "1"],
                     ["grad", "--order", "3", "-e", "1"]]


@pytest.mark.parametrize("args", NO_INPUT_COMMANDS, ids=[" ".join(a) for a in NO_INPUT_COMMANDS])
def test_finding_forward_jacobian_without_inputs(args):
    """FINDING 1 (fixed in e4ff2fb): a program without inputs crashed the forward Jacobian and Hessian.

    `autodiff jacobian -e 1` -> exit 3, "internal error: ValueError: need at least one array to
    stack" (transforms.jacobian_forward -> _assemble -> A.stack of no columns). Reverse mode
    (`jacobian --mode reverse -e 1`) and `grad -e 1` printed `f = 1.0` and exited 0: so must
    these (a Jacobian with no columns, derivatives of no inputs).
    """
    code, out, err = run_main(args)
    assert "internal error" not in err and "Traceback" not in err, err
    assert code == 0, (code, err)
    assert "f = 1.0" in out


def test_finding_forward_jacobian_without_inputs_api():
    """FINDING 1, through the API: jacobian(mode='forward') of a program with no inputs."""
    program = Program(Source("1", "<expr>"))
    result = jacobian(program, {}, mode="forward")
    assert result.output == 1.0 and result.orders[1] == {}


PROD_AT_ZERO = [
    # (program, at, the Hessian of the output with respect to x)
    ("prod(x)", np.array([0.0, 0.0]), [[0.0, 1.0], [1.0, 0.0]]),
    ("prod(x)", np.array([1.0, 0.0, 2.0]), [[0.0, 2.0, 0.0], [2.0, 0.0, 1.0], [0.0, 1.0, 0.0]]),
    ("prod([x[0], x[0]])", np.array([0.0]), [[2.0]]),
]


@pytest.mark.parametrize("text, x, expected", PROD_AT_ZERO, ids=[f"{t} at {x.tolist()}" for t, x, _ in PROD_AT_ZERO])
def test_finding_second_derivative_of_prod_at_zero(text, x, expected):
    """FINDING 2 (fixed in e4ff2fb): second derivatives of prod were 0 wherever an element is exactly 0.

    Minimal: `autodiff hessian -e 'prod(x)' --at 'x=[0, 0]'` printed d2f/dx2 = [[0, 0], [0, 0]]
    (x0*x1 has the Hessian [[0, 1], [1, 0]]). arrays._prod_partial computes the product of
    the other elements with plain numpy (`plain(_product_of_others(...))`) when an element was
    zero, so that partial was a constant to every outer differentiation: the first derivative
    was right, all higher ones through it were lost (forward-over-reverse, nested forward, and
    grad(grad(...)) in the language). Taylor mode (one scalar input) was right.
    """
    program = Program(Source(f"input x = {x.tolist()}\ny = {text}\n", "<expr>"))
    result = derivative_tensors(program, {"x": x}, 2)
    np.testing.assert_allclose(result.orders[2][("x", "x")], expected, atol=1e-12)


def test_finding_second_derivative_of_prod_at_zero_in_the_language():
    """FINDING 2, inside a program: grad(grad(f)) of f(t) = prod([t, t]) at 0 is 2, not 0."""
    program = Program(Source("y = grad(grad(lambda t: prod([t, t])))(0.0)\n", "<expr>"))
    assert program.run({}).output == 2.0


@pytest.mark.parametrize("command", [["grad"], ["grad", "--order", "2"], ["jacobian"]])
def test_finding_traced_number_compared_with_a_string(command):
    """FINDING 3 (fixed in e4ff2fb): `==` of a differentiated number and a string crashed grad & co.

    Minimal: `autodiff grad -e 'x * (x != "a")' --at x=1` -> exit 3, "internal error:
    UFuncTypeError: ufunc 'equal' did not contain a loop with signature matching types
    (_PyFloatDType, StrDType)". compiler.run_compare calls notes.comparison_at_equality
    for traced operands, whose np.equal(a, b) failed for a string. `autodiff eval` of the same
    program printed f = 1.0 (found by mutating samples/seed_higher.expr: `assert first == "..."`).
    """
    code, out, err = run_main(command + ["-e", 'x * (x != "a")', "--at", "x=1"])
    assert "internal error" not in err and "Traceback" not in err, err
    assert code == 0, (code, err)
    assert "f = 1.0" in out


def test_finding_traced_number_compared_with_a_string_in_an_assert():
    """FINDING 3, as the mutation found it: a failing assert must be reported, not crash."""
    code, out, err = run_main(["grad", "-e", 'input x = 2.0\nassert x == "a"\ny = x'])
    assert "internal error" not in err, err
    assert code == 1 and "assertion failed" in err, (code, err)


def test_finding_list_nested_more_than_64_deep():
    """FINDING 4a (fixed in e4ff2fb): a list literal nested 65 deep crashed `eval` (numpy: 64 dims).

    Minimal: `autodiff eval -e '[[[...[1]...]]]'` with 65 brackets -> exit 3, "internal
    error: ValueError: setting an array element with a sequence. The requested array would
    exceed the maximum number of dimension of 64." (values.array_of -> np.array). zeros(),
    reshape() and randn() with 65 dimensions already gave a clean runtime error (exit 1).
    """
    code, out, err = run_main(["eval", "-e", "[" * 65 + "1" + "]" * 65])
    assert "internal error" not in err and "Traceback" not in err, err
    assert code == 1, (code, err)


def test_finding_list_of_traced_arrays_of_33_dimensions():
    """FINDING 4b (fixed in e4ff2fb): a list of traced arrays of 33+ dimensions crashed `grad`.

    Minimal: `input x = 1; t = x; for i in range(34): t = [t]; y = sum(t)` -> `autodiff grad`
    exited 3 with "internal error: RuntimeError: this function only supports up to 32
    dimensions but the array has 33." (check_shape(... np.broadcast_shapes(...)) while building
    the list of tracers). `autodiff eval` of the same program printed y = 1.0; the gradient is 1.
    """
    text = "input x = 1\nt = x\nfor i in range(34):\n    t = [t]\ny = sum(t)\n"
    code, out, err = run_main(["grad", "-e", text])
    assert "internal error" not in err and "Traceback" not in err, err
    assert code == 0, (code, err)
    assert "dy/dx = 1.0" in out


TAYLOR_AT_A_SINGULARITY = [
    # (expression, a fragment of the output); one scalar input x = 0, so `grad --order 2` uses Taylor mode
    ("log(x)", "f = -inf"),
    ("1/x", "f = inf"),
    ("sqrt(x)", "f = 0.0"),
    ("x^0.5", "f = 0.0"),
    ("norm([x])", "f = 0.0"),
    ("sin(sin(norm([x, x])))", "f = 0.0"),
]


@pytest.mark.parametrize("text, shown", TAYLOR_AT_A_SINGULARITY, ids=[t for t, _ in TAYLOR_AT_A_SINGULARITY])
def test_finding_taylor_mode_divides_by_zero(text, shown):
    """FINDING 5 (fixed in c23c349): Taylor mode failed with "float division by zero" where a
    derivative is infinite.

    Minimal: `autodiff grad --order 2 -e 'log(x)' --at x=0` -> exit 1, "runtime error: log():
    float division by zero" (also sqrt(x), 1/x, x^0.5, norm([x]) at 0). The same derivatives
    in the other modes are values with a warning, exit 0: `autodiff grad -e 'log(x)' --at x=0`
    gives f = -inf, df/dx = inf; `autodiff hessian -e 'norm(x)' --at 'x=[0]'` gives 0 with
    "warning: norm at 0: the subgradient 0 is used"; `hessian -e 'sqrt(x[0]^2)' --at 'x=[0]'`
    gives [[inf]]. Taylor mode (one scalar input, order >= 2) used Python float division in
    its recurrences, which raises instead of giving inf or nan. Found by the second-order check
    on `out = sin(sin(norm([t2[-2]])))` with t2 built from x1 = 0.
    """
    code, out, err = run_main(["grad", "--order", "2", "-e", text, "--at", "x=0"])
    assert "division by zero" not in err, err
    assert code == 0, (code, err)
    assert shown in out and "d2f/dx2" in out, out


def test_finding_taylor_mode_agrees_with_nested_at_a_kink():
    """FINDING 5, the same function by both methods: Taylor (x a number) and nested (x a vector)."""
    taylor = derivative_tensors(Program(Source("input x = 0\ny = norm([x])\n")), {"x": 0.0}, 2)
    nested = derivative_tensors(Program(Source("input x = [0]\ny = norm([x[0]])\n")),
                                {"x": np.zeros(1)}, 2)
    np.testing.assert_equal(taylor.orders[2][("x", "x")], float(np.reshape(nested.orders[2][("x", "x")], ())))

# ============================================================ the fuzzers' own hooks

def test_the_hooks_into_the_core_still_see_it():
    """PathWatch and TapeWatch reach into diffcore (compiler.COMPARISONS, derivatives.ReverseTrace).
    If a refactoring moves those, the checks would silently change: this says so instead."""
    paths = PathWatch()
    program = paths.compile(Source("input x = 1\ny = x if x < 2 else -x\n", "<hooks>"))
    assert paths.path(program, {"x": 1.0}) == (True,)
    assert paths.path(program, {"x": 3.0}) == (False,)
    with TapeWatch() as watch:
        differentiate(Program(Source("input x = 0\ny = abs(x) + exp(x)\n", "<hooks>")), {"x": 0.0})
    assert watch.tapes and watch.all_finite() and watch.at_kink() and watch.magnitude() == 1.0
    with TapeWatch() as watch:      # an inf that no derivative rule reads: only a tape keeping all has it
        source = "input x = [1, 2]\nz = 10 * (x * 1e308)\ny = sum(where(z > 0, x, z))\n"
        differentiate(Program(Source(source, "<hooks>")), {"x": np.array([1.0, 2.0])})
    assert not watch.all_finite()
    with ForwardWatch() as tangents:
        jacobian(Program(Source("input x = 1\ny = 1000 * x\n", "<hooks>")), {"x": 1.0}, mode="forward")
    assert tangents.largest == 1000.0
