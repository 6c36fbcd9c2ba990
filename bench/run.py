#!/usr/bin/env python
"""The benchmark driver of autodiff: every case of the performance issue in one run.

    python bench/run.py              # the full run: writes bench/RESULTS.md and bench/results.json
    python bench/run.py --quick      # a few seconds, small sizes, no reference systems: checks values
    python bench/run.py --cases 2,4  # some cases only (printed; files only with --output-dir)
    python bench/run.py --profile    # pyinstrument (or cProfile) reports of cases 2 and 3

Each case first runs every system once and CHECKS that they computed the same
values (within the tolerance the case states); a case whose systems disagree is
FAILED and reports no times. Times are medians over repeats. Every target is a
ratio measured in this run (or a per-operation cost), so it holds on any
machine. PyTorch, JAX and HIPS autograd are compared when they are importable
(`pip install -e '.[bench]'`) and skipped otherwise. The driver exits 1 when a
value check failed, 0 otherwise (a missed target is a result, not an error).
"""
from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import json
import math
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

import numpy as np

from autodiff.cli.workers import usable_cores
from autodiff.diffcore.engine import arrays as A
from autodiff.diffcore.engine import elementwise as E
from autodiff.diffcore.engine import transforms as T
from autodiff.diffcore.engine.broadcasting import sum_
from autodiff.diffcore.compiled.run import Runner, directional, evaluate as evaluate_with
from autodiff.diffcore.derivatives import Differentiator, evaluate
from autodiff.diffcore.higher import derivative_tensors
from autodiff.diffcore.program import Program
from autodiff.diffcore.engine.taylor import taylor_derivatives

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "bench" / "cases"
ROSENBROCK = ROOT / "samples" / "rosenbrock.expr"
CONTROL_FLOW = ROOT / "samples" / "seed_control_flow.expr"

OPS_PER_ITERATION = 8           # sin, *a, 0.5*, *b, b*b, 1+, /, +
# f^(k)(0.7) of exp(sin x)*x, exact to 17 digits (sympy, 30-digit arithmetic, at x = 7/10).
TAYLOR_EXACT = {6: 103.48304143441075, 10: -7895.029476447808}


# ---------------------------------------------------------------- profiles

@dataclass(frozen=True)
class Profile:
    name: str
    cold_runs: int          # fresh processes per command (case 1)
    loop_n: int             # iterations of the scalar loop (case 2)
    repeats: int            # in-process timings of autodiff and the floors
    ref_repeats: int        # timings of the (slow) reference systems
    points: int             # points through the CLI (case 3)
    points_repeats: int
    rosen_n: int            # case 4
    hess_n: int             # case 5
    tiny_repeats: int       # sub-millisecond timings (Taylor mode)
    ckpt_n: int             # case 6
    ckpt_repeats: int
    references: bool        # PyTorch, JAX, HIPS autograd


FULL = Profile("full", cold_runs=15, loop_n=100_000, repeats=5, ref_repeats=3, points=100_000,
               points_repeats=3, rosen_n=1_000_000, hess_n=100, tiny_repeats=101, ckpt_n=1_000_000,
               ckpt_repeats=3, references=True)
QUICK = Profile("quick", cold_runs=3, loop_n=2_000, repeats=3, ref_repeats=1, points=2_000,
                points_repeats=1, rosen_n=10_000, hess_n=10, tiny_repeats=11, ckpt_n=4_000,
                ckpt_repeats=1, references=False)


# ---------------------------------------------------------------- helpers

def timed(fn: Callable[[], Any], repeats: int) -> float:
    """Median wall time of `fn()` in seconds (the caller has already run it once to check it)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def peak_bytes(fn: Callable[[], Any]) -> int:
    """The tracemalloc peak of the Python allocations made while `fn()` runs."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def mismatch(label: str, got: Any, want: Any, rtol: float, atol: float = 0.0) -> Optional[str]:
    """None when `got` agrees with `want` elementwise (|got - want| <= atol + rtol*|want|), else why not."""
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    if got.shape != want.shape:
        return f"{label}: shape {got.shape}, expected {want.shape}"
    error = np.abs(got - want)
    allowed = atol + rtol * np.abs(want)
    if np.all(error <= allowed):
        return None
    worst = int(np.argmax(error - allowed))
    return (f"{label}: {got.flat[worst]!r} vs {want.flat[worst]!r} (element {worst}; "
            f"rtol {rtol:g}, atol {atol:g})")


@dataclass
class Target:
    name: str
    measured: Optional[float]
    limit: float
    unit: str
    at_most: bool = True                # False: the measured value must be at least the limit

    @property
    def ratio(self) -> Optional[float]:
        return None if self.measured is None else self.measured / self.limit

    @property
    def verdict(self) -> str:
        if self.measured is None:
            return "n/a"
        return "PASS" if (self.measured <= self.limit if self.at_most else self.measured >= self.limit) else "MISS"

    def as_json(self) -> dict:
        return {"name": self.name, "measured": self.measured, "limit": self.limit, "unit": self.unit,
                "at_most": self.at_most, "ratio": self.ratio, "verdict": self.verdict}


@dataclass
class Case:
    key: str
    title: str
    columns: list                       # (key, header, format) of the rows
    check: str = ""                     # what was compared, with which tolerance
    status: str = "ok"                  # ok, FAILED, not available
    rows: list = field(default_factory=list)
    targets: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    failures: list = field(default_factory=list)

    def verify(self, problems: list) -> bool:
        """Record failed comparisons; True when there were none (then timing may go on)."""
        problems = [p for p in problems if p]
        if problems:
            self.status, self.failures = "FAILED", problems
        return not problems

    def as_json(self) -> dict:
        return {"key": self.key, "title": self.title, "status": self.status, "check": self.check,
                "values_agree": self.status != "FAILED", "failures": self.failures,
                "rows": self.rows, "targets": [t.as_json() for t in self.targets], "notes": self.notes}


def us(seconds: Optional[float]) -> str:
    return "—" if seconds is None else f"{seconds * 1e6:,.3f} µs"


def ms(seconds: Optional[float]) -> str:
    return "—" if seconds is None else f"{seconds * 1e3:,.3f} ms"


def num(value: Optional[float], digits: int = 3) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}" if abs(value) < 1e6 else f"{value:,.0f}"


def ratio(value: Optional[float]) -> str:
    return "—" if value is None else f"{value:.2f}x"


# ---------------------------------------------------------------- reference systems

def load_references(enabled: bool) -> dict:
    """name -> module bundle, or the reason it is skipped."""
    found: dict = {}
    if not enabled:
        return {name: "not in this profile" for name in ("PyTorch", "JAX", "HIPS autograd")}
    try:
        import torch
        import torch.func
        found["PyTorch"] = torch
    except ImportError as error:
        found["PyTorch"] = f"not installed ({error})"
    try:
        import jax
        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp
        from jax.experimental import jet
        found["JAX"] = (jax, jnp, jet)
    except ImportError as error:
        found["JAX"] = f"not installed ({error})"
    try:
        import autograd
        import autograd.numpy as anp
        found["HIPS autograd"] = (autograd, anp)
    except ImportError as error:
        found["HIPS autograd"] = f"not installed ({error})"
    return found


def available(refs: dict, name: str) -> Any:
    value = refs.get(name)
    return None if isinstance(value, str) or value is None else value


def skipped_note(refs: dict, names: tuple) -> list:
    return [f"{name} skipped: {refs[name]}" for name in names if isinstance(refs.get(name), str)]


# ---------------------------------------------------------------- case 1: cold start

def autodiff_command() -> list:
    script = Path(sys.executable).with_name("autodiff")
    if script.exists():
        return [str(script)]
    found = shutil.which("autodiff")
    return [found] if found else [sys.executable, "-m", "autodiff.cli"]


def case_cold_start(profile: Profile, refs: dict, workdir: Path) -> Case:
    case = Case("1", "Cold start of the command", [
        ("system", "command", str), ("median", "median wall time", ms), ("min", "fastest", ms),
        ("vs_numpy", "vs `import numpy`", ratio)])
    case.check = "autodiff prints output 10 and gradient 7 (exact) for x^2 + 3*x at x = 2"
    # Every command runs with its bytecode cached (in a private PYTHONPYCACHEPREFIX, warmed
    # below), as after a normal install; the environment's own setting is measured apart.
    cached = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    cached["PYTHONPYCACHEPREFIX"] = str(workdir / "pycache")
    autodiff_cmd = autodiff_command() + ["grad", "-e", "x^2 + 3*x", "--at", "x=2", "--json"]
    commands = {
        "autodiff grad -e 'x^2 + 3*x' --at x=2 --json": (autodiff_cmd, cached),
        "python -c 'import numpy'": ([sys.executable, "-c", "import numpy"], cached),
        "python -c pass": ([sys.executable, "-c", "pass"], cached),
    }
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        cached_here = any((ROOT / "diffcore" / "__pycache__").glob(f"*.{sys.implementation.cache_tag}.pyc"))
        label = "autodiff … with this environment's PYTHONDONTWRITEBYTECODE=1 (autodiff's own .pyc " + (
            "present)" if cached_here else "absent: its source is compiled at every start)")
        commands[label] = (autodiff_cmd, dict(os.environ))
    first = subprocess.run(autodiff_cmd, capture_output=True, text=True, env=cached)  # warms both caches
    try:
        result = json.loads(first.stdout)
        problems = [mismatch("output", result["output"], 10.0, 0), mismatch("gradient", result["gradient"]["x"], 7.0, 0)]
    except (ValueError, KeyError) as error:
        problems = [f"autodiff printed no usable JSON ({error}): {first.stdout[:200]!r} {first.stderr[:200]!r}"]
    if not case.verify(problems):
        return case
    for cmd, env in commands.values():                                          # warm every cache
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=True)
    times: dict = {label: [] for label in commands}
    for _ in range(profile.cold_runs):                                          # interleaved: drift hits all
        for label, (cmd, env) in commands.items():
            start = time.perf_counter()
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=True)
            times[label].append(time.perf_counter() - start)
    numpy_time = statistics.median(times["python -c 'import numpy'"])
    for label, samples in times.items():
        case.rows.append({"system": f"`{label}`" if "…" not in label else label, "median": statistics.median(samples),
                          "min": min(samples), "vs_numpy": statistics.median(samples) / numpy_time})
    case.targets.append(Target("autodiff / `import numpy` (median wall time)", case.rows[0]["vs_numpy"], 1.2, "x"))
    case.notes.append(f"{profile.cold_runs} fresh processes per command, interleaved, after a warm-up run of "
                      "each (grammar cache and bytecode cache warm).")
    return case


# ---------------------------------------------------------------- case 2: interpreter + tape

def loop_program(n: int, checkpoint: bool = False) -> str:
    """The scalar loop program of bench/cases with its `N = ...` line set to n."""
    name = "scalar_loop_checkpoint.expr" if checkpoint else "scalar_loop.expr"
    text = (CASES / name).read_text()
    return re.sub(r"(?m)^N = \d+$", f"N = {n}", text, count=1)


def loop_floor(a: float, b0: float, n: int, grad: bool = True) -> tuple:
    """The hand-written floor: the loop in Python floats, its local partials, a reverse loop."""
    sin, cos = math.sin, math.cos
    b, partials = b0, []
    for _ in range(n):
        s, bb = sin(b), b * b
        den = 1.0 + bb
        if grad:
            partials.append((cos(b) * a + b / (den * den), s))   # d new/d b, d new/d a
        b = s * a + 0.5 * bb / den
    if not grad:
        return (b,)
    gb, ga = 1.0, 0.0
    for db, da in reversed(partials):
        ga += gb * da
        gb *= db
    return b, ga, gb


def loop_torch(torch, n: int, grad: bool = True) -> tuple:
    a = torch.tensor(0.9, dtype=torch.float64, requires_grad=grad)
    b0 = torch.tensor(0.3, dtype=torch.float64, requires_grad=grad)
    b = b0
    for _ in range(n):
        b = torch.sin(b) * a + 0.5 * b * b / (1 + b * b)
    if not grad:
        return (b.item(),)
    b.backward()
    return b.item(), a.grad.item(), b0.grad.item()


def loop_autograd(bundle, n: int, grad: bool = True) -> tuple:
    autograd, anp = bundle

    def f(params):
        a, b = params
        for _ in range(n):
            b = anp.sin(b) * a + 0.5 * b * b / (1 + b * b)
        return b
    if not grad:
        return (f((0.9, 0.3)),)
    value, (ga, gb) = autograd.value_and_grad(f)((0.9, 0.3))
    return value, ga, gb


def loop_jax(bundle, n: int) -> tuple:
    """JAX compiles the loop (jit + fori_loop): not an interpreter, shown for scale."""
    jax, jnp, _ = bundle

    def f(a, b0):
        return jax.lax.fori_loop(0, n, lambda i, b: jnp.sin(b) * a + 0.5 * b * b / (1 + b * b), b0)
    evaluate_ = jax.jit(f)
    both = jax.jit(jax.value_and_grad(f, argnums=(0, 1)))
    run_eval = lambda: (float(evaluate_(0.9, 0.3)),)                              # noqa: E731
    run_grad = lambda: (lambda v, g: (float(v), float(g[0]), float(g[1])))(*both(0.9, 0.3))  # noqa: E731
    return run_eval, run_grad


def case_scalar_loop(profile: Profile, refs: dict) -> Case:
    n = profile.loop_n
    ops = OPS_PER_ITERATION * n
    case = Case("2", f"Interpreter and tape: the scalar loop, N = {n:,} ({ops:,} operations)", [
        ("system", "system", str), ("eval", "eval", ms), ("grad", "eval + gradient", ms),
        ("us_per_op", "eval + gradient per op", us), ("grad_over_eval", "(eval+grad) / eval", ratio),
        ("vs_floor", "vs floor", ratio), ("bytes_per_op", "peak bytes / op", num)])
    program = Program.from_text(loop_program(n), "scalar_loop.expr")
    differentiate = Differentiator(program)
    unfused = Differentiator(program, fuse=False)
    compiled = Runner(program, engine="compiled")
    systems: dict = {
        "autodiff (diffcore API)": (lambda: (float(evaluate(program, {}).output),),
                                    lambda: (lambda r: (r.output, r.derivatives["a"], r.derivatives["b0"]))(
                                        differentiate({}))),
        "autodiff, expression fusion off (an entry per primitive)": (
            lambda: (float(evaluate(program, {}).output),),
            lambda: (lambda r: (r.output, r.derivatives["a"], r.derivatives["b0"]))(unfused({}))),
        "autodiff, compiled engine (--engine compiled: the code `emit --to python` writes)": (
            lambda: (float(evaluate_with(program, {}, engine="compiled").output),),
            lambda: (lambda r: (r.output, r.derivatives["a"], r.derivatives["b0"]))(compiled({}))),
        # J·v in the direction of a (so d/da): forward mode, its "eval + gradient" is value + J·v
        "autodiff jvp (tape: one forward pass, noting its kinks as it goes)": (
            lambda: (float(evaluate(program, {}).output),),
            lambda: (lambda r: (r.output, r.value))(directional(program, {}, {"a": 1.0}, engine="tape"))),
        "autodiff jvp, compiled engine (the code `emit --mode forward --to python` writes)": (
            lambda: (float(evaluate_with(program, {}, engine="compiled").output),),
            lambda: (lambda r: (r.output, r.value))(directional(program, {}, {"a": 1.0}, engine="compiled"))),
        "hand-written Python reverse sweep (floor)": (lambda: loop_floor(0.9, 0.3, n, grad=False),
                                                      lambda: loop_floor(0.9, 0.3, n)),
    }
    if (torch := available(refs, "PyTorch")) is not None:
        systems["PyTorch (0-d tensors, eager)"] = (lambda: loop_torch(torch, n, grad=False),
                                                  lambda: loop_torch(torch, n))
    if (hips := available(refs, "HIPS autograd")) is not None:
        systems["HIPS autograd"] = (lambda: loop_autograd(hips, n, grad=False), lambda: loop_autograd(hips, n))
    if (jx := available(refs, "JAX")) is not None:
        systems["JAX (jit + lax.fori_loop: compiled)"] = loop_jax(jx, n)
    case.notes += skipped_note(refs, ("PyTorch", "HIPS autograd", "JAX"))
    case.notes.append("micrograd is not compared: its Value has no sin (and the loop needs one).")

    # Check first: every system's value and gradient against the floor.
    want = loop_floor(0.9, 0.3, n)
    case.check = "value, d/da, d/db0 of every system vs the floor: rtol 1e-9, atol 1e-12 (d/db0 underflows to ~0)"
    problems = []
    for name, (run_eval, run_grad) in systems.items():
        got = run_grad()
        problems += [mismatch(f"{name} {label}", g, w, 1e-9, 1e-12)
                     for label, g, w in zip(("value", "d/da", "d/db0"), got, want)]
        problems.append(mismatch(f"{name} eval", run_eval()[0], want[0], 1e-9, 1e-12))
    if not case.verify(problems):
        return case

    tape_lengths = {"autodiff (diffcore API)": differentiate({}).tape_length}
    tape_lengths[next(name for name in systems if "fusion off" in name)] = unfused({}).tape_length
    floor_grad = None
    for name, (run_eval, run_grad) in systems.items():
        repeats = profile.repeats if name.startswith(("autodiff", "hand")) else profile.ref_repeats
        t_eval, t_grad = timed(run_eval, repeats), timed(run_grad, repeats)
        row = {"system": name, "eval": t_eval, "grad": t_grad, "us_per_op": t_grad / ops,
               "grad_over_eval": t_grad / t_eval, "vs_floor": None, "bytes_per_op": None}
        if name.startswith(("autodiff", "hand", "HIPS")):
            row["bytes_per_op"] = peak_bytes(run_grad) / ops
        if name in tape_lengths:
            row["tape_entries"] = tape_lengths[name]
        if name.startswith("hand"):
            floor_grad = t_grad
        case.rows.append(row)
    for row in case.rows:
        row["vs_floor"] = row["grad"] / floor_grad
    ours = case.rows[0]
    fast = next(r for r in case.rows if "compiled engine" in r["system"])
    case.targets += [
        Target("compiled engine: eval + gradient / hand-written reverse sweep", fast["vs_floor"], 3.0, "x"),
        Target("eval + gradient per operation", ours["us_per_op"] * 1e6, 1.5, "µs/op"),
        Target("(eval + gradient) / eval", ours["grad_over_eval"], 3.0, "x"),
        Target("peak memory per recorded operation (tracemalloc)", ours["bytes_per_op"], 150.0, "bytes"),
    ]
    per_entry = {name: row["bytes_per_op"] * ops / row["tape_entries"] for name, row in
                 ((r["system"], r) for r in case.rows) if row.get("tape_entries")}
    case.notes.append(
        f"autodiff eval alone: {ours['eval'] / ops * 1e6:.3f} µs/op. Tape entries: "
        + "; ".join(f"{name}: {tape_lengths[name]:,} ({per_entry[name]:.0f} bytes each)" for name in per_entry)
        + ". With fusion, each iteration's expression is one tape entry holding its partials (see "
        "docs/performance.md). Bytes per op: tracemalloc peak while differentiating, divided by the "
        "operation count; PyTorch allocates outside tracemalloc's view, so it has none.")
    return case


# ---------------------------------------------------------------- case 3: many points

def control_flow_floor(a: float) -> tuple:
    """samples/seed_control_flow.expr by hand: the value and d/da."""
    b, db = a * 2, 2.0
    while abs(b) < 1000:
        b, db = b * 2, db * 2
    return (b, db) if b > 0 else (100 * b, 100 * db)


def case_points(profile: Profile, refs: dict, workdir: Path) -> Case:
    n = profile.points
    case = Case("3", f"Many points: {n:,} gradients of samples/seed_control_flow.expr", [
        ("system", "system", str), ("seconds", "wall time", ms), ("rate", "gradients / s", lambda v: num(v, 0)),
        ("vs_floor", "time vs floor", ratio)])
    rng = np.random.default_rng(20240601)
    points = rng.uniform(-2.0, 2.0, n)
    csv_path = workdir / f"{n}_points.csv"
    csv_path.write_text("a\n" + "".join(f"{a!r}\n" for a in points.tolist()))
    out_path = workdir / "points_out.jsonl"
    command = autodiff_command() + ["grad", str(CONTROL_FLOW), "--points", str(csv_path), "--json-lines"]

    def run_cli(extra: tuple = ()):
        with open(out_path, "w") as out:
            subprocess.run(command + list(extra), stdout=out, stderr=subprocess.DEVNULL, check=True)

    program = Program.from_text(CONTROL_FLOW.read_text(), str(CONTROL_FLOW))
    differentiate = Differentiator(program)
    run_api = lambda: [differentiate({"a": a}) for a in points.tolist()]        # noqa: E731
    compiled = Runner(program, engine="compiled")
    run_compiled = lambda: [compiled({"a": a}) for a in points.tolist()]      # noqa: E731
    run_floor = lambda: [control_flow_floor(a) for a in points.tolist()]       # noqa: E731

    case.check = ("every CLI line and every in-process result: value and d/da vs the hand-written floor, "
                  "rtol 1e-12 (and d/da = d/a, the sample's closed form); one line per point")
    run_cli()
    lines = [json.loads(line) for line in out_path.read_text().splitlines() if line.strip()]
    want = np.array(run_floor())
    problems = [None if len(lines) == n else f"the CLI printed {len(lines)} lines for {n} points"]
    if len(lines) == n:
        problems.append(mismatch("CLI value", [r["output"] for r in lines], want[:, 0], 1e-12))
        problems.append(mismatch("CLI d/da", [r["gradient"]["a"] for r in lines], want[:, 1], 1e-12))
    api = run_api()
    problems.append(mismatch("API d/da", [r.derivatives["a"] for r in api], want[:, 1], 1e-12))
    problems.append(mismatch("compiled API d/da", [r.derivatives["a"] for r in run_compiled()], want[:, 1], 1e-12))
    problems.append(mismatch("floor d/da = d/a", want[:, 1], want[:, 0] / points, 1e-12))
    if not case.verify(problems):
        return case

    workers = usable_cores()
    rows = [(f"autodiff CLI (`--points … --json-lines`, whole process; {workers} worker processes, the default)",
             run_cli, profile.points_repeats),
            ("autodiff CLI, one process (`--jobs 1`)", lambda: run_cli(("--jobs", "1")), profile.points_repeats),
            ("autodiff diffcore API, in-process (Differentiator per point)", run_api, profile.points_repeats),
            ("autodiff diffcore API, compiled engine (Runner(engine='compiled') per point)", run_compiled,
             profile.points_repeats),
            ("hand-written Python (floor)", run_floor, profile.repeats)]
    for name, fn, repeats in rows:
        seconds = timed(fn, repeats)
        case.rows.append({"system": name, "seconds": seconds, "rate": n / seconds})
    for row in case.rows:
        row["vs_floor"] = row["seconds"] / case.rows[-1]["seconds"]
    case.targets.append(Target("gradients per second through the CLI", case.rows[0]["rate"], 60_000.0,
                               "gradients/s", at_most=False))
    per_point = next(r for r in case.rows if "compiled engine" in r["system"])["seconds"] / n
    case.targets.append(Target("compiled engine: µs per gradient through the diffcore API", per_point * 1e6,
                               15.0, "µs"))
    case.notes.append(f"The default command forks one worker per usable core ({workers} here); the "
                      "one-process row is the cost of a point itself.")
    case.notes.append("Points uniform in [-2, 2] (numpy default_rng(20240601)), written as CSV; the CLI's "
                      "output goes to a file. PyTorch, JAX and autograd are not run here: the target is the "
                      "CLI's own throughput.")
    return case


# ---------------------------------------------------------------- case 7: many points at once

def peak_rss_of(command: list, out_path: Path) -> float:
    """The peak resident memory (MiB) of a command, measured in a fresh parent of its own."""
    probe = ("import resource, subprocess, sys; "
             "subprocess.run(sys.argv[2:], stdout=open(sys.argv[1], 'w'), stderr=subprocess.DEVNULL, check=True); "
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    done = subprocess.run([sys.executable, "-c", probe, str(out_path)] + command, capture_output=True,
                          text=True, check=True)
    return int(done.stdout.split()[-1]) / 1024


def case_blocks(profile: Profile, refs: dict, workdir: Path) -> Case:
    """`--points` computed in blocks of points at once vs one point at a time, side by side."""
    big = 1_000_000 if profile is FULL else 4 * profile.points
    small = big // 10
    case = Case("7", f"Many points at once: {big:,} gradients through the CLI, blocks vs one point at a time", [
        ("system", "system", str), ("seconds", "wall time", ms), ("rate", "gradients / s", lambda v: num(v, 0)),
        ("vs_per_point", "speed vs per-point", ratio)])
    rng = np.random.default_rng(20240601)
    files = {}
    a = rng.uniform(-2.0, 2.0, big)
    x = rng.uniform(-2.0, 2.0, (big, 3))
    for name, header, rows in (("seed", "a\n", (f"{v!r}\n" for v in a.tolist())),
                               ("rosen", "x[0],x[1],x[2]\n", (f"{p!r},{q!r},{r!r}\n" for p, q, r in x.tolist()))):
        lines = list(rows)
        for count in (big, small):
            path = workdir / f"{name}_{count}.csv"
            path.write_text(header + "".join(lines[:count]))
            files[name, count] = path
    programs = {"seed": CONTROL_FLOW, "rosen": ROSENBROCK}
    out_path = workdir / "blocks_out.jsonl"
    # jvp and hessian: one point at a time costs several runs of the program per point, so their
    # per-point rows take a tenth of the small file (its first lines), their block rows the small file.
    few = small // 10
    for name in programs:
        path = workdir / f"{name}_{few}.csv"
        path.write_text("".join(files[name, small].read_text().splitlines(keepends=True)[:few + 1]))
        files[name, few] = path
    # (the options, the points of the block row: the seed's Hessian is Taylor mode, one point at a time)
    higher = {("jvp", "seed"): (("--direction", "a=1.5"), small),
              ("jvp", "rosen"): (("--direction", "x=[1, 0.5, -1]"), small),
              ("hessian", "seed"): ((), few), ("hessian", "rosen"): ((), small)}

    def higher_command(what: str, name: str, count: int, *extra: str) -> list:
        return autodiff_command() + [what, str(programs[name]), "--points", str(files[name, count]),
                                     "--json-lines", *higher[what, name][0], *extra]

    def command(name: str, count: int, *extra: str) -> list:
        return autodiff_command() + ["grad", str(programs[name]), "--points", str(files[name, count]),
                                     "--json-lines", *extra]

    def run(cmd: list, to: Path = out_path) -> None:
        with open(to, "w") as out:
            subprocess.run(cmd, stdout=out, stderr=subprocess.DEVNULL, check=True)

    case.check = ("the JSON Lines of blocks and of one point at a time are byte-identical (the small files), "
                  "and the big file gives one line per point")
    problems = []
    for name in programs:
        run(command(name, small, "--points-engine", "per-point"), workdir / "per_point.jsonl")
        run(command(name, small), workdir / "blocks.jsonl")
        if (workdir / "per_point.jsonl").read_bytes() != (workdir / "blocks.jsonl").read_bytes():
            problems.append(f"{name}: the block output differs from the per-point output")
    for what, name in higher:
        run(higher_command(what, name, few, "--points-engine", "per-point"), workdir / "per_point.jsonl")
        run(higher_command(what, name, few), workdir / "blocks.jsonl")
        if (workdir / "per_point.jsonl").read_bytes() != (workdir / "blocks.jsonl").read_bytes():
            problems.append(f"{what} {name}: the block output differs from the per-point output")
    if not case.verify(problems):
        return case
    titles = {"seed": "seed control flow", "rosen": "Rosenbrock, x of 3"}
    for name in programs:
        per_point = timed(lambda: run(command(name, small, "--points-engine", "per-point", "--jobs", "1")), 1)
        rows = [(f"{titles[name]}: per point, one process ({small:,} points)", per_point, small),
                (f"{titles[name]}: blocks, one process", timed(lambda: run(command(name, big, "--jobs", "1")), 1), big),
                (f"{titles[name]}: blocks, default --jobs", timed(lambda: run(command(name, big)), 1), big)]
        base = small / per_point
        for system, seconds, count in rows:
            case.rows.append({"system": system, "seconds": seconds, "rate": count / seconds,
                              "vs_per_point": count / seconds / base})
        target = 300_000.0 if name == "seed" else 1_000_000.0
        case.targets.append(Target(f"{titles[name]}: gradients per second through the CLI (default --jobs)",
                                   case.rows[-1]["rate"], target, "gradients/s", at_most=False))
        memory = [peak_rss_of(command(name, count, "--jobs", "1"), out_path) for count in (small, big)]
        case.targets.append(Target(f"{titles[name]}: peak memory, {big:,} vs {small:,} points (one process)",
                                   memory[1] / memory[0], 1.2, "x", at_most=True))
        case.notes.append(f"{titles[name]}: peak memory {memory[0]:.0f} MiB for {small:,} points, "
                          f"{memory[1]:.0f} MiB for {big:,}.")
    for what, name in higher:           # (the rate column counts points: one jvp or one Hessian each)
        per_point = timed(lambda: run(higher_command(what, name, few, "--points-engine", "per-point",
                                                     "--jobs", "1")), 1)
        count = higher[what, name][1]
        blocks = timed(lambda: run(higher_command(what, name, count, "--jobs", "1")), 1)
        for system, seconds, points in ((f"{what}, {titles[name]}: per point, one process ({few:,} points)",
                                         per_point, few),
                                        (f"{what}, {titles[name]}: blocks, one process ({count:,} points)",
                                         blocks, count)):
            case.rows.append({"system": system, "seconds": seconds, "rate": points / seconds,
                              "vs_per_point": points / seconds / (few / per_point)})
    case.notes.append("The jvp and hessian rows count points per second (one directional derivative, or one "
                      "gradient and Hessian, per point); the Hessian of the seed program (one scalar input) is "
                      "taken by Taylor mode, which runs one point at a time (docs/performance.md, case 7).")
    case.notes.append("Rates from one run each on a machine shared with other work: the ratios to the per-point "
                      "row of the same run are the measurement; the absolute rates move with the load.")
    return case


# ---------------------------------------------------------------- case 8: points on a cluster

def case_cluster(profile: Profile, refs: dict, workdir: Path) -> Case:
    """`--points --scheduler local:N` (a Dask LocalCluster of N worker processes) next to `--jobs`."""
    n = 400_000 if profile is FULL else 2 * profile.points
    case = Case("8", f"Points on a cluster: {n:,} gradients of samples/seed_control_flow.expr, --scheduler vs --jobs", [
        ("system", "system", str), ("seconds", "wall time", ms), ("rate", "gradients / s", lambda v: num(v, 0)),
        ("startup", "of which startup", ms), ("rate_started", "gradients / s after startup", lambda v: num(v, 0)),
        ("vs_jobs1", "speed vs --jobs 1", ratio)])
    try:
        import distributed  # noqa: F401
    except ImportError:
        case.status = "not available"
        case.notes.append("Dask is not installed: pip install '.[dask]'")
        return case
    a = np.random.default_rng(20261206).uniform(-2.0, 2.0, n)
    points, one = workdir / "cluster_points.csv", workdir / "cluster_one.csv"
    points.write_text("a\n" + "".join(f"{v!r}\n" for v in a.tolist()))
    one.write_text("a\n0.5\n")

    def command(path: Path, *extra: str) -> list:
        return autodiff_command() + ["grad", str(CONTROL_FLOW), "--points", str(path), "--json-lines", *extra]

    def run(cmd: list, to: Path) -> None:
        with open(to, "w") as out:
            subprocess.run(cmd, stdout=out, stderr=subprocess.DEVNULL, check=True)

    reference, got = workdir / "cluster_ref.jsonl", workdir / "cluster_got.jsonl"
    systems = [("--jobs 1 (one process)", ("--jobs", "1")), ("default --jobs (one per core)", ())]
    # The quick profile (run by the test suite) starts one local cluster: each start costs seconds.
    systems += [(f"--scheduler local:{k}", ("--scheduler", f"local:{k}")) for k in ((1, 2, 4) if profile is FULL else (2,))]
    case.check = "each --scheduler run's JSON Lines are byte-identical to --jobs 1's"
    rows = []
    for system, extra in systems:
        seconds = timed(lambda: run(command(points, *extra), got if rows else reference), 1)
        problem = None if not rows or got.read_bytes() == reference.read_bytes() else f"{system}: output differs"
        if not case.verify([problem]):
            return case
        # What a run costs before its first point (a local cluster's start, the workers' imports),
        # measured on a file of one point: full runs only (the quick profile keeps to seconds).
        startup = timed(lambda: run(command(one, *extra), got), 1) if profile is FULL else None
        rows.append((system, seconds, startup))
    base = n / rows[0][1]
    for system, seconds, startup in rows:
        started = None if startup is None or seconds <= startup else n / (seconds - startup)
        case.rows.append({"system": system, "seconds": seconds, "rate": n / seconds, "startup": startup,
                          "rate_started": started, "vs_jobs1": n / seconds / base})
    largest = max(int(system.rsplit(":", 1)[1]) for system, _, _ in rows if "local:" in system)
    crowded = (f"local:{largest} has more workers than cores, so its rate shows the cost of sharing them, not of a "
               "cluster. " if largest > usable_cores() else "")
    case.notes.append(f"{usable_cores()} usable cores on this machine. {crowded}Each run is one process from start to "
                      "end, a local cluster's start included; on a cluster whose scheduler already runs, the rate "
                      "after startup is the one to multiply by the workers (docs/scale.md).")
    return case


# ---------------------------------------------------------------- case 4: arrays

def rosenbrock_primitives(x):
    """Rosenbrock written with diffcore primitives (for the transforms API)."""
    head = A.getitem(x, index=(slice(None, -1),))
    tail = A.getitem(x, index=(slice(1, None),))
    r, s = E.sub(tail, E.mul(head, head)), E.sub(1.0, head)
    return sum_(E.add(E.mul(100.0, E.mul(r, r)), E.mul(s, s)), axis=None)


def rosenbrock_floor(x: np.ndarray) -> tuple:
    """The hand-written numpy floor: the value and the analytic gradient."""
    head = x[:-1]
    r, s = x[1:] - head * head, 1.0 - head
    g = np.zeros_like(x)
    g[1:] = 200.0 * r
    g[:-1] += -400.0 * r * head - 2.0 * s
    return float(np.sum(100.0 * r * r + s * s)), g


def rosenbrock_op_by_op(x: np.ndarray) -> tuple:
    """The chain rule one primitive at a time, written out in numpy with no engine: what any
    tape of numpy operations must do at least (each primitive's derivative is its own pass)."""
    h1, t, h2 = x[:-1], x[1:], x[:-1]
    p = h1 ** 2
    r = t - p
    m = 100.0 * r ** 2
    s = 1.0 - h2
    value = float(np.sum(m + s ** 2))
    g = np.broadcast_to(1.0, r.shape)
    g_s = g * (2.0 * s)
    g_r = (g * 100.0) * (2.0 * r)
    g_h1 = -g_r * (2.0 * h1)
    grad = np.zeros_like(x)
    grad[:-1] = -g_s
    grad[1:] += g_r
    grad[:-1] += g_h1
    return value, grad


def rosenbrock_hessian_floor(x: np.ndarray) -> np.ndarray:
    """The analytic (tridiagonal) Hessian of Rosenbrock."""
    n, head = len(x), x[:-1]
    H = np.zeros((n, n))
    diag = np.zeros(n)
    diag[:-1] += 1200.0 * head * head - 400.0 * x[1:] + 2.0
    diag[1:] += 200.0
    H[np.arange(n), np.arange(n)] = diag
    H[np.arange(n - 1), np.arange(1, n)] = H[np.arange(1, n), np.arange(n - 1)] = -400.0 * head
    return H


def rosenbrock_torch(torch, x):
    return torch.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def rosenbrock_numpylike(np_, x):
    return np_.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def case_arrays(profile: Profile, refs: dict) -> Case:
    n = profile.rosen_n
    case = Case("4", f"Arrays: Rosenbrock value + gradient at n = {n:,}", [
        ("system", "system", str), ("seconds", "value + gradient", ms), ("vs_floor", "vs numpy floor", ratio)])
    x = np.random.default_rng(7).uniform(-2.0, 2.0, n)
    program = Program.from_text(ROSENBROCK.read_text(), str(ROSENBROCK))
    differentiate = Differentiator(program)
    compiled = Runner(program, engine="compiled")
    systems: dict = {
        "autodiff (Differentiator on samples/rosenbrock.expr)":
            lambda: (lambda r: (r.output, r.derivatives["x"]))(differentiate({"x": x})),
        "autodiff, compiled engine (--engine compiled)":
            lambda: (lambda r: (r.output, r.derivatives["x"]))(compiled({"x": x})),
        "autodiff (transforms API: value_and_grad on primitives)":
            lambda: (lambda v, g: (float(v), g))(*T.value_and_grad(rosenbrock_primitives, (x,))),
        "hand-written numpy (floor)": lambda: rosenbrock_floor(x),
        "hand-written numpy, op by op (the chain rule one primitive at a time, no engine)":
            lambda: rosenbrock_op_by_op(x),
    }
    if (torch := available(refs, "PyTorch")) is not None:
        def run_torch():
            xt = torch.tensor(x, requires_grad=True)
            value = rosenbrock_torch(torch, xt)
            value.backward()
            return value.item(), xt.grad.numpy()
        systems["PyTorch (eager)"] = run_torch
    if (bundle := available(refs, "JAX")) is not None:
        jax, jnp, _ = bundle
        both = jax.jit(jax.value_and_grad(lambda z: rosenbrock_numpylike(jnp, z)))
        xj = jnp.asarray(x)
        systems["JAX (jit)"] = lambda: (lambda v, g: (float(v), np.asarray(g)))(*both(xj))
    if (bundle := available(refs, "HIPS autograd")) is not None:
        autograd, anp = bundle
        both_ag = autograd.value_and_grad(lambda z: rosenbrock_numpylike(anp, z))
        systems["HIPS autograd"] = lambda: (lambda v, g: (float(v), g))(*both_ag(x))
    case.notes += skipped_note(refs, ("PyTorch", "JAX", "HIPS autograd"))

    value, gradient = rosenbrock_floor(x)
    case.check = "value (rtol 1e-12) and gradient (each element within 1e-12 of the largest) vs the numpy floor"
    scale = float(np.max(np.abs(gradient)))
    problems = []
    for name, run in systems.items():
        got_value, got_grad = run()
        problems += [mismatch(f"{name} value", got_value, value, 1e-12),
                     mismatch(f"{name} gradient", got_grad, gradient, 0.0, 1e-12 * scale)]
    if not case.verify(problems):
        return case
    for name, run in systems.items():
        repeats = profile.repeats if name.startswith(("autodiff", "hand")) else profile.ref_repeats
        case.rows.append({"system": name, "seconds": timed(run, max(repeats, 3))})
    floor = next(r["seconds"] for r in case.rows if r["system"].startswith("hand"))
    for row in case.rows:
        row["vs_floor"] = row["seconds"] / floor
    case.targets.append(Target("autodiff program / numpy floor", case.rows[0]["vs_floor"], 1.5, "x"))
    case.targets.append(Target("compiled engine / numpy floor", case.rows[1]["vs_floor"], 1.3, "x"))
    case.notes.append("x uniform in [-2, 2] (numpy default_rng(7)); JAX is timed after its compilation. "
                      "The op-by-op row is the floor for any engine that records numpy operations one "
                      "primitive at a time; below it takes fused kernels (JAX jit, or PyTorch's fused "
                      "backward kernels).")
    return case


# ---------------------------------------------------------------- case 5: higher order

def taylor_floor(x0: float, order: int) -> list:
    """f^(k)(x0) of exp(sin x)*x by hand: the Taylor recurrences for this one function, in floats."""
    s = [math.sin(x0 + k * math.pi / 2) / math.factorial(k) for k in range(order + 1)]   # sin(x0 + t)
    e = [math.exp(s[0])] + [0.0] * order                                                # exp of that
    for k in range(1, order + 1):
        e[k] = sum(j * s[j] * e[k - j] for j in range(1, k + 1)) / k
    return [(x0 * e[k] + (e[k - 1] if k else 0.0)) * math.factorial(k) for k in range(order + 1)]


def case_higher_order(profile: Profile, refs: dict) -> Case:
    n = profile.hess_n
    case = Case("5", f"Higher order: the Hessian of Rosenbrock at n = {n}, and Taylor mode", [
        ("system", "system", str), ("task", "computes", str), ("seconds", "median time", ms),
        ("vs_torch", "vs PyTorch's vectorized Hessian", ratio)])
    x = np.random.default_rng(11).uniform(-2.0, 2.0, n)
    rosenbrock = Program.from_text(ROSENBROCK.read_text(), str(ROSENBROCK))
    taylor_program = Program.from_text((CASES / "taylor_exp_sin.expr").read_text(), "taylor_exp_sin.expr")
    exp_sin = lambda z: E.mul(E.exp(E.sin(z)), z)                                   # noqa: E731

    hessians: dict = {
        "autodiff derivative_tensors(program, at, 2)":
            lambda: derivative_tensors(rosenbrock, {"x": x}, 2).orders[2][("x", "x")],
        "autodiff transforms.hessian on primitives": lambda: T.hessian(rosenbrock_primitives, x)[2],
        "hand-written numpy (analytic, floor)": lambda: rosenbrock_hessian_floor(x),
    }
    if (torch := available(refs, "PyTorch")) is not None:
        xt = torch.tensor(x)
        fn = lambda z: rosenbrock_torch(torch, z)                                   # noqa: E731
        hessians["PyTorch torch.func.hessian"] = lambda: torch.func.hessian(fn)(xt).numpy()
        hessians["PyTorch autograd.functional.hessian(vectorize=True)"] = \
            lambda: torch.autograd.functional.hessian(fn, xt, vectorize=True).numpy()
    if (bundle := available(refs, "JAX")) is not None:
        jax, jnp, jet = bundle
        jax_hessian = jax.jit(jax.hessian(lambda z: rosenbrock_numpylike(jnp, z)))
        xj = jnp.asarray(x)
        hessians["JAX jit(hessian)"] = lambda: np.asarray(jax_hessian(xj))
    if (bundle := available(refs, "HIPS autograd")) is not None:
        autograd, anp = bundle
        ag_hessian = autograd.hessian(lambda z: rosenbrock_numpylike(anp, z))
        hessians["HIPS autograd hessian"] = lambda: ag_hessian(x)

    taylors: dict = {}
    for k in (6, 10):
        taylors[f"autodiff derivative_tensors(program, {{x: 0.7}}, {k})"] = (
            k, lambda k=k: derivative_tensors(taylor_program, {"x": 0.7}, k).orders[k][("x",) * k])
        taylors[f"autodiff taylor_derivatives(fn, 0.7, {k}) (raw)"] = (
            k, lambda k=k: taylor_derivatives(exp_sin, 0.7, k)[k])
        taylors[f"hand-written Taylor recurrences, order {k} (floor)"] = (k, lambda k=k: taylor_floor(0.7, k)[k])
        if (bundle := available(refs, "JAX")) is not None:
            jax, jnp, jet = bundle
            f = lambda z: jnp.exp(jnp.sin(z)) * z                                   # noqa: E731
            run = jax.jit(lambda z, k=k: jet.jet(f, (z,), ((1.0,) + (0.0,) * (k - 1),))[1][k - 1])
            taylors[f"JAX jit(jet), order {k}"] = (k, lambda run=run: float(run(0.7)))
        if (torch := available(refs, "PyTorch")) is not None:
            def nested(k=k):
                z = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
                y = torch.exp(torch.sin(z)) * z
                for _ in range(k):
                    (y,) = torch.autograd.grad(y, z, create_graph=True)
                return y.item()
            taylors[f"PyTorch nested autograd.grad, order {k}"] = (k, nested)
    case.notes += skipped_note(refs, ("PyTorch", "JAX", "HIPS autograd"))

    want_h = rosenbrock_hessian_floor(x)
    case.check = ("Hessians vs the analytic one (each entry within 1e-10 of the largest); derivatives of "
                  "order 6 and 10 vs the exact values (sympy): rtol 1e-10")
    problems = [mismatch(name, run(), want_h, 0.0, 1e-10 * float(np.max(np.abs(want_h))))
                for name, run in hessians.items()]
    problems += [mismatch(name, run(), TAYLOR_EXACT[k], 1e-10) for name, (k, run) in taylors.items()]
    if not case.verify(problems):
        return case

    for name, run in hessians.items():
        # Under a millisecond each: every system gets the same 101 calls, so the median is the
        # steady state of each (Python 3.11 specialises code only after its first calls).
        case.rows.append({"system": name, "task": f"{n}x{n} Hessian", "seconds": timed(run, profile.tiny_repeats)})
    torch_rows = [r["seconds"] for r in case.rows if r["system"].startswith("PyTorch")]
    torch_best = min(torch_rows) if torch_rows else None
    for row in case.rows:
        row["vs_torch"] = None if torch_best is None else row["seconds"] / torch_best
    for name, (k, run) in taylors.items():
        repeats = profile.tiny_repeats if not name.startswith("PyTorch") else max(profile.ref_repeats, 5)
        case.rows.append({"system": name, "task": f"f^({k})(0.7)", "seconds": timed(run, repeats),
                          "vs_torch": None})
    ours = {row["system"]: row["seconds"] for row in case.rows}
    case.targets += [
        Target("Hessian: autodiff derivative_tensors / fastest PyTorch vectorized Hessian",
               None if torch_best is None else case.rows[0]["seconds"] / torch_best, 1.0, "x"),
        Target("6th derivative through derivative_tensors",
               ours["autodiff derivative_tensors(program, {x: 0.7}, 6)"] * 1e3, 1.0, "ms"),
        Target("10th derivative through derivative_tensors",
               ours["autodiff derivative_tensors(program, {x: 0.7}, 10)"] * 1e3, 2.0, "ms"),
    ]
    if torch_best is None:
        case.notes.append("The Hessian target needs PyTorch in the same run: not measured.")
    case.notes.append("x uniform in [-2, 2] (numpy default_rng(11)). JAX is timed after its compilation. "
                      "The Hessian target is against the faster of PyTorch's two vectorized Hessians. "
                      f"Every Hessian and Taylor row is the median of {profile.tiny_repeats} calls "
                      "(the steady state; the first calls of a fresh process run ~20% slower).")
    return case


# ---------------------------------------------------------------- case 6: checkpointing

def run_worker(n: int, checkpoint: bool) -> dict:
    """In a fresh process: differentiate the scalar loop once; its time and its peak resident memory."""
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", str(n)] + (["--checkpoint"] if checkpoint else [])
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"worker (n={n}, checkpoint={checkpoint}) exited {done.returncode}: "
                           f"{done.stderr.strip()[-500:]}")
    return json.loads(done.stdout)


def peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM, because Linux carries ru_maxrss over from the
    parent across fork and exec (a child of a large driver would report the driver's peak)."""
    try:
        status = Path("/proc/self/status").read_text()
        return int(re.search(r"^VmHWM:\s*(\d+) kB", status, re.M).group(1)) / 1024
    except (OSError, AttributeError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker_main(n: int, checkpoint: bool) -> None:
    program = Program.from_text(loop_program(n, checkpoint), "scalar_loop.expr")
    before = peak_rss_mb()
    start = time.perf_counter()
    result = Differentiator(program)({})
    seconds = time.perf_counter() - start
    peak = peak_rss_mb()
    print(json.dumps({"seconds": seconds, "rss_before_mb": before, "peak_rss_mb": peak,
                      "value": result.output, "d/da": result.derivatives["a"],
                      "d/db0": result.derivatives["b0"], "tape_entries": result.tape_length}))


def case_checkpoint(profile: Profile, refs: dict) -> Case:
    n = profile.ckpt_n
    case = Case("6", f"Long loops with checkpointing: the scalar loop at N = {n:,}", [
        ("system", "system", str), ("seconds", "eval + gradient", ms), ("peak", "peak RSS", lambda v: num(v, 1) + " MB"),
        ("added", "RSS added by the run", lambda v: num(v, 1) + " MB"), ("tape", "entries on the outer tape", lambda v: num(v, 0)),
        ("vs_plain", "time vs un-checkpointed", ratio)])
    try:
        Program.from_text(loop_program(n, checkpoint=True), "scalar_loop_checkpoint.expr")
    except Exception as error:       # a syntax or compile error (or a half-built feature): not there yet
        case.status = "not available"
        case.notes.append(f"`with checkpoint:` does not compile here yet: {type(error).__name__}: {error}")
        return case
    # At large N the loop forgets its start (d/db0 underflows), so short loops of several segments
    # check that every segment's contribution arrives, then the timed runs are checked at N.
    problems = []
    for short in (10, 37, 100):
        program = Program.from_text(loop_program(short, checkpoint=True), "scalar_loop_checkpoint.expr")
        got = Differentiator(program)({})
        problems += [mismatch(f"checkpointed N={short} {label}", g, w, 1e-9)
                     for label, g, w in zip(("value", "d/da", "d/db0"),
                                            (got.output, got.derivatives["a"], got.derivatives["b0"]),
                                            loop_floor(0.9, 0.3, short))]
    want = loop_floor(0.9, 0.3, n)
    case.check = ("value, d/da, d/db0 vs the hand-written floor: checkpointed at N = 10, 37, 100 (rtol 1e-9), "
                  f"and both timed runs at N = {n:,} (rtol 1e-9, atol 1e-12)")
    if not case.verify(problems):
        return case
    runs = {"autodiff, un-checkpointed": False, "autodiff, `with checkpoint:`": True}
    samples: dict = {name: [] for name in runs}
    for _ in range(profile.ckpt_repeats):
        for name, checkpoint in runs.items():
            samples[name].append(run_worker(n, checkpoint))
    for name, got in samples.items():
        problems += [mismatch(f"{name} {label}", got[0][label], w, 1e-9, 1e-12)
                     for label, w in zip(("value", "d/da", "d/db0"), want)]
    if not case.verify(problems):
        return case
    for name, got in samples.items():
        case.rows.append({"system": name, "seconds": statistics.median(g["seconds"] for g in got),
                          "peak": max(g["peak_rss_mb"] for g in got),
                          "added": max(g["peak_rss_mb"] - g["rss_before_mb"] for g in got),
                          "tape": got[0]["tape_entries"]})
    for row in case.rows:
        row["vs_plain"] = row["seconds"] / case.rows[0]["seconds"]
    checkpointed = case.rows[1]
    case.targets.append(Target("peak memory of the checkpointed run (peak RSS of its process)",
                               checkpointed["peak"], 200.0, "MB"))
    case.notes.append(f"Each run in a fresh process ({profile.ckpt_repeats} each, interleaved); peak RSS (VmHWM) "
                      f"is the largest over the runs and includes the interpreter and numpy (about "
                      f"{samples[next(iter(runs))][0]['rss_before_mb']:.0f} MB before the run). "
                      f"Time cost of checkpointing: {checkpointed['vs_plain']:.2f}x the un-checkpointed run.")
    return case


# ---------------------------------------------------------------- machine and report

def version_of(package: str) -> Optional[str]:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def machine() -> dict:
    cpu = "unknown"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True)
        revision = commit.stdout.strip() + (" (with uncommitted changes)" if dirty.stdout.strip() else "")
    except OSError:
        revision = "unknown (no git)"
    return {
        "cpu": cpu, "cores": os.cpu_count(), "usable_cores": len(os.sched_getaffinity(0)),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "os": platform.platform(), "python": platform.python_version(),
        "load_average_at_start": [round(v, 2) for v in os.getloadavg()],
        "autodiff_commit": revision,
    }


def versions(refs: dict) -> dict:
    out = {"autodiff": version_of("autodiff"), "numpy": np.__version__}
    for name, package in (("PyTorch", "torch"), ("JAX", "jax"), ("jaxlib", "jaxlib"), ("HIPS autograd", "autograd")):
        out[name] = version_of(package) if available(refs, name.replace("jaxlib", "JAX")) is not None else None
    return out


def markdown(report: dict, cases: list) -> str:
    m, v = report["machine"], report["versions"]
    lines = ["# Benchmark results", "",
             f"Written by `python bench/run.py` ({report['profile']} profile) on {report['date']}, in "
             f"{report['seconds']:.0f} s. Every target is a ratio or a per-operation cost measured in this "
             "run; every case checked that its systems computed the same values before timing them.", "",
             "## Machine", "", "| | |", "|---|---|",
             f"| CPU | {m['cpu']} |", f"| cores | {m['cores']} ({m['usable_cores']} usable) |",
             f"| memory | {m['memory_gb']} GiB |", f"| OS | {m['os']} |", f"| Python | {m['python']} |",
             f"| load average (1, 5, 15 min) at start / end | {', '.join(map(str, m['load_average_at_start']))} / "
             f"{', '.join(map(str, m.get('load_average_at_end', [])))} |",
             f"| autodiff commit | {m['autodiff_commit']} |", "",
             "## Versions", "", "| system | version |", "|---|---|"]
    lines += [f"| {name} | {version or 'not installed'} |" for name, version in v.items()]
    lines += ["", "## Targets", "", "| case | target | measured | limit | ratio | verdict |", "|---|---|---|---|---|---|"]
    for case in cases:
        if case.status != "ok":
            lines.append(f"| {case.key} | {case.title} | — | — | — | {case.status} |")
        for t in case.targets:
            sign = "≤" if t.at_most else "≥"
            lines.append(f"| {case.key} | {t.name} | {num(t.measured)} {t.unit} | {sign} {num(t.limit)} {t.unit} "
                         f"| {ratio(t.ratio)} | **{t.verdict}** |")
    for case in cases:
        lines += ["", f"## Case {case.key}. {case.title}", ""]
        if case.check:
            lines += [f"Values checked: {case.check} — **{'FAILED' if case.status == 'FAILED' else 'agree'}**.", ""]
        if case.status == "FAILED":
            lines += ["Refused to report times: the values disagree.", ""] + [f"- {p}" for p in case.failures]
        elif case.status == "not available":
            lines += ["**Not available.**", ""]
        if case.rows:
            lines += ["| " + " | ".join(h for _, h, _ in case.columns) + " |",
                      "|" + "---|" * len(case.columns)]
            for row in case.rows:
                lines.append("| " + " | ".join(fmt(row.get(k)) if row.get(k) is not None or fmt is str else "—"
                                               for k, _, fmt in case.columns) + " |")
        if case.targets:
            lines += ["", "| target | measured | limit | ratio | verdict |", "|---|---|---|---|---|"]
            for t in case.targets:
                sign = "≤" if t.at_most else "≥"
                lines.append(f"| {t.name} | {num(t.measured)} {t.unit} | {sign} {num(t.limit)} {t.unit} | "
                             f"{ratio(t.ratio)} | **{t.verdict}** |")
        if case.notes:
            lines += [""] + [f"- {note}" for note in case.notes]
    return "\n".join(lines) + "\n"


def print_summary(cases: list) -> None:
    for case in cases:
        print(f"case {case.key} [{case.status}] {case.title}")
        for problem in case.failures:
            print(f"    FAILED: {problem}")
        for row in case.rows:
            shown = ", ".join(f"{h}={fmt(row[k])}" for k, h, fmt in case.columns[1:] if row.get(k) is not None)
            print(f"    {row['system']}: {shown}")
        for t in case.targets:
            print(f"    target {t.name}: {num(t.measured)} {t.unit} (limit {num(t.limit)}) {t.verdict}")
        for note in case.notes:
            print(f"    note: {note}")


# ---------------------------------------------------------------- profiling (--profile)

def profile_cases(workdir: Path) -> None:
    """pyinstrument (else cProfile) reports of case 2 (in-process) and case 3 (the CLI process)."""
    program = Program.from_text(loop_program(100_000), "scalar_loop.expr")
    differentiate = Differentiator(program)
    n = 20_000
    csv_path = workdir / f"{n}_points.csv"
    csv_path.write_text("a\n" + "".join(f"{a!r}\n" for a in np.random.default_rng(1).uniform(-2, 2, n).tolist()))
    cli_args = ["grad", str(CONTROL_FLOW), "--points", str(csv_path), "--json-lines"]
    try:
        from pyinstrument import Profiler
    except ImportError:
        import cProfile
        import pstats
        profiler = cProfile.Profile()
        profiler.runcall(differentiate, {})
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        subprocess.run([sys.executable, "-m", "cProfile", "-s", "tottime", "-m", "autodiff.cli"] + cli_args,
                       stdout=sys.stdout, check=False)
        return
    for label, fn in (("case 2: evaluate, N = 100,000", lambda: evaluate(program, {})),
                      ("case 2: Differentiator(program)({}), N = 100,000", lambda: differentiate({}))):
        profiler = Profiler(interval=0.0005)
        profiler.start()
        fn()
        profiler.stop()
        print(f"==== {label}\n" + profiler.output_text(unicode=True, color=False, show_all=False))
    report = workdir / "points_profile.txt"
    with open(workdir / "points_out.jsonl", "w") as out:
        subprocess.run([sys.executable, "-m", "pyinstrument", "-r", "text", "-o", str(report), "-m", "autodiff.cli"]
                       + cli_args, stdout=out, check=True)
    print(f"==== case 3: the CLI on {n:,} points\n" + report.read_text())


# ---------------------------------------------------------------- main

def main(argv: Optional[list] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a few-second profile: small sizes, no reference systems")
    parser.add_argument("--cases", default="1,2,3,4,5,6,7,8", help="which cases to run (comma-separated)")
    parser.add_argument("--output-dir", type=Path, help="write RESULTS.md and results.json here "
                        "(default: bench/ for a full run of every case, nowhere otherwise)")
    parser.add_argument("--no-references", action="store_true", help="skip PyTorch, JAX and HIPS autograd")
    parser.add_argument("--profile", action="store_true", help="print profiles of cases 2 and 3 and exit")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--checkpoint", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker is not None:
        worker_main(args.worker, args.checkpoint)
        return 0
    with tempfile.TemporaryDirectory(prefix="autodiff-bench-") as tmp:
        workdir = Path(tmp)
        if args.profile:
            profile_cases(workdir)
            return 0
        profile = QUICK if args.quick else FULL
        if os.getloadavg()[0] > 0.5 and not args.quick:
            print(f"warning: load average {os.getloadavg()[0]:.2f}: other work on this machine will "
                  "slow the timings (the load is recorded in the results)", file=sys.stderr)
        refs = load_references(profile.references and not args.no_references)
        wanted = [c.strip() for c in args.cases.split(",") if c.strip()]
        started, report = time.perf_counter(), {"profile": profile.name, "machine": machine(),
                                                 "versions": versions(refs)}
        runners = {"1": lambda p, r: case_cold_start(p, r, workdir), "2": case_scalar_loop, "3": lambda p, r: case_points(p, r, workdir),
                   "4": case_arrays, "5": case_higher_order, "6": case_checkpoint,
                   "7": lambda p, r: case_blocks(p, r, workdir), "8": lambda p, r: case_cluster(p, r, workdir)}
        cases = []
        for key in wanted:
            print(f"running case {key} ...", file=sys.stderr, flush=True)
            try:
                cases.append(runners[key](profile, refs))
            except Exception as error:          # a crash is a failed case, and the others still run
                crashed = Case(key, f"case {key}", [("system", "system", str)], status="FAILED")
                crashed.failures = [f"{type(error).__name__}: {error}"]
                cases.append(crashed)
        report["seconds"] = time.perf_counter() - started
        report["date"] = time.strftime("%Y-%m-%d %H:%M %Z")
        report["machine"]["load_average_at_end"] = [round(v, 2) for v in os.getloadavg()]
        report["cases"] = [case.as_json() for case in cases]
    print_summary(cases)
    output_dir = args.output_dir
    if output_dir is None and profile is FULL and wanted == list("12345678"):
        output_dir = ROOT / "bench"
    if output_dir is not None:
        output_dir.mkdir(parents=True, exist_ok=True)
        (output_dir / "results.json").write_text(json.dumps(report, indent=2) + "\n")
        (output_dir / "RESULTS.md").write_text(markdown(report, cases))
        print(f"wrote {output_dir / 'RESULTS.md'} and {output_dir / 'results.json'}", file=sys.stderr)
    return 1 if any(case.status == "FAILED" for case in cases) else 0


if __name__ == "__main__":
    sys.exit(main())
