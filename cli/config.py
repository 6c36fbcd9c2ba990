"""What a command was asked, as one object: the CLI turns its flags into a config record.

click parses the command line (options.py declares the options); the command's callback
gets the values and turns them into ONE record, the command's config (`GradConfig`,
`TraceConfig`, ...), which is all its body receives. A config is made of the option
groups it shares with other commands, each a record of its own:

    program   ProgramInput     FILE or -e TEXT, --at, --of
    limits    LimitSettings    --max-steps, --max-depth, --max-elements, --timeout, --max-memory
    output    OutputSettings   --json, --strict, --precision, --full, and --no-pager
    points    PointsSettings   --points and its formats, --on-error, --jobs

plus the command's own options as plain fields (`wrt`, `order`, ...). A record's fields
are the click parameters of the same names, so a new option is one declaration (options.py
or the command's module) and one field.

Switches that concern the whole invocation, whatever the command and wherever they stand on
the line (`autodiff --no-pager trace ...` or `autodiff trace ... --no-pager`), are kept in a
`RunSettings` object made per run by the entry point (main.py) and carried by click's
context (`ctx.obj`): --traceback, read by the entry point when a bug surfaces, and
--no-pager, copied into each command's OutputSettings. Nothing is kept in module globals or
written to the environment: two runs in one process (tests, a notebook) share nothing.

Free of click; the records are plain immutable records (no `dataclasses`: docs/performance.md).
"""
from __future__ import annotations

import os
from typing import Optional

from autodiff.grammar.records import Record


class RunSettings:
    """The switches of one invocation (not of one command): --traceback and --no-pager.

    Made by main() for each run (or by the command group when a test runs it through click's
    runner), and set by the options' callbacks while click parses. The environment gives
    the defaults: AUTODIFF_DEBUG=1 is --traceback. (AUTODIFF_PAGER and PAGER choose the pager
    itself; pager.py reads them when there is something to page.)
    """

    __slots__ = ("traceback", "pager")

    def __init__(self, traceback: Optional[bool] = None, pager: bool = True):
        self.traceback = bool(os.environ.get("AUTODIFF_DEBUG")) if traceback is None else traceback
        self.pager = pager          # False: --no-pager

    def __repr__(self) -> str:
        return f"RunSettings(traceback={self.traceback!r}, pager={self.pager!r})"


class OptionGroup(Record):
    """A group of options shared by several commands; its fields are the click parameters'
    names (options.py declares them)."""

    __slots__ = ()

    @classmethod
    def take(cls, values: dict, run: RunSettings) -> OptionGroup:
        """The group, made of (and removed from) the parsed `values` of a command line."""
        return cls(**{name: values.pop(name) for name in cls.__slots__})


class ProgramInput(OptionGroup):
    """The program and its inputs: FILE ('-' for standard input) or -e TEXT, --at NAME=VALUE
    (repeatable, the values still text), --of NAME."""

    __slots__ = ("file", "expr", "at", "of")

    def __init__(self, file: Optional[str] = None, expr: Optional[str] = None, at: tuple = (),
                 of: Optional[str] = None):
        super().__init__(file, expr, at, of)


class LimitSettings(OptionGroup):
    """The resource limits of each run (README, "Limits"); max_memory in bytes."""

    __slots__ = ("max_steps", "max_depth", "max_elements", "timeout", "max_memory")

    def limits(self):
        """diffcore's Limits; --timeout 0 means no limit."""
        from autodiff.diffcore.program import Limits
        return Limits(max_steps=self.max_steps, max_depth=self.max_depth, max_elements=self.max_elements,
                      timeout=self.timeout or None, max_memory=self.max_memory)


class OutputSettings(OptionGroup):
    """How a command shows its result, handed to rendering (render.py, pager.py): one JSON
    object (--json), --strict, significant digits (--precision), every element of large arrays
    (--full), and whether long output on a terminal may go through the pager (not with
    --no-pager)."""

    __slots__ = ("as_json", "strict", "precision", "full", "pager")

    def __init__(self, as_json: bool = False, strict: bool = False, precision: int = 6, full: bool = False,
                 pager: bool = True):
        super().__init__(as_json, strict, precision, full, pager)

    @classmethod
    def take(cls, values: dict, run: RunSettings) -> OutputSettings:
        return cls(values.pop("as_json"), values.pop("strict"), values.pop("precision"), values.pop("full"),
                   run.pager)


class PointsSettings(OptionGroup):
    """--points PATH (None: one point, from --at; a file or a glob of files), --points-format,
    --json-lines or --csv, --on-error, -j/--jobs (0: one worker per usable core), --points-engine
    (block or per-point), and for a Dask cluster --scheduler (a cluster.Scheduler or None),
    -o/--output-dir DIR (None: standard output) and --partition-size (bytes)."""

    __slots__ = ("path", "format", "json_lines", "as_csv", "on_error", "jobs", "points_engine", "scheduler",
                 "output_dir", "partition_size")

    def __init__(self, path: Optional[str] = None, format: str = "auto", json_lines: bool = False,
                 as_csv: bool = False, on_error: str = "stop", jobs: int = 0, points_engine: str = "block",
                 scheduler=None, output_dir: Optional[str] = None, partition_size: Optional[int] = None):
        super().__init__(path, format, json_lines, as_csv, on_error, jobs, points_engine, scheduler, output_dir,
                         partition_size)


class CommandConfig(Record):
    """Everything one command was asked. A command's config class lists its option groups in
    GROUPS ({field: group record}) and has, as __slots__, those fields and then its own options."""

    __slots__ = ()
    GROUPS: dict = {}

    @classmethod
    def from_params(cls, params: dict, run: RunSettings) -> CommandConfig:
        """The config of a parsed command line: click's parameter values, and the run's switches."""
        values = dict(params)
        groups = {name: group.take(values, run) for name, group in cls.GROUPS.items()}
        return cls(**groups, **values)      # the options left are the command's own fields
