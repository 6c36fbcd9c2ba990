"""The interpreter: an AST compiled once into Python closures and run on the engine.

    analysis.py     scopes, assigned and read names, jumps: what the compiler learns first
    compiler.py     AST -> closures; every decision that depends only on the text
    fusion.py       one tape entry for a whole scalar expression
    checkpoint.py   `with checkpoint:` segments (recompute instead of store)
    custom.py       `backward f(x, g): ...` rules, in every mode
    runtime.py      a program's run: step and depth counters, frames, function values, and
                    the errors a user sees for what failed (`translate`)
    builtins.py     the language's builtin functions: the only names a program can reach
    arguments.py    the builtins' argument helpers: axes, variadic values, string options
    ordering.py     its builtins of order and selection (sort, argmax, take...), made of primitives
    shaping.py      its builtins that rearrange, repeat, pad, cut and join arrays, made of primitives
    scientific.py   statistics, scans, special functions and conversions, merged into builtins
    values.py, strings.py, display.py  lists, indices and inputs; strings; how print shows values

May import the engine and autodiff.grammar; never the face above it (program.py ...), the
check runner, the views or the command line.
"""
