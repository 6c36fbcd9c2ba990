"""Files a command writes (`check --junit FILE`, `plot -o FILE`): whole or not at all.

A report is written to a temporary file next to its destination and renamed into place, so
that a run killed half-way leaves the previous report as it was (never an empty or a truncated
one), and a reader never sees half a file. Where the destination cannot be written, the command
says so before it does any work (`probe`).
"""
from __future__ import annotations

import os
import stat
import tempfile
from typing import Callable

from click import UsageError


def probe(path: str, option: str) -> None:
    """A usage error now if `path` cannot be written later (a directory, no such directory, no
    permission), rather than after the work is done."""
    if path == "-":
        raise UsageError(f"{option} -: give a file name (standard output carries the command's own output)")
    target = os.path.realpath(path)
    if os.path.isdir(target):
        raise UsageError(f"{option} {path}: a directory, not a file")
    if _special(target):
        return                  # /dev/null and the like: written in place
    try:
        handle, temporary = tempfile.mkstemp(dir=os.path.dirname(target), prefix=".autodiff-probe-")
    except OSError as exc:
        raise UsageError(f"{option} {path}: cannot write it ({exc.strerror or exc})") from None
    os.close(handle)
    os.unlink(temporary)


def write_atomically(path: str, write: Callable[[str], None], option: str) -> None:
    """Call `write(temporary_path)`, then rename the temporary file to `path` (through a symbolic
    link, to where it points). An error or an interrupt removes the temporary file and leaves
    `path` untouched. A device or a pipe (/dev/null, /dev/stdout) is written in place."""
    target = os.path.realpath(path)
    if _special(target):
        try:
            write(target)
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror, path) from None     # named for the report
        return
    directory, name = os.path.split(target)
    try:
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=".tmp")
    except OSError as exc:
        raise UsageError(f"{option} {path}: cannot write it ({exc.strerror or exc})") from None
    os.close(handle)
    try:
        write(temporary)
        os.chmod(temporary, _mode(target))
        os.replace(temporary, target)
    except BaseException as exc:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        if isinstance(exc, OSError) and not isinstance(exc, BrokenPipeError):
            raise OSError(exc.errno, exc.strerror, path) from None
        raise


def _special(path: str) -> bool:
    """Whether `path` exists and is not a regular file (a device, a pipe): never replaced."""
    try:
        return not stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def _mode(path: str) -> int:
    """The permissions the file would have had if written in place: its own, or the default."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
