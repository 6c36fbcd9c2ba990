"""The module `autodiff emit --to python` writes, made runnable under a run's limits and checks.

The text comes from emit (identifiers from the grammar's validated names, renamed where they
could shadow Python; numbers through `repr`). It is parsed with Python's own `ast`, and these
statements are added — their text is fixed here, with no part of the program in it:

  - in each `while True:` of the forward sweep, first: count the iteration, and hand over to
    the tape past the iteration budget (bounds of static.py) or, every `mask + 1` iterations,
    past the run's deadline;
  - in each `for` of the backward sweep: the deadline, likewise;
  - after each test that compares values varying with the differentiated inputs: a tie (the
    tape notes a one-sided derivative there) hands over to the tape; so does a differentiated
    `norm` or `hypot` that is 0 (their kink).

Then it is compiled and executed in a namespace holding numpy, the helpers below and a few
builtins, nothing else (no `open`, no `__import__`). Numbers are Python floats, as on the tape,
and `np.sin(x)` of one runs the primitive's scalar path first (math.sin), as the tape does (in a
program of numbers only, the scalar path alone: where it refuses, the tape takes over). Each function gains the keyword
parameters `_budget` and `_deadline`.
"""
from __future__ import annotations

import ast as pyast
import math
import time

import numpy as np


class Handover(Exception):
    """The compiled run cannot give the tape's answer (a tie, a limit near, an error): rerun on the tape."""


def _tie(a, b) -> bool:
    equal = a == b
    if equal.__class__ is bool or equal.__class__ is np.bool_:
        return bool(equal)
    return bool(np.any(equal))


class _Quiet:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


_QUIET = _Quiet()


class _ScalarFirst:
    """numpy, but a function of a Python float goes first through the scalar path of its
    primitive, exactly as the tape runs it (math.sin, then numpy where math refuses: FALLBACK)."""

    def __init__(self, numbers_only: bool):
        from ..emit.printing import PRINTING
        from ..engine.tracing import FALLBACK, REGISTRY
        for name, entry in PRINTING.items():
            prim = REGISTRY.get(name)
            if entry.kind == "call" and entry.python.startswith("np.") and prim is not None \
                    and prim.scalar is not None:
                # a program of numbers only calls the scalar path itself: where it refuses (math.log(0)),
                # the error hands the run over to the tape, which gives the IEEE value and its warning
                setattr(self, entry.python[3:], prim.scalar if numbers_only else
                        _scalar_first(prim.scalar, getattr(np, entry.python[3:]), FALLBACK, prim.arity))
        for name in ("sum", "prod", "max", "min"):      # the reduction of a number is that number
            setattr(self, name, _number_reduction(getattr(np, name)))

    @staticmethod
    def errstate(**kwargs):
        """The run's context (engine/context.py) has silenced numpy's warnings for the whole run."""
        return _QUIET

    def __getattr__(self, name):
        value = getattr(np, name)
        setattr(self, name, value)
        return value


def _scalar_first(scalar, array_fn, fallback, arity: int):
    if arity == 1:
        def call(x, *rest):
            if x.__class__ is float and not rest:
                try:
                    return scalar(x)
                except fallback:
                    return float(array_fn(x))
            return array_fn(x, *rest)
        return call

    def call2(x, y=None, *rest):
        if x.__class__ is float and y.__class__ is float and not rest:
            try:
                return scalar(x, y)
            except fallback:
                return float(array_fn(x, y))
        return array_fn(x, *((y,) if y is not None else ()), *rest)
    return call2


def _number_reduction(reduce):
    def call(x, *args, **kwargs):
        if x.__class__ is float and not args and kwargs.get("axis") is None and not kwargs.get("keepdims"):
            return x
        return reduce(x, *args, **kwargs)
    return call


def _plain_arg(general):
    def arg(value, shape):
        return float(value) if shape == () and np.ndim(value) == 0 else general(value, shape)
    return arg


SAFE_BUILTINS = {"range": range, "int": int, "float": float, "bool": bool, "len": len, "abs": abs,
                 "min": min, "max": max, "all": all, "any": any, "reversed": reversed, "tuple": tuple, "list": list,
                 "isinstance": isinstance, "ValueError": ValueError, "slice": slice, "Ellipsis": Ellipsis, "True": True, "False": False,
                 "None": None}

ENTRY_POINTS = ("f", "grad_f", "jvp_f")
_LOOP_CHECK = ("_steps += 1\n"
               "if _steps > _budget or (not _steps & {mask} and _clock() > _deadline):\n"
               "    raise _Handover()\n")
_BACK_CHECK = ("_back += 1\n"
               "if not _back & {mask} and _clock() > _deadline:\n"
               "    raise _Handover()\n")
_START = "_steps = 0\n_back = 0\n"


def _statements(template: str, mask: int) -> list:
    return pyast.parse(template.format(mask=int(mask))).body


def _imports_math(statement) -> bool:
    return isinstance(statement, pyast.Import) and [a.name for a in statement.names] == ["math"] \
        and statement.names[0].asname is None


class _Instrument(pyast.NodeTransformer):
    def __init__(self, tie_names: dict, mask: int, numbers_only: bool):
        self.tie_names, self.mask, self.ties, self.numbers_only = tie_names, mask, False, numbers_only
        self.checked = set()        # the tie names given a check in grad_f or jvp_f

    def visit_FunctionDef(self, node):
        if node.name not in ENTRY_POINTS:
            # a helper of the module (_arg, _norm, the engine's own code...): no loops, no tests;
            # its `import math` is dropped, the namespace holds math (nothing is imported)
            for inner in pyast.walk(node):
                if isinstance(getattr(inner, "body", None), list):
                    inner.body = [s for s in inner.body if not _imports_math(s)] or [pyast.Pass()]
            return node
        self.ties = node.name != "f"        # the value alone records nothing: no kinks to note
        self.generic_visit(node)
        for name in ("_budget", "_deadline"):
            node.args.kwonlyargs.append(pyast.arg(arg=name))
            node.args.kw_defaults.append(None)
        node.body = _statements(_START, 0) + node.body
        return node

    def visit_While(self, node):
        self.generic_visit(node)
        node.body = _statements(_LOOP_CHECK, self.mask) + node.body
        return node

    def visit_For(self, node):
        self.generic_visit(node)
        node.body = _statements(_BACK_CHECK, self.mask) + node.body
        return node

    def visit_Import(self, node):
        return None                 # numpy is in the namespace already; nothing else is imported

    def visit_Assign(self, node):
        target = node.targets[0] if len(node.targets) == 1 else None
        if not self.ties or not isinstance(target, pyast.Name) or target.id not in self.tie_names:
            return node
        checks = []
        self.checked.add(target.id)
        if self.tie_names[target.id] == "zero":     # norm's kink: its value 0
            zero = pyast.Compare(left=pyast.Name(id=target.id, ctx=pyast.Load()), ops=[pyast.Eq()],
                                 comparators=[pyast.Constant(value=0.0)])
            node_value = zero
        else:
            node_value = node.value
        for compare in pyast.walk(node_value):
            if isinstance(compare, pyast.Compare):
                operands = [compare.left] + list(compare.comparators)
                for left, right in zip(operands, operands[1:]):
                    if self.numbers_only:       # numbers: `==` is a truth value
                        test = pyast.Compare(left=left, ops=[pyast.Eq()], comparators=[right])
                    else:
                        test = pyast.Call(func=pyast.Name(id="_tie", ctx=pyast.Load()), args=[left, right], keywords=[])
                    checks.append(pyast.If(test=test, body=[pyast.Raise(
                        exc=pyast.Call(func=pyast.Name(id="_Handover", ctx=pyast.Load()), args=[], keywords=[]),
                        cause=None)], orelse=[]))
        return [node] + checks


def build(text: str, tie_names: dict, mask: int, numbers_only: bool = False) -> dict:
    """The module's functions, instrumented, by name. tie_names: name -> 'compare' (its value's
    comparisons must not tie) or 'zero' (it must not be 0: the kink of norm and hypot).
    `_unchecked`: the tie names grad_f (jvp_f) does not assign (dead code emit removed), so no check."""
    instrument = _Instrument(dict(tie_names), mask, numbers_only)
    tree = instrument.visit(pyast.parse(text))
    pyast.fix_missing_locations(tree)
    code = compile(tree, "<autodiff compiled>", "exec")
    namespace = {"__builtins__": dict(SAFE_BUILTINS), "np": _ScalarFirst(numbers_only), "math": math,
                 "_clock": time.monotonic,
                 "_Handover": Handover, "_tie": _tie}
    exec(code, namespace)
    namespace["_arg"] = _plain_arg(namespace["_arg"])       # a number is a Python float, as on the tape
    namespace["_unchecked"] = set(tie_names) - instrument.checked
    return namespace
