"""The differentiation core: a program's value and its derivatives, with no command line.

Layers, from the bottom up (tests/test_layers.py holds the code to them):

    engine/       tracing, the primitives with all their derivative rules, the modes
                  (reverse, forward, Taylor, batching), function transforms, diagnostics.
                  Knows nothing of the syntax tree; may import numpy and
                  autodiff.grammar.records / autodiff.grammar.source only.
    interpreter/  compiles an AST into closures and runs it on the engine: analysis, compiler,
                  fusion, checkpointing, custom rules, runtime, builtins. May import the engine
                  and autodiff.grammar.
    program.py, derivatives.py, higher.py
                  the programmatic face: a `Program` (parsed and compiled once), its value
                  (`evaluate`), gradients, VJPs and Jacobian rows (`differentiate`), and
                  higher-order and forward-mode results (`derivative_tensors`, `jacobian`,
                  `directional`, `hessian_vector`). May import the interpreter and the engine.
    checks/       the batch-check runner (pragmas, assertions, gradcheck, worker processes).
    views/        the recorder behind the trace, graph and plot views, and their text (text.py).
                  Both may import the face and everything below it, never the command line.
    api/          not a part of this package: the folder of the package `autodiff` itself, the
                  Python API (pyproject.toml maps it), which stands on everything above.

Every run (one evaluation or differentiation at one point) has its own context,
engine/context.py's RunContext, entered with `with`: trace levels, the no-grad freeze, the
source location, the kinks noted, the limits and the work meter live there, not in modules,
so runs can follow each other or nest in one process.

Where a new thing goes: a primitive in engine/ (elementwise.py, arrays.py or
broadcasting.py, with every rule beside its forward function: docs/primitives.md); a builtin
in interpreter/builtins.py; a new derivative command's computation in the face; a new view's
data in views/. This package may import nothing from autodiff.cli.

The names below load on first use, so `import autodiff.diffcore` stays cheap at start-up.
"""
from __future__ import annotations

_EXPORTS = {
    "Program": "program", "RunResult": "program", "InputInfo": "program", "Limits": "program",
    "evaluate": "derivatives", "differentiate": "derivatives", "Derivatives": "derivatives",
    "Evaluation": "derivatives",
    "derivative_tensors": "higher", "jacobian": "higher", "directional": "higher",
    "hessian_vector": "higher", "HigherResult": "higher",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
