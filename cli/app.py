"""The `autodiff` command group, for click: lazy loading of the commands, and turning what a
command raises into reports and exit codes (the same way as the fast path, fast.py)."""
from __future__ import annotations

import os

import click

from .inputs import UsageError, traceback_option
from .completion import register as register_completion
from .pager import no_pager_option
# Re-exported for the command modules, which import them from here.
from .render import input_rows, output_label, terminal  # noqa: F401
from .report import finish, reported, run_reported, silence_stdout  # noqa: F401

register_completion()       # click's completion scripts, with no space after '=' and '/'

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


# Which module defines each command: a command's module is imported only when it runs (or for
# --help), so that `autodiff grad` does not pay for loading `plot` or `check`.
COMMAND_MODULES = {
    "eval": "basic", "grad": "basic",
    "hessian": "higher", "jacobian": "higher", "jvp": "higher", "hvp": "higher",
    "check": "check", "trace": "trace", "graph": "graph", "plot": "plot", "explain": "explain",
}


def no_pager() -> click.Option:
    return click.Option(["--no-pager"], is_flag=True, expose_value=False, callback=no_pager_option,
                        help="On a terminal, print long output directly instead of through $PAGER (less).")


class AutodiffCommand(click.Command):
    """A command: our UsageError (raised by code that does not use click) becomes click's,
    so that click shows it with this command's usage line.

    Every command also takes the group's --no-pager and --traceback (hidden), so that they
    work after the command, where people put them, as well as before.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.params.append(no_pager())
        self.params.append(click.Option(["--traceback"], is_flag=True, hidden=True, expose_value=False,
                                        callback=traceback_option,
                                        help="Show the Python traceback of an internal error."))

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except UsageError as error:
            raise click.UsageError(error.message, ctx) from None


class AutodiffGroup(click.Group):
    """The command group: program errors become reports and exit codes here, for every caller.

    (Both `main()` and click's test runner go through this, so they behave alike.)
    """

    command_class = AutodiffCommand

    def list_commands(self, ctx: click.Context) -> list:
        return sorted(set(super().list_commands(ctx)) | set(COMMAND_MODULES))

    def get_command(self, ctx: click.Context, name: str):
        if name not in self.commands and name in COMMAND_MODULES:
            import importlib
            importlib.import_module(f"autodiff.cli.{COMMAND_MODULES[name]}")     # registers it
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
@click.option("--traceback", is_flag=True, hidden=True, help="Show Python tracebacks of internal errors.")
@click.option("--no-pager", is_flag=True, expose_value=False, callback=no_pager_option,
              help="On a terminal, print long output directly instead of through $PAGER (less).")
def cli(traceback: bool) -> None:
    """Differentiate small programs: values, gradients, Jacobians.

    A program is a text file (or -e TEXT, or - for standard input) in a small
    Python-like language. See README.md for the language and the JSON shape.
    """
    if traceback:
        os.environ["AUTODIFF_DEBUG"] = "1"
