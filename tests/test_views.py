"""The views of a derivative: `autodiff trace`, `autodiff graph` and `autodiff plot`.

Expected numbers are worked out by hand. For samples/seed_graph.expr
(a = 2; b = a*3; c = a+2; d = b+4; e = c*d): b = 6, c = 4, d = 10, e = 40;
backwards de/de = 1, de/dc = d = 10, de/dd = c = 4, de/db = de/dd = 4, and a
receives 3 * de/db = 12 through b and de/dc = 10 through c: de/da = 22.
"""
from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from autodiff.cli.app import cli
from autodiff.diffcore.views.recorder import assigned_names, build_graph, page, record
from autodiff.diffcore.program import Program
from autodiff.grammar import Source, parse
from helpers import run_main

REPO = Path(__file__).resolve().parents[1]
SEED_GRAPH = str(REPO / "samples" / "seed_graph.expr")
SIGMOID = str(REPO / "samples" / "sigmoid.expr")
CONTROL_FLOW = str(REPO / "samples" / "seed_control_flow.expr")

LONG_LOOP = """input x = 0.5
t = 0
for i in range(100000):
    t = t + x * 0.5
t
"""

LOOP_1000 = """input x = 0.5
t = 0
for i in range(1000):
    t = t + sin(x * i)
t
"""


def make_runner() -> CliRunner:
    try:
        return CliRunner(mix_stderr=False)        # click < 8.2
    except TypeError:
        return CliRunner()                        # click >= 8.2 keeps stderr apart


def invoke(*args: str, code: int = 0, env: dict = None):
    result = make_runner().invoke(cli, list(args), catch_exceptions=False, env=env)
    assert result.exit_code == code, (args, result.stdout, result.stderr)
    return result


def as_json(*args: str) -> dict:
    out = invoke(*args, "--json").stdout
    assert len(out.splitlines()) == 1
    return json.loads(out, parse_constant=lambda name: pytest.fail(f"bare {name} in JSON"))


# ------------------------------------------------------------------ trace

def test_trace_seed_graph_lists_values_and_the_summed_adjoint():
    text = invoke("trace", SEED_GRAPH).stdout
    assert "\x1b[" not in text                     # plain text in a pipe
    forward = text.split("backward:")[0]
    v4 = [line for line in forward.splitlines() if line.startswith("v4 ")][0]
    assert re.search(r"\be\b", v4) and "v2 * v3" in v4 and "40.0" in v4 and "6:5" in v4 and "output" in v4
    assert "a * 3" in forward and "b + 4" in forward
    backward = text.split("backward:")[1]
    a_row = [line for line in backward.splitlines() if re.match(r"\s*v0\s", line)][0]
    assert "12.0 (via b) + 10.0 (via c) = 22.0" in a_row
    assert "v0 (a) += 12.0" in backward and "v0 (a) += 10.0" in backward
    assert "de/da = 22.0" in text


def test_trace_json_of_seed_graph():
    doc = as_json("trace", SEED_GRAPH)
    assert doc["length"] == 5 and doc["counts"] == {"input": 1, "mul": 2, "add": 2}
    forward = {e["id"]: e for e in doc["forward"]}
    assert [forward[i]["value"] for i in range(5)] == [2.0, 6.0, 4.0, 10.0, 40.0]
    assert [forward[i]["name"] for i in range(5)] == ["a", "b", "c", "d", "e"]
    assert forward[4]["output"] and forward[4]["operands"] == [{"node": 2}, {"node": 3}]
    assert forward[1]["operands"] == [{"node": 0}, {"constant": 3.0}]
    assert forward[1]["span"] == {"line": 3, "col": 5, "end_line": 3, "end_col": 10}
    backward = {e["id"]: e for e in doc["backward"]}
    assert [e["id"] for e in doc["backward"]] == [4, 3, 2, 1, 0]      # in reverse
    assert {i: backward[i]["adjoint"] for i in backward} == {4: 1.0, 3: 4.0, 2: 10.0, 1: 4.0, 0: 22.0}
    assert backward[0]["received_count"] == 2
    assert sorted((r["from"], r["value"]) for r in backward[0]["received"]) == [(1, 12.0), (2, 10.0)]
    assert backward[4]["sends"] == [{"to": 2, "operand": 0, "value": 10.0}, {"to": 3, "operand": 1, "value": 4.0}]
    assert doc["gradient"] == {"a": 22.0}


def test_trace_of_a_long_loop_is_summarised_and_pages(tmp_path):
    program = tmp_path / "loop.expr"
    program.write_text(LONG_LOOP)
    doc = as_json("trace", str(program))
    # entries: the input, then per iteration k = 1..10^5 a mul (2k-1) and an add (2k)
    assert doc["length"] == 200_001
    assert doc["counts"] == {"mul": 100_000, "add": 100_000, "input": 1}
    assert len(doc["forward"]) == 200                                    # the default --limit
    assert doc["shown"] == [[0, 100], [199_901, 200_001]]
    assert doc["forward"][-1]["output"] and doc["forward"][-1]["iteration"] == 100_000
    assert doc["gradient"] == {"x": 50_000.0}
    x = [e for e in doc["backward"] if e["id"] == 0][0]
    assert x["received_count"] == 100_000 and x["adjoint"] == 50_000.0

    text = invoke("trace", str(program), "--from", "1000", "--limit", "10").stdout
    ids = [line.split()[0] for line in text.split("backward:")[0].splitlines() if re.match(r"v\d+\s", line)]
    assert ids == [f"v{i}" for i in range(1000, 1010)]
    back = [line.split()[1] for line in text.split("backward:")[1].splitlines() if re.match(r"\d+\s+v\d+", line)]
    assert back == [f"v{i}" for i in range(1009, 999, -1)]
    v1000 = [line for line in text.splitlines() if line.startswith("v1000 ")][0]
    assert "500/100000" in v1000                # entry 1000 is the add of iteration 500
    assert "1,000 entries not shown" in text and "198,991 entries not shown" in text
    assert "mul 100,000" in text and "add 100,000" in text


def test_trace_numbers_loop_iterations():
    doc = as_json("trace", CONTROL_FLOW)
    doublings = [e for e in doc["forward"] if e["source"] == "b * 2"]
    assert [e["iteration"] for e in doublings] == list(range(1, 11))
    assert all(e["runs"] == 10 and e["name"] == "b" for e in doublings)
    first = [e for e in doc["forward"] if e["source"] == "a * 2"][0]
    assert first["iteration"] is None
    # the loop condition's norm() does not reach the output
    assert all(not e["live"] for e in doc["forward"] if e["op"] == "norm")
    assert doc["gradient"] == {"a": 2048.0}


def test_trace_with_vjp_and_names_of_tuple_assignments():
    doc = as_json("trace", "-e", "input x = [1.0, 2.0]\ny = [x[0]^2, x[1]^3]", "--vjp", "[1, 0.5]")
    assert doc["gradient"] == {"x": [2.0, 6.0]} and doc["seed"] == [1.0, 0.5]
    names = assigned_names(parse(Source("p, q = x * 2, x * 3\nt = 0\nt += p\nv[0] = q\n"
                                        "def f(u):\n    return u * u\n")))
    assert set(names.values()) == {"f()", "p", "q", "t", "v"}


def test_trace_terminal_table():
    text = invoke("trace", SEED_GRAPH, env={"COLUMNS": "160", "FORCE_COLOR": "1"}).stdout
    assert "\x1b[" in text        # the terminal's tables, forced into the test's pipe
    assert "12.0 (via b) + 10.0 (via c) = 22.0" in text and "de/da = 22.0" in text


# ------------------------------------------------------------------ graph

def test_graph_json_of_seed_graph_counts_nodes_and_edges():
    # nodes: input a; constants 3, 2, 4 (one node per use); operations b, c, d, e; the output: 9.
    # edges: a->b, 3->b, a->c, 2->c, b->d, 4->d, c->e, d->e, e->output: 9.
    doc = as_json("graph", SEED_GRAPH, "--format", "json", "--grad")
    assert doc["counts"] == {"input": 1, "constant": 3, "operation": 4, "output": 1}
    assert len(doc["nodes"]) == 9 and len(doc["edges"]) == 9
    nodes = {n["id"]: n for n in doc["nodes"]}
    assert sorted(n["value"] for n in doc["nodes"] if n["kind"] == "constant") == [2.0, 3.0, 4.0]
    assert nodes["v0"]["adjoint"] == 22.0 and nodes["v4"]["value"] == 40.0
    edges = {(e["source"], e["target"]): e for e in doc["edges"]}
    assert edges[("v0", "v1")]["contribution"] == 12.0 and edges[("v0", "v2")]["contribution"] == 10.0
    assert ("v4", "out") in edges


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz (dot) is not installed")
@pytest.mark.parametrize("args", [[SEED_GRAPH], [SEED_GRAPH, "--grad"], [CONTROL_FLOW, "--collapse", "--grad"],
                                  ["-e", "input x = [1, 2, 3]\ny = sum(x[1:] * x[:-1]) - x[0] / 2"]])
def test_dot_output_is_valid_graphviz(args):
    dot = invoke("graph", *args).stdout
    assert dot.startswith("digraph")
    proc = subprocess.run(["dot", "-Tsvg"], input=dot.encode(), capture_output=True, timeout=30)
    assert proc.returncode == 0, proc.stderr.decode()
    assert b"<svg" in proc.stdout and not proc.stderr.strip()


def test_collapse_draws_a_loop_as_one_node_per_source_operation(tmp_path):
    program = tmp_path / "loop.expr"
    program.write_text(LOOP_1000)
    full = as_json("graph", str(program), "--format", "json", "--max-nodes", "100000")
    assert full["counts"]["operation"] == 3000
    doc = as_json("graph", str(program), "--format", "json", "--collapse")
    operations = {n["source"]: n for n in doc["nodes"] if n["kind"] == "operation"}
    assert sorted(operations) == ["sin(x * i)", "t + sin(x * i)", "x * i"]
    assert all(n["count"] == 1000 for n in operations.values())
    # input x, the constants i (1000 values) and 0 (t's first value), 3 operations, the output
    assert doc["counts"] == {"input": 1, "constant": 2, "operation": 3, "output": 1}
    add = operations["t + sin(x * i)"]["id"]
    loop = [e for e in doc["edges"] if e["source"] == add and e["target"] == add]
    assert loop and loop[0]["count"] == 999
    i_values = [n for n in doc["nodes"] if n["kind"] == "constant" and n["count"] == 1000][0]
    assert (i_values["min"], i_values["max"]) == (0.0, 999.0) and i_values["value"] is None


def test_graph_refuses_huge_graphs_without_collapse(tmp_path):
    program = tmp_path / "loop.expr"
    program.write_text(LOOP_1000)
    code, out, err = run_main(["graph", str(program), "--max-nodes", "500"])
    assert code == 1 and "--collapse" in err and out == ""


def test_graph_tree_marks_shared_subexpressions():
    text = invoke("graph", "-e", "input x = 2\ny = x * 3\nz = y * y + y", "--format", "tree").stdout
    lines = text.splitlines()
    assert lines[0] == "output z = 42.0"
    assert sum("y: mul = 6.0" in line for line in lines) == 3
    assert sum("shared" in line for line in lines) == 2        # y is expanded once, where first met
    first = [line for line in lines if "y: mul" in line][0]
    assert "shared" not in first and "v0 x: input" in lines[lines.index(first) + 1]
    tree = invoke("graph", SEED_GRAPH, "--format", "tree", "--grad").stdout
    assert "(all uses: 22.0)" in tree and "└── v4 e: mul = 40.0" in tree


def test_graph_tree_of_a_loop_is_bounded(tmp_path):
    program = tmp_path / "loop.expr"
    program.write_text(LOOP_1000)
    text = invoke("graph", str(program), "--format", "tree", "--max-nodes", "100000").stdout
    assert "--depth 30" in text and len(text.splitlines()) < 200
    collapsed = invoke("graph", str(program), "--format", "tree", "--collapse").stdout
    assert "×1,000" in collapsed and "shared" in collapsed and len(collapsed.splitlines()) < 12


def test_graph_tree_in_a_terminal():
    coloured = invoke("graph", SEED_GRAPH, "--format", "tree", env={"FORCE_COLOR": "1"}).stdout
    assert "\x1b[" in coloured
    text = re.sub(r"\x1b\[[0-9;]*m", "", coloured)
    assert "output e" in text and "v4 e: mul" in text


def test_graph_api_constants_are_nodes():
    program = Program.from_text(Path(SEED_GRAPH).read_text(), "seed_graph.expr")
    graph = build_graph(record(program, {}, window=lambda n: page(n, 10)), gradients=True)
    assert [n.kind for n in graph.nodes].count("constant") == 3
    assert graph.node("v0").adjoint == 22.0


# ------------------------------------------------------------------ plot

def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def test_plot_values_are_the_engines_derivatives():
    doc = as_json("plot", SIGMOID, "--wrt", "x", "--range", "-6:6", "--order", "2", "--samples", "13")
    x = np.array(doc["x"])
    s = sigmoid(x)
    assert doc["method"] == "taylor" and np.allclose(x, np.linspace(-6, 6, 13))
    np.testing.assert_allclose(doc["derivatives"]["0"], s, rtol=1e-12)
    np.testing.assert_allclose(doc["derivatives"]["1"], s * (1 - s), rtol=1e-12)
    np.testing.assert_allclose(doc["derivatives"]["2"], s * (1 - s) * (1 - 2 * s), rtol=1e-9, atol=1e-15)
    doc = as_json("plot", "-e", "sin(x) * x", "--range", "0:10", "--order", "2", "--samples", "7")
    x = np.array(doc["x"])
    np.testing.assert_allclose(doc["derivatives"]["1"], np.sin(x) + x * np.cos(x), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(doc["derivatives"]["2"], 2 * np.cos(x) - x * np.sin(x), rtol=1e-12, atol=1e-12)


def test_plot_falls_back_to_nested_reverse_mode(monkeypatch):
    from autodiff.diffcore.engine import taylor

    def unsupported(*args, **kwargs):
        raise taylor.TaylorUnsupported("test")
    monkeypatch.setattr(taylor, "taylor_derivatives", unsupported)
    doc = as_json("plot", "-e", "x^3 + y", "--wrt", "x", "--at", "y=1", "--range", "-1:2", "--order", "2",
                  "--samples", "4")
    x = np.array(doc["x"])
    assert doc["method"] == "nested"
    np.testing.assert_allclose(doc["derivatives"]["0"], x ** 3 + 1)
    np.testing.assert_allclose(doc["derivatives"]["1"], 3 * x ** 2)
    np.testing.assert_allclose(doc["derivatives"]["2"], 6 * x)


def test_plot_leaves_gaps_where_not_finite():
    doc = as_json("plot", "-e", "log(x)", "--range", "-1:1", "--samples", "5", "--order", "2")
    # x = -1, -0.5, 0, 0.5, 1: log is undefined below 0 and -inf at 0
    for k in "012":
        assert doc["derivatives"][k][:2] == ["nan", "nan"]
    assert doc["derivatives"]["0"][2] in ("-inf", "nan")          # log(0): -inf, or a gap
    np.testing.assert_allclose(doc["derivatives"]["0"][3:], np.log([0.5, 1.0]))
    np.testing.assert_allclose(doc["derivatives"]["1"][3:], [2.0, 1.0])
    np.testing.assert_allclose(doc["derivatives"]["2"][3:], [-4.0, -1.0])
    text = invoke("plot", "-e", "log(x)", "--range", "-1:1", "--width", "80").stdout
    assert "gaps: f undefined at" in text


def test_terminal_plot_fits_80_columns_and_has_a_legend():
    text = invoke("plot", "-e", "sin(x) * x", "--range", "0:10", env={"COLUMNS": "80"}).stdout
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert re.search(r"\* f\s+\+ f'", text)           # markers name the series in plain text
    assert "\x1b[" not in text
    text = invoke("plot", SIGMOID, "--order", "0", "--width", "40", "--height", "6").stdout
    assert max(len(line) for line in text.splitlines()) <= 40
    assert any(0x2800 <= ord(ch) <= 0x28FF for ch in text)    # one series: braille


def test_terminal_plot_in_colour_with_rich():
    from rich.console import Console
    from autodiff.cli.plot import terminal_plot
    from autodiff.diffcore.views.recorder import sample_derivatives
    program = Program.from_text(Path(SIGMOID).read_text(), "samples/sigmoid.expr")
    samples = sample_derivatives(program, {}, "x", -6, 6, 200, 2)
    console = Console(width=80, record=True, force_terminal=True, color_system="truecolor")
    for line in terminal_plot(samples, 80, 16, True, "samples/sigmoid.expr"):
        console.print(line, no_wrap=True, overflow="crop")
    text = console.export_text(clear=False)
    assert "━━ f" in text and "━━ f'" in text and "━━ f''" in text
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "\x1b[" in console.export_text(styles=True)


def test_plot_needs_a_scalar_input_and_output():
    code, _, err = run_main(["plot", str(REPO / "samples" / "seed_dot.expr")])
    assert code == 2 and "shape (4,)" in err
    code, _, err = run_main(["plot", "-e", "[x, 2 * x]"])
    assert code == 2 and "output has shape (2,)" in err
    code, _, err = run_main(["plot", "-e", "x * y"])
    assert code == 2 and "--wrt" in err


def test_plot_writes_png(tmp_path):
    pytest.importorskip("matplotlib")
    target = tmp_path / "sigmoid.png"
    result = invoke("plot", SIGMOID, "--wrt", "x", "--range", "-6:6", "--order", "2", "-o", str(target))
    data = target.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    assert "wrote" in result.stderr and result.stdout == ""


def test_plot_writes_svg(tmp_path):
    pytest.importorskip("matplotlib")
    target = tmp_path / "plot.svg"
    invoke("plot", "-e", "sin(x) * x", "--range", "0:10", "-o", str(target))
    text = target.read_text()
    assert "<svg" in text and "f'" in text.replace("&#x27;", "'")


def test_plot_without_matplotlib_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)       # import matplotlib now fails
    code, out, err = run_main(["plot", SIGMOID, "-o", str(tmp_path / "x.png")])
    assert code == 1
    assert "pip install matplotlib" in err and "pip install '.[plot]'" in err
    # not the unrelated project of the same name on the package index
    assert "autodiff[plot]" not in err
    assert not (tmp_path / "x.png").exists()


def test_plot_rejects_a_bad_range():
    code, _, err = run_main(["plot", SIGMOID, "--range", "3:1"])
    assert code == 2 and "A < B" in err
    doc = as_json("plot", SIGMOID, "--range=-pi:pi", "--samples", "3", "--order", "0")
    assert doc["x"][0] == pytest.approx(-math.pi) and doc["x"][-1] == pytest.approx(math.pi)
