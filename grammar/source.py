"""Program text and the errors that point into it.

Every mistake in a user's program, found while parsing or while running, is a
`ProgramError` carrying the `Span` it concerns. Rendering (file:line:col, the
source line, a caret, a hint) belongs to the command line, which has the
`Source` at hand.
"""
from __future__ import annotations

from typing import Optional

from .records import Record, Span


class Source(Record):
    """The text of one program and the name to show for it (a path, '<stdin>' or '<expr>')."""

    __slots__ = ("text", "filename")

    def __init__(self, text: str, filename: str = "<expr>"):
        super().__init__(text, filename)

    def line(self, number: int) -> str:
        """The 1-based line `number`, without its newline ('' when out of range)."""
        lines = self.text.splitlines()
        return lines[number - 1] if 1 <= number <= len(lines) else ""


class ProgramError(Exception):
    """A mistake in the user's program. `kind` names the class of mistake for the first word of the report."""

    kind = "error"

    def __init__(self, message: str, span: Optional[Span] = None, hint: Optional[str] = None):
        super().__init__(message)
        self.message = message
        self.span = span
        self.hint = hint

    def __str__(self) -> str:
        where = f"{self.span}: " if self.span else ""
        return f"{where}{self.message}"


class ProgramSyntaxError(ProgramError):
    kind = "syntax error"
