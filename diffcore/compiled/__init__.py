"""Compiled execution: a program run as the Python code `autodiff emit --to python` writes.

    run.py          Runner (a drop-in for derivatives.Differentiator) and evaluate(): the
                    compiled form where it gives the tape's answer, the tape otherwise (the
                    handover rules are in its docstring); ENGINES = auto, compiled, tape
    forms.py        one compiled form per (program, --wrt, --of, names and shapes given),
                    cached on the Program: emitted once, checked (kinks, step functions,
                    sizes), instrumented and executed
    instrument.py   the emitted module made runnable: loop budgets, deadline looks and tie
                    checks added to its Python syntax tree; executed in a namespace of numpy
                    and a few builtins
    static.py       what the syntax tree bounds before anything runs: operation sites, calls,
                    call depth, and the constructs that keep a program on the tape

The emit machinery is imported only when a form is made, so a command that runs a
straight-line program once never loads it (docs/performance.md, case 1). May import the face
(program.py, derivatives.py), the engine, the interpreter and diffcore.emit; never the
command line.
"""
