"""Reading points a block at a time into columns (cli/points/columns.py) and writing a whole block
at once (cli/points/blockwrite.py): the same values, errors and bytes as one line and one point at a time.

Every comparison is exact: values by repr (with their type and shape), errors by their text,
output byte for byte against `--points-engine per-point`.
"""
from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest

import autodiff.cli.main  # noqa: F401 - registers the commands
import autodiff.cli.points.columns as pointcolumns
import autodiff.cli.points.reading as points
from autodiff.diffcore.blocks import Columns, Lane, differentiate_many
from autodiff.diffcore.derivatives import Differentiator
from autodiff.diffcore.program import Program
from autodiff.grammar.source import Source
from helpers import run_main

ROOT = Path(__file__).resolve().parent.parent

# Lines that are not plain numbers, each inside a block of plain ones.
IRREGULAR = [b"nan,1,2", b"1,inf,-Infinity", b"1e400,1,2", b"", b"  ", b"1,2", b"1,2,3,4",
             b"1_0,2,3", b" 3 , 4 ,5", b"+1,.5,5.", b"\xff,1,2", b"1e,2,3", b"--1,2,3", b",2,3", b"[1],2,3",
             b"0x1,2,3", b"-0,-0.0,0", b"5e-324,1.7976931348623157e308,-1e-300", b"1e-400,2,3",
             b"1.7976931348623157e308,1e308,1", b"1\r2,3,4",
             b'"1",2,3']     # last: after a quote, the rest of the file is read line by line


def _canon(values: dict) -> dict:
    return {k: (repr(np.asarray(v).tolist()), type(v).__name__, np.shape(v)) for k, v in values.items()}


def _by_line(data: bytes) -> list:
    """(line, values, error) of every point, read line by line (points.read_points)."""
    return [(p.line, None if p.values is None else _canon(p.values), p.error)
            for p in points.read_points(io.BytesIO(data), "p.csv", "csv")]


def _by_block(data: bytes, size: int) -> tuple:
    """The same, read a block at a time, and how many blocks were read as columns."""
    out, columnar = [], 0
    for block in pointcolumns.csv_blocks(io.BytesIO(data), size, points.read_points, points._column_plan):
        if block.__class__ is pointcolumns.ColumnBlock:
            columnar += 1
            at = Columns(block.columns, {})
            out += [(line, _canon(at[k]), None) for k, line in enumerate(block.lines.tolist())]
        else:
            out += [(p.line, None if p.values is None else _canon(p.values), p.error) for p in block]
    return out, columnar


def _plain_lines(count: int, seed: int, cells: int = 3) -> list:
    rng = np.random.default_rng(seed)
    values = rng.standard_normal((count, cells)) * 10.0 ** rng.integers(-8, 8, (count, cells))
    return [",".join(repr(v) for v in row).encode() for row in values.tolist()]


@pytest.mark.parametrize("fast", [True, False])
@pytest.mark.parametrize("header", [b"a,b,c", b"x[0],x[1],x[2]", b"x[2],x[0],x[1]", b"x[0],a,x[1]",
                                    b'"A[0,0]","A[0,1]",b', b"\xef\xbb\xbfa,b,c", b"a,b,c\r"])
def test_blocks_read_what_lines_read(monkeypatch, header, fast):
    """Each irregular line sits in a block of plain lines: its block is read line by line, with
    the file's line numbers; the other blocks are columns. Both readers agree on every point."""
    if not fast:
        monkeypatch.setattr(pointcolumns, "_orjson", lambda: None)
    plain = _plain_lines(400, 1)
    lines = []
    for k, bad in enumerate(IRREGULAR):         # a block with the line, then a block without
        lines += plain[17 * k:17 * k + 4] + [bad] + plain[17 * k + 4:17 * k + 17]
    ending = b"\r\n" if header.endswith(b"\r") else b"\n"
    data = header.rstrip(b"\r") + ending + ending.join(lines) + ending + b"1,2,3"     # no end on the last line
    got, columnar = _by_block(data, 9)
    assert got == _by_line(data)
    quoted = header.startswith(b'"')
    # Five of the lines are plain numbers after all (-0, 5e-324, 1e-400 ...): their blocks too.
    assert columnar == (0 if quoted else len(IRREGULAR) - 1 + 5)
    assert len(got) >= 390 and sum(e is not None for _, _, e in got) >= 8


def test_a_quoted_cell_over_lines_hands_the_rest_to_the_line_reader():
    plain = _plain_lines(40, 2, cells=2)
    data = b"a,b\n" + b"\n".join(plain[:20]) + b'\n"1\n",2\n' + b"\n".join(plain[20:]) + b"\n"
    got, columnar = _by_block(data, 8)
    assert got == _by_line(data)
    assert columnar == 2 and len(got) == 41


def test_long_lines_and_headers_that_are_not_plain(monkeypatch):
    monkeypatch.setattr(pointcolumns, "_LONGEST", 64)         # a line longer than a block may wait for
    long_line = b",".join([b"1.25"] * 30)
    data = b"a,b\n1,2\n3,4\n" + long_line + b"\n5,6\n"
    got, columnar = _by_block(data, 2)
    assert got == _by_line(data) and columnar == 1
    for data in (b"\na,b\n1,2\n", b",,\na,b\n1,2\n", b" , \na,b\n1,2\n", b'"a,b\n1,2\n', b"a,a\n1,2\n", b"", b"a\n", b"x[0],x[2]\n1,2\n"):
        try:
            want = _by_line(data)
        except Exception as exc:                               # a bad header: the same usage error
            with pytest.raises(type(exc), match=str(exc)[:20]):
                _by_block(data, 2)
            continue
        assert _by_block(data, 2) == (want, 0)


def test_orjson_reads_numbers_as_float_does():
    rng = np.random.default_rng(7)
    bits = rng.integers(0, 2 ** 64, 20_000, dtype=np.uint64).view(np.float64)
    texts = [repr(v) for v in bits[np.isfinite(bits)].tolist()]
    texts += ["0", "-0.0", "1e5", "1E+5", "12345678901234567890123", "0.1e-310", "123456789012345678e-30",
              "9007199254740993", "2.4703282292062328e-324", "-1", "3.0"]
    cells = ",".join(texts).encode() + b","
    want = np.array([float(t) for t in texts])
    for fast in (True, False):
        got = pointcolumns._numbers(cells, fast)
        assert got.tobytes() == want.tobytes()
    assert pointcolumns._numbers(b"-0,1,", True).tobytes() == np.array([-0.0, 1.0]).tobytes()
    assert pointcolumns._numbers(b"1,x,", True) is None


@pytest.mark.parametrize("special", ["json", "csv"])
def test_number_texts_fast_is_repr_byte_for_byte(special):
    from autodiff.cli.points.blockwrite import _CSV_SPECIAL, _JSON_SPECIAL, number_texts
    table = _JSON_SPECIAL if special == "json" else _CSV_SPECIAL
    rng = np.random.default_rng(8)
    bits = rng.integers(0, 2 ** 64, 50_000, dtype=np.uint64).view(np.float64)
    edges = [0.0, -0.0, 1e-4, -1e-4, np.nextafter(1e-4, 0), 1e16, np.nextafter(1e16, 0), -1e16, 1e15, 0.1, 1.0,
             5e-324, -5e-324, 1.7976931348623157e308, np.nan, np.inf, -np.inf, 123456789.0, 2.0 ** 53]
    for column in (np.concatenate([bits, edges]), rng.uniform(-2, 2, 1000), np.array(edges[:12] * 3)):
        assert number_texts(column, table) == number_texts(column, table, fast=False)
    assert number_texts(np.array([-0.0] * 20 + [np.nan]), table)[0] == "-0.0"


def test_json_block_is_the_lines_of_each_point():
    from autodiff.cli.basic import grad_document
    from autodiff.cli.points.blockwrite import json_block, lanes_only
    from autodiff.cli.render import dumps
    program = Program(Source((ROOT / "samples" / "seed_control_flow.expr").read_text(), "seed"))
    a = np.random.default_rng(9).uniform(-2, 2, 500)
    results = differentiate_many(Differentiator(program), Columns({"a": a}, {}), lazy=True)
    assert len(results.groups) > 10         # the lanes split by trip count and sign
    lines = list(range(2, 502))
    fill = json_block(results, lines, lambda r: grad_document(r, program), dumps)
    want = [dumps({"line": line, **grad_document(r.result() if r.__class__ is Lane else r, program)}) + "\n"
            for line, r in zip(lines, results)]
    lanes = [k for k, r in enumerate(results) if r.__class__ is Lane]
    assert lanes_only(results) == (len(lanes) == 500)
    for start, stop in ((lanes[0], lanes[0] + 1), (lanes[5], lanes[40])):
        if all(results[k].__class__ is Lane for k in range(start, stop)):
            assert fill(start, stop) == "".join(want[start:stop])


def _cli(args: list, engine: str) -> tuple:
    return run_main(args + ["--points-engine", engine])


BRANCH = "input a = 0.5\ndef f(a):\n    if a > 0:\n        c = a * a\n    else:\n        c = 3 * a\n    return c\ny = f(a)\n"


@pytest.mark.parametrize("extra", [["--json-lines"], ["--csv"]])
def test_cli_blocks_with_irregular_lines_are_byte_identical(tmp_path, monkeypatch, extra):
    """Irregular lines inside blocks (nan, a blank line, -0, a quoted cell, a number beyond
    float64, -inf, text) among plain ones, blocks of 50, in one process and in two."""
    monkeypatch.setattr(points, "BLOCK_POINTS", 50)
    plain = [repr(v).encode() for v in np.random.default_rng(3).uniform(-2, 2, 300).tolist()]
    rows = plain[:100] + [b"nan", b"", b"-0", b"1e-320", b"1e400", b"-inf", b"x"] + plain[100:200] + \
        [b'"1.5"'] + plain[200:]
    path = tmp_path / "p.csv"
    path.write_bytes(b"a\n" + b"\n".join(rows) + b"\n")
    program = tmp_path / "branch.expr"
    program.write_text(BRANCH)
    for command in ("grad", "eval"):
        args = [command, str(program), "--points", str(path), "--on-error", "skip"] + extra
        per_point = _cli(args + ["--jobs", "1"], "per-point")
        assert per_point == _cli(args + ["--jobs", "1"], "block")
        assert per_point == _cli(args + ["--jobs", "2"], "block")
        assert per_point[0] == 1 and per_point[2].count("input error") == 2
        assert per_point[1].count("\n") == (307 if extra == ["--json-lines"] else 306)     # errors: JSON only


def test_cli_quoted_cells_and_at_values(tmp_path):
    program = tmp_path / "p.expr"
    program.write_text("input x = [1, 2]\ninput c = 3\nsum(x * x) * c\n")
    rows = [f"{a!r},{b!r}\n" for a, b in np.random.default_rng(4).uniform(-2, 2, (60, 2)).tolist()]
    rows = "".join(rows[:30]), "".join(rows[30:])
    for text in ("x[0],x[1]\n" + "".join(rows), "x[1],x[0]\n" + "".join(rows), '"x[0]","x[1]"\n' + "".join(rows),
                 "x[0],x[1]\n" + rows[0] + '"1.5",2\n' + rows[1]):
        path = tmp_path / "p.csv"
        path.write_text(text)
        args = ["grad", str(program), "--points", str(path), "--json-lines", "--jobs", "1", "--at", "c=2"]
        block = _cli(args, "block")
        assert block == _cli(args, "per-point")
        first = json.loads(block[1].splitlines()[0])
        assert first["inputs"]["c"] == 2.0 and block[0] == 0


def test_all_finite_of_a_block_sized_array():
    from autodiff.diffcore.engine.numeric import array_all_finite
    big = np.full((8192, 3), 1e200)             # squares overflow; the elements are finite
    assert array_all_finite(big)
    for bad in (np.nan, np.inf, -np.inf):
        hole = big.copy()
        hole[4000, 1] = bad
        assert not array_all_finite(hole)
        assert not array_all_finite(hole.T)
