"""Names in emitted code: one per value, from the source's names, never shadowing anything.

`Namer.fresh("x")` gives `x` the first time, then `x_1`, `x_2`, ... skipping every name the
program itself uses; `adjoint(v)` is `v_bar`, `tangent(v)` is `v_dot` (fresh too, so a program
with its own `x_bar` keeps it). Names in the numpy module are checked again by `python_name`:
only identifiers (anything else is an error), and a name that would shadow a Python keyword or
builtin, `np`, or one of the module's helpers (all start with `_`) gets a `_v` suffix, in both
targets, so the two read alike.

`NamedInt` and `NamedArray` are a value of the emitted program standing in a primitive's param
(an index `x[i]`, the condition of `where`): the sample's value for the primitive to compute
with, and `emit_name`, which the printers write instead of the value.
"""
from __future__ import annotations

import builtins
import keyword
import re

import numpy as np

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
RESERVED_PYTHON = set(keyword.kwlist) | set(keyword.softkwlist) | set(dir(builtins)) | {"np", "numpy", "f", "grad_f",
                                                                                       "jvp_f"}


class NamedInt(int):
    """An int param that is a variable of the emitted program."""

    def __new__(cls, value: int, name: str):
        obj = super().__new__(cls, value)
        obj.emit_name = name
        return obj


class NamedArray(np.ndarray):
    """An array param (the condition of `where`) that is a variable of the emitted program."""

    def __new__(cls, value, name: str):
        obj = np.asarray(value).view(cls)
        obj.emit_name = name
        return obj

    def __array_finalize__(self, obj):
        self.emit_name = None      # results of numpy on it are plain values, not the variable


def param_name(value):
    return getattr(value, "emit_name", None)


class Namer:
    def __init__(self, source_names: set, reserved: set = frozenset()):
        self.source = set(source_names)
        self.reserved = set(reserved) | RESERVED_PYTHON
        self.taken: set = set()
        self.bars: dict = {}
        self.dots: dict = {}

    def fresh(self, base: str) -> str:
        base = base.lstrip("@") or "t"
        if not IDENTIFIER.match(base):
            raise ValueError(f"not an identifier: {base!r}")
        if base in self.reserved or base.startswith("_"):
            base = base.lstrip("_") + "_v"
        if base not in self.taken:
            self.taken.add(base)
            return base
        k = 1
        while f"{base}_{k}" in self.taken or f"{base}_{k}" in self.source or f"{base}_{k}" in self.reserved:
            k += 1
        name = f"{base}_{k}"
        self.taken.add(name)
        return name

    def adjoint(self, name: str) -> str:
        if name not in self.bars:
            self.bars[name] = self.fresh_new(f"{name}_bar")
        return self.bars[name]

    def tangent(self, name: str) -> str:
        if name not in self.dots:
            self.dots[name] = self.fresh_new(f"{name}_dot")
        return self.dots[name]

    def fresh_new(self, base: str) -> str:
        """A name not used by the program's own text."""
        if base not in self.taken and base not in self.source and base not in self.reserved:
            self.taken.add(base)
            return base
        return self.fresh(base)

    def snapshot(self):
        return set(self.taken), dict(self.bars), dict(self.dots)

    def restore(self, state) -> None:
        self.taken, self.bars, self.dots = set(state[0]), dict(state[1]), dict(state[2])


