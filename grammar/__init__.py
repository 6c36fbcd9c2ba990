"""The autodiff language: its Lark grammar, the AST it builds, and source-located errors."""
from . import ast
from .source import ProgramError, ProgramSyntaxError, Source


def parse(source: Source) -> ast.Module:
    """Parse a program (see parser.py); the parser and its tables load on the first call."""
    from .parser import parse as parse_source
    return parse_source(source)


__all__ = ["ast", "parse", "Source", "ProgramError", "ProgramSyntaxError"]
