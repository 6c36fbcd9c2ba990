"""`autodiff explain`: the lesson's data (diffcore/views/lesson.py) and the page it makes.

The browser test (tests/test_explain_browser.py) steps through the pages in Chromium; these
check, in milliseconds, what the page is built from: the steps, the per-edge adjoints, the
branches taken, the detach link, the plot, and that the file needs nothing from outside.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from autodiff.cli.app import cli
from autodiff.cli.graph_layout import layered_layout, parse_plain
from autodiff.diffcore.program import Program
from autodiff.diffcore.views.lesson import explain

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"


def lesson_of(name: str, at: dict = None, **kwargs):
    path = SAMPLES / name
    return explain(Program.from_text(path.read_text(), str(path)), at or {}, **kwargs)


def test_reused_variable_receives_one_contribution_per_edge():
    lesson = lesson_of("seed_graph.expr")
    graph = lesson.graph
    into_uses = sorted(float(e.contribution) for e in graph.edges if e.source == "v0")
    assert into_uses == [10.0, 12.0]                    # via c, via b
    assert float(graph.node("v0").adjoint) == 22.0
    # Forward: every tape entry in order; backward: the output first (the seed), the input last.
    forward = [s for s in lesson.steps if s.phase == "forward"]
    backward = [s for s in lesson.steps if s.phase == "backward"]
    assert [s.entry for s in forward] == [0, 1, 2, 3, 4]
    assert [s.entry for s in backward] == [4, 3, 2, 1, 0]
    assert float(backward[-1].adjoint) == 22.0
    assert lesson.samples is not None and lesson.point == 2.0
    # e = (a + 2)(3a + 4): e' = 6a + 10 = 22 and e'' = 6 at a = 2
    k = int(np.argmin(np.abs(lesson.samples.xs - 2.0)))
    x = lesson.samples.xs[k]
    assert lesson.samples.values[1][k] == pytest.approx(6 * x + 10)
    assert lesson.samples.values[2][k] == pytest.approx(6.0)


@pytest.mark.parametrize("a, taken, body_line, else_line", [(0.5, True, 8, 10), (-0.3, False, 10, 8)])
def test_control_flow_records_the_branch_taken_and_the_lines_that_ran(a, taken, body_line, else_line):
    lesson = lesson_of("seed_control_flow.expr", {"a": a})
    kinds = {d.span.line: d for d in lesson.decisions}
    assert kinds[5].kind == "while" and kinds[5].outcomes[-1] is False and all(kinds[5].outcomes[:-1])
    # 2a * 2^k first reaches 1000 in norm after k doublings
    k = next(k for k in range(60) if abs(2 * a) * 2 ** k >= 1000)
    assert len(kinds[5].outcomes) == k + 1
    assert kinds[7].kind == "if" and kinds[7].outcomes == [taken]
    assert body_line in lesson.executed_lines and else_line not in lesson.executed_lines
    assert 6 in lesson.executed_lines and 11 in lesson.executed_lines


def test_detach_is_linked_to_the_value_it_detached_and_named():
    lesson = lesson_of("seed_detach.expr")
    constants = [n for n in lesson.graph.nodes if n.kind == "constant"]
    assert len(constants) == 1
    u = constants[0]
    assert u.name == "u" and u.detached == 1                    # y = x * x is entry v1
    assert lesson.recording.entry(1).name == "y"
    assert np.array_equal(lesson.recording.gradient["x"], [0.0, 1.0, 4.0, 9.0])     # u, not 3x^2


def test_vjp_page_sweeps_from_the_given_cotangent():
    lesson = lesson_of("seed_vjp.expr", cotangent=np.array([1.0, 0.5]))
    assert np.allclose(lesson.recording.gradient["x"], [2.0, 6.0])
    assert lesson.samples is None                   # a vector input: no plot


def test_a_big_run_is_grouped_and_a_huge_one_refused():
    loop = "input x = 0.5\nt = 0\nfor i in range({n}):\n    t = t + x * 0.5\nt\n"
    lesson = explain(Program.from_text(loop.format(n=200)), {})
    assert lesson.graph.collapsed and len(lesson.graph.nodes) < 20
    assert len({lesson.node_of[s.entry] for s in lesson.steps}) == len([n for n in lesson.graph.nodes
                                                                      if n.kind in ("input", "operation")])
    from autodiff.diffcore.engine.errors import LimitExceeded
    with pytest.raises(LimitExceeded, match="at most 2,000"):
        explain(Program.from_text(loop.format(n=2000)), {})


def test_layered_layout_puts_operands_above_their_uses_and_avoids_overlap():
    sizes = {n: (40, 20) for n in "abcdek"}
    edges = [("a", "b"), ("a", "c"), ("b", "d"), ("c", "e"), ("d", "e"), ("k", "b")]
    centres, width, height = layered_layout(sizes, edges)
    for s, t in edges:
        assert centres[s][1] < centres[t][1]
    assert centres["k"][1] == centres["a"][1]                  # a constant sits just above its use
    boxes = sorted(centres.values())
    for (x1, y1), (x2, y2) in zip(boxes, boxes[1:]):
        assert not (abs(x1 - x2) < 40 and abs(y1 - y2) < 20)
    assert all(0 < x < width and 0 < y < height for x, y in centres.values())


def test_graphviz_plain_output_is_read_in_pixels_y_down():
    plain = "graph 1 2.0 3.0\nnode n0 1.0 2.5 0.5 0.3 \"\" solid box black lightgrey\n" \
            "node n1 1.0 0.5 0.5 0.3 \"\" solid box black lightgrey\nedge n0 n1 4 1 2 1 1 1 1 1 1 solid black\nstop\n"
    centres, width, height = parse_plain(plain, {"n0": "a", "n1": "b"})
    assert centres["a"][1] < centres["b"][1]
    assert centres["a"][0] == pytest.approx(72 + 16)
    assert parse_plain("graph 1 2 3\nstop\n", {"n0": "a"}) is None


@pytest.mark.parametrize("sample, args", [("seed_graph.expr", []), ("seed_detach.expr", []),
                                          ("seed_control_flow.expr", ["--at", "a=-0.3"]),
                                          ("seed_higher.expr", [])])
def test_the_page_is_self_contained(tmp_path, sample, args):
    out = tmp_path / "page.html"
    result = CliRunner().invoke(cli, ["explain", str(SAMPLES / sample), "-o", str(out), *args])
    assert result.exit_code == 0, result.output
    page = out.read_text()
    assert page.startswith("<!DOCTYPE html>")
    # nothing from outside: no URL but the SVG namespace, no src= or external link
    assert not re.search(r"""(?<![-\w])(src|href)\s*=\s*["'](?!#|data:)""", page)
    assert set(re.findall(r"https?://[^\s\"'<>]+", page)) <= {"http://www.w3.org/2000/svg"}
    assert "<svg id=\"graph\"" in page and "@media print" in page


def test_page_shows_the_per_edge_sum_and_the_branch(tmp_path):
    out = tmp_path / "graph.html"
    CliRunner().invoke(cli, ["explain", str(SAMPLES / "seed_graph.expr"), "-o", str(out)])
    page = out.read_text()
    assert "12.0 (via b) + 10.0 (via c) = 22.0" in page
    assert ">+12.0<" in page and ">+10.0<" in page
    out = tmp_path / "cf.html"
    CliRunner().invoke(cli, ["explain", str(SAMPLES / "seed_control_flow.expr"), "--at", "a=-0.3", "-o", str(out)])
    page = out.read_text()
    assert "if: false → its branch was skipped" in page and "while: true 11 times, then false" in page


def test_explain_needs_an_output_file():
    result = CliRunner().invoke(cli, ["explain", str(SAMPLES / "seed_graph.expr")])
    assert result.exit_code == 2 and "-o" in result.output


# ------------------------------------------------------------------ the views' defects the page shares

def run_cli(*args):
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_tree_grad_shows_each_use_its_own_contribution():
    text = run_cli("graph", str(SAMPLES / "seed_graph.expr"), "--format", "tree", "--grad")
    assert "de/da += 10.0 along this edge (all uses: 22.0)" in text       # via c = a + 2
    assert "de/da += 12.0 along this edge (all uses: 22.0)" in text       # via b = a * 3
    assert "de/da = 22.0" not in text


def test_graph_names_constants_and_links_detach():
    import json
    doc = json.loads(run_cli("graph", str(SAMPLES / "seed_detach.expr"), "--format", "json"))
    (constant,) = [n for n in doc["nodes"] if n["kind"] == "constant"]
    assert constant["name"] == "u" and constant["detached_from"] == "v1"
    dot = run_cli("graph", str(SAMPLES / "seed_detach.expr"))
    assert "v1 -> k0 [style=dotted" in dot and 'label="u = detach(v1) = [0.0, 1.0, 4.0, 9.0]"' in dot
    doc = json.loads(run_cli("graph", "-e", "k = 3\ny = x * k", "--at", "x=2", "--format", "json"))
    assert [n["name"] for n in doc["nodes"] if n["kind"] == "constant"] == ["k"]


def test_graph_labels_show_a_short_vector_whole_and_any_vector_with_full():
    dot = run_cli("graph", "-e", "x * [1, 2, 3]", "--at", "x=2")
    assert "[2.0, 4.0, 6.0]" in dot
    long = "x * [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]"
    assert "12.0]" not in run_cli("graph", "-e", long, "--at", "x=1")
    assert "[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0]" in run_cli("graph", "-e", long, "--at",
                                                                                         "x=1", "--full")


def test_higher_order_views_show_products_not_internal_names():
    text = run_cli("trace", str(SAMPLES / "seed_higher.expr"))
    assert "cot_mul(" not in text and "1.0 * v3" in text        # (the summary still counts the primitive)
    assert "cot_mul" not in run_cli("graph", str(SAMPLES / "seed_higher.expr"))
