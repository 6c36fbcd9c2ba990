"""The `autodiff` command group, for click: which module defines each command (loaded only
when that command runs), the switches every command takes, and turning what a command
raises into reports and exit codes.

A command is declared in its own module with `command(name, Config, *options)`: click parses
the options, and the body receives one config object (config.py) built from their values.
"""
from __future__ import annotations

import importlib
from typing import Callable

import click

from .config import CommandConfig, RunSettings
from .options import compose
from .report import run_reported

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


# Where each command is defined ("module:attribute"): a command's module is imported only when
# it runs (or for --help), so that `autodiff grad` loads neither `plot` nor `check` (click's
# lazy-loading group pattern).
COMMANDS = {
    "eval": "basic:eval_command", "grad": "basic:grad_command",
    "hessian": "higher:hessian_command", "jacobian": "higher:jacobian_command",
    "jvp": "higher:jvp_command", "hvp": "higher:hvp_command",
    "check": "check:check_command", "trace": "trace:trace_command", "graph": "graph:graph_command",
    "plot": "plot:plot_command", "explain": "explain:explain_command", "emit": "emit:emit_command",
}

# The variable that asks click for shell completion (README, "Shell completion").
COMPLETE_VAR = "_AUTODIFF_COMPLETE"


# ------------------------------------------------------------------ switches of the run

def _traceback_switch(ctx: click.Context, param, value: bool) -> None:
    if value:
        ctx.ensure_object(RunSettings).traceback = True


def _no_pager_switch(ctx: click.Context, param, value: bool) -> None:
    if value:
        ctx.ensure_object(RunSettings).pager = False


def traceback_option() -> click.Option:
    # Hidden: the internal-error message tells users to add it (and they add it at the end).
    return click.Option(["--traceback"], is_flag=True, hidden=True, expose_value=False,
                        callback=_traceback_switch, help="Show the Python traceback of an internal error.")


def no_pager_option() -> click.Option:
    return click.Option(["--no-pager"], is_flag=True, expose_value=False, callback=_no_pager_switch,
                        help="On a terminal, print long output directly instead of through $PAGER (less).")


def _show_help(ctx: click.Context, param, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(ctx.get_help(), color=ctx.color)
        ctx.exit()


class _PlainHelp:
    """-h/--help as click makes it, but with its help text as a plain string: click passes its own
    through gettext, whose first call imports `locale` and looks for translations of click on
    disk (~1 ms at every start, for a message click ships no translation of)."""

    _plain_help = None

    def get_help_option(self, ctx: click.Context):
        names = self.get_help_option_names(ctx)
        if not names or not self.add_help_option:
            return None
        if self._plain_help is None:
            self._plain_help = click.Option(names, is_flag=True, is_eager=True, expose_value=False,
                                            callback=_show_help, help="Show this message and exit.")
        return self._plain_help


# ------------------------------------------------------------------ commands

class AutodiffCommand(_PlainHelp, click.Command):
    """A command. It also takes the group's --no-pager and --traceback (hidden), so that they
    work after the command, where people put them, as well as before."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.params.append(no_pager_option())
        self.params.append(traceback_option())

    def make_parser(self, ctx: click.Context):
        parser = super().make_parser(ctx)
        _short_options_directly(parser)
        return parser


def _short_options_directly(parser) -> None:
    """Parse `-e TEXT` without the 'no such option' error click builds and drops on the way.

    click looks every option up as a long one first; for `-e` the lookup fails, and the error it
    raises (and catches) imports difflib to suggest close names: ~2 ms at every start of
    `autodiff grad -e ...` (docs/performance.md, case 1). An argument with a single dash that
    is not a long option goes to the short options straight away, as click itself sends it
    after the failed lookup, so nothing else changes. A click without these internals keeps
    its own way (slower, the same result)."""
    general = getattr(parser, "_process_opts", None)
    internals = ("_opt_prefixes", "_long_opt", "_match_short_opt")
    if general is None or not all(hasattr(parser, name) for name in internals):
        return
    if parser.ctx is not None and parser.ctx.token_normalize_func is not None:
        return                  # names would be normalised first: leave it to click

    def process(arg: str, state) -> None:
        if arg[:2] not in parser._opt_prefixes and arg.split("=", 1)[0] not in parser._long_opt:
            parser._match_short_opt(arg, state)
        else:
            general(arg, state)
    parser._process_opts = process


def command(name: str, config: type, *options: Callable) -> Callable:
    """Declare the command `name` (listed in COMMANDS) whose body takes one `config` (a
    CommandConfig class) built from the values of `options` (click decorators) and of the run's
    switches. Its help is the body's docstring; the click command keeps `config` as `.config`."""
    assert issubclass(config, CommandConfig) and name in COMMANDS

    def declare(body: Callable[[CommandConfig], int]) -> click.Command:
        @click.pass_context
        def callback(ctx: click.Context, **params) -> int:
            return body(config.from_params(params, ctx.ensure_object(RunSettings)))
        callback.__doc__ = body.__doc__
        made = click.command(name, cls=AutodiffCommand, context_settings=CONTEXT)(compose(*options)(callback))
        made.config = config
        return made
    return declare


class AutodiffGroup(_PlainHelp, click.Group):
    """The command group: commands loaded by name; program errors become reports and exit codes
    here, for every caller. (Both `main()` and click's test runner go through this, so they
    behave alike.)"""

    def make_context(self, info_name, args, parent=None, **extra) -> click.Context:
        # The run's switches: main() hands its own (obj=...), click's test runner gets fresh ones.
        extra.setdefault("obj", RunSettings())
        return super().make_context(info_name, args, parent=parent, **extra)

    def main(self, *args, **kwargs):
        import os
        if COMPLETE_VAR in os.environ:          # our completion scripts, loaded only when asked for
            from .completion import register
            register()
        return super().main(*args, **kwargs)

    def list_commands(self, ctx: click.Context) -> list:
        return sorted(set(super().list_commands(ctx)) | set(COMMANDS))

    def get_command(self, ctx: click.Context, name: str):
        if name not in self.commands and name in COMMANDS:
            module, _, attribute = COMMANDS[name].partition(":")
            self.add_command(getattr(importlib.import_module(f"autodiff.cli.{module}"), attribute), name)
        return super().get_command(ctx, name)

    def resolve_command(self, ctx: click.Context, args: list):
        # A misspelt command gets the closest ones, as misspelt options and builtins do.
        name = args[0] if args else ""
        if name and not name.startswith("-") and not ctx.resilient_parsing and self.get_command(ctx, name) is None:
            import difflib
            close = difflib.get_close_matches(name, self.list_commands(ctx), n=2, cutoff=0.6)
            hint = " (Did you mean {}?)".format(" or ".join(repr(c) for c in close)) if close else ""
            ctx.fail(f"No such command {name!r}.{hint}")
        return super().resolve_command(ctx, args)

    def invoke(self, ctx: click.Context):
        code = run_reported(lambda: super(AutodiffGroup, self).invoke(ctx))
        if code:
            ctx.exit(code)
        return code


def version_text() -> str:
    """What a bug report needs: the versions of autodiff, numpy and Python, and the platform."""
    import platform
    from importlib import metadata

    import numpy
    try:
        version = metadata.version("autodiff")
    except metadata.PackageNotFoundError:
        version = "(not installed: run from a clone)"
    return (f"autodiff {version}\nnumpy {numpy.__version__}\n"
            f"Python {platform.python_version()} ({platform.python_implementation()}, {platform.platform(terse=True)})")


def _show_version(ctx: click.Context, param, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(version_text())
        ctx.exit(0)


@click.group(cls=AutodiffGroup, context_settings=CONTEXT)
@click.option("--version", is_flag=True, is_eager=True, expose_value=False, callback=_show_version,
              help="Show the versions of autodiff, numpy and Python, and exit.")
@click.option("--traceback", is_flag=True, hidden=True, expose_value=False, callback=_traceback_switch,
              help="Show Python tracebacks of internal errors.")
@click.option("--no-pager", is_flag=True, expose_value=False, callback=_no_pager_switch,
              help="On a terminal, print long output directly instead of through $PAGER (less).")
def cli() -> None:
    """Differentiate small programs: values, gradients, Jacobians.

    A program is a text file (or -e TEXT, or - for standard input) in a small
    Python-like language. See README.md for the language and the JSON shape.
    """
