"""The `autodiff` command group, for click: lazy loading of the commands, and turning what a
command raises into reports and exit codes (the same way as the fast path, fast.py)."""
from __future__ import annotations

import os

import click

from .inputs import UsageError
# Re-exported for the command modules, which import them from here.
from .render import input_rows, output_label, terminal  # noqa: F401
from .report import finish, reported, run_reported, silence_stdout  # noqa: F401

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


# Which module defines each command: a command's module is imported only when it runs (or for
# --help), so that `autodiff grad` does not pay for loading `plot` or `check`.
COMMAND_MODULES = {
    "eval": "basic", "grad": "basic",
    "hessian": "higher", "jacobian": "higher", "jvp": "higher", "hvp": "higher",
    "check": "check", "trace": "trace", "graph": "graph", "plot": "plot",
}


class AutodiffCommand(click.Command):
    """A command: our UsageError (raised by code that does not use click) becomes click's,
    so that click shows it with this command's usage line."""

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

    def invoke(self, ctx: click.Context):
        code = run_reported(lambda: super(AutodiffGroup, self).invoke(ctx))
        if code:
            ctx.exit(code)
        return code


@click.group(cls=AutodiffGroup, context_settings=CONTEXT)
@click.version_option(package_name="autodiff", prog_name="autodiff")
@click.option("--traceback", is_flag=True, hidden=True, help="Show Python tracebacks of internal errors.")
def cli(traceback: bool) -> None:
    """Differentiate small programs: values, gradients, Jacobians.

    A program is a text file (or -e TEXT, or - for standard input) in a small
    Python-like language. See README.md for the language and the JSON shape.
    """
    if traceback:
        os.environ["AUTODIFF_DEBUG"] = "1"
