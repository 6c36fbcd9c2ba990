"""Standard streams that cannot show Unicode: ASCII stand-ins instead of a UnicodeEncodeError.

autodiff writes a few characters beyond ASCII: `·` in `v·dy/dx`, `J·v` and `H·v`, `…` and
`⋮` where a long list is cut, `×` and `−` in graph labels, and the box drawing of tables and
trees. A stream whose encoding lacks them (PYTHONIOENCODING=ascii, a C or POSIX locale) gets
an error handler that writes an ASCII stand-in for each: every line of output survives, and
tables, trees and plots keep their shape (a character without a stand-in is written as
its \\u escape). rich sees the stream's encoding and draws its
tables in ASCII by itself; the terminal plot asks `can_encode` and uses markers for braille.
"""
from __future__ import annotations

import os
import sys
from typing import TextIO

ERRORS = "autodiff-ascii"

# What stands for each character autodiff writes, where the stream cannot encode it.
STAND_INS = {
    "·": "*", "×": "x", "÷": "/", "−": "-", "–": "-", "—": "-", "…": "...", "⋮": ":", "↑": "^",
    "→": "->", "≤": "<=", "≥": ">=", "√": "sqrt", "²": "^2",
    # trees and tables (rich draws its own tables in ASCII; these are for the plain trees)
    "─": "-", "━": "=", "│": "|", "┃": "|", "├": "|", "└": "`", "┌": "+", "┐": "+", "┘": "+",
    "┤": "+", "┬": "+", "┴": "+", "┼": "+", "┄": "-", "╭": "+", "╮": "+", "╯": "+", "╰": "+",
}
# The characters that decide whether a stream needs the stand-ins.
SAMPLE = "·…─│⠿"


def _stand_in(char: str) -> str:
    if char in STAND_INS:
        return STAND_INS[char]
    if "\u2800" <= char <= "\u28ff":                     # braille: a dot or more, or none
        return "*" if char != "\u2800" else " "
    if "\u2500" <= char <= "\u257f":                     # other box drawing
        return "+"
    return char.encode("ascii", "backslashreplace").decode("ascii")


def _replace(error: UnicodeError) -> tuple:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    return "".join(_stand_in(c) for c in error.object[error.start:error.end]), error.end


# ASCII with the stand-ins, as a codec of its own: click takes a stream whose encoding is plain
# ASCII for a misconfigured one and writes UTF-8 to it behind its back (click.utils), which an
# ASCII terminal shows as garbage; this name it leaves alone.
CODEC = "autodiff-ascii"


def _search(name: str):
    import codecs
    if name.replace("-", "_") != CODEC.replace("-", "_"):
        return None
    ascii_codec = codecs.lookup("ascii")

    def encode(text: str, errors: str = "strict") -> tuple:
        return codecs.ascii_encode(text, ERRORS if errors == "strict" else errors)

    class IncrementalEncoder(codecs.IncrementalEncoder):
        def encode(self, text: str, final: bool = False) -> bytes:
            return encode(text, self.errors)[0]

    return codecs.CodecInfo(encode, ascii_codec.decode, incrementalencoder=IncrementalEncoder,
                            incrementaldecoder=ascii_codec.incrementaldecoder, name=CODEC)


def _register() -> None:
    import codecs
    try:
        codecs.lookup_error(ERRORS)
    except LookupError:
        codecs.register_error(ERRORS, _replace)
        codecs.register(_search)


def can_encode(stream: TextIO, text: str = SAMPLE) -> bool:
    """Whether `text` can be written to the stream as it is (a stream without an encoding,
    such as io.StringIO, takes anything)."""
    encoding = getattr(stream, "encoding", None)
    if not encoding:
        return True
    if getattr(stream, "errors", None) == ERRORS or encoding == CODEC:
        return False                # fitted already: it takes anything, as stand-ins
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def fit_standard_streams() -> None:
    """Give stdout and stderr ASCII stand-ins where their encoding cannot encode what autodiff
    writes. Called by the entry point (main.py) before anything is written.

    The stream's encoding decides, as Python set it: under a C locale Python itself chooses
    UTF-8 (PEP 538 and 540) unless told otherwise (PYTHONCOERCECLOCALE=0 PYTHONUTF8=0 gives
    ASCII), and PYTHONIOENCODING=ascii asks for ASCII.
    """
    import codecs
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if can_encode(stream) or not hasattr(stream, "reconfigure"):
            continue
        _register()
        try:
            ascii_based = codecs.lookup(stream.encoding).name == "ascii"
        except LookupError:
            ascii_based = False
        if ascii_based:
            stream.reconfigure(encoding=CODEC, errors="strict")
        else:                       # latin-1 and the like: their own characters, stand-ins for the rest
            stream.reconfigure(errors=ERRORS)


def show_progress() -> bool:
    """A progress bar only for a person watching: stderr a terminal, and no NO_COLOR or TERM=dumb."""
    return (sys.stderr.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb")
