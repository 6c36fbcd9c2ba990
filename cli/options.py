"""The options shared by several commands, declared once for click.

Each group of options is a decorator, so that a flag means the same thing and is spelled
the same way on every command; the values of a group become one record of config.py
(program_options -> ProgramInput, limit_options -> LimitSettings, output_options ->
OutputSettings, points_options -> PointsSettings), whose fields are these parameters' names.
Turning the values into what diffcore takes is inputs.py's work.
"""
from __future__ import annotations

import math
from typing import Callable

import click

from .completion import complete_name_value, complete_program_path, complete_variable
from .cluster.connect import scheduler_option
from .inputs import max_memory_option, name_value_option, size_option


def compose(*decorators: Callable) -> Callable:
    def apply(fn):
        for decorator in reversed(decorators):
            fn = decorator(fn)
        return fn
    return apply


program_options = compose(
    click.argument("file", required=False, metavar="FILE", shell_complete=complete_program_path),
    click.option("-e", "--expr", "expr", metavar="TEXT",
                 help="The program text itself, instead of FILE."),
    click.option("--at", "at", multiple=True, metavar="NAME=VALUE", callback=name_value_option,
                 shell_complete=complete_name_value,
                 help="Set an input: a number, a list like [1, 2], or any constant expression "
                      "(pi/4, linspace(0, 1, 5)). Repeatable."),
    click.option("--of", "of", metavar="NAME", shell_complete=complete_variable,
                 help="Use this top-level variable as the output."),
)

# The largest value of a count option (--max-steps, --max-elements, trace --limit, ...): far beyond
# what any run reaches (10^15 steps take years), and small enough for every integer type downstream.
MAX_COUNT = 10**15
# The highest derivative order of `grad --order N`: k! overflows float64 past 170! (and Taylor
# coefficients f^(k)/k! underflow with it). diffcore.engine.taylor.MAX_ORDER is the same number
# (not imported here: it would load the Taylor engine, which `grad` does not need);
# tests/test_limits.py checks that they agree.
MAX_ORDER = 170


class FiniteFloatRange(click.FloatRange):
    """A float range that refuses nan and the infinities: click's range checks let nan through
    (every comparison with it is false), and `--timeout nan` would then never fire."""

    def convert(self, value, param, ctx):
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return number


limit_options = compose(
    click.option("--max-steps", type=click.IntRange(1, MAX_COUNT), default=10_000_000, show_default=True,
                 help="Most loop iterations plus function calls a run may execute."),
    click.option("--max-depth", type=click.IntRange(1, 5000), default=200, show_default=True,
                 help="Deepest nesting of user-function calls."),
    click.option("--max-elements", type=click.IntRange(1, MAX_COUNT), default=10_000_000, show_default=True,
                 help="Most elements in any one array."),
    # The default is diffcore's DEFAULT_TIMEOUT (not imported here: it would load numpy
    # before click has parsed anything); tests/test_limits.py checks that they agree.
    click.option("--timeout", type=FiniteFloatRange(0), default=60.0, show_default=True, metavar="SECONDS",
                 help="Wall-time limit of a run (one evaluation or differentiation at one point); 0: none."),
    click.option("--max-memory", default="4G", show_default=True, metavar="SIZE", callback=max_memory_option,
                 help="Most memory the recording of a run may hold (e.g. 500M, 8G)."),
)

# Which engine runs the program (diffcore/compiled/run.py; docs/performance.md, "Two engines").
engine_option = click.option(
    "--engine", type=click.Choice(["auto", "compiled", "tape"]), default="auto", show_default=True,
    help="auto: the compiled form (the code `autodiff emit --to python` writes) where it gives the tape's "
         "answer, the tape elsewhere; compiled: refuse a program the compiler does not take; tape: always "
         "the tape.")


def points_engine(engine: str) -> str:
    """The engine of single points under --points. Blocks of points run on the tape's lanes
    (diffcore/blocks.py), and a point that leaves its block must give the very bytes its block
    would: so `auto` is the tape there. `--engine compiled` runs every point through the
    generated code, one at a time (no blocks); its last digits may differ from the tape's."""
    return "tape" if engine == "auto" else engine


output_options = compose(
    click.option("--json", "as_json", is_flag=True, help="Print one JSON object (see README: JSON output)."),
    click.option("--strict", is_flag=True,
                 help="Treat a non-finite result (nan, inf) as an error (exit 1) instead of a warning."),
    click.option("--precision", type=click.IntRange(1, 17), default=6, show_default=True,
                 help="Significant digits in text and tables (JSON always has full precision)."),
    click.option("--full", is_flag=True,
                 help="Print every element: no summary of arrays over 1000 elements, and no columns elided "
                      "to fit the terminal's width."),
)

# --points and its companions (eval, grad, hessian, jvp); points/run.py runs them, and is imported
# only when --points is given.
points_options = compose(
    click.option("--points", "path", metavar="FILE",
                 help="Run once per point: a CSV or JSON Lines file of input values ('-' for standard input), or "
                      "a quoted glob of such files ('data/*.csv'), read in name order."),
    click.option("--points-format", "format", type=click.Choice(["auto", "csv", "jsonl"]), default="auto",
                 show_default=True, help="How --points is written; auto goes by the file name, then the content."),
    click.option("--json-lines", "json_lines", is_flag=True,
                 help="With --points: one JSON object per point (the default)."),
    click.option("--csv", "as_csv", is_flag=True,
                 help="With --points: CSV with the input, output and derivative columns."),
    click.option("--on-error", type=click.Choice(["stop", "skip"]), default="stop", show_default=True,
                 help="With --points: what a failing point does to the run."),
    click.option("-j", "--jobs", type=click.IntRange(0), default=0, show_default=True,
                 help="With --points from a file: worker processes (0: one per usable core; 1: this "
                      "process only). The results and their order are the same."),
    click.option("--points-engine", "points_engine", type=click.Choice(["block", "per-point"]), default="block",
                 show_default=True,
                 help="With --points: run the program once over a block of points (the same results, "
                      "byte for byte), or once per point."),
    scheduler_option,
    click.option("-o", "--output-dir", "output_dir", metavar="DIR", type=click.Path(file_okay=False),
                 help="With --points and --scheduler: write the results as one file per partition in DIR "
                      "(their concatenation in name order is what standard output would get)."),
    click.option("--partition-size", "partition_size", metavar="SIZE", callback=size_option,
                 help="With --scheduler: bytes of the points files per task (default: about 4 per worker, "
                      "from 64K to 4M; at most 100,000 tasks)."),
)
