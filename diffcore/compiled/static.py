"""What the syntax tree says before anything runs: whether a program may run compiled, and the
bounds that keep the tape's limits in the generated loops.

`survey(module)` -> Survey, or a reason (text) the program stays on the tape:

    sites   a bound of the tape entries of one pass through the program, user functions expanded
            at each call (a site runs at most once per iteration of its innermost loop, or once)
    calls   user-function call sites, expanded the same way (the tape counts each call a step)
    depth   the deepest nesting of user calls
    loops   whether the program has a `while` or a `for`

The compiled code counts loop iterations only; from it, these give an upper bound of what the
tape would count: steps <= iterations + calls * (iterations + 1), tape entries <=
sites * (iterations + 1). Where the bound could pass a limit, the run
hands over to the tape, which stops (or finishes) exactly as it always does.
"""
from __future__ import annotations

from typing import Optional, Union

from autodiff.grammar import ast

from ..engine.errors import CompileError

# The most entries one site of the source may record on the tape: a builtin call (`softmax` or
# `norm` records a few primitives), an operator, index or literal list (with the broadcasts and
# conversions it may add); names, numbers and statements record nothing themselves. Deliberately
# generous bounds.
PRIMITIVES_PER_CALL = 16
PRIMITIVES_PER_OPERATOR = 4
_RECORDS_NOTHING = (ast.Name, ast.Number, ast.Bool, ast.String, ast.NoneLiteral, ast.EllipsisIndex, ast.Keyword,
                    ast.Param, ast.Input, ast.Assign, ast.ExprStmt, ast.If, ast.While, ast.For, ast.Return,
                    ast.Break, ast.Continue, ast.Pass, ast.With, ast.Module)

# Calls whose effect the compiled code does not reproduce: printing, checks, random numbers and
# derivatives taken inside the program (the tape runs them, and reports what they do).
TAPE_ONLY_CALLS = {"print", "seed", "randn", "rand", "grad", "value_and_grad", "jacobian", "hessian",
                   "jvp", "vjp"}


class NotCompiled(CompileError):
    """Why a program runs on the tape, at the construct that decides it."""


def refuse(reason: str, node) -> NotCompiled:
    return NotCompiled(f"the compiled engine does not run this program: {reason}", getattr(node, "span", None),
                       hint="--engine auto runs it on the tape")


class Survey:
    __slots__ = ("sites", "calls", "depth", "loops")

    def __init__(self, sites: int, calls: int, depth: int, loops: bool):
        self.sites, self.calls, self.depth, self.loops = sites, calls, depth, loops


def children(node) -> list:
    out = []
    for field in ast.fields(node):
        if field == "span":
            continue
        value = getattr(node, field, None)
        if isinstance(value, ast.Node):
            out.append(value)
        elif isinstance(value, tuple):
            for item in value:
                if isinstance(item, ast.Node):
                    out.append(item)
                elif isinstance(item, tuple):
                    out.extend(x for x in item if isinstance(x, ast.Node))
    return out


def _functions(module: ast.Module) -> Union[dict, NotCompiled]:
    """Every user function by name (`def`, or a lambda assigned to a name); a reason if a name is
    defined twice (which one a call reaches is then a matter of running)."""
    found, stack = {}, list(module.body)
    while stack:
        node = stack.pop()
        body = None
        if isinstance(node, ast.FunctionDef):
            body = node
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Lambda) \
                and isinstance(getattr(node, "target", None), ast.Name):
            body = node.value
        if body is not None:
            name = node.name if isinstance(node, ast.FunctionDef) else node.target.id
            if name in found:
                return refuse(f"the function '{name}' is defined twice", node)
            found[name] = body
        stack.extend(children(node))
    return found


def survey(module: ast.Module, builtins: set) -> Union[Survey, NotCompiled]:
    functions = _functions(module)
    if isinstance(functions, NotCompiled):
        return functions
    memo: dict = {}
    loops = False

    def cost(nodes: list, active: tuple) -> Union[tuple, NotCompiled]:
        nonlocal loops
        sites = calls = depth = 0
        stack = list(nodes)
        while stack:
            node = stack.pop()
            if not isinstance(node, _RECORDS_NOTHING):
                sites += PRIMITIVES_PER_CALL if isinstance(node, ast.Call) else PRIMITIVES_PER_OPERATOR
            if isinstance(node, (ast.While, ast.For)):
                loops = True
            if isinstance(node, (ast.Assert, ast.String)):
                return refuse("assertions and strings (printed or checked) are left out of the compiled code", node)
            if isinstance(node, (ast.FunctionDef, ast.Lambda)):
                continue                    # counted where it is called
            if isinstance(node, ast.Call):
                func = node.func
                if not isinstance(func, ast.Name):
                    return refuse("it calls a function that is not a name", node)
                name = func.id
                if name in TAPE_ONLY_CALLS:
                    return refuse(f"{name}() runs on the tape", node)
                if name in functions:
                    if name in active:
                        return refuse("a recursive call", node)
                    if name not in memo:
                        inner = cost(children(functions[name]), active + (name,))
                        if isinstance(inner, NotCompiled):
                            return inner
                        memo[name] = inner
                    s, c, d = memo[name]
                    sites, calls, depth = sites + s - PRIMITIVES_PER_CALL, calls + c + 1, max(depth, d + 1)
                elif name not in builtins:
                    return refuse(f"'{name}' is not a function the program defines by that name", node)
                stack.extend(a for a in children(node) if a is not func)
                continue
            stack.extend(children(node))
        return sites, calls, depth

    result = cost(list(module.body), ())
    if isinstance(result, NotCompiled):
        return result
    return Survey(*result, loops)


def constant_defaults(module: ast.Module) -> Optional[NotCompiled]:
    """A reason if an input's default reads a variable (its value could then change with `--at`)."""
    for node in module.body:
        if isinstance(node, ast.Input) and node.default is not None:
            stack = [node.default]
            while stack:
                n = stack.pop()
                if isinstance(n, ast.Name):
                    return refuse(f"the default of input '{node.name}' reads '{n.id}'", n)
                if isinstance(n, ast.Call):
                    stack.extend(a for a in children(n) if a is not n.func)
                else:
                    stack.extend(children(n))
    return None
