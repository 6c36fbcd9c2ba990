"""Generate `_tables.py`, the parser tables of `autodiff.lark`, with lark.

    python -m autodiff.grammar.generate            # rewrite grammar/_tables.py
    python -m autodiff.grammar.generate --check    # exit 1 if it is stale

lark is used here, ahead of time, and never when a program is parsed: it
builds the LALR(1) tables and the basic lexer exactly as it would for
`Lark(grammar, parser="lalr", lexer="basic", maybe_placeholders=True)`, and
this module writes out the pieces that `lalr.py` runs on, as plain Python
literals (so that loading them is unmarshalling a .pyc, nothing more):

* the lexer: lark's alternation of every terminal in its priority order, the
  keywords lark's lexer re-types from NAME, the ignored terminals;
* the parser: one dict per LALR state, terminal or rule name -> action;
* per rule, what lark's tree builder would do with its children: which to
  keep, which helper rules to splice in, where `[optional]` leaves a None,
  whether a `?rule` passes a single child through, and the callback's name.

The file records the sha256 of the grammar it was made from and the version of
lark that made it. It is current when that checksum is the grammar's: `--check` and
tests/test_cold_start.py say so, and, when the installed lark is the recorded version,
also that regenerating gives the same file (no hand edit). A new lark release may
number or word the tables differently; that alone does not make them stale.
tests/test_tables_vs_lark.py checks what matters, with whatever lark is installed: that
lalr.py on these tables parses every sample, test program and a fuzz corpus exactly as
lark does.
"""
from __future__ import annotations

import argparse
import ast
import hashlib
import pprint
import sys
from pathlib import Path
from typing import Optional

HERE = Path(__file__).resolve().parent
GRAMMAR_FILE = HERE / "autodiff.lark"
TABLES_FILE = HERE / "_tables.py"
COMMAND = "python -m autodiff.grammar.generate"


def grammar_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def build(grammar: str) -> dict:
    """The tables, as plain data, from lark's own analysis of the grammar."""
    import lark
    from lark.lexer import PatternStr
    from lark.parsers.lalr_analysis import Shift
    from lark.parse_tree_builder import maybe_create_child_filter

    parser = lark.Lark(grammar, parser="lalr", lexer="basic", maybe_placeholders=True)
    lexer = parser.parser.lexer
    scanner = lexer._build_scanner()
    keywords = {}
    for name, unless in sorted(lexer.callback.items()):
        keywords[name] = {t.pattern.value: t.name for t in sorted(unless.scanner.terminals, key=lambda t: t.name)}

    table = parser.parser.parser.parser.parse_table
    rule_index = {rule: i for i, rule in enumerate(parser.rules)}
    # lark numbers the states in an order that depends on string hashing; renumber them
    # breadth-first from the start state, symbols in sorted order, so the file is reproducible.
    start, end = table.start_states["start"], table.end_states["start"]
    order, seen = [start], {start}
    for number in order:
        for symbol, (action, arg) in sorted(table.states.get(number, {}).items()):
            if action is Shift and arg not in seen:
                seen.add(arg)
                order.append(arg)
    order += sorted((set(table.states) | {end}) - seen)
    renumber = {old: new for new, old in enumerate(order)}
    states = []
    for number in order:
        actions = {}
        for symbol, (action, arg) in sorted(table.states.get(number, {}).items()):
            actions[str(symbol)] = renumber[arg] if action is Shift else -1 - rule_index[arg]
        states.append(actions)

    rules = []
    for rule in parser.rules:
        expansion = rule.expansion
        child_filter = maybe_create_child_filter(expansion, rule.options.keep_all_tokens, False,
                                                 rule.options.empty_indices)
        if child_filter is None:        # every child kept as it is
            include, trailing_nones = [(i, False, 0) for i in range(len(expansion))], 0
        elif len(child_filter.args) == 1:   # lark's variant for rules without an [optional]
            include, trailing_nones = [(i, splice, 0) for i, splice in child_filter.args[0]], 0
        else:
            include, trailing_nones = child_filter.args
        callback = rule.alias or rule.origin.name
        inline = rule.origin.name.startswith("_")     # a helper rule: spliced into its parent
        pass_single = bool(rule.options.expand1 and not rule.alias)
        rules.append((str(rule.origin.name), len(expansion), None if inline else str(callback),
                      tuple((i, bool(splice), nones) for i, splice, nones in include), trailing_nones,
                      pass_single))

    return {
        "PATTERNS": tuple(m.pattern for m in scanner._mres),
        "KEYWORDS": keywords,
        "IGNORED": tuple(sorted(lexer.ignore_types)),
        "LITERALS": {t.name: t.pattern.value for t in sorted(parser.terminals, key=lambda t: t.name)
                     if isinstance(t.pattern, PatternStr)},
        "RULES": tuple(rules),
        "STATES": tuple(states),
        "START_STATE": renumber[start],
        "END_STATE": renumber[end],
    }


def render(grammar: str) -> str:
    import lark

    data = build(grammar)
    lines = [
        '"""LALR(1) tables of autodiff.lark, for lalr.py. Generated: do not edit.',
        "",
        f"Made by `{COMMAND}` with lark {lark.__version__}",
        f"from autodiff.lark with sha256 {grammar_digest(grammar)}.",
        "The tables are data computed by lark from our grammar; no lark code is included.",
        '"""',
        "",
        f"GRAMMAR_SHA256 = {grammar_digest(grammar)!r}",
        f"LARK_VERSION = {lark.__version__!r}",
    ]
    for name, value in data.items():
        lines.append("")
        if name in ("PATTERNS", "RULES", "STATES"):      # one item per line
            lines.append(f"{name} = (")
            lines += [f"    {item!r},  # {i}" if name != "PATTERNS" else f"    {item!r},"
                      for i, item in enumerate(value)]
            lines.append(")")
        else:
            lines.append(f"{name} = {pprint.pformat(value, width=110, sort_dicts=False)}")
    return "\n".join(lines) + "\n"


def recorded(path: Path) -> dict:
    """GRAMMAR_SHA256 and LARK_VERSION as a tables file records them ({} for none)."""
    if not path.exists():
        return {}
    found = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.value, ast.Constant):
            name = getattr(node.targets[0], "id", None)
            if name in ("GRAMMAR_SHA256", "LARK_VERSION"):
                found[name] = node.value.value
    return found


def staleness(path: Path, grammar: str) -> Optional[str]:
    """Why the tables at `path` are stale for `grammar`, or None when they are current: made from
    this grammar and, if the installed lark is the one that made them, exactly as it makes them."""
    import lark

    made = recorded(path)
    if made.get("GRAMMAR_SHA256") != grammar_digest(grammar):
        return "it was made from another grammar (or is not a tables file)"
    if made.get("LARK_VERSION") == lark.__version__ and path.read_text(encoding="utf-8") != render(grammar):
        return f"lark {lark.__version__} makes other tables (was it edited by hand?)"
    return None


def main(argv: list | None = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the checked-in tables are stale")
    parser.add_argument("--output", type=Path, default=TABLES_FILE, help="where to write (default: %(default)s)")
    args = parser.parse_args(argv)
    grammar = GRAMMAR_FILE.read_text(encoding="utf-8")
    if args.check:
        problem = staleness(args.output, grammar)
        if problem is not None:
            print(f"{args.output} is stale: {problem}; run `{COMMAND}`", file=sys.stderr)
            return 1
        import lark
        made_with = recorded(args.output).get("LARK_VERSION")
        note = "" if made_with == lark.__version__ else (
            f" (made with lark {made_with}, lark {lark.__version__} installed: the grammar's checksum is "
            "checked; tests/test_tables_vs_lark.py compares the parser with this lark)")
        print(f"{args.output} is up to date{note}")
        return 0
    args.output.write_text(render(grammar), encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
