"""Tests of the autodiff parser: AST shapes, layout, spans, error messages, limits, start-up."""
from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autodiff.grammar import ProgramError, ProgramSyntaxError, Source, ast, parse
from autodiff.grammar.parser import MAX_BLOCK_DEPTH, MAX_EXPRESSION_DEPTH, MAX_SOURCE_CHARS


# -------------------------------------------------------------------- helpers

def body(text: str) -> tuple:
    return parse(Source(text)).body


def expr(text: str):
    """The expression of a one-statement program `text` (an ExprStmt)."""
    (statement,) = body(text)
    assert isinstance(statement, ast.ExprStmt)
    return statement.expr


def syntax_error(text: str) -> ProgramSyntaxError:
    with pytest.raises(ProgramSyntaxError) as caught:
        parse(Source(text, "bad.expr"))
    return caught.value


def sexp(node) -> str:
    """A compact, span-free rendering of an expression, for comparing shapes."""
    if node is None:
        return "_"
    if isinstance(node, ast.Number):
        return f"{node.value:g}"
    if isinstance(node, ast.Bool):
        return "true" if node.value else "false"
    if isinstance(node, ast.String):
        return repr(node.value)
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.BinaryOp):
        return f"({node.op} {sexp(node.left)} {sexp(node.right)})"
    if isinstance(node, ast.UnaryOp):
        return f"({node.op} {sexp(node.operand)})"
    if isinstance(node, ast.BoolOp):
        return f"({node.op} {sexp(node.left)} {sexp(node.right)})"
    if isinstance(node, ast.Compare):
        parts = [sexp(node.operands[0])]
        for op, operand in zip(node.ops, node.operands[1:]):
            parts += [op, sexp(operand)]
        return "(compare " + " ".join(parts) + ")"
    if isinstance(node, ast.IfExp):
        return f"(ifexp {sexp(node.cond)} {sexp(node.then)} {sexp(node.orelse)})"
    if isinstance(node, ast.Call):
        parts = [sexp(node.func)] + [sexp(a) for a in node.args]
        parts += [f"{k.name}={sexp(k.value)}" for k in node.kwargs]
        return "(call " + " ".join(parts) + ")"
    if isinstance(node, ast.Index):
        return "(index " + " ".join([sexp(node.target)] + [sexp(i) for i in node.indices]) + ")"
    if isinstance(node, ast.Slice):
        return f"(slice {sexp(node.start)} {sexp(node.stop)} {sexp(node.step)})"
    if isinstance(node, ast.ListLiteral):
        return "[" + " ".join(sexp(i) for i in node.items) + "]"
    if isinstance(node, ast.TupleLiteral):
        return "(tuple" + "".join(" " + sexp(i) for i in node.items) + ")"
    if isinstance(node, ast.Lambda):
        params = " ".join(p.name if p.default is None else f"{p.name}={sexp(p.default)}" for p in node.params)
        return f"(lambda ({params}) {sexp(node.body)})"
    raise AssertionError(f"not an expression: {node!r}")


def span(node) -> tuple:
    s = node.span
    return (s.line, s.col, s.end_line, s.end_col)


# ----------------------------------------------------------- sample programs

SAMPLE_PROGRAMS = [
    "input a = 0.5\n"
    "def f(a):\n"
    "    b = a * 2\n"
    "    while norm(b) < 1000:\n"
    "        b = b * 2\n"
    "    if sum(b) > 0:\n"
    "        c = b\n"
    "    else:\n"
    "        c = 100 * b\n"
    "    return c\n"
    "d = f(a)\n",
    "input x = [0, 1, 2, 3]\ny = 2 * dot(x, x)\n",
    "x^2 + y^3",
]


@pytest.mark.parametrize("text", SAMPLE_PROGRAMS)
def test_sample_programs_parse(text):
    assert isinstance(parse(Source(text)), ast.Module)


def test_first_sample_shape():
    first, function, last = body(SAMPLE_PROGRAMS[0])
    assert first == ast.Input(first.span, "a", ast.Number(first.default.span, 0.5))
    assert isinstance(function, ast.FunctionDef) and function.name == "f"
    assert [p.name for p in function.params] == ["a"]
    assign, loop, branch, ret = function.body
    assert isinstance(loop, ast.While) and sexp(loop.cond) == "(compare (call norm b) < 1000)"
    assert isinstance(branch, ast.If) and len(branch.branches) == 1 and len(branch.orelse) == 1
    assert isinstance(ret, ast.Return) and sexp(ret.value) == "c"
    assert isinstance(last, ast.Assign) and sexp(last.value) == "(call f a)"


def test_single_expression_without_newline():
    assert sexp(expr("x^2 + y^3")) == "(+ (^ x 2) (^ y 3))"


# ------------------------------------------------------------------ literals

@pytest.mark.parametrize("text, value", [
    ("3", 3.0), ("2.5", 2.5), (".5", 0.5), ("3.", 3.0), ("1e-3", 1e-3), ("2E+5", 2e5), ("1.5e2", 150.0),
])
def test_numbers_are_floats(text, value):
    number = expr(text)
    assert isinstance(number, ast.Number) and number.value == value and type(number.value) is float


def test_booleans_and_strings():
    assert expr("true") == ast.Bool(expr("true").span, True)
    assert expr("false").value is False
    assert expr("'it\\'s'").value == "it's"
    assert expr('"a\\nb \\"q\\" \\\\"').value == 'a\nb "q" \\'
    assert expr("'unknown \\q escape'").value == "unknown \\q escape"
    assert expr('""').value == ""


@pytest.mark.parametrize("text, shape", [
    ("[1, 2, 3]", "[1 2 3]"),
    ("[[1, 2], [3, 4]]", "[[1 2] [3 4]]"),
    ("[x[0]^2, x[1]^3]", "[(^ (index x 0) 2) (^ (index x 1) 3)]"),
    ("[1, 2,]", "[1 2]"),
    ("[]", "[]"),
    ("[\n  1,\n  2,\n]", "[1 2]"),
])
def test_lists(text, shape):
    assert sexp(expr(text)) == shape


@pytest.mark.parametrize("text, shape", [
    ("(a, b)", "(tuple a b)"),
    ("(a,)", "(tuple a)"),
    ("(a)", "a"),
    ("((a))", "a"),
    ("()", "(tuple)"),
    ("a, b", "(tuple a b)"),
    ("a,", "(tuple a)"),
])
def test_tuples(text, shape):
    assert sexp(expr(text)) == shape


# ---------------------------------------------------------------- precedence

@pytest.mark.parametrize("text, shape", [
    ("-x^2", "(- (^ x 2))"),
    ("2^3^2", "(^ 2 (^ 3 2))"),
    ("2**3**2", "(^ 2 (^ 3 2))"),
    ("2^-1", "(^ 2 (- 1))"),
    ("-x * y", "(* (- x) y)"),
    ("+x", "(+ x)"),
    ("a + b * c", "(+ a (* b c))"),
    ("a - b - c", "(- (- a b) c)"),
    ("a / b // c % d @ e", "(@ (% (// (/ a b) c) d) e)"),
    ("a < b < c", "(compare a < b < c)"),
    ("a <= b == c != d >= e > f", "(compare a <= b == c != d >= e > f)"),
    ("a + 1 < b * 2", "(compare (+ a 1) < (* b 2))"),
    ("not a and b", "(and (not a) b)"),
    ("not a == b", "(not (compare a == b))"),
    ("a or b and c", "(or a (and b c))"),
    ("a and b and c", "(and (and a b) c)"),
    ("x if c else y", "(ifexp c x y)"),
    ("a if b else c if d else e", "(ifexp b a (ifexp d c e))"),
    ("x + 1 if c or d else y", "(ifexp (or c d) (+ x 1) y)"),
    ("lambda x, y: x + y", "(lambda (x y) (+ x y))"),
    ("lambda: 1", "(lambda () 1)"),
    ("lambda x, k=2: x if k else 0", "(lambda (x k=2) (ifexp k x 0))"),
    ("f(x)(y)[0]", "(index (call (call f x) y) 0)"),
    ("grad(grad(f))(2.0)", "(call (call grad (call grad f)) 2)"),
    ("-f(x)[1]^2", "(- (^ (index (call f x) 1) 2))"),
])
def test_precedence(text, shape):
    assert sexp(expr(text)) == shape


# ------------------------------------------------------- calls and indexing

@pytest.mark.parametrize("text, shape", [
    ("f()", "(call f)"),
    ("f(x)", "(call f x)"),
    ("sum(x, axis=0)", "(call sum x axis=0)"),
    ("f(a, b, k=1, m=x+1,)", "(call f a b k=1 m=(+ x 1))"),
    ("f(lambda x: x, 3)", "(call f (lambda (x) x) 3)"),
    ("f(x == 1)", "(call f (compare x == 1))"),
])
def test_calls(text, shape):
    assert sexp(expr(text)) == shape


@pytest.mark.parametrize("text, shape", [
    ("x[0]", "(index x 0)"),
    ("x[-1]", "(index x (- 1))"),
    ("x[1:3]", "(index x (slice 1 3 _))"),
    ("x[::2]", "(index x (slice _ _ 2))"),
    ("x[::-1]", "(index x (slice _ _ (- 1)))"),
    ("x[:]", "(index x (slice _ _ _))"),
    ("x[1:]", "(index x (slice 1 _ _))"),
    ("x[:2]", "(index x (slice _ 2 _))"),
    ("x[a:b:c]", "(index x (slice a b c))"),
    ("A[i, j]", "(index A i j)"),
    ("A[:, 0]", "(index A (slice _ _ _) 0)"),
    ("A[1:, :2]", "(index A (slice 1 _ _) (slice _ 2 _))"),
    ("A[i][j]", "(index (index A i) j)"),
])
def test_indexing(text, shape):
    assert sexp(expr(text)) == shape


# ---------------------------------------------------------------- statements

def test_input():
    plain, with_default = body("input x\ninput y = [1, 2]\n")
    assert plain == ast.Input(plain.span, "x", None)
    assert with_default.name == "y" and sexp(with_default.default) == "[1 2]"


def test_assignments():
    simple, chained, unpack, element, rows, swap = body(
        "x = 1\na = b = f(x)\na, b = f(x)\nx[i] = v\nA[i, :] = v\na, b = b, a\n")
    assert [sexp(t) for t in simple.targets] == ["x"]
    assert [sexp(t) for t in chained.targets] == ["a", "b"] and sexp(chained.value) == "(call f x)"
    assert [sexp(t) for t in unpack.targets] == ["(tuple a b)"]
    assert [sexp(t) for t in element.targets] == ["(index x i)"]
    assert [sexp(t) for t in rows.targets] == ["(index A i (slice _ _ _))"]
    assert sexp(swap.value) == "(tuple b a)"
    assert [sexp(t) for t in body("(a, b) = p\n")[0].targets] == ["(tuple a b)"]


@pytest.mark.parametrize("op", ["+", "-", "*", "/"])
def test_augmented_assignment(op):
    (statement,) = body(f"x[0] {op}= y\n")
    assert isinstance(statement, ast.AugAssign)
    assert statement.op == op and sexp(statement.target) == "(index x 0)" and sexp(statement.value) == "y"
    assert (statement.op_span.line, statement.op_span.col, statement.op_span.end_col) == (1, 6, 8)


def test_if_elif_else():
    (statement,) = body("if a:\n    x = 1\nelif b:\n    x = 2\nelif c:\n    x = 3\nelse:\n    x = 4\n")
    assert isinstance(statement, ast.If)
    assert [sexp(cond) for cond, _ in statement.branches] == ["a", "b", "c"]
    assert all(len(suite) == 1 for _, suite in statement.branches)
    assert len(statement.orelse) == 1


def test_if_without_else_has_empty_orelse():
    (statement,) = body("if a:\n    pass\n")
    assert statement.orelse == () and isinstance(statement.branches[0][1][0], ast.Pass)


def test_one_line_suites():
    (branch,) = body("if x > 0: y = 1\nelse: y = 2; z = 3\n")
    assert len(branch.branches[0][1]) == 1
    assert [sexp(s.targets[0]) for s in branch.orelse] == ["y", "z"]
    (loop,) = body("while x: x = x - 1; y = y + 1\n")
    assert len(loop.body) == 2
    assert len(body("x = 1; y = 2;\n")) == 2


def test_loops():
    while_loop, for_range, for_tuple, for_any = body(
        "while true:\n    break\n"
        "for i in range(1, 10, 2):\n    continue\n"
        "for i, v in enumerate(x):\n    pass\n"
        "for row in A[1:]:\n    pass\n")
    assert sexp(while_loop.cond) == "true" and isinstance(while_loop.body[0], ast.Break)
    assert sexp(for_range.target) == "i" and sexp(for_range.iterable) == "(call range 1 10 2)"
    assert isinstance(for_range.body[0], ast.Continue)
    assert sexp(for_tuple.target) == "(tuple i v)"
    assert sexp(for_any.iterable) == "(index A (slice 1 _ _))"


def test_function_and_backward_definitions():
    function, rule = body(
        "def f(x, y=2):\n    return\n"
        "backward quad(x, a, b, c, g):\n    return g * (2*a*x + b), g * x^2, g * x, g\n")
    assert isinstance(function, ast.FunctionDef)
    assert [(p.name, sexp(p.default)) for p in function.params] == [("x", "_"), ("y", "2")]
    assert function.body == (ast.Return(function.body[0].span, None),)
    assert isinstance(rule, ast.BackwardDef) and rule.name == "quad"
    assert [p.name for p in rule.params] == ["x", "a", "b", "c", "g"]
    assert sexp(rule.body[0].value).startswith("(tuple (* g (+ (* (* 2 a) x) b))")
    (empty,) = body("def g():\n    pass\n")
    assert empty.params == ()


def test_return_forms():
    returns = body("def f(x):\n    return\n    return x\n    return a, b\n")[0].body
    assert [sexp(r.value) for r in returns] == ["_", "x", "(tuple a b)"]


def test_assert_pass_break_continue():
    plain, message = body("assert x > 0\nassert x > 0, \"x must be positive\"\n")
    assert sexp(plain.test) == "(compare x > 0)" and plain.message is None
    assert message.message.value == "x must be positive"
    assert isinstance(body("pass")[0], ast.Pass)


def test_with():
    no_grad, checkpoint, called = body(
        "with no_grad:\n    y = x\nwith checkpoint:\n    pass\nwith scope(1, k=2):\n    pass\n")
    assert sexp(no_grad.context) == "no_grad" and len(no_grad.body) == 1
    assert sexp(checkpoint.context) == "checkpoint"
    assert sexp(called.context) == "(call scope 1 k=2)"


def test_expression_statements():
    printed, final = body("print(x)\nx^2 + y^3\n")
    assert isinstance(printed, ast.ExprStmt) and sexp(printed.expr) == "(call print x)"
    assert sexp(final.expr) == "(+ (^ x 2) (^ y 3))"


def test_empty_programs():
    for text in ["", "\n\n", "# only a comment", "   \n", "\n# c\n\n"]:
        assert parse(Source(text)).body == ()


EVERY_CONSTRUCT = """\
input a = 0.5
input x
def f(a, b=2):
    c = d = a * b; e, g = 1, 2
    while norm(c) < 1000 and not done or false:
        c *= 2
        if c > 10: break
        else: continue
    if sum(c) > 0:
        h = c[1:3, ::-1, :, 0]
    elif c[0] == 1: h = -c^2 ** 3
    else:
        h = [[1, 2], [3, 4],]
        h[0] -= 1
        h[i, :] = [a, (b,), (), (a, b)]
    for i, v in enumerate(x):
        h /= v
    for i, (p, w) in enumerate(zip(x, h[None, ..., 0])):
        h **= w; h //= 2; h %= 3; h @= p
    assert h, "message"
    pass
    return h, lambda y, k=1: y if k else -y
backward f(a, b, g):
    return g * b, g * a
with no_grad:
    y = f(a, b=2, axis=None)(2.0)[0] @ x // 3 % 2
x^2 + y^3 <= 'text' != true
"""


def test_every_construct_gives_a_well_formed_tree():
    # Walks the whole tree: every field holds what ast.py declares, and no
    # lark token (a str subclass) or helper list leaks into the AST.
    expression_types = tuple(t for t in ast.Expr.__args__)
    statement_types = tuple(t for t in ast.Stmt.__args__)
    module = parse(Source(EVERY_CONSTRUCT))
    seen = set()
    pending = [module]
    while pending:
        node = pending.pop()
        seen.add(type(node))
        if not isinstance(node, ast.Module):
            assert type(node.span) is ast.Span
        for field, value in ((f, getattr(node, f)) for f in node.__slots__ if f != "span"):
            where = f"{type(node).__name__}.{field}"
            if field in ("id", "name", "op"):
                assert type(value) is str, where
            elif field == "ops":
                assert type(value) is tuple and all(type(op) is str for op in value), where
            elif field in ("value",) and isinstance(node, (ast.Number, ast.Bool, ast.String)):
                assert type(value) in (float, bool, str), where
            elif field == "op_span":
                assert type(value) is ast.Span, where
            elif field in ("body", "orelse") and isinstance(node, statement_types + (ast.Module,)):
                assert type(value) is tuple, where
                assert all(isinstance(s, statement_types) for s in value), where
                pending.extend(value)
            elif field == "branches":
                for condition, suite in value:
                    assert isinstance(condition, expression_types) and type(suite) is tuple, where
                    assert all(isinstance(s, statement_types) for s in suite), where
                    pending.append(condition)
                    pending.extend(suite)
            elif type(value) is tuple:
                allowed = expression_types + (ast.Param, ast.Keyword, ast.Slice, ast.EllipsisIndex)
                assert all(isinstance(item, allowed) for item in value), where
                pending.extend(value)
            elif value is not None:
                assert isinstance(value, expression_types + statement_types), where
                pending.append(value)
    every_node_type = set(expression_types) | set(statement_types) | {ast.Param, ast.Keyword, ast.Slice,
                                                                       ast.EllipsisIndex, ast.Module}
    assert every_node_type - seen == set()


# ------------------------------------------------------------- layout

def test_nested_blocks():
    (function,) = body(
        "def f(x):\n"
        "    for i in range(3):\n"
        "        if x > i:\n"
        "            while x > 0:\n"
        "                x = x - 1\n"
        "        else:\n"
        "            x = 0\n"
        "    return x\n")
    loop, ret = function.body
    (branch,) = loop.body
    assert isinstance(branch.branches[0][1][0], ast.While) and len(branch.orelse) == 1
    assert isinstance(ret, ast.Return)


def test_comments_and_blank_lines_inside_blocks():
    text = ("# leading comment\n\n"
            "   # indented comment\n"
            "x = 1  # trailing comment\n"
            "if x:\n"
            "\n"
            "    # comment inside\n"
            "    y = 2\n"
            "# comment at column 1 inside the block\n"
            "        # deeper comment\n"
            "\n"
            "    z = 3\n"
            "w = 4\n")
    assign, branch, last = body(text)
    assert len(branch.branches[0][1]) == 2 and sexp(last.value) == "4"


def test_crlf_line_endings():
    statements = body("x = 1\r\nif x:\r\n    y = 2\r\n\r\n# c\r\nz = 3\r\n")
    assert len(statements) == 3
    assert span(statements[2]) == (6, 1, 6, 6)


def test_no_final_newline_and_trailing_whitespace():
    assert len(body("if x:\n    y = 1")) == 1
    assert len(body("x = 1\n   ")) == 1
    assert len(body("if x:\n    pass\n  \n")) == 1
    assert len(body("x = 1  # comment without newline")) == 1


def test_tabs():
    (function,) = body("def f(x):\n\tif x:\n\t\treturn 1\n\treturn 2\n")
    assert len(function.body) == 2
    assert span(function.body[1]) == (4, 2, 4, 10)   # columns count characters


def test_newlines_inside_brackets_and_backslash_continuation():
    call, total = body("y = f(\n    1,\n        2,\n)\nz = 1 + \\\n    2\n")
    assert sexp(call.value) == "(call f 1 2)" and span(call.value) == (1, 5, 4, 2)
    assert sexp(total.value) == "(+ 1 2)"


def test_byte_order_mark_is_ignored():
    (statement,) = body("\ufeffx = 1\n")
    assert span(statement) == (1, 1, 1, 6)


# --------------------------------------------------------------------- spans

def test_binary_op_spans():
    node = expr("a + b * c")
    assert span(node) == (1, 1, 1, 10)
    assert (node.op_span.line, node.op_span.col, node.op_span.end_col) == (1, 3, 4)
    assert (node.right.op_span.col, node.right.op_span.end_col) == (7, 8)
    power = expr("x ** 2")
    assert power.op == "^" and (power.op_span.col, power.op_span.end_col) == (3, 5)


def test_expression_spans():
    call = expr("f(x, k=1)")
    assert span(call) == (1, 1, 1, 10) and span(call.kwargs[0]) == (1, 6, 1, 9)
    index = expr("A[1:, :2]")
    assert span(index) == (1, 1, 1, 10)
    assert span(index.indices[0]) == (1, 3, 1, 5) and span(index.indices[1]) == (1, 7, 1, 9)
    assert span(expr("(a, b)")) == (1, 1, 1, 7)
    assert span(expr("[1, 2]")) == (1, 1, 1, 7)
    assert span(expr("-x")) == (1, 1, 1, 3)
    assert span(expr("lambda x: x")) == (1, 1, 1, 12)
    assert span(expr("'abc'")) == (1, 1, 1, 6)


def test_statement_spans_cover_their_bodies():
    branch, assign = body("if x:\n    y = 1\nelse:\n    y = 22\nz = 3\n")
    assert span(branch) == (1, 1, 4, 11)
    assert span(assign) == (5, 1, 5, 6)
    (function,) = body("def f(x): return x")
    assert span(function) == (1, 1, 1, 19)


def test_error_span_points_at_the_token():
    error = syntax_error("x = 1\ny = x + )\n")
    assert (error.span.line, error.span.col) == (2, 9)
    assert error.message == "unexpected ')'"
    assert isinstance(error, ProgramError) and error.kind == "syntax error"


# ----------------------------------------------------------------- bad input

BAD_PROGRAMS = [
    # (text, message, line, col, fragment of the hint)
    ("y = x + )\n", "unexpected ')'", 1, 9, "expected an expression after '+'"),
    ("y = x +\n", "unexpected end of line", 1, 8, "expected an expression after '+'"),
    ("x = 1 ** \n", "unexpected end of line", 1, 9, "expected an expression after '**'"),
    ("x = 1\ny = f(2,\n", "unexpected end of input", 2, 6, "an opening '(' on line 2 is never closed"),
    ("y = (x\nz = 2\n", "'(' was never closed", 1, 5, "add the missing ')'"),
    ("x = [1, 2\nwhile x:\n    pass\n", "'[' was never closed", 1, 5, "add the missing ']'"),
    ("  x = 1\n", "unexpected indent", 1, 3, "must not be indented"),
    ("if x:\n    y = 1\n        z = 2\n", "unexpected indent", 3, 9, "indented more"),
    ("x = 1\n    y = 2\n", "unexpected indent", 2, 5, "indented more"),
    ("if x:\n    y = 1\n  z = 2\n",
     "unindent does not match any outer indentation level", 3, 3, "line it up"),
    ("if x:\n\tif y:\n        z = 1\n",
     "inconsistent use of tabs and spaces in indentation", 3, 1, "spaces only"),
    ("if x > 0\n    y = 1\n", "expected ':' after the if condition", 1, 9, "ends with ':'"),
    ("while x < 10\n    x += 1\n", "expected ':' after the while condition", 1, 13, "while x < 10:"),
    ("def f(x)\n    return x\n", "expected ':' after the parameter list", 1, 9, "def f(x, y):"),
    ("while x:\ny = 1\n", "expected an indented block after 'while'", 2, 1, "'while' on line 1"),
    ("def f(x):\nreturn x\n", "expected an indented block after 'def'", 2, 1, "'pass'"),
    ("x = 1 $ 2\n", "unknown character '$'", 1, 7, "U+0024 DOLLAR SIGN"),
    ("x = 1\u00a0+ 2\n", "unknown character U+00A0", 1, 6, "U+00A0 NO-BREAK SPACE"),
    ("x = 3 \u2212 2\n", "unknown character '\u2212'", 1, 7, "U+2212 MINUS SIGN"),
    ("x = {1: 2}\n", "unknown character '{'", 1, 5, "no dicts"),
    ("x = 1\ry = 2\n", "unknown character U+000D", 1, 6, "line ending"),
    ("s = 'abc\n", "unterminated string", 1, 5, "close the string with '"),
    ("if x = 1:\n    pass\n", "unexpected '='", 1, 6, "'=' is assignment; use '==' to compare"),
    ("assert x = 1\n", "unexpected '='", 1, 10, "use '==' to compare"),
    ("x = [1 2]\n", "unexpected number 2", 1, 8, "missing ',' between list elements?"),
    ("x = [[1, 2] [3, 4]]\n", "unexpected '['", 1, 13, "missing ',' between list elements?"),
    ("f(x y)\n", "unexpected name 'y'", 1, 5, "missing ',' between arguments?"),
    ("x = f(a,\n      b\n      c)\n", "unexpected name 'c'", 3, 7, "missing ',' between arguments?"),
    ("y = 2 x\n", "unexpected name 'x'", 1, 7, "missing an operator"),
    ("else:\n    pass\n", "'else' without a matching 'if'", 1, 1, "line up with the 'if'"),
    ("if x: y = 1 else: y = 2\n", "unexpected 'else'", 1, 13, "on a new line"),
    ("if x:\n    pass\nelse if y:\n    pass\n", "unexpected 'if'", 3, 6, "elif"),
    ("y = x.__class__\n", "unexpected '.'", 1, 6, "autodiff has no attribute access"),
    ("import os\n", "'import' is not part of autodiff", 1, 1, "autodiff programs cannot import modules"),
    ("class A:\n    pass\n", "'class' is not part of autodiff", 1, 1, "no classes"),
    ("@dec\ndef f():\n    pass\n", "unexpected '@'", 1, 1, "no decorators"),
    ("def f(*args):\n    pass\n", "unexpected '*'", 1, 7, "'*args'"),
    ("f(x for x in y)\n", "unexpected 'for'", 1, 5, "no comprehensions"),
    ("if x in y:\n    pass\n", "unexpected 'in'", 1, 6, "no 'in' operator"),
    ("f(x) = 3\n", "cannot assign to a function call", 1, 1, "can be assigned to"),
    ("x + 1 = 2\n", "cannot assign to an expression", 1, 1, "use '=='"),
    ("3 = x\n", "cannot assign to a literal", 1, 1, "can be assigned to"),
    ("a, f(b) = 1, 2\n", "cannot assign to a function call", 1, 4, "can be assigned to"),
    ("a, b += 1\n", "cannot use '+=' with several targets", 1, 1, "one variable at a time"),
    ("for f(x) in y:\n    pass\n", "cannot use a function call as a loop variable", 1, 5, "for name in"),
    ("y = sum(axis=0, x)\n", "positional argument follows keyword argument", 1, 17, "sum(x, axis=0)"),
    ("f(a=1, a=2)\n", "keyword argument 'a' repeated", 1, 8, "once"),
    ("def f(x, x):\n    pass\n", "duplicate parameter 'x'", 1, 10, "own name"),
    ("def f(a=1, b):\n    pass\n",
     "parameter 'b' without a default follows one with a default", 1, 12, "last"),
    ("backward f():\n    pass\n", "backward rule 'f' has no parameters", 1, 10, "gradient of its output"),
    ("input = 3\n", "'input' is a reserved word and cannot be used as a name", 1, 1, "another name"),
    ("lambda = 0.1\n", "'lambda' is a reserved word and cannot be used as a name", 1, 1, "another name"),
    ("def if(x):\n    pass\n", "'if' is a reserved word and cannot be used as a name", 1, 5, "another name"),
    ("f(in=3)\n", "'in' is a reserved word and cannot be used as a name", 1, 3, "another name"),
    ("true = 1\n", "'true' is a reserved word and cannot be used as a name", 1, 1, "another name"),
    ("x = (1]\n", "closing ']' does not match the opening '('", 1, 7, "close the '(' with ')' first"),
    ("print(x))\n", "unmatched ')'", 1, 9, "no '(' open"),
    ("for i range(3):\n    pass\n", "unexpected name 'range'", 1, 7, "for name in iterable:"),
    ("for in x:\n    pass\n", "unexpected 'in'", 1, 5, "needs a variable"),
    ("x = 1 if y\n", "unexpected end of line", 1, 11, "'a if condition else b'"),
    ("if x: if y: z = 1\n", "unexpected 'if'", 1, 7, "must start a new line"),
    ("x = lambda x x\n", "unexpected name 'x'", 1, 14, "expected ':' after the lambda parameters"),
    ("x[]\n", "unexpected ']'", 1, 3, "expected an expression after '['"),
    ("= 3\n", "unexpected '='", 1, 1, "a statement cannot start with '='"),
    ("x = 1\r\ny = )\r\n", "unexpected ')'", 2, 5, "expected an expression after '='"),
]


@pytest.mark.parametrize("text, message, line, col, hint", BAD_PROGRAMS,
                         ids=[repr(case[0])[:40] for case in BAD_PROGRAMS])
def test_bad_programs(text, message, line, col, hint):
    error = syntax_error(text)
    assert error.message == message
    assert (error.span.line, error.span.col) == (line, col)
    assert hint in (error.hint or "")


def test_parser_recovers_after_an_error():
    syntax_error("x = (1 +\n")
    syntax_error("if x:\n        y\n    z\n")
    assert sexp(expr("(1 + 2)")) == "(+ 1 2)"


ALPHABET = ["x", "f", "(", ")", "[", "]", ",", ":", ";", "=", "==", "+", "-", "*", "**", "^", "/", "<", "+=",
            " ", "\t", "\n", "\r\n", "\n    ", "\n  ", "#c", "1", "2.5", ".5", "'s'", "'", '"', "\\", ".",
            "if ", "elif ", "else", "while ", "for ", " in ", "def ", "backward ", "return ", "lambda ",
            " and ", "not ", "true", "input ", "pass", "assert ", "with ", "import", "$", "\u00a0", "\u03bb",
            "{"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(ALPHABET), max_size=40))
def test_any_text_parses_or_raises_a_located_syntax_error(pieces):
    text = "".join(pieces)
    try:
        parse(Source(text))
    except ProgramSyntaxError as error:
        assert error.message
        assert error.span is not None
        assert 1 <= error.span.line <= text.count("\n") + text.count("\r") + 2
        assert error.span.col >= 1


# -------------------------------------------------------------------- limits

def timed_error(text: str, seconds: float = 5.0) -> ProgramSyntaxError:
    started = time.perf_counter()
    error = syntax_error(text)
    assert time.perf_counter() - started < seconds
    return error


def test_deepest_allowed_nesting_parses():
    depth = MAX_EXPRESSION_DEPTH
    parse(Source("x = " + "(" * depth + "1" + ")" * depth))
    parse(Source("x = " + "+".join(["1"] * depth)))
    parse(Source("x = " + "^".join(["2"] * depth)))
    parse(Source("x = " + "-" * (depth - 1) + "1"))
    parse(Source("x = " + "f(" * (depth - 1) + "1" + ")" * (depth - 1)))


@pytest.mark.parametrize("text, where", [
    ("x = " + "(" * 10_000 + "1" + ")" * 10_000, (1, 205)),
    ("x = " + "[" * 10_000 + "1" + "]" * 10_000, (1, 205)),
    ("x = " + "(" * 10_000, (1, 205)),
    ("x = " + "+".join(["1"] * 50_000), (1, 404)),   # a line of 100,000 characters
    ("x = " + "+".join(["1"] * (MAX_EXPRESSION_DEPTH + 1)), (1, 404)),
    ("x = f" + "(1)" * 10_000, (1, 603)),
    ("x = " + "1+" * 5_000_000 + "1", (1, 404)),     # 10 MB
    ("x = " + "^".join(["2"] * (MAX_EXPRESSION_DEPTH + 1)), None),
    ("x = " + "2^" * 5_000_000 + "2", None),          # right-nested: caught by the stack size
    ("x = " + "-" * 10_000_000 + "1", None),
    ("x = " + "not " * 2_500_000 + "1", None),
    ("x = " + "lambda: " * 1_250_000 + "1", None),
    ("x = " + "a if b else " * 800_000 + "c", None),
])
def test_too_deep_expressions_fail_fast(text, where):
    error = timed_error(text)
    assert error.message.startswith("expression nested too deeply (depth ")
    assert error.message.endswith(f" > {MAX_EXPRESSION_DEPTH})")
    assert "intermediate variables" in error.hint
    if where:
        assert (error.span.line, error.span.col) == where


def test_too_deep_blocks():
    def nested(levels: int) -> str:
        return "".join(" " * i + "if x:\n" for i in range(levels)) + " " * levels + "pass\n"

    parse(Source(nested(MAX_BLOCK_DEPTH)))
    error = syntax_error(nested(MAX_BLOCK_DEPTH + 1))
    assert error.message == f"too many levels of indentation ({MAX_BLOCK_DEPTH + 1} > {MAX_BLOCK_DEPTH})"


def test_oversized_programs_are_refused_quickly():
    flat = "x = [" + ",".join(["1"] * 5_000_000) + "]"       # 10 MB, not deep
    error = timed_error(flat)
    assert error.message == f"program too large ({len(flat)} characters > {MAX_SOURCE_CHARS})"
    commented = "x = 1\n#" + "c" * MAX_SOURCE_CHARS
    assert timed_error(commented).message.startswith("program too large")


def test_unterminated_string_on_a_very_long_line():
    error = timed_error("x = '" + "a" * 900_000, seconds=2)
    assert error.message == "unterminated string"


@pytest.mark.parametrize("header", ["if x:", "def f(a, b=1, c=2):", "for a, b in zip(x, y):",
                                    "if x:\n{i} pass\n{i}elif y:\n{i} pass\n{i}else:"])
def test_programs_at_every_limit_at_once_still_parse(header):
    # Valid programs whose parser stack is as large as it gets: the deepest
    # blocks around the most stack-hungry deepest expressions.
    depth = MAX_EXPRESSION_DEPTH
    innermost = [
        "y = " + "a if b else " * (depth - 1) + "c",
        "y = " + "2^-" * (depth // 2 - 1) + "2",
        "y = " + "[a, b, " * (depth - 1) + "1" + "]" * (depth - 1),
        "y = " + "not " * (depth - 1) + "1",
        "y = " + "a < b < (" * (depth - 1) + "1" + ")" * (depth - 1),
        "a = b = c = d, e = " + "f(a, b, k=" * 99 + "1" + ")" * 99,
    ]
    lines = [" " * i + header.format(i=" " * i) for i in range(MAX_BLOCK_DEPTH - 1)]
    for statement in innermost:
        text = "\n".join(lines + [" " * (MAX_BLOCK_DEPTH - 1) + statement]) + "\n"
        parse(Source(text))


def test_many_statements():
    program = "".join(f"x{i} = x{i - 1} * 2 + {i}\n" for i in range(1, 3000))
    assert len(body(program)) == 2999


# ------------------------------------------------- packaging and start-up

def run_python(code: str, **env) -> subprocess.CompletedProcess:
    environment = dict(os.environ, **env)
    return subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True, text=True,
                          timeout=60)


def test_package_exports():
    import autodiff.grammar as grammar

    assert {"parse", "Source", "ProgramError", "ProgramSyntaxError", "ast"} <= set(dir(grammar))
    assert grammar.__doc__.startswith("The autodiff language")
    assert grammar.ast.Module is ast.Module


def test_importing_the_package_does_not_import_lark():
    result = run_python("import sys, autodiff.grammar; print('lark' in sys.modules)")
    assert result.stdout.strip() == "False", result.stderr


def test_parsing_writes_no_cache_and_never_imports_lark(tmp_path):
    # The tables are generated ahead of time (grammar/_tables.py): nothing to cache per user.
    code = ("import sys; from autodiff.grammar import parse, Source; "
            "print(parse(Source('x^2+3*x')).body[0].expr.op, 'lark' in sys.modules)")
    result = run_python(code, XDG_CACHE_HOME=str(tmp_path))
    assert result.stdout.strip() == "+ False", result.stderr
    assert list(tmp_path.iterdir()) == []


def test_unwritable_cache_directory_is_not_an_error(tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    code = "from autodiff.grammar import parse, Source; print(len(parse(Source('x = 1')).body))"
    result = run_python(code, XDG_CACHE_HOME=str(blocker), HOME=str(blocker))
    assert result.stdout.strip() == "1" and result.stderr == ""


def test_parsing_from_several_threads():
    from helpers import run_in_threads
    results = []

    def work(i: int) -> None:
        results.append(sexp(expr(f"f({i}) + [{i}, {i}]")))
        syntax_error(f"x = ({i}")

    assert run_in_threads(work, 8) == []
    assert sorted(results) == sorted(f"(+ (call f {i}) [{i} {i}])" for i in range(8))
