"""`autodiff emit`: the derivative of a program as a program (docs/emit.md)."""
from __future__ import annotations

import click

from .app import command
from .completion import complete_names
from .config import CommandConfig, ProgramInput
from .inputs import load, parse_at, parse_names
from .options import program_options
from .render import dumps_single, echo
from .report import reported


class EmitConfig(CommandConfig):
    """`autodiff emit`: the program, --mode, --to, --wrt, -o and --json."""
    GROUPS = {"program": ProgramInput}
    __slots__ = ("program", "mode", "target", "wrt", "out_path", "as_json")


@command("emit", EmitConfig,
         program_options,
         click.option("--mode", type=click.Choice(["reverse", "forward"]), default="reverse", show_default=True,
                      help="reverse: the adjoint program (a forward sweep, then the backward sweep); forward: "
                           "the tangent program."),
         click.option("--to", "target", type=click.Choice(["expr", "python"]), default="expr", show_default=True,
                      help="expr: a program in the autodiff language; python: a module needing only numpy."),
         click.option("--wrt", "wrt", multiple=True, metavar="NAMES", shell_complete=complete_names,
                      help="Differentiate only with respect to these inputs (comma-separated)."),
         click.option("-o", "--output", "out_path", metavar="FILE", type=click.Path(dir_okay=False, writable=True),
                      help="Write the emitted code to FILE instead of standard output."),
         click.option("--json", "as_json", is_flag=True,
                      help="Print one JSON object: the code, the source map, the inputs without a derivative."))
def emit_command(config: EmitConfig) -> int:
    """Write the derivative of a program as a program: in the autodiff language, or as a
    numpy module with f() and grad_f() (reverse mode) or jvp_f() (forward mode).

    The code is specialised to the shapes of the inputs' values (their defaults, or --at).
    """
    from autodiff.diffcore.emit.api import emit
    program = load(config.program)
    values = parse_at(config.program.at)
    with reported(program):
        result = emit(program, values, mode=config.mode, target=config.target,
                      wrt=parse_names(config.wrt), of=config.program.of)
    if config.out_path:
        with open(config.out_path, "w", encoding="utf-8") as handle:
            handle.write(result.text)
    if config.as_json:
        echo(dumps_single(result.as_json()))
    elif not config.out_path:
        click.echo(result.text, nl=False)
    return 0
