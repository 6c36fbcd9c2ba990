"""Parse the text of an autodiff program into the AST of `autodiff.grammar.ast`.

    from autodiff.grammar import parse, Source
    module = parse(Source(text, "prog.ad"))      # -> ast.Module

Every mistake in the text raises `ProgramSyntaxError(message, span, hint)`
pointing at the offending token; no parser exception, RecursionError or other
traceback escapes for any input.

How it works
------------
`autodiff.lark` is an LALR(1) grammar. lark turns it into tables ahead of
time (`python -m autodiff.grammar.generate` writes `_tables.py`), and
`lalr.py` runs them: a lexer, the parse loop, and a callback on each
reduction that builds the AST, so no parse tree exists and nothing recurses
over one. A post-lexer between the two (in the manner of lark's `Indenter`)
turns indentation into _INDENT/_DEDENT tokens, ignores newlines inside
brackets, and keeps the bracket stack and the last tokens, which the error
messages use.

Limits
------
The interpreter walks the AST recursively, so the parser bounds its depth:

* Expressions nest at most MAX_EXPRESSION_DEPTH = 200 levels. Each AST node
  is one level above its deepest child, so `1+1+...+1` with 201 terms, 201
  nested calls or 201 unary minuses are refused; so are more than 200
  brackets open at once, even brackets that only group, as in `((((x))))`.
  The error is "expression nested too deeply (depth N > 200)".
* Blocks nest at most MAX_BLOCK_DEPTH = 100 levels of indentation ("too many
  levels of indentation").
* A program has at most MAX_SOURCE_CHARS = 1,000,000 characters ("program
  too large"). The parser reads about 100,000 tokens a second, so this keeps every
  parse within seconds.

Each limit is enforced while reading, so a 10 MB expression fails after a
few hundred tokens. Left-nested chains (`1+1+...`, `f(x)(y)...`) are measured
exactly as they are reduced. Right-nested ones (`2^2^...`, `- - - x`,
`lambda: lambda: ...`) are only reduced at their end; for them the guard is
the size of the parser's stack, which valid programs keep far below
STACK_LIMIT, and the N reported is the number of operators waiting on it.
Only the first OVERSIZED_PROGRAM_PREFIX characters of an oversized program are
read, so that a mistake there is still the one reported.

Start-up cost
-------------
Parsing never imports lark (see lalr.py for why). The tables and the lexer's
regular expressions load on the first call of `parse`, in about a millisecond.
"""
from __future__ import annotations

import re
import sys
import threading
from typing import Any, Optional

from . import ast
from .ast import Span
from .lalr import ParseError, Parser, ParserState, Token, UnexpectedCharacters, UnexpectedToken
from .source import MAX_SOURCE_CHARS, ProgramSyntaxError, Source

__all__ = ["parse", "MAX_EXPRESSION_DEPTH", "MAX_BLOCK_DEPTH", "MAX_SOURCE_CHARS"]

MAX_EXPRESSION_DEPTH = 200
MAX_BLOCK_DEPTH = 100
# Parser value-stack entries that valid programs cannot exceed: a few entries
# per open block, bracket and pending operator (measured in the tests with
# programs at both limits at once), with a wide margin.
STACK_LIMIT = 10_000
# Parsing runs at roughly 100,000 tokens a second, so a cap on the size keeps
# even a huge flat program (a 10 MB list literal) from hanging the command.
# How much of an oversized program is read before it is refused.
OVERSIZED_PROGRAM_PREFIX = 50_000


def parse(source: Source) -> ast.Module:
    """Parse a whole program. Raises ProgramSyntaxError for any syntax mistake."""
    text = source.text
    if text.startswith("\ufeff"):
        # A byte-order mark is zero-width, so dropping it leaves the columns
        # right as the user sees them.
        text = text[1:]
    if not text.endswith("\n"):
        # Every statement ends with a newline token, including the last one.
        text += "\n"
    machinery = _machinery()
    with machinery.lock:
        machinery.builder.depth_of.clear()
        # An oversized program is still read for a moment, so that a mistake
        # near its start (typically: nesting too deep) is what gets reported.
        oversized = len(source.text) > MAX_SOURCE_CHARS
        machinery.postlexer.stop_reading_at = OVERSIZED_PROGRAM_PREFIX if oversized else len(text) + 1
        machinery.postlexer.source_length = len(source.text)
        try:
            module = _run(machinery, text)
            if oversized:   # all comments and blank lines after the prefix
                raise _too_large(len(source.text))
            return module
        except ParseError as error:
            raise _translate(error, text, machinery) from None
        except RecursionError:
            # Should be unreachable (nothing here recurses over the input);
            # kept so that a bug cannot surface as a traceback.
            raise ProgramSyntaxError(
                f"expression nested too deeply (depth > {MAX_EXPRESSION_DEPTH})",
                hint="split it into smaller steps with intermediate variables") from None
        finally:
            machinery.builder.depth_of.clear()


def _too_large(length: int) -> ProgramSyntaxError:
    return ProgramSyntaxError(f"program too large ({length} characters > {MAX_SOURCE_CHARS})", None,
                              hint="keep large data out of the program text")


def _run(machinery: "_Machinery", text: str) -> ast.Module:
    # The parse loop, with a check of the stack size after each token: that
    # is what stops right-nested chains early (see "Limits").
    state = machinery.parser.new_state()
    stack = state.value_stack
    token = None
    for token in machinery.postlexer.process(machinery.parser.lex(text)):
        state.feed_token(token)
        if len(stack) > STACK_LIMIT:
            raise _too_deep_on_stack(stack, token)
    return state.feed_token(Token.end_after(token), is_end=True)


# ------------------------------------------------------------------- set-up

class _Machinery:
    """The parser and the objects it calls back, built once per process."""

    def __init__(self) -> None:
        self.postlexer = _BlockStructure()
        self.builder = _AstBuilder()
        self.parser = Parser(self.builder)
        self.lock = threading.Lock()


_machinery_lock = threading.Lock()
_machinery_instance: Optional[_Machinery] = None


def _machinery() -> _Machinery:
    global _machinery_instance
    if _machinery_instance is None:
        with _machinery_lock:
            if _machinery_instance is None:
                _machinery_instance = _Machinery()
    return _machinery_instance


# ---------------------------------------------------------------- post-lexer

_OPENERS = {"LPAR": "RPAR", "LSQB": "RSQB"}
_CLOSERS = {"RPAR": "LPAR", "RSQB": "LSQB"}
_BRACKET_TEXT = {"LPAR": "(", "RPAR": ")", "LSQB": "[", "RSQB": "]"}
_LAYOUT_TYPES = {"_NEWLINE", "_INDENT", "_DEDENT", "$END"}
_EXPRESSION_END_TYPES = {"NAME", "NUMBER", "STRING", "TRUE", "FALSE", "NONE", "RPAR", "RSQB"}


class _BlockStructure:
    """The post-lexer, between the lexer and the parser.

    Like lark's Indenter it turns indentation into _INDENT/_DEDENT tokens and
    drops the newlines inside brackets; beyond it, it compares indentation the
    way Python does (tabs against spaces), reports indentation and bracket
    mistakes with their position, limits nesting, and remembers what the error
    messages need (the open brackets, the last two tokens, where the statement
    began).
    """

    # Set by `parse` for each program (see MAX_SOURCE_CHARS).
    stop_reading_at = sys.maxsize
    source_length = 0

    def process(self, stream):
        # Indentation widths are kept twice, with tabs to the next multiple of
        # 8 and with tabs as 1 column; Python's rule: if the two disagree about
        # which line is indented more, the indentation is ambiguous.
        self.indent_stack: list[tuple[int, int]] = [(0, 0)]
        self.open_brackets: list[tuple[Any, str]] = []  # (opening token, kind of bracket)
        self.previous = None          # the token before `current`
        self.current = None           # the last token handed to the parser
        self.last_visible = None      # the last token not made of layout
        self.statement_start = None   # the first token of the current line's statement
        return self._process(stream)

    def _process(self, stream):
        for token in stream:
            if token.start_pos >= self.stop_reading_at:
                raise _too_large(self.source_length)
            kind = token.type
            if kind == "_NEWLINE":
                if not self.open_brackets:
                    yield from self._newline(token)
                continue
            if self.current is None and token.column > 1:
                raise ProgramSyntaxError("unexpected indent", _token_span(token),
                                         hint="the first line of a program must not be indented")
            bracket_kind = self._bracket_kind(kind) if kind in _OPENERS else None
            self._hand_over(token)
            yield token
            # Back here, the parser has accepted the token; since the grammar
            # balances brackets, it only accepts a closing one that matches.
            if bracket_kind:
                self.open_brackets.append((token, bracket_kind))
                if len(self.open_brackets) > MAX_EXPRESSION_DEPTH:
                    raise _too_deep(len(self.open_brackets), _token_span(token))
            elif kind in _CLOSERS:
                self.open_brackets.pop()
        if self.open_brackets:
            opening, _ = self.open_brackets[-1]
            closing = _BRACKET_TEXT[_OPENERS[opening.type]]
            raise ProgramSyntaxError(
                "unexpected end of input", _token_span(opening),
                hint=f"an opening '{opening.value}' on line {opening.line} is never closed; "
                     f"add the missing '{closing}'")
        for _ in self.indent_stack[1:]:
            dedent = self._layout_token("_DEDENT", self.current)
            self._hand_over(dedent)
            yield dedent

    def _hand_over(self, token) -> None:
        if self.current is None or self.current.type in ("_NEWLINE", "_INDENT", "_DEDENT"):
            self.statement_start = token
        self.previous, self.current = self.current, token
        if token.type not in _LAYOUT_TYPES:
            self.last_visible = token

    def _newline(self, newline):
        self._hand_over(newline)
        yield newline
        indentation = newline.value.rsplit("\n", 1)[1]
        wide = narrow = 0
        for char in indentation:
            wide = wide // 8 * 8 + 8 if char == "\t" else wide + 1
            narrow += 1
        top_wide, top_narrow = self.indent_stack[-1]
        where = Span(newline.end_line, newline.end_column, newline.end_line, newline.end_column + 1)
        if wide > top_wide:
            if narrow <= top_narrow:
                raise _mixed_indentation(newline)
            if len(self.indent_stack) > MAX_BLOCK_DEPTH:
                raise ProgramSyntaxError(
                    f"too many levels of indentation ({len(self.indent_stack)} > {MAX_BLOCK_DEPTH})",
                    where, hint="move the inner blocks into functions")
            self.indent_stack.append((wide, narrow))
            indent = self._layout_token("_INDENT", newline)
            self._hand_over(indent)
            yield indent
            return
        dedents = 0
        while wide < self.indent_stack[-1 - dedents][0]:
            dedents += 1
        if wide != self.indent_stack[-1 - dedents][0]:
            raise ProgramSyntaxError(
                "unindent does not match any outer indentation level", where,
                hint="line it up exactly with an enclosing block")
        if narrow != self.indent_stack[-1 - dedents][1]:
            raise _mixed_indentation(newline)
        for _ in range(dedents):
            self.indent_stack.pop()
            dedent = self._layout_token("_DEDENT", newline)
            self._hand_over(dedent)
            yield dedent

    def _layout_token(self, kind: str, after):
        # Placed at the first character of the next line, where the user
        # sees the indentation change.
        if after is None:
            return Token(kind, "", 0, 1, 1, 1, 1, 0)
        return Token(kind, "", after.end_pos, after.end_line, after.end_column,
                     after.end_line, after.end_column, after.end_pos)

    def _bracket_kind(self, kind: str) -> str:
        follows_value = self.current is not None and self.current.type in _EXPRESSION_END_TYPES
        if kind == "LSQB":
            return "index" if follows_value else "list"
        if follows_value:
            start = self.statement_start
            in_header = start is not None and start.type in ("DEF", "BACKWARD") and not self.open_brackets
            return "parameters" if in_header else "arguments"
        return "parentheses"


def _mixed_indentation(newline) -> ProgramSyntaxError:
    line = newline.end_line
    return ProgramSyntaxError(
        "inconsistent use of tabs and spaces in indentation",
        Span(line, 1, line, newline.end_column),
        hint="this line's indentation compares differently with tabs as 1 or 8 columns; "
             "indent with spaces only")


# --------------------------------------------------------------- AST builder

def _token_span(token) -> Span:
    return Span(token.line, token.column, token.end_line, token.end_column)


def _span(first, last) -> Span:
    """From the start of `first` to the end of `last`, each a token or a node."""
    start = first.span if hasattr(first, "span") else _token_span(first)
    end = last.span if hasattr(last, "span") else _token_span(last)
    return Span(start.line, start.col, end.end_line, end.end_col)


def _too_deep(depth: int, span: Optional[Span]) -> ProgramSyntaxError:
    return ProgramSyntaxError(
        f"expression nested too deeply (depth {depth} > {MAX_EXPRESSION_DEPTH})", span,
        hint="split it into smaller steps with intermediate variables")


# Tokens that each open one level of nesting while they wait on the stack.
_NESTING_TOKEN_TYPES = {"POW", "ADD_OP", "MUL_OP", "COMP_OP", "NOT", "AND", "OR", "IF", "ELSE",
                        "LAMBDA", "LPAR", "LSQB", "ASSIGN", "AUG_ASSIGN"}


def _too_deep_on_stack(stack: list, token) -> ProgramSyntaxError:
    waiting = sum(1 for item in stack if getattr(item, "type", None) in _NESTING_TOKEN_TYPES)
    return _too_deep(max(waiting, MAX_EXPRESSION_DEPTH + 1), _token_span(token))


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", "'": "'", '"': '"'}
_ESCAPE = re.compile(r"\\(.)")


def _string_value(literal: str) -> str:
    body = literal[1:-1]
    if "\\" not in body:
        return body
    # Unknown escapes such as "\q" stay as written, as in Python.
    return _ESCAPE.sub(lambda match: _ESCAPES.get(match.group(1), match.group(0)), body)


def _flatten_statements(items) -> tuple:
    body = []
    for item in items:
        if isinstance(item, list):   # simple statements of one line
            body.extend(item)
        else:
            body.append(item)
    return tuple(body)


_TARGET_NAMES = {
    ast.Call: "a function call", ast.Number: "a literal", ast.String: "a literal",
    ast.BinaryOp: "an expression", ast.UnaryOp: "an expression", ast.BoolOp: "an expression",
    ast.Compare: "a comparison", ast.IfExp: "a conditional expression", ast.Lambda: "a lambda",
    ast.ListLiteral: "a list", ast.TupleLiteral: "a tuple", ast.Index: "an element", ast.Bool: "a literal",
    ast.NoneLiteral: "a literal",
}
_TARGET_HINT = "only a name, an element such as 'x[i]', or names separated by commas can be assigned to"


def _not_assignable(target, verb: str = "assign to") -> ProgramSyntaxError:
    if isinstance(target, (ast.Bool, ast.NoneLiteral)):
        word = "None" if isinstance(target, ast.NoneLiteral) else "true" if target.value else "false"
        return ProgramSyntaxError(f"'{word}' is a reserved word and cannot be used as a name",
                                  target.span, hint="choose another name")
    what = _TARGET_NAMES.get(type(target), "this")
    if isinstance(target, (ast.Compare, ast.BinaryOp, ast.BoolOp, ast.UnaryOp)):
        hint = "'=' is assignment; use '==' to compare"
    elif isinstance(target, ast.ListLiteral):
        hint = "to unpack, write the names separated by commas: 'a, b = ...'"
    else:
        hint = _TARGET_HINT
    return ProgramSyntaxError(f"cannot {verb} {what}", target.span, hint=hint)


def _check_element_target(target, verb: str) -> None:
    """A name, or an element `x[i]` / `A[i][j]` of a named variable."""
    base = target
    while isinstance(base, ast.Index):
        base = base.target
    if isinstance(base, ast.Name):
        return
    if base is target:
        raise _not_assignable(target, verb)
    raise ProgramSyntaxError(f"cannot {verb} an element of {_TARGET_NAMES.get(type(base), 'this')}",
                             target.span, hint="only elements of a named variable can be assigned to")


def _not_a_loop_variable(target) -> ProgramSyntaxError:
    if isinstance(target, (ast.Bool, ast.NoneLiteral)):
        return _not_assignable(target)
    return ProgramSyntaxError(f"cannot use {_TARGET_NAMES.get(type(target), 'this')} as a loop variable",
                              target.span, hint="write 'for name in ...' or 'for a, b in ...'")


def _check_names_target(target, elements_allowed: bool) -> None:
    """A target of `=` (elements allowed) or of a for loop: names, possibly comma-separated,
    and tuples of them nested in parentheses (`i, (p, w)`)."""
    if isinstance(target, ast.TupleLiteral) and target.items:
        for item in target.items:
            if isinstance(item, ast.Name):
                continue
            if isinstance(item, ast.TupleLiteral) and item.items:
                _check_names_target(item, elements_allowed=False)
                continue
            if not elements_allowed:
                raise _not_a_loop_variable(item)
            if isinstance(item, ast.Index):
                raise ProgramSyntaxError("cannot assign to an element inside a tuple target", item.span,
                                         hint="assign the elements one at a time")
            raise _not_assignable(item)
        return
    if elements_allowed:
        _check_element_target(target, "assign to")
    elif not isinstance(target, ast.Name):
        raise _not_a_loop_variable(target)


class _AstBuilder:
    """Callbacks named after the grammar's rules and aliases, called on each reduction.

    Each receives the rule's children: tokens, AST nodes, the lists and
    tuples returned by helper rules, and None for a missing `[optional]`.
    Every expression node's depth is recorded as it is built (keyed by id;
    the frozen nodes have no room for it) and checked against the limit.
    """

    def __init__(self) -> None:
        self.depth_of: dict[int, int] = {}

    def _expr(self, node, *children, where: Optional[Span] = None):
        """Record `node`'s depth; `where` is what to point at if it is too deep."""
        depth = 1 + max((self.depth_of.get(id(child), 0) for child in children if child is not None),
                        default=0)
        if depth > MAX_EXPRESSION_DEPTH:
            raise _too_deep(depth, where or getattr(node, "op_span", node.span))
        self.depth_of[id(node)] = depth
        return node

    # ----------------------------------------------------------- statements

    def start(self, children):
        return ast.Module(_flatten_statements(children))

    def simple_stmts(self, children):
        return list(children)

    def suite(self, children):
        return list(_flatten_statements(children))

    def input_stmt(self, children):
        keyword, name, default = children
        return ast.Input(_span(keyword, default or name), name.value, default)

    def expr_stmt(self, children):
        (expr,) = children
        return ast.ExprStmt(expr.span, expr)

    def assign_stmt(self, children):
        *targets, value = children
        for target in targets:
            _check_names_target(target, elements_allowed=True)
        return ast.Assign(_span(targets[0], value), tuple(targets), value)

    def augassign_stmt(self, children):
        target, operator, value = children
        if isinstance(target, ast.TupleLiteral):
            raise ProgramSyntaxError(f"cannot use '{operator.value}' with several targets", target.span,
                                     hint=f"update one variable at a time: 'a {operator.value} ...'")
        _check_element_target(target, f"use '{operator.value}' on")
        op = operator.value[:-1]
        return ast.AugAssign(_span(target, value), target, "^" if op == "**" else op, value,
                             _token_span(operator))

    def return_stmt(self, children):
        keyword, value = children
        return ast.Return(_span(keyword, value or keyword), value)

    def pass_stmt(self, children):
        return ast.Pass(_token_span(children[0]))

    def break_stmt(self, children):
        return ast.Break(_token_span(children[0]))

    def continue_stmt(self, children):
        return ast.Continue(_token_span(children[0]))

    def assert_stmt(self, children):
        keyword, test, message = children
        return ast.Assert(_span(keyword, message or test), test, message)

    def if_stmt(self, children):
        keyword, condition, body, *elifs, orelse = children
        branches = [(condition, tuple(body))] + [(c, tuple(b)) for c, b in elifs]
        last_body = orelse or branches[-1][1]
        return ast.If(_span(keyword, last_body[-1]), tuple(branches), tuple(orelse or ()))

    def elif_clause(self, children):
        _, condition, body = children
        return condition, body

    def else_clause(self, children):
        _, body = children
        return body

    def while_stmt(self, children):
        keyword, condition, body = children
        return ast.While(_span(keyword, body[-1]), condition, tuple(body))

    def for_stmt(self, children):
        keyword, target, _, iterable, body = children
        _check_names_target(target, elements_allowed=False)
        return ast.For(_span(keyword, body[-1]), target, iterable, tuple(body))

    def with_stmt(self, children):
        keyword, context, body = children
        return ast.With(_span(keyword, body[-1]), context, tuple(body))

    def funcdef(self, children):
        keyword, name, params, body = children
        return ast.FunctionDef(_span(keyword, body[-1]), name.value, tuple(params or ()), tuple(body))

    def backwarddef(self, children):
        keyword, name, params, body = children
        if not params:
            raise ProgramSyntaxError(
                f"backward rule '{name.value}' has no parameters", _token_span(name),
                hint="list the function's parameters, then one more for the gradient of its output")
        return ast.BackwardDef(_span(keyword, body[-1]), name.value, tuple(params or ()), tuple(body))

    def parameters(self, params):
        seen = set()
        default_seen = False
        for param in params:
            if param.name in seen:
                raise ProgramSyntaxError(f"duplicate parameter '{param.name}'", param.span,
                                         hint="each parameter needs its own name")
            seen.add(param.name)
            if param.default is not None:
                default_seen = True
            elif default_seen:
                raise ProgramSyntaxError(
                    f"parameter '{param.name}' without a default follows one with a default",
                    param.span, hint="put the parameters that have defaults last")
        return params

    def param(self, children):
        name, default = children
        return ast.Param(_span(name, default or name), name.value, default)

    # ---------------------------------------------------------- expressions

    def tuple_literal(self, items):
        return self._expr(ast.TupleLiteral(_span(items[0], items[-1]), tuple(items)), *items)

    def ifexp(self, children):
        then, _, condition, _, orelse = children
        return self._expr(ast.IfExp(_span(then, orelse), condition, then, orelse), condition, then, orelse)

    def lambdef(self, children):
        keyword, params, body = children
        params = tuple(params or ())
        defaults = [param.default for param in params]
        return self._expr(ast.Lambda(_span(keyword, body), params, body), body, *defaults)

    def boolop(self, children):
        left, operator, right = children
        return self._expr(ast.BoolOp(_span(left, right), operator.value, left, right), left, right)

    def unaryop(self, children):
        operator, operand = children
        return self._expr(ast.UnaryOp(_span(operator, operand), operator.value, operand), operand)

    def compare(self, children):
        operands = children[0::2]
        operators = tuple(token.value for token in children[1::2])
        return self._expr(ast.Compare(_span(operands[0], operands[-1]), operators, tuple(operands)),
                          *operands)

    def binop(self, children):
        left, operator, right = children
        op = "^" if operator.value == "**" else operator.value
        node = ast.BinaryOp(_span(left, right), op, left, right, _token_span(operator))
        return self._expr(node, left, right)

    def call(self, children):
        func, opening, arguments, closing = children
        args, kwargs = arguments or ((), ())
        node = ast.Call(_span(func, closing), func, args, kwargs)
        return self._expr(node, func, *args, *kwargs, where=_token_span(opening))

    def arguments(self, items):
        args, kwargs = [], []
        for item in items:
            if isinstance(item, ast.Keyword):
                if any(kwarg.name == item.name for kwarg in kwargs):
                    raise ProgramSyntaxError(f"keyword argument '{item.name}' repeated", item.span,
                                             hint="give each keyword argument once")
                kwargs.append(item)
            elif kwargs:
                raise ProgramSyntaxError(
                    "positional argument follows keyword argument", item.span,
                    hint="put positional arguments before keyword arguments, as in 'sum(x, axis=0)'")
            else:
                args.append(item)
        return tuple(args), tuple(kwargs)

    def keyword(self, children):
        name, value = children
        return self._expr(ast.Keyword(_span(name, value), name.value, value), value)

    def index(self, children):
        target, opening, indices, closing = children
        if isinstance(target, ast.ListLiteral) and (opening.line, opening.column) != (
                target.span.end_line, target.span.end_col):
            # `[[1, 2] [3, 4]]` would index the first row with (3, 4).
            raise ProgramSyntaxError(
                "unexpected '['", _token_span(opening),
                hint="missing ',' between list elements? (to index a list literal, write '[1, 2][0]')")
        node = ast.Index(_span(target, closing), target, tuple(indices))
        return self._expr(node, target, *indices, where=_token_span(opening))

    def subscripts(self, items):
        return list(items)

    def slice_index(self, children):
        parts: list = [None, None, None]
        colons = 0
        present = []
        for child in children:
            if child is None:
                continue
            present.append(child)
            if hasattr(child, "span"):
                parts[colons] = child
            else:
                colons += 1
        node = ast.Slice(_span(present[0], present[-1]), *parts)
        return self._expr(node, *parts)

    def name(self, children):
        (token,) = children
        return self._expr(ast.Name(_token_span(token), token.value))

    def number(self, children):
        (token,) = children
        return self._expr(ast.Number(_token_span(token), float(token.value)))

    def string(self, children):
        (token,) = children
        return self._expr(ast.String(_token_span(token), _string_value(token.value)))

    def true(self, children):
        return self._expr(ast.Bool(_token_span(children[0]), True))

    def false(self, children):
        return self._expr(ast.Bool(_token_span(children[0]), False))

    def none(self, children):
        return self._expr(ast.NoneLiteral(_token_span(children[0])))

    def ellipsis(self, children):
        return self._expr(ast.EllipsisIndex(_token_span(children[0])))

    def list_literal(self, children):
        opening, items, closing = children
        items = tuple(items or ())
        return self._expr(ast.ListLiteral(_span(opening, closing), items), *items)

    def list_items(self, items):
        return items

    def empty_tuple(self, children):
        opening, closing = children
        return self._expr(ast.TupleLiteral(_span(opening, closing), ()))

    def parenthesized(self, children):
        opening, inner, closing = children
        if not isinstance(inner, ast.TupleLiteral):
            return inner
        # The parentheses belong to the tuple's text.
        node = ast.TupleLiteral(_span(opening, closing), inner.items)
        self.depth_of[id(node)] = self.depth_of.get(id(inner), 1)
        return node


# ------------------------------------------------------------ error messages

_KEYWORDS = {"INPUT", "DEF", "BACKWARD", "RETURN", "IF", "ELIF", "ELSE", "WHILE", "FOR", "IN",
             "BREAK", "CONTINUE", "PASS", "ASSERT", "WITH", "LAMBDA", "AND", "OR", "NOT",
             "TRUE", "FALSE", "NONE"}
_COMPOUND_KEYWORDS = {"IF", "WHILE", "FOR", "DEF", "BACKWARD", "WITH"}
_HEADER_KEYWORDS = _COMPOUND_KEYWORDS | {"ELIF", "ELSE", "LAMBDA"}
_STATEMENT_KEYWORDS = _COMPOUND_KEYWORDS | {"ELIF", "ELSE", "INPUT", "RETURN", "PASS", "BREAK",
                                            "CONTINUE", "ASSERT"}
_EXPRESSION_START_TYPES = {"NAME", "NUMBER", "STRING", "TRUE", "FALSE", "NONE", "LPAR", "LSQB", "ADD_OP",
                           "NOT", "LAMBDA"}
_LINE_START_TYPES = {None, "_NEWLINE", "_INDENT", "_DEDENT", "SEMICOLON"}

# What goes wrong after a header keyword, and what the header looks like.
_HEADER_PARTS = {
    "IF": ("the if condition", "if x > 0:"),
    "ELIF": ("the elif condition", "elif x > 0:"),
    "ELSE": ("'else'", "else:"),
    "WHILE": ("the while condition", "while x < 10:"),
    "FOR": ("the for header", "for i in range(n):"),
    "DEF": ("the parameter list", "def f(x, y):"),
    "BACKWARD": ("the parameter list", "backward f(x, g):"),
    "WITH": ("the with context", "with no_grad:"),
    "LAMBDA": ("the lambda parameters", "lambda x, y: x * y"),
}

# Words of Python statements autodiff does not have, met at the start of a line.
_PYTHON_ONLY = {
    "import": "autodiff programs cannot import modules",
    "from": "autodiff programs cannot import modules",
    "class": "autodiff has no classes; use functions",
    "global": "autodiff has no global declarations; pass values in and return them",
    "nonlocal": "autodiff has no nonlocal declarations; pass values in and return them",
    "del": "autodiff has no 'del'; a variable lives until the end of its function",
    "try": "autodiff has no exceptions",
    "except": "autodiff has no exceptions",
    "finally": "autodiff has no exceptions",
    "raise": "autodiff has no exceptions; use 'assert condition, \"message\"'",
    "yield": "autodiff has no generators",
    "async": "autodiff has no asynchronous code",
    "await": "autodiff has no asynchronous code",
}

_TERMINAL_WORDS = {
    "NAME": "a name", "NUMBER": "a number", "STRING": "a string", "_NEWLINE": "end of line",
    "_INDENT": "an indented block", "_DEDENT": "the end of the block", "$END": "end of input",
    "ADD_OP": "an operator", "MUL_OP": "an operator", "POW": "an operator", "COMP_OP": "an operator",
    "AUG_ASSIGN": "'+='", "TRUE": "a value", "FALSE": "a value", "NONE": "a value", "ELLIPSIS": "'...'",
}

_UNKNOWN_CHARACTER_HINTS = {
    "!": "use 'not' for negation ('!=' is 'not equal')",
    "&": "use 'and'",
    "|": "use 'or'",
    "~": "autodiff has no bitwise operators",
    "{": "autodiff has no dicts or sets; vectors are written [1, 2, 3]",
    "}": "autodiff has no dicts or sets; vectors are written [1, 2, 3]",
    "?": "a conditional is written 'a if condition else b'",
    "`": "strings are written in '...' or \"...\"",
    "$": "'$' is not part of autodiff's syntax",
    "\r": "a carriage return alone is an old Mac line ending; save the file with '\\n' line endings",
}
_LOOKALIKES = {
    "\u2212": "-", "\u2013": "-", "\u2014": "-", "\u00d7": "*", "\u00b7": "*", "\u22c5": "*",
    "\u00f7": "/", "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2264": "<=",
    "\u2265": ">=", "\u2260": "!=",
}


def _translate(error: ParseError, text: str, machinery: _Machinery) -> ProgramSyntaxError:
    """Turn the parser's exception into the message the user sees."""
    if isinstance(error, UnexpectedCharacters):
        return _unexpected_character(text, error.pos_in_stream, error.line, error.column)
    if isinstance(error, UnexpectedToken) and error.state is not None:
        expected = _acceptable_terminals(error.state, set(error.expected))
        return _unexpected_token(error.token, expected, error.state.value_stack, text, machinery)
    return ProgramSyntaxError("invalid syntax", None, hint=str(error).splitlines()[0] if str(error) else None)


def _acceptable_terminals(state: ParserState, candidates: set) -> set:
    """The terminals that could really come next (as lark's InteractiveParser.accepts).

    `expected` lists what the current LALR state has actions for; right
    after a name or a number that state is shared by every context, so its
    list is everything that may follow a name anywhere in the grammar. Trying
    each candidate on a copy of the parser tells which ones fit here.
    """
    accepted = set()
    for terminal in candidates:
        trial = state.copy(quiet=True)     # build no AST, raise no errors of ours
        try:
            trial.feed_token(Token(terminal, ""), terminal == "$END")
        except UnexpectedToken:
            continue
        accepted.add(terminal)
    return accepted


def _unexpected_character(text: str, position: int, line: int, column: int) -> ProgramSyntaxError:
    import unicodedata

    char = text[position]
    span = Span(line, column, line, column + 1)
    if char in "\"'":
        line_end = text.find("\n", position)
        line_end = len(text) if line_end < 0 else line_end
        end_col = column + len(text[position:line_end].rstrip("\r"))
        return ProgramSyntaxError("unterminated string", Span(line, column, line, end_col),
                                  hint=f"close the string with {char} before the end of the line")
    if char == ".":
        before = text[:position].rstrip(" \t")
        if before and (before[-1].isalnum() or before[-1] in "_)]"):
            return ProgramSyntaxError("unexpected '.'", span,
                                      hint="autodiff has no attribute access; functions are called "
                                           "directly, as in 'sin(x)'")
        return ProgramSyntaxError("unexpected '.'", span,
                                  hint="a '.' can only appear in a number, as in '0.5'")
    if char == "\\":
        return ProgramSyntaxError("unexpected '\\'", span,
                                  hint="a '\\' joins lines only as the last character of a line")
    code = f"U+{ord(char):04X}"
    name = unicodedata.name(char, "")
    described = f"{code} {name}".rstrip()
    shown = f"'{char}'" if char.isprintable() and not char.isspace() else code
    message = f"unknown character {shown}"
    if char in _UNKNOWN_CHARACTER_HINTS:
        hint = f"{_UNKNOWN_CHARACTER_HINTS[char]} ({described})"
    elif char in _LOOKALIKES:
        hint = f"{described} looks like '{_LOOKALIKES[char]}'; type '{_LOOKALIKES[char]}' instead"
    elif unicodedata.category(char) == "Zs" or char == "\ufeff":
        hint = f"{described} is invisible whitespace; retype it as a plain space"
    elif char.isalpha():
        hint = f"{described}: names use only ASCII letters, digits and '_'"
    else:
        hint = f"{described} is not part of autodiff's syntax"
    return ProgramSyntaxError(message, span, hint=hint)


def _a(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def _describe(token) -> str:
    kind, value = token.type, str(token.value)
    if kind == "_NEWLINE":
        return "end of line"
    if kind == "$END":
        return "end of input"
    if kind == "_INDENT":
        return "indent"
    if kind == "_DEDENT":
        return "unindent"
    if kind == "NAME":
        return f"name '{value}'"
    if kind == "NUMBER":
        return f"number {value}"
    if kind == "STRING":
        return f"string {value if len(value) <= 24 else value[:20] + '...' + value[-1]}"
    return f"'{value}'"


def _expected_summary(expected: set, machinery: _Machinery) -> str:
    words: list[str] = []
    if {"NAME", "NUMBER", "LPAR"} <= expected:
        words.append("an expression")
        expected = expected - _EXPRESSION_START_TYPES
    ordered = sorted(expected, key=lambda name: (name not in ("RPAR", "RSQB", "COLON", "COMMA", "ASSIGN",
                                                              "IN", "ELSE", "_NEWLINE", "_INDENT"), name))
    for name in ordered:
        if name in _TERMINAL_WORDS:
            word = _TERMINAL_WORDS[name]
        else:
            literal = machinery.parser.literals.get(name)
            word = f"'{literal}'" if literal is not None else name.lower()
        if word not in words:
            words.append(word)
    if len(words) > 4:
        words = words[:4]
    if not words:
        return "something else"
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _position(token, machinery: _Machinery) -> Span:
    """Where to point for `token`: at it, or just after the text for layout tokens."""
    if token.type in ("_NEWLINE", "$END", "_DEDENT"):
        last = machinery.postlexer.last_visible
        if last is not None:
            return Span(last.end_line, last.end_column, last.end_line, last.end_column + 1)
    return Span(token.line, token.column, token.end_line, max(token.end_column, token.column + 1))


def _enclosing_header(stack: list):
    """The block-header keyword (or `lambda`) the parser is in the middle of, if any."""
    closed_groups = 0   # `def f(x)` leaves its brackets on the stack
    for position in range(len(stack) - 1, -1, -1):
        item = stack[position]
        kind = getattr(item, "type", None)
        if kind in _CLOSERS:
            closed_groups += 1
        elif kind in _OPENERS:
            if not closed_groups:
                return None   # inside an open bracket: no header's business
            closed_groups -= 1
        if kind in _HEADER_KEYWORDS:
            if kind in ("IF", "ELSE") and position > 0 and hasattr(stack[position - 1], "span"):
                continue   # the `if`/`else` of a conditional expression `a if c else b`
            return item
    return None


def _closed_later(text: str, position: int) -> bool:
    """Whether a bracket open at `position` gets closed further on (a rough scan)."""
    depth = 0
    index, length = position, len(text)
    while index < length:
        char = text[index]
        if char == "#":
            index = text.find("\n", index)
            if index < 0:
                return False
        elif char in "\"'":
            end = text.find(char, index + 1)
            newline = text.find("\n", index + 1)
            index = end if end >= 0 and (newline < 0 or end < newline) else index
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
            if depth < 0:
                return True
        index += 1
    return False


def _unexpected_token(token, expected: set, stack: list, text: str,
                      machinery: _Machinery) -> ProgramSyntaxError:
    """Explain a token the parser cannot take. The rules go from the most
    specific diagnosis to the generic "unexpected X / expected Y"; the first
    that applies wins."""
    postlexer = machinery.postlexer
    kind = token.type
    previous = postlexer.previous if token is postlexer.current else postlexer.current
    previous_kind = previous.type if previous is not None else None
    where = _position(token, machinery)
    message = f"unexpected {_describe(token)}"

    def error(headline: str, hint: Optional[str], span: Span = where) -> ProgramSyntaxError:
        return ProgramSyntaxError(headline, span, hint=hint)

    # A Python statement autodiff lacks (`import os`, `class A:`): the
    # parser trips on its second token, but the first one is the news.
    start = postlexer.statement_start
    if (start is not None and previous is start and start.type == "NAME" and start.value in _PYTHON_ONLY):
        return error(f"'{start.value}' is not part of autodiff", _PYTHON_ONLY[start.value],
                     _token_span(start))

    # A bracket left open on an earlier line swallows the newlines after it,
    # so the next statement shows up as a strange continuation.
    if postlexer.open_brackets and kind not in _LAYOUT_TYPES:
        opening, _ = postlexer.open_brackets[-1]
        closing = _BRACKET_TEXT[_OPENERS[opening.type]]
        if opening.line < token.line and not _closed_later(text, token.start_pos):
            return error(f"'{opening.value}' was never closed",
                         f"add the missing '{closing}' before line {token.line}", _token_span(opening))
        first_on_line = previous is not None and previous.end_line < token.line
        if opening.line < token.line and first_on_line and kind in _STATEMENT_KEYWORDS:
            return error(message, f"is the '{opening.value}' on line {opening.line} missing its '{closing}'?")

    if kind == "ELLIPSIS":
        return error(message, "'...' appears only inside an index, where it stands for the axes the other "
                              "indices leave, as in 'x[..., 0]'")

    if kind == "_INDENT":
        return error("unexpected indent", "only the body of a block (after a line ending in ':') "
                                          "is indented more than the line before")

    if "_INDENT" in expected:
        header = _enclosing_header(stack)
        if header is None:
            return error("expected an indented block", "indent the lines after a line ending in ':'")
        return error(f"expected an indented block after '{header.value}'",
                     f"indent the body of the '{header.value}' on line {header.line}; "
                     f"write 'pass' for an empty body")

    if kind in ("ELSE", "ELIF") and kind not in expected:
        if previous_kind in _LINE_START_TYPES:
            return error(f"'{token.value}' without a matching 'if'",
                         f"an '{token.value}' must line up with the 'if' it belongs to, right after its body")
        if any(getattr(item, "type", None) == "IF" for item in stack):
            return error(message, f"start the '{token.value}' on a new line, lined up with its 'if'")
        return error(message, "a conditional expression is written 'a if condition else b'")

    if kind in _CLOSERS:
        opener_text = _BRACKET_TEXT[_CLOSERS[kind]]
        expects_expression = {"NAME", "NUMBER", "LPAR"} <= expected
        if expects_expression and previous_kind not in _OPENERS and previous_kind not in _LINE_START_TYPES:
            return error(message, f"expected an expression after {_describe(previous)}")
        if not postlexer.open_brackets:
            return error(f"unmatched '{token.value}'", f"there is no '{opener_text}' open here")
        opening, _ = postlexer.open_brackets[-1]
        if opening.type != _CLOSERS[kind]:
            on_line = "" if opening.line == token.line else f" on line {opening.line}"
            closing = _BRACKET_TEXT[_OPENERS[opening.type]]
            return error(f"closing '{token.value}' does not match the opening '{opening.value}'{on_line}",
                         f"close the '{opening.value}' with '{closing}' first")

    if kind in _COMPOUND_KEYWORDS and kind not in expected and previous_kind in ("COLON", "SEMICOLON"):
        under = ", indented under the line ending in ':'" if previous_kind == "COLON" else ""
        return error(message, f"{_a(token.value)} '{token.value}' statement must start a new line{under}")

    header = _enclosing_header(stack)
    if header is not None and header.type == "FOR" and "IN" in expected and kind != "IN":
        return error(message, "a for loop is written 'for name in iterable:', as in 'for i in range(n):'")
    if header is not None and header.type == "FOR" and kind == "IN" and previous is header:
        return error(message, "a for loop needs a variable before 'in', as in 'for i in range(n):'")

    # Reserved words where a name belongs.
    if kind in _KEYWORDS and kind not in expected and "NAME" in expected:
        return error(f"'{token.value}' is a reserved word and cannot be used as a name",
                     "choose another name", _token_span(token))
    if previous is not None and previous.type in _KEYWORDS and previous.type not in ("TRUE", "FALSE", "NONE") and (
            kind in ("ASSIGN", "AUG_ASSIGN")
            or (previous.type in ("LAMBDA", "INPUT") and kind not in ("NAME", "NUMBER", "STRING"))):
        return error(f"'{previous.value}' is a reserved word and cannot be used as a name",
                     "choose another name", _token_span(previous))

    if kind == "ASSIGN" and previous_kind in _EXPRESSION_END_TYPES:
        return error(message, "'=' is assignment; use '==' to compare")

    if "ELSE" in expected and "NAME" not in expected and kind != "ELSE":   # `a if c` without `else b`
        return error(message, "a conditional expression is written 'a if condition else b'")

    if kind == "FOR" and postlexer.open_brackets:
        return error(message, "autodiff has no comprehensions; build the result in a for loop")
    if kind == "IN" and previous_kind in _EXPRESSION_END_TYPES:
        return error(message, "autodiff has no 'in' operator; 'in' only appears in 'for name in iterable:'")
    if kind == "NAME" and token.value == "is" and previous_kind in _EXPRESSION_END_TYPES:
        return error(message, "autodiff has no 'is'; compare values with '==' or '!='")

    if "COLON" in expected:
        if header is not None:
            what, example = _HEADER_PARTS[header.type]
            if header.type == "ELSE" and kind == "IF":
                return error(message, "write 'elif condition:', not 'else if condition:'")
            if kind in ("_NEWLINE", "$END"):
                return error(f"expected ':' after {what}",
                             f"{_a(header.value)} '{header.value}' line ends with ':', as in '{example}'")
            return error(message, f"expected ':' after {what}")

    if kind == "MUL_OP" and token.value == "@" and previous_kind in _LINE_START_TYPES:
        return error(message, "autodiff has no decorators")
    if (kind in ("MUL_OP", "POW") and token.value in ("*", "**") and previous_kind in ("LPAR", "COMMA")
            and postlexer.open_brackets and postlexer.open_brackets[-1][1] in ("arguments", "parameters")):
        return error(message, "autodiff has no '*args' or '**kwargs'")

    expects_expression = {"NAME", "NUMBER", "LPAR"} <= expected
    if expects_expression and kind not in _EXPRESSION_START_TYPES:
        if previous_kind in _LINE_START_TYPES:
            return error(message, f"a statement cannot start with {_describe(token)}")
        return error(message, f"expected an expression after {_describe(previous)}")

    if previous_kind in _EXPRESSION_END_TYPES and kind in _EXPRESSION_START_TYPES | {"NOT"}:
        if postlexer.open_brackets:
            bracket_kind = postlexer.open_brackets[-1][1]
            if "COMMA" in expected:
                between = {"list": "list elements", "index": "indices", "arguments": "arguments",
                           "parameters": "parameters"}.get(bracket_kind)
                return error(message, f"missing ',' between {between}?" if between
                             else "missing ',' or an operator before it?")
        return error(message, f"missing an operator between {_describe(previous)} and {_describe(token)}?")

    if kind == "$END":
        return error("unexpected end of input", f"expected {_expected_summary(expected, machinery)}")
    return error(message, f"expected {_expected_summary(expected, machinery)}")
