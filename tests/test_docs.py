"""Every `autodiff` command shown in README.md and docs/*.md runs, and shows what the page says.

The pages are read for their fenced code blocks:

- In a shell block (```sh), each line that runs `autodiff` is a command (a line ending in
  a backslash, or inside an open quote, continues on the next one). A trailing comment
  that reads like output is what the command must print: `name = value` items separated
  by commas (`# f = 10.0, df/dx = 7.0`), each a line of the plain output, or a JSON object
  (`# {"output": 28.0, ...}`) whose keys are in the --json output. Other comments are notes.
- In a block without a language, a line `$ autodiff ...` is a command and the lines
  after it, up to the next `$ ` line, are its output (standard output, then standard error).

Commands run in a scratch directory where `samples/` and `tests/` are the repository's,
so the files they write (`-o`, `--junit`, `>`) land there. A command with a pipe, a
redirection or a glob runs in bash, with `autodiff` the command of this checkout; the
others run in-process through the real entry point (fast). A command that needs something
optional (Graphviz's `dot`, matplotlib, `jq`) is skipped without it.

Outputs are compared line by line with numbers compared as numbers: the page's number must
be the real one rounded to the digits shown (so `40` stands for `40.0`, and `0.824361` for
-0.8243606353500641), and a duration (`0.05s`) matches any duration. A line `...` on the
page stands for any number of lines.
"""
from __future__ import annotations

import json
import math
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple, Optional

import pytest

from helpers import run_main

REPO = Path(__file__).resolve().parents[1]
PAGES = [REPO / "README.md"] + sorted((REPO / "docs").glob("*.md"))


class Example(NamedTuple):
    page: str           # README.md, docs/views.md
    line: int           # where the command is
    command: str        # the shell text, from `autodiff` on
    claims: list        # "name = value" items, or one JSON text, from a trailing comment
    output: Optional[list]      # the lines shown after a `$ ` command


# ------------------------------------------------------------------ reading the pages

def code_blocks(text: str):
    """(language, first line number, lines) of each fenced block."""
    lines = text.splitlines()
    k = 0
    while k < len(lines):
        match = re.match(r"^```(\w*)\s*$", lines[k])
        if not match:
            k += 1
            continue
        start, body = k + 2, []
        k += 1
        while k < len(lines) and not lines[k].startswith("```"):
            body.append(lines[k])
            k += 1
        yield match.group(1), start, body
        k += 1


def split_comment(line: str) -> tuple:
    """(the command, its trailing comment or ''): a '#' after a space, outside quotes."""
    quote = None
    for k, char in enumerate(line):
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "#" and k and line[k - 1].isspace():
            return line[:k].rstrip(), line[k + 1:].strip()
    return line.rstrip(), ""


def balanced(text: str) -> bool:
    """No quote left open."""
    try:
        shlex.split(text)
    except ValueError:
        return False
    return True


def logical_lines(body: list, first: int):
    """(line number, text) of each shell line: a line ending in a backslash, or with a quote
    left open, goes on with the next one."""
    k = 0
    while k < len(body):
        number, text = first + k, body[k]
        while k + 1 < len(body):
            command = split_comment(text)[0]
            if command.endswith("\\"):
                text = command[:-1].rstrip() + " " + body[k + 1].strip()
            elif not balanced(command):
                text = text + "\n" + body[k + 1]
            else:
                break
            k += 1
        yield number, text
        k += 1


def claims_of(comment: str) -> list:
    """What a trailing comment says the command prints, or [] for a note."""
    if comment.startswith("{"):
        return [comment]
    if not re.match(r"^[^\s=]+ = \S", comment):
        return []
    items, depth, current = [], 0, ""
    for char in comment:
        depth += char in "[(" and 1 or (-1 if char in "])" else 0)
        if char == "," and depth == 0:
            items.append(current.strip())
            current = ""
        else:
            current += char
    items.append(current.strip())
    return items


def autodiff_part(text: str) -> Optional[str]:
    """The part of a shell line that runs autodiff (after `cmd &&`), or None."""
    for piece in re.split(r"\s*&&\s*", text):
        words = piece.split()
        if not words:
            continue
        if words[0] == "autodiff" or re.search(r"\|\s*autodiff\b", piece) or \
                re.search(r"_AUTODIFF_COMPLETE=\w+ autodiff", piece):
            return piece
    return None


def examples() -> list:
    found = []
    for path in PAGES:
        page = str(path.relative_to(REPO))
        for language, first, body in code_blocks(path.read_text(encoding="utf-8")):
            if language in ("sh", "bash", "shell"):
                for number, text in logical_lines(body, first):
                    command, comment = split_comment(text)
                    part = autodiff_part(command)
                    if part is not None:
                        found.append(Example(page, number, part, claims_of(comment), None))
            elif language == "" and body and body[0].startswith("$ autodiff"):
                k = 0
                while k < len(body):
                    number, command = first + k, body[k][2:]
                    k += 1
                    while not balanced(split_comment(command)[0]) and k < len(body):
                        command += "\n" + body[k]
                        k += 1
                    command, _ = split_comment(command)
                    output = []
                    while k < len(body) and not body[k].startswith("$ "):
                        output.append(body[k])
                        k += 1
                    found.append(Example(page, number, command, [], output))
    return found


def unique(found: list) -> list:
    """The same command with the same expectations, on two pages, is run once."""
    seen: dict = {}
    for example in found:
        key = (example.command, tuple(example.claims), None if example.output is None else tuple(example.output))
        seen.setdefault(key, example)
    return list(seen.values())


EXAMPLES = unique(examples())


# ------------------------------------------------------------------ comparing outputs

NUMBER = re.compile(r"(?<![\w.])-?(?:\d[\d,]*\.?\d*|\.\d+)(?:e[+-]?\d+)?(?![\w.])")
DURATION = re.compile(r"\d+\.\d+s\b")


def shown_as(page: str, real: str) -> bool:
    """Whether the page's number is the real one, rounded to the digits the page shows."""
    a, b = float(page.replace(",", "")), float(real.replace(",", ""))
    if a == b:
        return True
    mantissa = page.lstrip("-").split("e")[0].replace(",", "")
    digits = len(mantissa.replace(".", "").lstrip("0")) or 1           # as written: "40.0" has three
    scale = 10 ** (math.floor(math.log10(abs(b))) - digits + 1) if b else 10 ** -digits
    return abs(a - b) <= 0.5 * scale * (1 + 1e-9)


def tokens(line: str) -> list:
    """A line as text pieces (spaces collapsed) and numbers."""
    line = DURATION.sub("<duration>", line.rstrip())
    parts, last = [], 0
    for match in NUMBER.finditer(line):
        parts.append(("text", " ".join(line[last:match.start()].split())))
        parts.append(("number", match.group()))
        last = match.end()
    parts.append(("text", " ".join(line[last:].split())))
    return [p for p in parts if p != ("text", "")]


def same_line(page: str, real: str) -> bool:
    a, b = tokens(page), tokens(real)
    if len(a) != len(b):
        return False
    return all(x == y or (x[0] == y[0] == "number" and shown_as(x[1], y[1])) for x, y in zip(a, b))


def same_output(page: list, real: list) -> bool:
    """Line by line; a page line '...' matches any number of lines."""
    page = [line for line in page]
    while page and not page[-1].strip():
        page.pop()
    real = [line.rstrip() for line in real]
    while real and not real[-1].strip():
        real.pop()
    if not page:
        return not real
    if page[0].strip() == "...":
        return any(same_output(page[1:], real[k:]) for k in range(len(real) + 1))
    return bool(real) and same_line(page[0], real[0]) and same_output(page[1:], real[1:])


def same_json(page, real) -> bool:
    if isinstance(page, dict):
        return isinstance(real, dict) and all(k in real and same_json(v, real[k]) for k, v in page.items())
    if isinstance(page, list):
        return isinstance(real, list) and len(page) == len(real) and all(map(same_json, page, real))
    if isinstance(page, (int, float)) and not isinstance(page, bool):
        return isinstance(real, (int, float)) and shown_as(repr(float(page)), repr(float(real)))
    return page == real


def check_claims(example: Example, out: str) -> None:
    for claim in example.claims:
        if claim.startswith("{"):
            expected = json.loads(re.sub(r",\s*\.\.\.\s*}", "}", claim))
            assert same_json(expected, json.loads(out)), f"{example.page}:{example.line}: {claim}\n{out}"
            continue
        label = claim.split(" = ", 1)[0]
        lines = [line for line in out.splitlines() if line.startswith(label + " = ")]
        assert lines, f"{example.page}:{example.line}: no line {label} = ... in\n{out}"
        assert same_line(claim, lines[0]), f"{example.page}:{example.line}: {claim!r} is {lines[0]!r}"


# ------------------------------------------------------------------ running

@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    """A directory with the repository's samples/ and tests/, and a bin/ with `autodiff`."""
    root = tmp_path_factory.mktemp("docs")
    for name in ("samples", "tests"):
        (root / name).symlink_to(REPO / name)
    (root / "docs" / "images").mkdir(parents=True)
    bin_dir = root / ".bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "autodiff"
    wrapper.write_text(f"#!/bin/sh\nexec {shlex.quote(sys.executable)} -m autodiff.cli \"$@\"\n")
    wrapper.chmod(0o755)
    return root


def needs(command: str) -> Optional[str]:
    """What optional thing the command needs and this machine lacks, or None."""
    if re.search(r"\|\s*dot\b", command) and shutil.which("dot") is None:
        return "Graphviz (dot) is not installed"
    if re.search(r"\|\s*jq\b", command) and shutil.which("jq") is None:
        return "jq is not installed"
    if re.search(r"\s-o\s+\S+\.(png|svg|pdf)", command):
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            return "matplotlib is not installed"
    return None


def in_shell(command: str) -> bool:
    return bool(re.search(r"[|<>*;`$]|&&", command))


def run(example: Example, scratch: Path, monkeypatch) -> tuple:
    """(exit code, stdout, stderr) of the example's command."""
    monkeypatch.chdir(scratch)
    for name in ("NO_COLOR", "FORCE_COLOR", "AUTODIFF_DEBUG", "AUTODIFF_PAGER"):
        monkeypatch.delenv(name, raising=False)
    completion = re.search(r"_AUTODIFF_COMPLETE=(\w+) autodiff", example.command)
    if completion:
        # A completion script for the shell named (bash cannot run zsh's): its source, in-process.
        monkeypatch.setenv("_AUTODIFF_COMPLETE", completion.group(1))
        code, out, err = run_main([])
        assert "_AUTODIFF_COMPLETE" in out and "autodiff" in out
        return code, "", err
    if in_shell(example.command):
        # HOME too is the scratch directory: `> ~/.config/fish/...` must not write in the real one.
        env = dict(os.environ, PATH=f"{scratch / '.bin'}{os.pathsep}{os.environ['PATH']}", HOME=str(scratch))
        env.pop("COLUMNS", None)
        proc = subprocess.run(["bash", "-o", "pipefail", "-c", example.command], cwd=scratch, env=env,
                              capture_output=True, timeout=120)
        return proc.returncode, proc.stdout.decode(), proc.stderr.decode()
    words = shlex.split(example.command)
    assert words[0] == "autodiff"
    return run_main(words[1:])


@pytest.mark.parametrize("example", EXAMPLES, ids=[f"{e.page}:{e.line}" for e in EXAMPLES])
def test_documented_command(example, scratch, monkeypatch):
    missing = needs(example.command)
    if missing:
        pytest.skip(missing)
    code, out, err = run(example, scratch, monkeypatch)
    assert "Traceback" not in err and "internal error" not in err, err
    if example.output is not None:
        shown = out.splitlines() + err.splitlines()
        assert same_output(example.output, shown), (
            f"{example.page}:{example.line}: `{example.command}` prints\n" + "\n".join(shown) +
            "\n\nbut the page shows\n" + "\n".join(example.output))
        return
    assert code == 0, f"{example.page}:{example.line}: `{example.command}` exited {code}\n{out}\n{err}"
    check_claims(example, out)


# ------------------------------------------------------------------ the reader itself

def test_the_pages_have_the_commands_this_test_expects():
    pages = {e.page for e in EXAMPLES}
    assert {"README.md", "docs/check.md", "docs/views.md"} <= pages
    assert sum(e.output is not None for e in EXAMPLES) >= 6          # transcripts
    assert sum(bool(e.claims) for e in EXAMPLES) >= 4                # trailing output comments
    assert len(EXAMPLES) >= 40


def test_numbers_are_compared_as_shown():
    assert shown_as("40", "40.0") and shown_as("-0.824361", "-0.8243606353500641")
    assert shown_as("2", "2.0") and not shown_as("2", "2.6") and not shown_as("0.82", "0.83")
    assert shown_as("1,000", "1000") and shown_as("40.0", "40.00001") and not shown_as("40.0", "40.1")
    assert same_line("FAIL x.expr (0.01s)", "FAIL x.expr (1.23s)")
    assert same_output(["a", "...", "z"], ["a", "b", "c", "z"]) and not same_output(["a", "z"], ["a", "b"])
    assert claims_of("f = 10.0, df/dx = [7.0, 1.0]") == ["f = 10.0", "df/dx = [7.0, 1.0]"]
    assert claims_of("Taylor mode, well under a millisecond") == []
