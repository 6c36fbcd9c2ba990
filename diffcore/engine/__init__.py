"""The differentiation engine: values being watched, primitives and their rules, the modes.

    context.py        RunContext: the state of one run (trace levels, the no-grad freeze, the
                      source location, kinks noted, the limits and the work meter), and Limits
    tracing.py        Primitive (a definition, as data: forward function and every rule),
                      Trace/Tracer and the level dispatch between nested traces
    numeric.py        plain-value helpers of the forward functions, and the element/work admission
    broadcasting.py   sum, reshape, broadcast_to and `unbroadcast`
    elementwise.py    elementwise primitives          } each primitive once, with its forward
    arrays.py         reductions, linear algebra,     } function, VJP, JVP, Taylor and batching
                      indexing, stacking              } rules and what the tape keeps
    reverse.py        the tape and the iterative backward sweep
    forward.py        forward mode (JVP tracers)
    taylor.py         Taylor mode (truncated series, any order)
    batching.py       the vectorizing trace (a batch axis through every primitive)
    transforms.py     grad, value_and_grad, vjp, jvp, jacobian, hessian of callables
    diagnostics.py    non-finite values and kinks, found on the tape after a run
    errors.py, kinds.py  the mistakes a computation can report, and how values are named in them

May import numpy, autodiff.grammar.records and autodiff.grammar.source (located errors);
never the syntax tree, the interpreter, the rest of diffcore or the command line.

No module holds state that a computation changes: what a run changes lives in its RunContext,
created per run and entered with `with` (tests/test_run_context.py holds the code to it).
"""
