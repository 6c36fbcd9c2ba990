"""Every way of computing a derivative must give the same number (test-only code; no oracle needed).

`Agreement(generated).check()` runs one generated program and computes its
derivatives in every way autodiff has, in-process:

- the gradient by reverse mode (`autodiff grad`), the Jacobian by forward and
  by reverse mode (`jacobian --mode forward/reverse`), and J·v (`jvp`);
- the Hessian as `autodiff hessian` computes it (Taylor mode for one scalar
  input, forward-over-reverse otherwise), and again by forward-over-reverse,
  reverse-over-reverse and forward-over-forward through the same transforms,
  by `hvp` (H·v), and inside the language (`jacobian(lambda q: grad(whole, a)(...))`,
  rewrites.in_language_hessian); for one scalar input also the third order,
  Taylor against nested;
- the same program rewritten (rewrites.py): with its twins, with every loop
  checkpointed, with its one-line functions inlined: the output, the gradient
  and the Hessian must not change.

Each disagreement is recorded as a `Disagreement` (the check, the two methods
and their numbers, the program) rather than raised at once, so that a known
bug does not hide the other properties of the same program; `known.py` says
which disagreements are the known bugs of issue 11. Finite differences are
not used here: tests/test_fuzz.py compares the same generated programs with
them (`check_program`).
"""
from __future__ import annotations

import math
import re
import zlib
from collections import Counter
from typing import Any, Callable, Optional

import numpy as np

from autodiff.diffcore.engine import transforms as T
from autodiff.diffcore.derivatives import differentiate
from autodiff.diffcore.higher import ProgramFunction, derivative_tensors, directional, hessian_vector, jacobian
from autodiff.diffcore.engine.context import RunContext
from autodiff.diffcore.program import Program, plain_output
from autodiff.diffcore.engine.tracing import strip
from autodiff.grammar import Source
from autodiff.grammar.source import ProgramError

from . import rewrites
from .programs import Generated, to_source
from .watch import LIMITS, ForwardWatch, TapeWatch, silent

# Programs with at most this many input elements get every Hessian method (each costs a pass
# per element, or per element squared).
MAX_HESSIAN_SIZE = 8
# First-order methods sum the same terms in other orders: they agree to rounding.
FIRST_RTOL = 1e-9
# Second-order methods go through more operations (and Taylor mode through other formulas).
SECOND_RTOL = 1e-7
# A rewrite computes the same value with other operations (the sum for `dot`, linspace's formula).
REWRITE_RTOL = 1e-9

# Added to a disagreement's features when a value recorded by reverse mode was inf or nan.
NON_FINITE = "non-finite values on the tape"

# Refusals that the documentation promises, which are not disagreements.
DOCUMENTED_REFUSALS = (
    "a differentiated value from outside its function",   # README, Checkpointing
)


class Disagreement(AssertionError):
    """Two ways of computing the same quantity that differ, or one that fails where another works."""

    def __init__(self, check: str, text: str, detail: str, methods: tuple = (), values: tuple = (),
                 features: frozenset = frozenset()):
        self.check = check          # 'first order', 'hessian', 'symmetry', 'rewrite: twins', 'fails', ...
        self.text = text
        self.detail = detail
        self.methods = methods
        self.values = values
        self.features = features
        super().__init__(check)

    def __str__(self) -> str:
        return f"{self.check}: {self.detail}\n--- program:\n{self.text}"

    @property
    def signature(self) -> str:
        """What two findings have in common when they are one bug (for counting distinct ones)."""
        detail = re.sub(r"\d+:\d+: ", "", self.detail.split(" at element")[0].split("\n")[0])
        if self.values:
            detail = " vs ".join(self.methods) + " " + _value_kind(self.values)
        return f"{self.check}: {detail}"


def squared(magnitude: float) -> float:
    """The square of the largest recorded value (second derivatives cancel terms of that size), at
    least 1 and at most 1e300 (no overflow)."""
    return min(max(1.0, magnitude), 1e150) ** 2


def _value_kind(values: tuple) -> str:
    kinds = ["nan" if isinstance(v, float) and math.isnan(v) else "inf" if isinstance(v, float) and
             math.isinf(v) else "number" for v in values]
    return "(" + ", ".join(kinds) + ")"


def agree(a: np.ndarray, b: np.ndarray, rtol: float, atol: float = 0.0) -> np.ndarray:
    """Elementwise: equal to the tolerance, or both not finite. (Where values overflow, one order of
    operations gives inf and another inf - inf = nan: both say "not finite", which is what matters;
    a number against nan or inf is a disagreement.)"""
    with np.errstate(all="ignore"):
        same = (~np.isfinite(a) & ~np.isfinite(b)) | (a == b)
        near = np.abs(a - b) <= atol + rtol * np.maximum(1.0, np.maximum(np.abs(a), np.abs(b)))
    return same | (np.isfinite(a) & np.isfinite(b) & near)


def flat(blocks: dict, names: list) -> np.ndarray:
    """Per-input arrays (gradient or J·v pieces) as one vector, in the order of `names`."""
    return np.concatenate([np.reshape(np.asarray(strip(blocks[n]), dtype=np.float64), -1) for n in names]) \
        if names else np.zeros(0)


def square(blocks: dict, names: list, sizes: dict) -> np.ndarray:
    """Hessian blocks {(a, b): array of shape a.shape + b.shape} as one n x n matrix."""
    rows = [np.concatenate([np.reshape(np.asarray(blocks[(a, b)], dtype=np.float64), (sizes[a], sizes[b]))
                            for b in names], axis=1) for a in names]
    return np.concatenate(rows, axis=0) if rows else np.zeros((0, 0))


def direction_for(text: str, sizes: dict, names: list) -> dict:
    """A random direction v, per input, the same for the same program."""
    rng = np.random.default_rng(zlib.crc32(text.encode("utf-8", "surrogatepass")))
    out = {}
    for n in names:
        v = rng.choice([-1.0, -0.5, 0.5, 1.0, 2.0], size=sizes[n][1])
        out[n] = float(v) if not sizes[n][1] else v
    return out


class Agreement:
    """The properties of one generated program; `check()` returns the disagreements found."""

    def __init__(self, generated: Generated, stats: Optional[Counter] = None):
        self.generated = generated
        self.text = generated.source
        self.stats = stats if stats is not None else Counter()
        self.found: list = []
        self.non_finite = False         # a value recorded by reverse mode is inf or nan
        self.hessian_label = "hessian"  # with its method, once known: 'hessian (taylor)', 'hessian (nested)'

    # ---- plumbing

    def disagree(self, check: str, detail: str, methods: tuple = (), values: tuple = ()) -> None:
        features = self.generated.features | ({NON_FINITE} if self.non_finite else set())
        self.found.append(Disagreement(check, self.text, detail, methods, values, frozenset(features)))

    def attempt(self, method: str, compute: Callable[[], Any]) -> Any:
        """compute(), or None after recording why it failed (a documented refusal is no finding)."""
        try:
            with RunContext(LIMITS):
                return compute()
        except ProgramError as error:
            if any(fragment in str(error) for fragment in DOCUMENTED_REFUSALS):
                self.stats["documented refusal"] += 1
                return None
            self.disagree("fails", f"{method} fails where the program runs: {type(error).__name__}: {error}",
                          (method,))
        except Exception as error:      # noqa: BLE001 - an internal error is the finding
            self.disagree("crash", f"{method} crashes: {type(error).__name__}: {error}", (method,))
        return None

    def compare(self, check: str, a_name: str, a: Any, b_name: str, b: Any, rtol: float,
                atol: float = 0.0) -> bool:
        if a is None or b is None:
            return False
        a, b = np.asarray(strip(a), dtype=np.float64), np.asarray(strip(b), dtype=np.float64)
        if a.shape != b.shape:
            self.disagree(check, f"{a_name} has shape {a.shape}, {b_name} has shape {b.shape}", (a_name, b_name))
            return False
        ok = agree(a, b, rtol, atol)
        if not np.all(ok):
            k = tuple(int(i) for i in np.argwhere(~ok)[0])
            where = f" at element {list(k)}" if k else ""
            self.disagree(check, f"{a_name} gives {float(a[k])!r}, {b_name} gives {float(b[k])!r}{where}",
                          (a_name, b_name), (float(a[k]), float(b[k])))
            return False
        self.stats[f"agree: {check}"] += 1
        return True

    def run(self, text: str) -> tuple:
        """(program, output) of a program text at the generated inputs; a ProgramError propagates."""
        program = Program(Source(text, "<fuzz>"))
        at = {n: v for n, v in self.generated.inputs.items() if n in program.input_names}
        with RunContext(LIMITS):
            output = plain_output(program.run(at, LIMITS, print_fn=silent).output)
        return program, at, output

    # ---- the properties

    def check(self) -> list:
        self.stats["programs"] += 1
        # The twins of each class apart, so that a disagreement names its class.
        twins = {f"twins: {kind}": rewrites.with_twins(self.generated, kind)
                 for kind in rewrites.twin_classes(self.generated)}
        try:
            program, at, output = self.run(self.text)
        except ProgramError as error:
            self.stats["program error"] += 1
            self.refused_in_the_language(error)
            for label, module in twins.items():
                self.twin_runs_alone(error, label, to_source(module))
            return self.found
        for label, module in twins.items():
            self.values_of_twin(output, label, to_source(module))
        if np.ndim(output) or not math.isfinite(output):
            self.stats["array or non-finite output"] += 1
            return self.found
        self.stats["finite scalar output"] += 1
        names = [n for n in program.input_names if n in at]
        sizes = {n: (int(np.size(at[n])), np.shape(at[n])) for n in names}
        size = sum(s for s, _ in sizes.values())
        v = direction_for(self.text, sizes, names)
        gradient, magnitude = self.first_order(program, at, names, v)
        hessian = None
        if size <= MAX_HESSIAN_SIZE and gradient is not None:
            hessian = self.second_order(program, at, names, sizes, v, gradient, magnitude)
            self.stats["programs with every Hessian method"] += 1
        self.rewritten(program, at, names, sizes, output, gradient, hessian, magnitude, twins)
        return self.found

    def refused_in_the_language(self, error: ProgramError) -> None:
        """In-language grad of a function whose output is one element in an array (bug 13)."""
        if "grad of a one-element array" in self.generated.features and "returns one number" in str(error):
            self.disagree("refuses", f"in-language grad refuses a one-element array: {error}", ("grad",))

    def twin_runs_alone(self, error: ProgramError, label: str, twin_text: str) -> None:
        if label == "twins: arange" and "arange needs finite bounds" in str(error):
            self.stats["documented refusal"] += 1       # arange(nan, ...); its twin computes nan + [0, 1]
            return
        try:
            self.run(twin_text)
        except ProgramError:
            return
        self.disagree(f"rewrite: {label}", f"the program fails ({type(error).__name__}: {error}) but its twin "
                      f"runs\n--- twin:\n{twin_text}", ("program", "twin"))

    def values_of_twin(self, output: Any, label: str, twin_text: str) -> None:
        try:
            _, _, twin_output = self.run(twin_text)
        except ProgramError as error:
            self.disagree(f"rewrite: {label}", f"the program runs but its twin fails: {type(error).__name__}: "
                          f"{error}\n--- twin:\n{twin_text}", ("program", "twin"))
            return
        if not self.compare(f"rewrite: {label}", "the program", output, "its twin", twin_output,
                            REWRITE_RTOL, 1e-12):
            self.found[-1].detail += f"\n--- twin:\n{twin_text}"

    def first_order(self, program, at, names, v) -> tuple:
        with TapeWatch() as watch:
            result = self.attempt("grad (reverse mode)",
                                  lambda: differentiate(program, at, limits=LIMITS, print_fn=silent))
        magnitude = watch.magnitude()
        self.non_finite = not watch.all_finite()
        gradient = flat(result.derivatives, names) if result is not None else None
        with ForwardWatch() as tangents:
            forward = self.attempt("jacobian --mode forward",
                                   lambda: jacobian(program, at, mode="forward", limits=LIMITS))
        reverse = self.attempt("jacobian --mode reverse", lambda: jacobian(program, at, mode="reverse", limits=LIMITS))
        tolerance = 1e-13 * max(tangents.largest, magnitude)
        blocks = lambda r: None if r is None else flat({k[0]: b for k, b in r.orders[1].items()}, names)  # noqa: E731
        self.compare("first order", "jacobian --mode forward", blocks(forward), "jacobian --mode reverse",
                     blocks(reverse), FIRST_RTOL, tolerance)
        self.compare("first order", "jacobian --mode reverse", blocks(reverse), "grad", gradient, FIRST_RTOL,
                     tolerance)
        jvp = self.attempt("jvp", lambda: directional(program, at, v, limits=LIMITS))
        if jvp is not None and gradient is not None:
            dot = flat(v, names) * gradient
            self.compare("first order", "jvp", jvp.value, "grad · v", float(np.sum(dot)), FIRST_RTOL,
                         tolerance + 1e-12 * float(np.sum(np.abs(dot))))
        if gradient is not None:
            self.emitted(program, at, names, gradient, v, tolerance)
            self.compiled(program, at, names, result, tolerance)
        if jvp is not None:
            self.compiled_jvp(program, at, v, jvp, tolerance)
        return gradient, magnitude

    def run_compiled(self, what: str, run: Callable[[], Any]) -> Any:
        """The result of a run with --engine compiled, or None: a refusal or a limit met while
        compiling is counted; a failure where the tape runs is a finding."""
        from autodiff.diffcore.compiled.static import NotCompiled
        from autodiff.diffcore.emit.lower import EmitError
        try:
            return run()
        except (EmitError, NotCompiled):
            self.stats[f"{what} refuses"] += 1
        except ProgramError as error:
            if getattr(error, "limit", None):       # emit's run at the point met a limit (a slow machine)
                self.stats["compiled: a limit while compiling"] += 1
            else:
                self.disagree("compiled", f"the {what} fails where the tape runs: {type(error).__name__}: {error}",
                              (what,))
        except Exception as error:      # noqa: BLE001 - a failure or crash is the finding
            self.disagree("compiled", f"the {what} fails: {type(error).__name__}: {error}", (what,))
        return None

    def same_warnings(self, what: str, got: list, tape: list, against: str) -> None:
        if [(w.kind, w.operation, w.span) for w in got] != [(w.kind, w.operation, w.span) for w in tape]:
            self.disagree("compiled", f"{what} warnings: compiled {got}, tape {tape}", (what, against))

    def compiled(self, program, at, names, tape, tolerance) -> None:
        """The compiled engine (`--engine compiled`, diffcore/compiled) against the tape: the same
        output and gradient, the same warnings (where it hands over to the tape, trivially)."""
        from autodiff.diffcore.compiled.run import Runner
        runner = Runner(program, limits=LIMITS, print_fn=silent, engine="compiled")
        got = self.run_compiled("compiled engine", lambda: runner(at))
        if got is None:
            return
        self.stats[f"compiled ran on the {runner.last_engine}"] += 1
        self.compare("compiled", "grad --engine compiled", got.output, "grad", tape.output, FIRST_RTOL, tolerance)
        self.compare("compiled", "grad --engine compiled", flat(got.derivatives, names), "grad",
                     flat(tape.derivatives, names), FIRST_RTOL, tolerance)
        self.same_warnings("compiled", got.warnings, tape.warnings, "grad")

    def compiled_jvp(self, program, at, v, tape, tolerance) -> None:
        """`jvp --engine compiled` (the forward-mode code) against the tape's J·v and warnings."""
        from autodiff.diffcore.compiled.run import directional as compiled_directional
        got = self.run_compiled("compiled jvp", lambda: compiled_directional(program, at, v, limits=LIMITS,
                                                                             engine="compiled"))
        if got is None:
            return
        self.stats["compiled jvp ran"] += 1
        self.compare("compiled", "jvp --engine compiled", got.output, "jvp", tape.output, FIRST_RTOL, tolerance)
        self.compare("compiled", "jvp --engine compiled", got.value, "jvp", tape.value, FIRST_RTOL, tolerance)
        self.same_warnings("compiled jvp", got.warnings, tape.warnings, "jvp")

    def emitted(self, program, at, names, gradient, v, tolerance) -> None:
        """`autodiff emit`'s programs, both modes and both targets, against the tape's gradient and
        grad · v (a program emit refuses, with its located reason, is counted, not a finding)."""
        from autodiff.diffcore.emit.api import emit
        from autodiff.diffcore.emit.lower import EmitError
        for mode in ("reverse", "forward"):
            for target in ("expr", "python"):
                label = f"emit --mode {mode} --to {target}"
                try:
                    e = emit(program, at, mode=mode, target=target)
                except EmitError:
                    self.stats["emit refuses"] += 1
                    return
                except Exception as error:      # noqa: BLE001 - a failure or crash is the finding
                    self.disagree("emit", f"{label} fails: {type(error).__name__}: {error}", (label,))
                    return
                live = [n for n in names if n not in e.inactive]
                direction = {d: v[w] for d, w in zip(e.extra, live)} if mode == "forward" else {}
                try:
                    if target == "expr":
                        with RunContext(LIMITS):
                            out = Program(Source(e.text, "<emitted>")).run(direction, LIMITS, print_fn=silent).output
                    else:
                        space: dict = {}
                        exec(compile(e.text, "<emitted>", "exec"), space)       # noqa: S102 - our own output
                        args = [at[n] for n in program.input_names if n in at] + list(direction.values())
                        value, rest = space["grad_f" if mode == "reverse" else "jvp_f"](*args)
                        out = (value, *(rest[w] for w in live)) if mode == "reverse" else (value, rest)
                except Exception as error:      # noqa: BLE001
                    self.disagree("emit", f"the program of {label} fails: {type(error).__name__}: {error}\n"
                                  f"--- emitted:\n{e.text}", (label,))
                    return
                if mode == "reverse":
                    if not live and not isinstance(out, tuple):
                        out = (out,)        # no input reaches the output: `(out)` is the value alone
                    got = {w: g for w, g in zip(live, out[1:])}
                    full = {n: got.get(n, np.zeros(np.shape(at[n]))) for n in names}
                    self.compare("emit", label, flat(full, names), "grad", gradient, FIRST_RTOL, tolerance)
                else:
                    dot = flat(v, names) * gradient
                    self.compare("emit", label, out[1], "grad · v", float(np.sum(dot)), FIRST_RTOL,
                                 tolerance + 1e-12 * float(np.sum(np.abs(dot))))

    def second_order(self, program, at, names, sizes, v, gradient, magnitude) -> Optional[np.ndarray]:
        sized = {n: s for n, (s, _) in sizes.items()}
        atol = 1e-12 * squared(magnitude)
        main = self.attempt("hessian", lambda: derivative_tensors(program, at, 2, limits=LIMITS))
        label = "hessian"
        H = None
        if main is not None:
            label = self.hessian_label = f"hessian ({main.mode or 'nested'})"
            H = square(main.orders[2], names, sized)
            self.compare("hessian", f"{label}'s gradient", flat({k[0]: b for k, b in main.orders[1].items()}, names),
                         "grad", gradient, SECOND_RTOL, atol)
            if main.mode != "taylor":
                self.compare("symmetry", label, H, "its transpose", H.T, SECOND_RTOL, atol)
        fn = self.attempt("ProgramFunction", lambda: ProgramFunction(program, at, None, None, LIMITS))
        if fn is None:
            return H
        inner = lambda z: T.grad(fn, (z,))      # noqa: E731
        others = {
            "forward-over-reverse": lambda: T.jacobian_forward(inner, fn.z)[1],
            "reverse-over-reverse": lambda: T.jacobian_reverse(inner, fn.z)[1],
            "forward-over-forward": lambda: T.jacobian_forward(lambda z: T.jacobian_forward(fn, z)[1], fn.z)[1],
        }
        n = fn.size
        reference_name, reference = label, H
        for method, compute in others.items():
            value = self.attempt(method, compute)
            if value is None:
                continue
            value = np.reshape(np.asarray(strip(value), dtype=np.float64), (n, n))
            if reference is None:
                reference_name, reference = method, value
                continue
            self.compare("hessian", method, value, reference_name, reference, SECOND_RTOL, atol)
        if reference is None:
            return None
        hvp = self.attempt("hvp", lambda: hessian_vector(program, at, v, limits=LIMITS))
        if hvp is not None:
            self.compare("hvp", "hvp", flat({k[0]: b for k, b in hvp.value.items()}, names),
                         f"{reference_name} · v", reference @ flat(v, names), SECOND_RTOL,
                         atol * max(1.0, float(np.sum(np.abs(flat(v, names))))))
            self.compare("hvp", "hvp's gradient", flat({k[0]: b for k, b in hvp.orders[1].items()}, names),
                         "grad", gradient, FIRST_RTOL, 1e-13 * magnitude)
        self.in_language(names, at, reference_name, reference, sized, atol)
        if n == 1 and not sizes[names[0]][1]:
            self.third_order(program, at, fn)
        return reference

    def in_language(self, names, at, reference_name, reference, sized, atol) -> None:
        text = rewrites.in_language_hessian(self.generated, names, at)
        if text is None:
            return

        def compute():
            program = Program(Source(text, "<in-language hessian>"))
            return plain_output(program.run({}, LIMITS, print_fn=silent).output)
        value = self.attempt("in-language jacobian(grad(whole))", compute)
        if value is None:
            if self.found and self.found[-1].methods == ("in-language jacobian(grad(whole))",):
                self.found[-1].detail += f"\n--- in-language hessian:\n{text}"
            return
        blocks = {}
        offsets = np.cumsum([0] + [sized[n] for n in names])
        for i, a in enumerate(names):
            for j, b in enumerate(names):
                blocks[(a, b)] = reference[offsets[i]:offsets[i + 1], offsets[j]:offsets[j + 1]]
        if not self.compare("in-language hessian", "in-language jacobian(grad(whole))", value, reference_name,
                            rewrites.flat_hessian(blocks, names), SECOND_RTOL, atol):
            self.found[-1].detail += f"\n--- in-language hessian:\n{text}"

    def third_order(self, program, at, fn) -> None:
        taylor = self.attempt("grad --order 3 (taylor)", lambda: derivative_tensors(program, at, 3, limits=LIMITS))
        if taylor is None or taylor.mode != "taylor":
            return

        def nested():
            second = lambda w: T.jacobian_forward(lambda z: T.grad(fn, (z,)), w)[1]   # noqa: E731
            return T.jacobian_forward(second, fn.z)[1]
        value = self.attempt("nested forward over forward-over-reverse", nested)
        if value is not None:
            name = fn.wrt[0]
            self.compare("third order", "grad --order 3 (taylor)", taylor.orders[3][(name,) * 3],
                         "nested", np.reshape(np.asarray(strip(value), dtype=np.float64), ()), 1e-6, 1e-10)

    # ---- rewrites

    def rewritten(self, program, at, names, sizes, output, gradient, hessian, magnitude, twins):
        g = self.generated
        candidates = []
        module, count = rewrites.checkpointed(g.module)
        if count:
            candidates.append(("checkpoint", module))
        module, count = rewrites.inlined(g.module, g.custom)
        if count:
            candidates.append(("inline", module))
        candidates += [(label, module) for label, module in twins.items() if np.ndim(output) == 0]
        sized = {n: s for n, (s, _) in sizes.items()}
        for label, module in candidates:
            text = to_source(module)
            if len(text) > 20 * len(self.text) + 2000:
                self.stats[f"rewrite too long: {label}"] += 1
                continue
            self.stats[f"rewrite: {label}"] += 1
            check = f"rewrite: {label}"
            try:
                other, other_at, other_output = self.run(text)
            except ProgramError as error:
                if any(fragment in str(error) for fragment in DOCUMENTED_REFUSALS):
                    self.stats["documented refusal"] += 1
                    continue
                self.disagree(check, f"the program runs, the rewritten one fails: {type(error).__name__}: {error}"
                              f"\n--- rewritten:\n{text}", ("program", label))
                continue
            start = len(self.found)
            if not label.startswith("twins"):         # (the twins' values are compared above)
                self.compare(check, "the program", output, f"with {label}", other_output, REWRITE_RTOL, 1e-12)
            result = self.attempt(f"grad (reverse mode) with {label}",
                                  lambda: differentiate(other, other_at, limits=LIMITS, print_fn=silent))
            if result is not None and gradient is not None:
                self.compare(check, "grad", gradient, f"grad with {label}", flat(result.derivatives, names),
                             REWRITE_RTOL, 1e-12 * max(1.0, magnitude))
            if hessian is not None:
                tensors = self.attempt(f"hessian with {label}",
                                       lambda: derivative_tensors(other, other_at, 2, limits=LIMITS))
                if tensors is not None:
                    self.compare(check, self.hessian_label, hessian,
                                 f"hessian with {label} ({tensors.mode or 'nested'})",
                                 square(tensors.orders[2], names, sized), SECOND_RTOL,
                                 1e-12 * squared(magnitude))
            for finding in self.found[start:]:
                finding.detail += f"\n--- rewritten ({label}):\n{text}"
