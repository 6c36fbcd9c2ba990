"""autodiff from Python: a program's value and derivatives, without the command line.

    >>> import autodiff
    >>> f = autodiff.compile("x^2 + 3*x")
    >>> f(x=2)
    10.0
    >>> f.grad(x=2).gradient["x"]
    7.0

`compile(text)` and `load(path)` give a `Function`; its methods (`grad`, `value_and_grad`,
`jacobian`, `hessian`, `derivatives`, `jvp`, `vjp`, `hvp`, `grad_points`, `trace`, `graph`, `emit`,
`formula`)
return small typed results of numpy arrays and floats, which Jupyter shows as tables.
`check(paths)` is `autodiff check` as a function. Mistakes raise `ProgramError`s whose text is
the report the command line prints (file:line:col, the source line, a caret, the hint).
docs/api.md documents every name in `__all__`; every other name is private.

This package is the folder diffcore/api/, installed as `autodiff` itself (pyproject.toml). It
may import diffcore (the face, checks/, views/) and grammar, never the command line (click,
rich): the command line stands on it. The names load on first use, so that `import autodiff`,
which every start of the command does first, stays cheap.
"""
from __future__ import annotations

_EXPORTS = {
    "compile": ".function", "load": ".function", "Function": ".function",
    "Evaluation": ".results", "Gradient": ".results", "Jacobian": ".results", "Hessian": ".results",
    "Derivatives": ".results", "JVP": ".results", "VJP": ".results", "HVP": ".results",
    "GradientPoints": ".points",
    "Trace": ".views", "Graph": ".views",
    "Emitted": "autodiff.diffcore.emit.api", "Formula": "autodiff.diffcore.emit.formula",
    "check": ".checking", "CheckReport": ".checking", "CheckResult": ".checking",
    "Diagnostic": "autodiff.diffcore.engine.notes",
    "ProgramError": "autodiff.grammar.source", "ProgramSyntaxError": "autodiff.grammar.source",
    "UsageError": "autodiff.diffcore.program", "InputError": "autodiff.diffcore.engine.errors",
    "LimitExceeded": "autodiff.diffcore.engine.errors",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list:
    return sorted(set(globals()) | set(__all__))
