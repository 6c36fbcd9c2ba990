"""Custom derivative rules: `backward f(x, a, g): return ...`.

A function with a declared rule is, whenever it is differentiated, a primitive of
its own: its forward function is the function's body and its derivative is the
rule, which is ordinary language code built from primitives, so it is recorded
like any other code when an outer derivative is taken.

The rule defines the derivative for every mode and order, so that no command can
give a number the rule disagrees with:
- reverse mode calls it (g -> J^T g);
- forward mode needs J t. The rule is linear in g, and the transpose of a linear
  map is its reverse-mode derivative: J t = grad over g of <rule(x, g), t>, taken
  by a small reverse pass through the rule (JAX's linearize-then-transpose, run
  the other way). Forward-over-reverse Hessians, `jvp`, `hvp` and
  `jacobian --mode forward` therefore agree with `grad` and with nested grad();
- Taylor mode has no series for the rule, so the commands that use it
  (`grad --order N`, `hessian` with one scalar input) fall back to nested
  differentiation, which goes through the rule at every order.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from autodiff.grammar import ast

from ..engine.broadcasting import sum_, value_shape
from ..engine.kinds import shape_text, type_name, is_numeric
from ..engine.elementwise import add, mul
from ..engine.errors import CompileError, ShapeError, ValueTypeError
from .runtime import FIRST_SLOT
from ..engine.tracing import NoRule, Primitive, Tracer

if TYPE_CHECKING:
    from .runtime import UserFunction


def check_backward(compiler, node: ast.BackwardDef, scope) -> ast.FunctionDef:
    """The function a rule belongs to, after checking that the rule fits it."""
    if scope.kind != "module":
        raise CompileError("a backward rule is declared at the top level, next to its function", node.span)
    fn = compiler.functions.get(node.name)
    if fn is None:
        raise CompileError(f"backward rule for '{node.name}', but no function '{node.name}' is defined",
                           node.span, hint=f"define `def {node.name}(...)` at the top level")
    if len(node.params) != len(fn.params) + 1:
        raise CompileError(
            f"the backward rule of {node.name} takes {len(fn.params) + 1} parameters "
            f"({len(fn.params)} of {node.name}, then the output's gradient), not {len(node.params)}",
            node.span, hint=f"backward {node.name}({', '.join(p.name for p in fn.params)}, g):")
    return fn


def compile_backward(compiler, node: ast.BackwardDef, scope):
    """The rule is attached when its function is defined (see the compiler); here it only runs checks."""
    check_backward(compiler, node, scope)
    return lambda f: None


def call_with_rule(fn: UserFunction, args: tuple, kwargs: dict) -> Any:
    """Call `fn` on reverse-mode values, recorded as one step whose derivative is fn.backward."""
    frame = fn.bind(args, dict(kwargs))
    positional = tuple(frame[FIRST_SLOT:FIRST_SLOT + len(fn.params)])
    prim = _primitive_of(fn)
    return prim(*positional)


def _primitive_of(fn: UserFunction) -> Primitive:
    n = len(fn.params)
    rule = fn.backward

    def impl(*plain):
        return fn.run_body(plain)

    def vjp_for(k: int):
        def vjp(g, ans, *xs):
            return _gradients(rule, xs, g, fn.name)[k]
        return vjp

    def jvp(tangents, ans, *xs):
        # J t by transposing the rule (see the module's docstring): the gradient over g of
        # <rule(xs, g), t>, at g = 0 (a linear rule gives the same at any g). xs and t may be
        # values of outer traces: the reverse pass over g is a trace of its own, inside them.
        from ..engine.transforms import grad, zeros_like
        moving = [k for k, t in enumerate(tangents) if t is not None]

        def pairing(g):
            grads = _gradients(rule, xs, g, fn.name)
            total = 0.0
            for k in moving:
                total = add(total, sum_(mul(grads[k], tangents[k])))
            return total
        return grad(pairing, (zeros_like(ans),))

    return Primitive(f"custom:{fn.name}", impl, tuple(vjp_for(k) for k in range(n)), jvp,
                     taylor=NO_SERIES, batch=BODY_PER_EXAMPLE)


# What a custom rule's primitive declares instead of a Taylor and a batching rule (see the
# module's docstring).
NO_SERIES = NoRule("a custom rule gives J^T g, not a series: Taylor mode falls back to nested "
                   "differentiation, which goes through the rule at every order")
BODY_PER_EXAMPLE = NoRule("the forward function is the function's body, language code: the batching trace "
                          "runs it once per example")


def _gradients(rule: UserFunction, xs: tuple, g: Any, name: str) -> tuple:
    result = rule(*xs, g)
    grads = result if isinstance(result, tuple) else (result,)
    if len(grads) != len(xs):
        raise ValueTypeError(f"the backward rule of {name} returned {len(grads)} gradient"
                             f"{'' if len(grads) == 1 else 's'} for {len(xs)} parameter"
                             f"{'' if len(xs) == 1 else 's'}", rule.span)
    for k, (grad, x) in enumerate(zip(grads, xs)):
        if not is_numeric(grad) and not isinstance(grad, Tracer):
            raise ValueTypeError(f"the backward rule of {name} returned {type_name(grad)} as the "
                                 f"gradient of parameter {k + 1}", rule.span)
        if value_shape(grad) != value_shape(x):
            raise ShapeError(
                f"the backward rule of {name} returned a gradient of shape {shape_text(value_shape(grad))} "
                f"for parameter '{rule.params[k]}', whose value has shape {shape_text(value_shape(x))}",
                rule.span, hint="a gradient has the shape of the value it belongs to")
    return grads
