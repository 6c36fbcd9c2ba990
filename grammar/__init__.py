"""The autodiff language: its Lark grammar, the AST it builds, and source-located errors."""
from . import ast
from .parser import parse
from .source import ProgramError, ProgramSyntaxError, Source

__all__ = ["ast", "parse", "Source", "ProgramError", "ProgramSyntaxError"]
