"""The differentiation engine: values being watched, primitives and their rules, the modes.

    context.py        RunContext: the state of one run (trace levels, the no-grad freeze, the
                      source location, kinks noted, the limits and the work meter), and Limits
    tracing.py        Primitive (a definition, as data: forward function and every rule),
                      NoRule, the REGISTRY, Trace/Tracer and the level dispatch between traces
    numeric.py        plain-value helpers of the forward functions, and the element/work admission
    broadcasting.py   sum, reshape, broadcast_to and `unbroadcast`
    elementwise.py    elementwise primitives          } each primitive once, with its forward
    arrays.py         reductions, linear algebra,     } function, VJP, JVP, Taylor, batching and
                      indexing, stacking              } size rules, what the tape keeps, its kink
    linalg.py         einsum, solve, det, slogdet          } the same, for matrices (leading
    decompositions.py cholesky, eigh, svd, pinv          } axes are stacks of them)
    elementwise_more.py  asinh, acosh, atanh, fmax, fmin, xlogy     } the same contract
    special.py        erf, erfc, gammaln, polygamma (digamma), sinc }
    statistics.py     the scans cumsum and cumprod                  }
    special_values.py plain values of those special functions (polygamma, sinc's derivatives)
    series.py, kinks.py  the Taylor series arithmetic and the kink checks those definitions use
    reverse.py        the tape and the iterative backward sweep
    forward.py        forward mode (JVP tracers)
    taylor.py         Taylor mode (truncated series, any order): the trace that runs the rules
    batching.py       the vectorizing trace (a batch axis through every primitive)
    transforms.py     grad, value_and_grad, vjp, jvp, jacobian, hessian of callables
    notes.py          where a run is in the source, and the kinks it notes while running
    diagnostics.py    non-finite values and kinks, found on the tape after a run
    errors.py, kinds.py  the mistakes a computation can report, and how values are named in them

May import numpy, autodiff.grammar.records and autodiff.grammar.source (located errors);
never the syntax tree, the interpreter, the rest of diffcore or the command line.
A new primitive: docs/primitives.md names every field of its definition.

No module holds state that a computation changes: what a run changes lives in its RunContext,
created per run and entered with `with` (tests/test_run_context.py holds the code to it).
"""
