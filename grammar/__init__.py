"""The autodiff language: its Lark grammar, the AST it builds, and source-located errors.

Syntax only: nothing here computes a value. records.py (immutable records, spans) and
source.py (program text, located errors) are the floor every layer may stand on. May import
lark and the standard library; never diffcore or the command line.
"""
from . import ast
from .source import ProgramError, ProgramSyntaxError, Source


def parse(source: Source) -> ast.Module:
    """Parse a program (see parser.py); the parser and its tables load on the first call."""
    from .parser import parse as parse_source
    return parse_source(source)


__all__ = ["ast", "parse", "Source", "ProgramError", "ProgramSyntaxError"]
