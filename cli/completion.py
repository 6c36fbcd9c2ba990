"""Shell completion (bash, zsh, fish), through click's: README, "Shell completion".

    eval "$(_AUTODIFF_COMPLETE=bash_source autodiff)"        # in ~/.bashrc

Beyond click's completion of commands and options, FILE arguments complete program paths
(`*.expr` files first, then directories, then other files), and --at, --direction, --wrt
and --of complete the names of the program's inputs (or variables, for --of) once the
program is on the line (FILE or -e). A completion that ends in `=` or `/` is not followed
by a space, so that the value or the rest of the path can be typed at once.
"""
from __future__ import annotations

import os

import click

# click.shell_completion is imported only when completing (it is not part of `import click`):
# the functions below run then, and register() is called then (app.AutodiffGroup.main).


def never_fails(complete):
    """A completion function that offers nothing rather than fail: the shell would show the error."""
    import functools

    @functools.wraps(complete)
    def safe(ctx, param, incomplete):
        try:
            return complete(ctx, param, incomplete)
        except Exception:
            return []
    return safe


# ------------------------------------------------------------------ paths

def _entries(directory: str, prefix: str) -> list:
    """(name, is_dir) of the entries of `directory` starting with `prefix` (hidden ones only
    for a prefix that starts with '.')."""
    try:
        names = os.listdir(directory or ".")
    except OSError:
        return []
    found = []
    for name in names:
        if not name.startswith(prefix) or (name.startswith(".") and not prefix.startswith(".")):
            continue
        found.append((name, os.path.isdir(os.path.join(directory or ".", name))))
    return found


def _ordered(directory: str, entries: list) -> list:
    def key(entry):
        name, is_dir = entry
        return (0 if name.endswith(".expr") and not is_dir else 1 if is_dir else 2, name)
    return [os.path.join(directory, name) + ("/" if is_dir else "") for name, is_dir in sorted(entries, key=key)]


def program_paths(incomplete: str) -> list:
    """Paths completing `incomplete`: *.expr files first, then directories, then the rest.

    A lone directory is opened (its own entries are listed), so that the shell does not end
    the word after it."""
    directory, prefix = os.path.split(incomplete)
    entries = _entries(directory, prefix)
    if len(entries) == 1 and entries[0][1]:
        inner = os.path.join(directory, entries[0][0])
        listed = _ordered(inner, _entries(inner, ""))
        return listed or [inner + "/"]
    return _ordered(directory, entries)


@never_fails
def complete_program_path(ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
    from click.shell_completion import CompletionItem
    return [CompletionItem(path) for path in program_paths(incomplete)]


# ------------------------------------------------------------------ names in the program

def _program(ctx: click.Context):
    """The program on the command line so far, or None (none yet, from stdin, or not valid)."""
    from .inputs import read_source
    file, expr = ctx.params.get("file"), ctx.params.get("expr")
    if file is None and ctx.args:
        # Completing an option's value, click stops parsing at that option, before it assigns
        # the positional arguments: FILE is then among the words left over.
        file = ctx.args[0]
    if (file is None) == (expr is None) or file == "-":
        return None
    try:
        from autodiff.diffcore.program import Program
        return Program(read_source(file, expr))
    except Exception:               # a missing file, a syntax error: completion offers no names then
        return None


def _input_names(ctx: click.Context) -> list:
    program = _program(ctx)
    return list(program.input_names) if program is not None else []


@never_fails
def complete_name_value(ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
    """--at / --direction: `NAME=` for each input not given yet."""
    from click.shell_completion import CompletionItem
    if "=" in incomplete:
        return []
    given = {item.partition("=")[0].strip() for item in (ctx.params.get(param.name) or ())}
    return [CompletionItem(f"{name}=") for name in _input_names(ctx)
            if name.startswith(incomplete) and name not in given]


@never_fails
def complete_names(ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
    """--wrt x,y: the input names, after those already in the list."""
    from click.shell_completion import CompletionItem
    head, _, last = incomplete.rpartition(",")
    before = set(head.split(",")) if head else set()
    return [CompletionItem(f"{head},{name}" if head else name) for name in _input_names(ctx)
            if name.startswith(last) and name not in before]


@never_fails
def complete_variable(ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
    """--of: the program's top-level variables."""
    from click.shell_completion import CompletionItem
    program = _program(ctx)
    names = program.variables if program is not None else []
    return [CompletionItem(name) for name in names if name.startswith(incomplete)]


# ------------------------------------------------------------------ no space after '=' and '/'

def register() -> None:
    """Use scripts for bash and zsh that add no space after '=' or '/' (fish adds none by itself)."""
    from click.shell_completion import BashComplete, ZshComplete, add_completion_class

    class AutodiffBash(BashComplete):
        assert "    return 0\n}" in BashComplete.source_template        # click's script, as this expects
        source_template = BashComplete.source_template.replace(
            "    return 0\n}",
            "    if [[ ${#COMPREPLY[@]} -gt 0 && ( ${COMPREPLY[-1]} == */ || ${COMPREPLY[-1]} == *= ) ]]; then\n"
            "        compopt -o nospace\n"
            "    fi\n"
            "    return 0\n}", 1)

    class AutodiffZsh(ZshComplete):
        source_template = ZshComplete.source_template.replace(
            "    if [ -n \"$completions\" ]; then\n        compadd -U -V unsorted -a completions\n    fi",
            "    if [ -n \"$completions\" ]; then\n"
            "        local -a open\n"
            "        open=(${(M)completions:#*[=/]})\n"
            "        completions=(${completions:#*[=/]})\n"
            "        [ -n \"$open\" ] && compadd -S '' -U -V unsorted -a open\n"
            "        [ -n \"$completions\" ] && compadd -U -V unsorted -a completions\n"
            "    fi", 1)

    add_completion_class(AutodiffBash, "bash")
    add_completion_class(AutodiffZsh, "zsh")
