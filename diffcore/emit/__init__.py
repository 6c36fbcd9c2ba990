"""Derivatives as programs and formulas: source-to-source differentiation (`autodiff emit`,
`autodiff grad --formula`).

    symbolic.py     expression nodes (variables, constants, calls of primitives with their
                    params), shared when equal (hash-consing), and the symbolic trace: run
                    any primitive or derivative rule of the registry on `SymTracer`s and get
                    the expression of what it computed, with its sample value (so shapes are
                    known). No derivative rule is ever written a second time.
    simplify.py     neutral elements, constant folding, repeated factors and terms, negation
                    normalisation, shape operations that do nothing
    printing.py     expressions as text of the autodiff language or of numpy Python, with
                    minimal parentheses and common subexpressions named
    formula.py      the derivative of a loop-free program as one formula per input

    autodiff emit (api.py is its face):
    lower.py, expressions.py, values.py
                    the program run once symbolically, lowered to single assignments and
                    structured control flow (ir.py), functions inlined, jumps made flags
    activity.py     which names carry derivatives; dead-code removal
    sweeps.py       the adjoint (forward sweep, stacks, backward sweep) and the tangent program,
                    every derivative expression from the registry's rules
    naming.py, writer.py
                    names (from the source, never shadowing Python) and the statements as text

May import the engine, the interpreter and the face of diffcore (program.py, derivatives.py);
never the command line.
"""
