"""The fast path: `autodiff eval` and `autodiff grad` without importing click.

click costs about 10 ms at every start, half of what the command may add to
`import numpy` (docs/performance.md, case 1). For the common command lines of
`eval` and `grad`, `run` parses the arguments from `_spec.py`, which is
derived from the click declarations (spec.py), and calls the same command
body that click would call (bodies.py). It parses only what it fully
understands, the way click does; for anything else (--help, --version,
another command, an unknown or malformed option, a value click would refuse,
--points, --order N) it returns None before doing anything, and click runs
the command line instead, so every message about the command line is click's.
tests/test_fast_cli.py runs a corpus of command lines both ways and compares
stdout, stderr and the exit code.
"""
from __future__ import annotations

import importlib
import sys
from typing import Any, Optional

from . import report as exit_codes
from ._spec import COMMANDS
from .inputs import UsageError

# Command lines whose body leaves the click-free code (points.py, higher.py): click runs them.
_CLICK_ONLY = {
    "eval": lambda params: params["points"] is not None,
    "grad": lambda params: params["points"] is not None or params["order"] != 1,
}


_INF = float("inf")


def run(argv: list) -> Optional[int]:
    """The exit code of the command line, or None when click should run it."""
    if not argv or argv[0] not in COMMANDS:
        return None
    spec = COMMANDS[argv[0]]
    params = _parse(spec, argv[1:])
    if params is None or _CLICK_ONLY[argv[0]](params):
        return None
    arguments = {}
    for name, value in params.items():
        kind, _, _, callback, exposed = spec["params"][name]
        if callback is not None:
            module, _, function = callback.partition(":")
            try:
                getattr(importlib.import_module(module), function)(None, None, value)
            except Exception:       # a value the callback refuses: click reports it
                return None
        if exposed:
            arguments[name] = value
    module, _, function = spec["callback"].partition(":")
    body = getattr(importlib.import_module(module), function)
    try:
        return exit_codes.run_reported(lambda: body(**arguments))
    except UsageError as error:
        before, after = spec["usage_error"]
        sys.stderr.write(f"{before}{error.message}{after}")
        return exit_codes.USAGE_ERROR


def _parse(spec: dict, args: list) -> Optional[dict]:
    """The parameters' values, as click would pass them; None for anything not understood."""
    options, declared = spec["options"], spec["params"]
    given: dict = {}
    positional: list = []
    index = 0
    while index < len(args):
        arg = args[index]
        index += 1
        if arg == "--":
            positional += args[index:]
            break
        if arg == "-" or not arg.startswith("-"):
            positional.append(arg)
            continue
        if arg.startswith("--"):
            name, has_value, value = arg.partition("=")
        else:                               # a short option, its value attached or next
            name, value = arg[:2], arg[2:]
            has_value = bool(value)
        if name not in options:
            return None
        param = options[name]
        kind, value_type, _, _, _ = declared[param]
        if kind == "flag":
            if has_value:
                return None
            given[param] = True
            continue
        if kind not in ("value", "multiple"):
            return None
        if not has_value:
            if index == len(args) or args[index].startswith("-"):
                return None                 # missing, or click's call: leave it to click
            value = args[index]
            index += 1
        converted = _convert(value, value_type)
        if converted is None:
            return None
        if kind == "multiple":
            given[param] = given.get(param, ()) + (converted,)
        else:
            given[param] = converted
    names = spec["arguments"]
    if len(positional) > len(names):
        return None
    given.update(zip(names, positional))
    return {name: given.get(name, declared[name][2]) for name in declared}


def _convert(value: str, value_type: Any) -> Any:
    """The value as click's type would convert it, or None when click would refuse it."""
    if value_type is None:
        return value
    kind = value_type[0]
    if kind == "choice":
        return value if value in value_type[1] else None
    low, high, low_open, high_open = value_type[1:]
    try:
        number = int(value) if kind == "int" else float(value)
    except ValueError:
        return None
    if number != number or number in (_INF, -_INF):
        return None                         # click refuses non-finite values (options.FiniteFloatRange)
    if low is not None and (number <= low if low_open else number < low):
        return None
    if high is not None and (number >= high if high_open else number > high):
        return None
    return number
