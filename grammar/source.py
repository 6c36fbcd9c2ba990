"""Program text and the errors that point into it.

Every mistake in a user's program, found while parsing or while running, is a
`ProgramError` carrying the `Span` it concerns. `ProgramError.report(source)`
writes it as the command line shows it (file:line:col, the source line, a caret,
a hint); the Python API attaches the source, so that `str(error)` is that report.
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
    """A mistake in the user's program. `kind` names the class of mistake for the first word of the report.

    `source`: the program the span points into, when the error has it (the Python API sets it);
    then `str(error)` is the whole report the command line prints (`report()`).
    """

    kind = "error"
    source: Optional[Source] = None

    def __init__(self, message: str, span: Optional[Span] = None, hint: Optional[str] = None):
        super().__init__(message)
        self.message = message
        self.span = span
        self.hint = hint

    def __str__(self) -> str:
        if self.source is not None:
            return self.report(self.source)
        where = f"{self.span}: " if self.span else ""
        return f"{where}{self.message}"

    def report(self, source: Optional[Source] = None, color: bool = False) -> str:
        """The full report: location, kind, message, the source line with a caret, and the hint.

            bad.expr:3:9: syntax error: unexpected ')'
                y = x + )
                        ^
            hint: expected an expression after '+'
        """
        bold, red, cyan, dim, reset = (("\033[1m", "\033[31m", "\033[36m", "\033[2m", "\033[0m")
                                       if color else ("",) * 5)
        span = self.span
        filename = source.filename if source is not None else "autodiff"
        where = f"{filename}:{span.line}:{span.col}: " if span is not None else (
            f"{filename}: " if source is not None else "")
        lines = [f"{bold}{where}{red}{self.kind}:{reset}{bold} {self.message}{reset}"]
        if span is not None and source is not None:
            text = source.line(span.line).replace("\t", " ")
            if text.strip():
                shown, col = _window(text, span.col)
                width = 1
                if span.end_line == span.line and span.end_col > span.col:
                    width = min(span.end_col - span.col, len(shown) - col + 1)
                lines.append(f"    {shown}")
                lines.append(f"    {' ' * (col - 1)}{cyan}{'^' * max(1, width)}{reset}")
        if self.hint:
            lines.append(f"{dim}hint:{reset} {self.hint}")
        return "\n".join(lines)


def _window(text: str, col: int, width: int = 100) -> tuple[str, int]:
    """A slice of a long line around `col`, so that a 10^5-character line still shows the caret."""
    if len(text) <= width:
        return text, col
    start = max(0, col - width // 2)
    shown = text[start:start + width]
    prefix = "..." if start else ""
    return prefix + shown + ("..." if start + width < len(text) else ""), col - start + len(prefix)


class ProgramSyntaxError(ProgramError):
    """Text that is not a program of the language (or a program too large to read)."""
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
