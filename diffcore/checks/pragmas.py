"""The `# check:` pragmas of a program file: gradcheck, input points, tolerances, wrt."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Optional


from autodiff.grammar.ast import Span
from autodiff.grammar.source import ProgramError, Source

from ..engine.errors import closest
from ..engine.context import Limits

from .results import PragmaError

# ------------------------------------------------------------------- pragmas

@dataclass
class Point:
    values: dict                            # name -> value
    text: Optional[str] = None              # as written after `at`; None: the defaults
    line: Optional[int] = None


@dataclass
class Pragmas:
    gradcheck: bool = False
    points: list = field(default_factory=list)
    rtol: Optional[float] = None
    atol: Optional[float] = None
    wrt: Optional[list] = None


_PRAGMA = re.compile(r"^(\s*#\s*check\s*:)(.*)$")
_WORDS = ("gradcheck", "at", "rtol", "atol", "wrt")


def parse_pragmas(source: Source, input_names: Iterable[str], limits: Optional[Limits] = None) -> Pragmas:
    """The `# check:` comment lines of a program. Errors point at the pragma.

    The values of `at` pragmas are constant expressions, run under `limits` (the file's).
    """
    from ..program import constant_value as run_value

    def constant_value(text: str, label: str) -> Any:
        return run_value(text, label, limits)
    names = list(input_names)
    pragmas = Pragmas()
    for number, line in enumerate(source.text.splitlines(), start=1):
        match = _PRAGMA.match(line)
        if not match:
            continue
        start = len(match.group(1))
        body = match.group(2)
        offset = start + len(body) - len(body.lstrip())
        body = body.strip()
        word = re.match(r"(at|wrt)(?:\s+|$)", body)
        if word:
            rest = body[word.end():]
            rest_offset = offset + word.end()
            if word.group(1) == "at":
                pragmas.points.append(_parse_point(rest, number, rest_offset, names, constant_value))
            else:
                pragmas.wrt = _parse_wrt(rest, number, rest_offset, names)
            continue
        for token_match in re.finditer(r"\S+", body):
            token, col = token_match.group(), offset + token_match.start() + 1
            span = Span(number, col, number, col + len(token))
            key, eq, text = token.partition("=")
            if token == "gradcheck":
                pragmas.gradcheck = True
            elif eq and key in ("rtol", "atol"):
                try:
                    value = float(text)
                except ValueError:
                    value = -1.0
                if not value >= 0 or math.isinf(value):
                    raise PragmaError(f"{key} must be a number >= 0, not {text!r}", span,
                                      hint=f"e.g. # check: {key}=1e-6")
                setattr(pragmas, key, value)
            elif token in ("at", "wrt"):
                raise PragmaError(f"`{token}` takes the rest of its line: give it a `# check:` line of its own",
                                  span, hint=f"# check: {token} ...")
            else:
                guess = closest(key, _WORDS)
                raise PragmaError(f"unknown check pragma {token!r}", span,
                                  hint=(f"did you mean '{guess}'? " if guess else "")
                                  + "pragmas: gradcheck, at NAME=VALUE, ..., rtol=X atol=Y, wrt NAME, ...")
    return pragmas


def _split_top_level(text: str) -> list[tuple[int, str]]:
    """Split at commas outside brackets and strings: [(offset, item), ...]."""
    items, depth, start, quote = [], 0, 0, None
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            items.append((start, text[start:i]))
            start = i + 1
    items.append((start, text[start:]))
    return items


def _parse_point(text: str, line: int, offset: int, names: list, constant_value: Callable) -> Point:
    values = {}
    whole = Span(line, offset + 1, line, offset + 1 + len(text))
    if not text:
        raise PragmaError("`# check: at` needs input values", whole, hint="e.g. # check: at x=0.5, y=[1, 2]")
    for start, item in _split_top_level(text):
        lead = len(item) - len(item.lstrip())
        col = offset + start + lead + 1
        name, eq, value_text = item.strip().partition("=")
        name = name.strip()
        span = Span(line, col, line, col + len(item.strip()))
        if not eq or not name.isidentifier() or not value_text.strip():
            raise PragmaError(f"expected NAME=VALUE, not {item.strip()!r}", span,
                              hint="e.g. # check: at x=0.5, y=[1, 2]")
        if name not in names:
            guess = closest(name, names)
            raise PragmaError(f"the program has no input named '{name}' (its inputs: {', '.join(names) or 'none'})",
                              Span(line, col, line, col + len(name)),
                              hint=f"did you mean '{guess}'?" if guess else None)
        value_col = col + item.strip().index("=") + 1
        value_col += len(value_text) - len(value_text.lstrip())
        try:
            values[name] = constant_value(value_text.strip(), f"# check: at {name}")
        except ProgramError as error:
            inner = error.span
            col0 = value_col + (inner.col - 1 if inner is not None and inner.line == 1 else 0)
            width = (inner.end_col - inner.col) if inner is not None and inner.end_line == inner.line else 1
            raise PragmaError(f"{name}: {error.message}", Span(line, col0, line, col0 + max(1, width)),
                              hint=error.hint) from None
    return Point(values, text, line)


def _parse_wrt(text: str, line: int, offset: int, names: list) -> list:
    chosen = []
    for start, item in _split_top_level(text):
        name = item.strip()
        col = offset + start + len(item) - len(item.lstrip()) + 1
        if name not in names:
            guess = closest(name, names)
            raise PragmaError(f"the program has no input named '{name}' (its inputs: {', '.join(names) or 'none'})",
                              Span(line, col, line, col + max(1, len(name))),
                              hint=f"did you mean '{guess}'?" if guess else None)
        chosen.append(name)
    return list(dict.fromkeys(chosen))
