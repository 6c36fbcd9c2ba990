"""Immutable records and source locations: the vocabulary every layer shares.

`Record` is the base of the syntax nodes and of the few other immutable values of the
program-level API (`Source`, `Diagnostic`, ...); `Span` is a place in the program's text.
Neither knows anything of the syntax tree, so the differentiation engine may use them to
say where a value came from without seeing the AST.
"""
from __future__ import annotations


class Record:
    """An immutable record whose fields are its class's `__slots__`: the syntax nodes below, and
    the few other immutable values of the program-level API (`Source`, `Diagnostic`, ...)."""

    __slots__ = ()

    def __init__(self, *args, **kwargs):
        names = type(self).__slots__
        if len(args) > len(names):
            raise TypeError(f"{type(self).__name__} takes {len(names)} fields, got {len(args)}")
        for name, value in zip(names, args):
            object.__setattr__(self, name, value)
        for name in names[len(args):]:
            if name not in kwargs:
                raise TypeError(f"{type(self).__name__} is missing the field '{name}'")
            object.__setattr__(self, name, kwargs.pop(name))
        if kwargs:
            raise TypeError(f"{type(self).__name__} has no field '{next(iter(kwargs))}'")

    def __setattr__(self, name, value=None):       # value=None: `del record.x` is refused alike
        raise AttributeError(f"{type(self).__name__} is immutable")

    __delattr__ = __setattr__

    def _values(self) -> tuple:
        return tuple(getattr(self, name) for name in type(self).__slots__)

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and other._values() == self._values()

    def __hash__(self) -> int:
        return hash((type(self).__name__,) + self._values())

    def __repr__(self) -> str:
        inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in type(self).__slots__)
        return f"{type(self).__name__}({inner})"

    def __reduce__(self):
        return (type(self), self._values())


class Span(Record):
    """1-based line and column of the first character, and of the one after the last."""
    __slots__ = ('line', 'col', 'end_line', 'end_col')
    line: int
    col: int
    end_line: int
    end_col: int

    def __str__(self) -> str:
        return f"{self.line}:{self.col}"
