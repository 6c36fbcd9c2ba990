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


# The largest program the parser reads ("program too large" past it): read no more than it needs.
MAX_SOURCE_CHARS = 1_000_000


def read_program_bytes(stream) -> bytes:
    """The bytes of a program from a binary stream (a file, standard input), read only as far as
    the parser's size limit makes useful: a file of /dev/zero is refused after a few megabytes
    instead of filling the memory.

    A program has at most MAX_SOURCE_CHARS characters, so at most four bytes each in
    UTF-8 (and a byte-order mark): a stream longer than that is too large whatever it holds.
    """
    limit = 4 * MAX_SOURCE_CHARS + 3
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise ProgramSyntaxError(f"program too large (more than {limit:,} bytes; a program has at most "
                                 f"{MAX_SOURCE_CHARS:,} characters)", None,
                                 hint="keep large data out of the program text")
    return data
