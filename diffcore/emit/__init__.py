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

May import the engine, the interpreter and the face of diffcore (program.py, derivatives.py);
never the command line.
"""
