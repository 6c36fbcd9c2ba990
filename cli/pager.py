"""Long output on a terminal goes through a pager, as git does.

A report (a table, a trace, a tree) taller than the terminal is handed to $AUTODIFF_PAGER,
else $PAGER, else `less`, with LESS=FRX unless LESS is set (quit if one screen, keep the
colours, leave the text on the screen when it quits). Not in a pipe, not with TERM=dumb, not
when the pager is empty or `cat`, and not with --no-pager (the command's OutputSettings.pager).
"""
from __future__ import annotations

import os
import shutil
import sys
from typing import Optional, TextIO


def pager_command() -> Optional[list]:
    """The pager's command line, or None for none."""
    import shlex
    text = os.environ.get("AUTODIFF_PAGER")
    if text is None:
        text = os.environ.get("PAGER", "less")
    try:
        words = shlex.split(text)
    except ValueError:
        return None
    if not words or words[0] == "cat" or shutil.which(words[0]) is None:
        return None
    return words


def wanted(stream: TextIO, text: str) -> bool:
    """Whether `text` should go through the pager: stdout on a terminal, too tall for it."""
    if stream is not sys.stdout or not stream.isatty() or os.environ.get("TERM") == "dumb":
        return False
    rows = shutil.get_terminal_size().lines
    return text.count("\n") + 1 > rows - 1


def write_paged(text: str, stream: Optional[TextIO] = None, pager: bool = True) -> None:
    """Write `text` (a whole report, ending in a newline) to the stream, or through the pager
    where it is wanted and `pager` allows it (False: --no-pager)."""
    stream = sys.stdout if stream is None else stream
    command = pager_command() if pager and wanted(stream, text) else None
    if command is None:
        stream.write(text)
        stream.flush()
        return
    import subprocess
    env = dict(os.environ)
    env.setdefault("LESS", "FRX")
    env.setdefault("LV", "-c")
    stream.flush()
    encoding = getattr(stream, "encoding", None) or "utf-8"
    data = text.encode(encoding, getattr(stream, "errors", None) or "strict")
    try:
        pager = subprocess.Popen(command, stdin=subprocess.PIPE, env=env)
    except OSError:
        stream.write(text)
        stream.flush()
        return
    try:
        pager.stdin.write(data)
        pager.stdin.close()
    except BrokenPipeError:         # the reader quit before the end: what it showed was enough
        pass
    while True:
        try:
            pager.wait()
            break
        except KeyboardInterrupt:   # Ctrl-C belongs to the pager while it runs (less uses it)
            continue
