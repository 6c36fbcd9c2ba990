"""A greedy reducer for program texts (test-only code, used by hand on fuzzing findings).

Hypothesis shrinks the draws of a failing example, but a program that fails
only with its whole structure often stays long. `reduce(text, still_fails)`
repeatedly tries smaller programs — a statement deleted, a block replaced by
its body, an expression replaced by one of its operands or by a number — and
keeps each that `still_fails(text)` accepts, until none is accepted:

    from fuzzing.reduce import reduce
    small = reduce(text, lambda t: "TraceClosed" in run_and_capture(t))

The predicate must be specific (the same message, the same two methods), or
the reducer wanders off to another failure.
"""
from __future__ import annotations

from typing import Callable, Iterator

from autodiff.grammar import Source, ast, parse

from .programs import num, to_source

STATEMENT_BODIES = ("body", "orelse")


def _paths(node, path=()) -> Iterator[tuple]:
    """Every (path, node) in the tree, parents first; a path is a tuple of field names and indices."""
    yield path, node
    if isinstance(node, tuple):
        for k, item in enumerate(node):
            yield from _paths(item, path + (k,))
    elif isinstance(node, ast.Node) and not isinstance(node, ast.Span):
        for field in ast.fields(node):
            if field not in ("span", "op_span"):
                yield from _paths(getattr(node, field), path + (field,))


def _replace(node, path: tuple, new):
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(node, tuple):
        if new is _DELETE and not rest:
            return node[:head] + node[head + 1:]
        return node[:head] + (_replace(node[head], rest, new),) + node[head + 1:]
    return ast.replace(node, **{head: _replace(getattr(node, head), rest, new)})


_DELETE = object()


def _candidates(module) -> Iterator:
    for path, node in _paths(module):
        if isinstance(node, tuple) and node and isinstance(node[0], ast.Node) and \
                all(isinstance(s, ast.Node) and type(s).__name__ in _STATEMENTS for s in node):
            for k in range(len(node)):
                if len(node) > 1:
                    yield _replace(module, path + (k,), _DELETE)
        if type(node).__name__ in ("If", "While", "For", "With"):
            bodies = [node.body] if hasattr(node, "body") else [b for _, b in node.branches] + [node.orelse]
            for body in bodies:
                if body:
                    yield _replace_statement_by_block(module, path, body)
        if type(node).__name__ in _EXPRESSIONS:
            for field in ast.fields(node):
                child = getattr(node, field)
                if isinstance(child, ast.Node) and type(child).__name__ in _EXPRESSIONS:
                    yield _replace(module, path, child)
                elif isinstance(child, tuple):
                    for item in child:
                        if isinstance(item, ast.Node) and type(item).__name__ in _EXPRESSIONS:
                            yield _replace(module, path, item)
            if not isinstance(node, ast.Number):
                for value in (0.0, 1.0, 0.5):
                    yield _replace(module, path, num(value))


def _replace_statement_by_block(module, path: tuple, block: tuple):
    parent_path, k = path[:-1], path[-1]
    parent = module
    for step in parent_path:
        parent = parent[step] if isinstance(parent, tuple) else getattr(parent, step)
    if not isinstance(parent, tuple):
        return module
    return _replace(module, parent_path, parent[:k] + tuple(block) + parent[k + 1:])


_STATEMENTS = {"Input", "Assign", "AugAssign", "ExprStmt", "If", "While", "For", "FunctionDef", "BackwardDef",
               "Return", "Break", "Continue", "Pass", "Assert", "With"}
_EXPRESSIONS = {"Number", "Bool", "NoneLiteral", "Name", "ListLiteral", "TupleLiteral", "UnaryOp", "BinaryOp", "Compare",
                "BoolOp", "IfExp", "Call", "Index", "Lambda"}


def reduce(text: str, still_fails: Callable[[str], bool], rounds: int = 50) -> str:
    """The smallest program found from `text` for which `still_fails` holds (it must hold for `text`)."""
    module = parse(Source(text))
    best = to_source(module)
    for _ in range(rounds):
        for candidate in _candidates(module):
            try:
                candidate_text = to_source(candidate)
            except (TypeError, ValueError):
                continue
            if len(candidate_text) >= len(best):
                continue
            try:
                ok = still_fails(candidate_text)
            except Exception:       # noqa: BLE001 - a candidate that breaks the predicate is not kept
                ok = False
            if ok:
                module, best = candidate, candidate_text
                break
        else:
            return best
    return best



