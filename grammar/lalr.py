"""A small LALR(1) runtime for the tables in `_tables.py` (made by generate.py with lark).

It does at run time what lark would do with the same grammar and options
(`parser="lalr"`, `lexer="basic"`, `maybe_placeholders=True`, a transformer
called on each reduction), without importing lark: lark and what it imports
cost about 30 ms at every start of the command, more than autodiff may add
to `import numpy` altogether. The lexer, the parse loop and the shaping of
each rule's children follow the tables exactly, so the callbacks receive the
same children lark would give them, and a syntax error leaves the parser in
the same state for the error messages of parser.py to inspect.

    parser = Parser(builder)                    # builder: a method per rule or alias
    state = parser.new_state()
    for token in parser.lex(text):              # raises UnexpectedCharacters
        state.feed_token(token)                 # raises UnexpectedToken
    module = state.feed_token(Token.end_after(token), is_end=True)
"""
from __future__ import annotations

import re
from typing import Any, Callable, Iterator, Optional

from . import _tables

__all__ = ["Parser", "ParserState", "Token", "ParseError", "UnexpectedCharacters", "UnexpectedToken"]


class Token:
    """A terminal of the grammar, with its text and where it is (lines and columns from 1)."""

    __slots__ = ("type", "value", "start_pos", "line", "column", "end_line", "end_column", "end_pos")

    def __init__(self, type: str, value: str, start_pos: int = 0, line: int = 1, column: int = 1,
                 end_line: int = 1, end_column: int = 1, end_pos: int = 0):
        self.type = type
        self.value = value
        self.start_pos = start_pos
        self.line = line
        self.column = column
        self.end_line = end_line
        self.end_column = end_column
        self.end_pos = end_pos

    @classmethod
    def end_after(cls, token: Optional["Token"]) -> "Token":
        """The `$END` token: at `token`'s position (as lark places it), or at the start of an empty text."""
        if token is None:
            return cls("$END", "", 0, 1, 1, 1, 1, 0)
        return cls("$END", "", token.start_pos, token.line, token.column, token.end_line, token.end_column,
                   token.end_pos)

    def __repr__(self) -> str:
        return f"Token({self.type!r}, {self.value!r}, {self.line}:{self.column})"


class ParseError(Exception):
    """The text does not fit the grammar; parser.py turns each kind into a message."""


class UnexpectedCharacters(ParseError):
    """No terminal matches the text at `pos_in_stream` (line `line`, column `column`)."""

    def __init__(self, pos_in_stream: int, line: int, column: int):
        super().__init__(f"no terminal matches at line {line}, column {column}")
        self.pos_in_stream = pos_in_stream
        self.line = line
        self.column = column


class UnexpectedToken(ParseError):
    """The parser in `state` has no action for `token`; `expected` lists the terminals it has one for."""

    def __init__(self, token: Token, expected: set, state: "ParserState"):
        super().__init__(f"unexpected {token.type} at line {token.line}, column {token.column}")
        self.token = token
        self.expected = expected
        self.state = state


# ----------------------------------------------------------------------- lexer

class _Lexer:
    """lark's basic lexer: the first alternative that matches at the position wins."""

    def __init__(self) -> None:
        self.matchers = [re.compile(pattern).match for pattern in _tables.PATTERNS]
        self.keywords = _tables.KEYWORDS
        self.ignored = frozenset(_tables.IGNORED)

    def lex(self, text: str) -> Iterator[Token]:
        matchers, keywords, ignored = self.matchers, self.keywords, self.ignored
        pos, line, line_start, end = 0, 1, 0, len(text)
        while pos < end:
            for match in matchers:
                found = match(text, pos)
                if found:
                    break
            else:
                raise UnexpectedCharacters(pos, line, pos - line_start + 1)
            value, kind = found.group(0), found.lastgroup
            start, start_line, start_column = pos, line, pos - line_start + 1
            newlines = value.count("\n")
            if newlines:
                line += newlines
                line_start = pos + value.rindex("\n") + 1
            pos += len(value)
            if kind in ignored:
                continue
            if kind in keywords:
                kind = keywords[kind].get(value, kind)
            yield Token(kind, value, start, start_line, start_column, line, pos - line_start + 1, pos)


# ---------------------------------------------------------------------- parser

def _reducer(callback: Optional[Callable], include: tuple, trailing_nones: int, pass_single: bool) -> Callable:
    """What lark's tree builder does with a rule's children before (or instead of) the callback.

    `include` lists the children kept, as (index, splice, Nones before it): a helper
    rule's children are spliced in, and each missing `[optional]` leaves a None. A
    `?rule` with one child left passes it through. A helper rule gives its list.
    """

    def reduce(children: list) -> Any:
        kept: list = []
        for index, splice, nones in include:
            if nones:
                kept += [None] * nones
            if not splice:
                kept.append(children[index])
            elif kept:
                kept += children[index]
            else:               # reuse the helper's list: long left-recursive lists stay linear
                kept = children[index]
        if trailing_nones:
            kept += [None] * trailing_nones
        if pass_single and len(kept) == 1:
            return kept[0]
        return kept if callback is None else callback(kept)

    return reduce


class Parser:
    """The tables with the callbacks of `builder` bound to its rules, and the lexer."""

    def __init__(self, builder: Any):
        self.states = _tables.STATES
        self.end_state = _tables.END_STATE
        self.start_state = _tables.START_STATE
        self.literals = _tables.LITERALS
        self.rules = []          # (name of the rule, number of children, reduce)
        for origin, size, name, include, trailing_nones, pass_single in _tables.RULES:
            callback = None
            if name is not None:
                callback = getattr(builder, name, None)
                if callback is None and not (pass_single and len(include) == 1 and not trailing_nones
                                             and not include[0][1] and not include[0][2]):
                    raise TypeError(f"{type(builder).__name__} has no method for the grammar rule {name!r}")
            self.rules.append((origin, size, _reducer(callback, include, trailing_nones, pass_single)))
        self.lexer = _Lexer()

    def lex(self, text: str) -> Iterator[Token]:
        return self.lexer.lex(text)

    def new_state(self) -> "ParserState":
        return ParserState(self, self.rules, [self.start_state], [])


class ParserState:
    """The stacks of one parse. `value_stack` holds the shifted tokens and the reduced values."""

    __slots__ = ("parser", "rules", "state_stack", "value_stack")

    def __init__(self, parser: Parser, rules: Optional[list], state_stack: list, value_stack: list):
        self.parser = parser
        self.rules = rules
        self.state_stack = state_stack
        self.value_stack = value_stack

    def copy(self, quiet: bool = False) -> "ParserState":
        """A copy to try tokens on; `quiet`: reductions call no callbacks (they only make lists)."""
        rules = [(origin, size, None) for origin, size, _ in self.rules] if quiet else self.rules
        return ParserState(self.parser, rules, list(self.state_stack), list(self.value_stack))

    def feed_token(self, token: Token, is_end: bool = False) -> Any:
        """Shift `token` after the reductions it calls for; with `is_end`, return the parse's value."""
        states, rules = self.parser.states, self.rules
        state_stack, value_stack = self.state_stack, self.value_stack
        while True:
            actions = states[state_stack[-1]]
            action = actions.get(token.type)
            if action is None:
                raise UnexpectedToken(token, {symbol for symbol in actions if symbol.isupper()}, self)
            if action >= 0:                      # shift
                state_stack.append(action)
                value_stack.append(token)
                return None
            origin, size, reduce = rules[-1 - action]
            if size:
                children = value_stack[-size:]
                del state_stack[-size:]
                del value_stack[-size:]
            else:
                children = []
            value = children if reduce is None else reduce(children)
            state_stack.append(states[state_stack[-1]][origin])
            value_stack.append(value)
            if is_end and state_stack[-1] == self.parser.end_state:
                return value
