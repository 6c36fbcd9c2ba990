"""The generated parser against lark itself: same tokens, same trees, same errors.

grammar/_tables.py holds the LALR(1) tables lark builds for autodiff.lark, and grammar/lalr.py
runs them without lark (`python -m autodiff.grammar.generate` writes the tables; README,
"Generated files"). Here lark parses the same programs with the same options
(`parser="lalr", lexer="basic", maybe_placeholders=True`), and the two must agree:

* the lexer: the same tokens (type, text, position), or the same position where no
  terminal matches;
* the parser, fed the same token stream (after the indentation post-lexer, which is
  autodiff's own): the same tree (lark's Tree, against the children lalr.py hands each
  rule's callback), or a refusal of the same token with the same set of expected terminals.

On every sample, every program of tests/cases, tests/cases_failing and tests/bad_inputs,
random token edits of all of them (mostly syntax errors), and programs from the
generator of tests/fuzzing.
"""
from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from autodiff.grammar import generate, lalr
from autodiff.grammar.parser import _BlockStructure
from autodiff.grammar.source import ProgramSyntaxError
from fuzzing.programs import STYLES, programs, to_source

lark = pytest.importorskip("lark")

REPO = Path(__file__).resolve().parents[1]
CORPUS = sorted([*(REPO / "samples").glob("*.expr"), *(REPO / "tests" / "cases").glob("*.expr"),
                 *(REPO / "tests" / "cases_failing").glob("*.expr"), *(REPO / "tests" / "bad_inputs").glob("*.expr")])
EDITS_PER_PROGRAM = 2
# Pieces of programs for the token edits: a token of the language or not, layout, brackets.
PIECES = ["+", "-", "*", "^", "=", "==", ":", ",", ";", "(", ")", "[", "]", "\n", "\n    ", "    ", "\t",
          "if", "else", "elif", "for", "in", "def", "return", "lambda", "input", "not", "x", "1", "2.5e3",
          "'s'", "$", "!", "#", "\\\n"]
PIECE = re.compile(r"\n[ \t]*|[ \t]+|\w+|'[^'\n]*'|\"[^\"\n]*\"|.", re.S)


@pytest.fixture(scope="module")
def lark_parser():
    return lark.Lark(generate.GRAMMAR_FILE.read_text(encoding="utf-8"), parser="lalr", lexer="basic",
                     maybe_placeholders=True)


class _Trees:
    """A builder for lalr.Parser whose every rule callback makes (rule, children), as lark's Tree."""

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return lambda children: ("tree", name, [plain(child) for child in children])


def plain(node):
    """A parse tree of either parser, in one shape: trees, tokens with their positions, None."""
    if node is None:
        return None
    if isinstance(node, lark.Tree):
        return ("tree", str(node.data), [plain(child) for child in node.children])
    if isinstance(node, tuple) and node[:1] == ("tree",):
        return node
    if isinstance(node, list):                  # a helper rule's children, on their own
        return [plain(child) for child in node]
    return ("token", node.type, str(node.value), node.start_pos, node.line, node.column, node.end_line,
            node.end_column, node.end_pos)


def to_lark(token: lalr.Token):
    return lark.Token(token.type, token.value, token.start_pos, token.line, token.column, token.end_line,
                      token.end_column, token.end_pos)


def lexed(lex) -> tuple:
    """(tokens, the position where lexing failed or None)."""
    tokens = []
    try:
        for token in lex:
            tokens.append(plain(token))
    except (lalr.UnexpectedCharacters, lark.exceptions.UnexpectedCharacters) as error:
        return tokens, (error.pos_in_stream, error.line, error.column)
    return tokens, None


def compare(text: str, lark_parser) -> str:
    """Parse `text` both ways; assert they agree; say how it ended (for the corpus' statistics)."""
    if not text.endswith("\n"):
        text += "\n"                # as grammar.parser.parse does
    ours = lalr.Parser(_Trees())
    assert lexed(ours.lex(text)) == lexed(lark_parser.lex(text)), "the lexers disagree"

    state, interactive = ours.new_state(), lark_parser.parse_interactive("")
    last = None
    try:
        for token in _BlockStructure().process(ours.lex(text)):
            last = token
            try:
                state.feed_token(token)
            except lalr.UnexpectedToken as refused:
                with pytest.raises(lark.exceptions.UnexpectedToken) as lark_refused:
                    interactive.feed_token(to_lark(token))
                assert lark_refused.value.expected == refused.expected
                return "refused"
            interactive.feed_token(to_lark(token))
    except (lalr.UnexpectedCharacters, ProgramSyntaxError):
        return "stopped before the parser"          # the lexer (checked above) or the post-lexer
    end = lalr.Token.end_after(last)
    try:
        tree = state.feed_token(end, is_end=True)
    except lalr.UnexpectedToken as refused:
        with pytest.raises(lark.exceptions.UnexpectedToken) as lark_refused:
            interactive.feed_token(to_lark(end))
        assert lark_refused.value.expected == refused.expected
        return "refused"
    assert plain(tree) == plain(interactive.feed_token(to_lark(end))), "the trees differ"
    return "parsed"


def edited(text: str, rng: random.Random) -> str:
    """`text` after one to three random token edits."""
    tokens = PIECE.findall(text) or [""]
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(len(tokens))
        kind = rng.choice(["delete", "duplicate", "swap", "insert", "replace"])
        if kind == "delete" and len(tokens) > 1:
            del tokens[i]
        elif kind == "duplicate":
            tokens.insert(i, tokens[i])
        elif kind == "swap":
            j = rng.randrange(len(tokens))
            tokens[i], tokens[j] = tokens[j], tokens[i]
        elif kind == "insert":
            tokens.insert(i, rng.choice(PIECES))
        else:
            tokens[i] = rng.choice(PIECES)
    return "".join(tokens)


def texts() -> list:
    return [path.read_text(encoding="utf-8", errors="replace") for path in CORPUS]


def test_the_corpus_is_there():
    names = {path.parent.name for path in CORPUS}
    assert names == {"samples", "cases", "cases_failing", "bad_inputs"} and len(CORPUS) > 200


def test_every_program_of_the_corpus_parses_as_lark_parses_it(lark_parser):
    outcomes = [compare(text, lark_parser) for text in texts()]
    assert outcomes.count("parsed") > 150 and outcomes.count("refused") >= 10


def test_edited_programs_are_refused_where_lark_refuses_them(lark_parser):
    rng = random.Random(13)
    outcomes = [compare(edited(text, rng), lark_parser) for text in texts() for _ in range(EDITS_PER_PROGRAM)]
    assert outcomes.count("refused") > 150 and outcomes.count("parsed") > 100


@settings(max_examples=60, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(programs(max_depth=2, max_statements=3), STYLES)
def test_generated_programs_parse_as_lark_parses_them(lark_parser, generated, style):
    assert compare(to_source(generated.module, style), lark_parser) == "parsed"
