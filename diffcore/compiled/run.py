"""Runs through the compiled form where it can give the tape's answer, and through the tape otherwise.

    Runner(program, wrt, of, cotangent, reduce_sum, limits, print_fn, engine)(at) -> Derivatives
    evaluate(program, at, of, limits, print_fn, engine) -> Evaluation
    directional(program, at, direction, wrt, of, limits, engine) -> HigherResult (J·v, forward mode)

engine: 'tape' (always the tape), 'compiled' (refuses, with emit's located reason, a program
the compiler does not take), 'auto' (compiled when the program has a loop or the same kind of
point comes a second time — compiling costs more than one straight-line run — and the
compiler takes it; the tape otherwise). A compiled run hands over to the tape, which runs
the point again from the start within the same deadline, whenever the answer needs the tape:
a value or derivative that is not finite (the tape finds where), a comparison tie of
differentiated values (a one-sided derivative, which the tape notes), an error inside the
generated code, a loop past the bound below which the tape's limits cannot be reached
(static.py), a Jacobian of an array output (one sweep per element is the tape's), a point
whose shapes differ from those the code was generated for (a form of its own is made); for
J·v also a direction the tape refuses (an input not differentiated, a shape).
"""
from __future__ import annotations

import math
import re
from typing import Any, Optional

import numpy as np

from autodiff.grammar import ast
from autodiff.grammar.source import ProgramError

from .. import derivatives
from ..derivatives import Derivatives, Differentiator, Evaluation, _as_shape, resolve_wrt
from ..engine.context import Limits, RunContext
from ..program import Program, as_input_value

ENGINES = ("auto", "compiled", "tape")
# A loop needs one of these words; text without them (a comment or a string may have them) has none.
_LOOP_WORD = re.compile(r"\b(?:while|for)\b")


class _Handover(Exception):
    pass


def has_loop(program: Program) -> bool:
    found = program.__dict__.get("_has_loop")
    if found is None and not _LOOP_WORD.search(program.source.text):
        found = program.__dict__["_has_loop"] = False     # no loop keyword: no parse (the cold start's case)
    if found is None:
        from autodiff.grammar import parse
        from .static import children
        stack, found = list(parse(program.source).body), False
        while stack and not found:
            node = stack.pop()
            found = isinstance(node, (ast.While, ast.For))
            stack.extend(children(node))
        program.__dict__["_has_loop"] = found
    return found


def _wants(program: Program, engine: str, at: dict, what: tuple) -> bool:
    """Whether to look for a compiled form for this point (see the module's docstring)."""
    if engine == "tape":
        return False
    if engine == "compiled" or has_loop(program):
        return True
    seen = program.__dict__.setdefault("_engine_seen", set())
    key = what + (tuple(sorted((n, np.shape(v)) for n, v in at.items())),)
    if key in seen:
        return True
    seen.add(key)
    return False


def _form(program: Program, engine: str, at: dict, wrt: list, of, limits: Limits, mode: str = "reverse"):
    from .forms import compiled_form
    form = compiled_form(program, at, wrt, of, limits, mode)
    if isinstance(form, ProgramError):
        if engine == "compiled":
            raise form
        return None
    return form


def _finite(value) -> bool:
    if value.__class__ is float:
        return math.isfinite(value)
    return bool(np.isfinite(value).all())


def _call(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except _Handover:
        raise
    except Exception:           # a Handover of the generated code, or any error: the tape says what
        raise _Handover() from None


def _plain(value) -> Any:
    """A result of the generated code as the tape gives it (a float, a float64 array), or a handover."""
    if value.__class__ is float:
        return value
    if isinstance(value, np.ndarray) and value.shape:
        if value.dtype != np.float64:
            raise _Handover()
        return value
    if isinstance(value, (float, np.floating)) or (isinstance(value, np.ndarray) and value.dtype == np.float64):
        return float(value)
    raise _Handover()


class Runner:
    """Reverse-mode derivatives at many points, as Differentiator gives them (a drop-in for it)."""

    def __init__(self, program: Program, wrt: Optional[list] = None, of: Optional[str] = None,
                 cotangent: Any = None, reduce_sum: bool = False, limits: Optional[Limits] = None,
                 print_fn=None, engine: str = "auto", scalar_only: bool = False):
        if engine not in ENGINES:
            raise ValueError(f"engine {engine!r}")
        self.tape = Differentiator(program, wrt, of, cotangent, reduce_sum, limits, print_fn, scalar_only=scalar_only)
        self.program, self.engine = program, engine
        self.last_engine = None         # which engine gave the last result ('compiled' or 'tape')
        self._forms: dict = {}          # (names, shapes) -> the compiled form, or None: the tape

    def __call__(self, at: dict) -> Derivatives:
        tape = self.tape
        with RunContext(tape.limits) as context:
            plain = {name: as_input_value(value, name) for name, value in at.items()}
            key = (tuple(plain), tuple(() if v.__class__ is float else v.shape for v in plain.values()))
            form = self._forms.get(key, False)
            if form is False and _wants(self.program, self.engine, plain, ("grad", tuple(tape.wrt), tape.of)):
                form = self._forms[key] = _form(self.program, self.engine, plain, tape.wrt, tape.of, tape.limits)
            if form:
                try:
                    result = self._compiled(form, plain, context)
                    self.last_engine = "compiled"
                    return result
                except _Handover:
                    pass
            self.last_engine = "tape"
            return tape._differentiate(at, context)

    def _compiled(self, form, at: dict, context: RunContext) -> Derivatives:
        tape = self.tape
        budget = form.budget(tape.limits, True)
        if budget < 0:
            raise _Handover()
        out_shape, extra, kind, summed = form.out_shape, [], "gradient", False
        if out_shape:
            if tape.cotangent is not None:
                if tape.cotangent.shape != out_shape:
                    raise _Handover()           # the tape's error names both shapes
                extra, kind = [tape.cotangent], "vjp"
            elif tape.reduce_sum:
                extra, summed = [np.ones(out_shape)], True
            else:
                raise _Handover()               # a Jacobian: one sweep per element, on the tape
        elif tape.cotangent is not None:
            raise _Handover()
        value, grads = _call(form.grad_f, *form.arguments(at), *extra, _budget=budget, _deadline=context.deadline)
        value = _plain(value)
        if summed:
            value = float(np.sum(value))
        derivatives = {}
        for name in tape.wrt:
            g = grads.get(name)
            if g.__class__ is float and not form.shapes[name]:     # a number's derivative: the common case
                if g - g != 0.0:                # inf or nan
                    raise _Handover()
            else:
                g = _as_shape(None if g is None else _plain(g), form.shapes[name])
                if not _finite(g):
                    raise _Handover()
            derivatives[name] = g
        if not _finite(value):
            raise _Handover()
        return Derivatives(form.inputs(at), value, form.output_name, tape.wrt, kind, derivatives, 0, [], summed)


def evaluate(program: Program, at: dict, of: Optional[str] = None, limits: Optional[Limits] = None,
             print_fn=None, engine: str = "auto") -> Evaluation:
    """The program's value at one point (as derivatives.evaluate gives it)."""
    if engine not in ENGINES:
        raise ValueError(f"engine {engine!r}")
    limits = limits or Limits()
    with RunContext(limits) as context:
        plain = {name: as_input_value(value, name) for name, value in at.items()}
        if _wants(program, engine, plain, ("eval", of)):
            form = _form(program, engine, plain, program.input_names, of, limits)
            budget = -1 if form is None else form.budget(limits, False)
            if budget >= 0:
                try:
                    value = _plain(_call(form.f, *form.arguments(plain), _budget=budget, _deadline=context.deadline))
                    if _finite(value):
                        return Evaluation(form.inputs(plain), value, form.output_name, [])
                except _Handover:
                    pass
        # (a run inside this one: the tape has what is left of the same deadline)
        return derivatives.evaluate(program, at, of=of, limits=limits, print_fn=print_fn)


def directional(program: Program, at: dict, direction: dict, wrt: Optional[list] = None, of: Optional[str] = None,
                limits: Optional[Limits] = None, engine: str = "auto"):
    """J·v for a direction given per input (as higher.directional gives it), by the forward-mode
    code `autodiff emit --mode forward --to python` writes where it gives the tape's answer."""
    from ..higher import directional as tape_directional
    if engine not in ENGINES:
        raise ValueError(f"engine {engine!r}")
    limits = limits or Limits()
    names = resolve_wrt(program, wrt or None)
    with RunContext(limits) as context:
        plain = {name: as_input_value(value, name) for name, value in at.items()}
        if _wants(program, engine, plain, ("jvp", tuple(names), of)):
            form = _form(program, engine, plain, names, of, limits, "forward")
            if form is not None:
                try:
                    return _tangent(form, plain, direction, limits, context)
                except _Handover:
                    pass
        # (a run inside this one: the tape has what is left of the same deadline)
        return tape_directional(program, at, direction, wrt=wrt, of=of, limits=limits)


def _direction(form, direction: dict) -> list:
    """The arguments of jvp_f for the direction (inputs not named: zero), or a handover where the
    tape refuses the direction (its error names the input and the shapes)."""
    for name, value in direction.items():
        if name not in form.wrt:
            raise _Handover()
        if name not in form.dots:       # an input that cannot affect the output: checked, not passed
            if np.shape(_call(np.asarray, value, dtype=np.float64)) != form.shapes[name]:
                raise _Handover()
    dots = []
    for name in form.dots:
        shape = form.shapes[name]
        value = direction.get(name)
        if value is None:
            dots.append(np.zeros(shape) if shape else 0.0)
            continue
        value = _call(np.asarray, value, dtype=np.float64)
        if value.shape != shape:
            raise _Handover()
        dots.append(value if shape else float(value))
    return dots


def _tangent(form, at: dict, direction: dict, limits: Limits, context: RunContext):
    from ..higher import HigherResult
    # The tape's J·v is a forward pass that records nothing (it records only to locate a
    # non-finite result, which hands over anyway): only --max-steps bounds the loops.
    budget = form.budget(limits, False)
    if budget < 0:
        raise _Handover()
    dots = _direction(form, direction)
    value, tangent = _call(form.jvp_f, *form.arguments(at), *dots, _budget=budget, _deadline=context.deadline)
    value = _plain(value)
    tangent = _as_shape(_plain(tangent), form.out_shape)
    if not (_finite(value) and _finite(tangent)):
        raise _Handover()
    return HigherResult(form.inputs(at), value, form.output_name, list(form.wrt), "jvp", value=tangent)
