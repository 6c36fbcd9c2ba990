"""The differentiation core: values, primitives and their derivative rules, the tape, the interpreter."""
