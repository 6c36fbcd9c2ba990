"""The Python API (`import autodiff`, docs/api.md): values and derivatives checked against hand
derivations, finite differences and a second method; inputs, errors, limits, threads and
nesting, the notebook displays, the documented names, and the package's shape."""
from __future__ import annotations

import doctest
import json
import re
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

import autodiff
from helpers import run_in_threads, run_main

ROOT = Path(__file__).resolve().parent.parent


def fd(f, point: dict, name: str, h: float = 1e-6) -> np.ndarray:
    """Central finite differences of a scalar function with respect to one input."""
    x = np.asarray(point[name], dtype=float)
    out = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[index] += h
        down[index] -= h
        out[index] = (f(**{**point, name: up}) - f(**{**point, name: down})) / (2 * h)
    return out


# ------------------------------------------------------------------ the documented page

def test_the_examples_of_docs_api_md_run(monkeypatch):
    monkeypatch.chdir(ROOT)
    result = doctest.testfile(str(ROOT / "docs" / "api.md"), module_relative=False,
                              optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.attempted > 40 and result.failed == 0


def test_every_exported_name_is_documented_and_only_those():
    documented = re.findall(r"^### `autodiff\.(\w+)`", (ROOT / "docs" / "api.md").read_text(), re.MULTILINE)
    assert sorted(documented) == sorted(autodiff.__all__) == autodiff.__all__
    assert len(set(documented)) == len(documented)
    for name in autodiff.__all__:
        assert getattr(autodiff, name).__doc__, name
    assert "transforms" not in autodiff.__all__ and "Program" not in autodiff.__all__
    with pytest.raises(AttributeError):
        autodiff.Program


def test_import_autodiff_is_cheap_and_the_package_is_typed():
    code = "import sys, autodiff; print(sorted(m for m in sys.modules if m.startswith(('autodiff', 'numpy'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60).stdout
    assert out.strip() == "['autodiff']"
    assert (Path(autodiff.__file__).parent / "py.typed").exists()


# ------------------------------------------------------------------ the issue's sketch

def test_the_sketch_of_the_issue():
    f = autodiff.load(ROOT / "samples" / "seed_control_flow.expr")
    # d = a * 2^k with 2^k the power of two that makes |2a 2^(k-1)| >= 1000: for a = 0.5, 1024
    assert f(a=0.5) == 1024.0
    r = f.grad(a=0.5)
    assert (r.value, r.gradient["a"], r.warnings) == (1024.0, 2048.0, ())
    assert f.grad(a=-0.3).gradient["a"] == pytest.approx(f(a=-0.3) / -0.3)


def test_gradients_agree_with_finite_differences_for_every_input_form():
    f = autodiff.compile("sum(w * sin(x)) + y^2")
    w = [1.0, -2.0, 0.5]
    for x in ([0.1, 0.2, 0.3], (0.1, 0.2, 0.3), np.array([0.1, 0.2, 0.3]), np.array([0.1, 0.2, 0.3], np.float32)):
        r = f.grad(x=x, w=w, y=3)
        assert r.gradient["y"] == 6.0
        np.testing.assert_allclose(r.gradient["x"], np.array(w) * np.cos([0.1, 0.2, 0.3]), rtol=1e-6)
        np.testing.assert_allclose(r.gradient["w"], np.sin([0.1, 0.2, 0.3]), rtol=1e-6)
    point = {"x": [0.1, 0.2, 0.3], "w": w, "y": 3.0}
    np.testing.assert_allclose(f.grad(point).gradient["x"], fd(f, point, "x"), rtol=1e-6)
    assert f.grad(point, wrt="y").gradient == {"y": 6.0}
    assert autodiff.compile("sum(m)")(m=((1, 2), (3, 4))) == 10.0


def test_higher_derivatives_agree_with_a_second_method():
    f = autodiff.load(ROOT / "samples" / "rosenbrock.expr")
    x = np.array([1.2, 1.0, 0.8])
    h = f.hessian(x=x)
    # The Hessian is the Jacobian of the gradient: by finite differences of grad
    numeric = np.array([(f.grad(x=x + e * 1e-6).gradient["x"] - f.grad(x=x - e * 1e-6).gradient["x"]) / 2e-6
                        for e in np.eye(3)])
    np.testing.assert_allclose(h.hessian["x", "x"], numeric, rtol=1e-5, atol=1e-4)
    v = np.array([1.0, -1.0, 0.5])
    np.testing.assert_allclose(f.hvp(x=x, direction={"x": v}).hvp["x"], h.hessian["x", "x"] @ v)
    series = autodiff.compile("exp(sin(x)) * x").derivatives(x=0.7, order=6)
    assert series.method == "taylor" and len(series.series) == 7
    nested = autodiff.compile("exp(sin(x[0])) * x[0]").derivatives(x=[0.7], order=3)
    assert nested.method == "nested"
    for k in (1, 2, 3):
        assert nested.derivatives[k][("x",) * k].reshape(-1)[0] == pytest.approx(series.series[k], rel=1e-10)


def test_jacobian_modes_jvp_and_vjp_are_consistent():
    f = autodiff.load(ROOT / "samples" / "vector_field.expr")
    x = [0.3, -1.2, 2.0]
    forward, reverse = f.jacobian(x=x, mode="forward"), f.jacobian(x=x, mode="reverse")
    J = forward.jacobian["x"]
    assert J.shape == (2, 3) and (forward.mode, reverse.mode) == ("forward", "reverse")
    np.testing.assert_allclose(J, reverse.jacobian["x"], rtol=1e-12)
    v, u = np.array([1.0, 2.0, -1.0]), np.array([0.5, -3.0])
    np.testing.assert_allclose(f.jvp(x=x, direction={"x": v}).jvp, J @ v, rtol=1e-12)
    np.testing.assert_allclose(f.vjp(x=x, cotangent=u).vjp["x"], u @ J, rtol=1e-12)
    with pytest.raises(ValueError):
        f.jacobian(x=x, mode="sideways")


# ------------------------------------------------------------------ inputs and errors

def test_an_input_named_like_an_option_goes_in_the_mapping():
    f = autodiff.compile("order * x^2")
    r = f.derivatives({"order": 3.0}, x=2.0, order=2, wrt="x")
    assert r.derivatives[1] == {("x",): 12.0} and r.derivatives[2] == {("x", "x"): 6.0}
    with pytest.raises(TypeError, match="given twice"):
        f({"x": 1.0}, x=2.0, order=1.0)


@pytest.mark.parametrize("value, message", [
    ([[1, 2], [3]], "input 'x': the rows of a nested list must all have the same length"),
    (["a", "b"], "input 'x' must be a list of numbers (or of lists of numbers of one length)"),
    ([True, False], "BOOLEAN"), ("1.0", "input 'x' must be a number or an array, not a string"),
])
def test_bad_input_values_are_input_errors(value, message):
    with pytest.raises(autodiff.InputError) as caught:
        autodiff.compile("sum(x)")(x=value)
    if message == "BOOLEAN":        # the message of a boolean --at value, whatever its words
        from autodiff.diffcore.interpreter.values import boolean_input
        message = boolean_input("x")[0]
    assert caught.value.message == message


@pytest.mark.parametrize("argv, call", [
    (["grad", "-e", "x^2 + "], lambda: autodiff.compile("x^2 + ")),
    (["grad", "-e", "x^2", "--at", "x=4", "--at", "y=1"], lambda: autodiff.compile("x^2").grad(x=4, y=1)),
    (["grad", "-e", "sqrt(x) + [1, 2] @ [[1], [2], [3]]", "--at", "x=4"],
     lambda: autodiff.compile("sqrt(x) + [1, 2] @ [[1], [2], [3]]").grad(x=4)),
    (["jacobian", "-e", "[x, x]", "--at", "x=4", "--wrt", "z"], lambda: autodiff.compile("[x, x]").jacobian(x=4, wrt="z")),
])
def test_errors_have_the_text_the_command_line_prints(argv, call):
    code, _, err = run_main(argv)
    assert code in (1, 2)
    with pytest.raises(autodiff.ProgramError) as caught:
        call()
    assert str(caught.value) == err.strip()


def test_a_missing_file_is_a_python_error_and_a_bad_one_is_located(tmp_path):
    with pytest.raises(FileNotFoundError):
        autodiff.load(tmp_path / "none.expr")
    bad = tmp_path / "bad.expr"
    bad.write_bytes(b"x = \xff\n")
    with pytest.raises(autodiff.InputError, match="bad.expr: input error: the file is not UTF-8"):
        autodiff.load(bad)


def test_limits_are_keyword_arguments_with_the_command_line_defaults():
    from autodiff.cli.app import cli
    import click
    ctx = click.Context(cli)
    grad = cli.get_command(ctx, "grad")
    defaults = {p.name: p.default for p in grad.params if p.name in ("max_steps", "max_depth", "max_elements",
                                                                       "timeout")}
    import inspect
    signature = inspect.signature(autodiff.compile).parameters
    assert {name: signature[name].default for name in defaults} == defaults
    assert signature["max_memory"].default == 4 * 2**30
    loop = autodiff.compile("t = 0\nfor i in range(n): t += 1\nt", max_steps=100)
    assert loop(n=50) == 50.0
    with pytest.raises(autodiff.LimitExceeded) as caught:
        loop(n=500)
    assert caught.value.limit == "max-steps"
    with pytest.raises(autodiff.LimitExceeded):
        autodiff.compile("sum(zeros(n))", max_elements=10)(n=11)


# ------------------------------------------------------------------ many points

def test_grad_points_takes_rows_columns_and_arrays():
    f = autodiff.compile("x^2 * y")
    xs, ys = [1.0, 2.0, -1.5], [3.0, 0.5, 2.0]
    by_rows = f.grad_points([{"x": x, "y": y} for x, y in zip(xs, ys)])
    by_columns = f.grad_points({"x": xs, "y": np.array(ys)})
    by_array = f.grad_points(np.array([xs, ys]).T)
    x, y = np.array(xs), np.array(ys)
    for p in (by_rows, by_columns, by_array):
        np.testing.assert_array_equal(p.value, x**2 * y)
        np.testing.assert_array_equal(p.gradient["x"], 2 * x * y)
        np.testing.assert_array_equal(p.gradient["y"], x**2)
        assert len(p) == 3 and p.results[1].gradient == {"x": 2.0, "y": 4.0}
    vectors = autodiff.compile("sum(v^2)").grad_points({"v": [[1, 2], [3, 4]]})
    np.testing.assert_array_equal(vectors.gradient["v"], [[2, 4], [6, 8]])
    with pytest.raises(ValueError, match="different lengths"):
        f.grad_points({"x": [1, 2], "y": [1]})
    with pytest.raises(autodiff.ProgramError) as caught:
        f.grad_points([{"x": 1.0, "y": 1.0}, {"x": 1.0}])
    assert "at point 1 of the points" in caught.value.__notes__[0]


# ------------------------------------------------------------------ threads and nesting

def test_two_functions_nested_and_interleaved():
    f = autodiff.compile("x^3")
    g = autodiff.compile("sin(y) * 2")

    def points():
        # g runs (and f runs again) between f's points, inside f's grad_points
        for x in (1.0, 2.0, 3.0):
            assert g.grad(y=0.0).gradient["y"] == 2.0
            assert f(x=x + 1) == (x + 1) ** 3
            yield {"x": x}

    p = f.grad_points(points())
    np.testing.assert_array_equal(p.gradient["x"], [3.0, 12.0, 27.0])
    results = [(f.grad(x=k).gradient["x"], g.grad(y=k).gradient["y"]) for k in range(5)]
    assert results == [(3.0 * k * k, pytest.approx(2 * np.cos(k))) for k in range(5)]


def test_functions_in_threads():
    f = autodiff.compile("t = 0\nfor i in range(200): t += x * i\nt")
    g = autodiff.compile("sum(v * v)")
    barrier = threading.Barrier(4)

    def work(k: int) -> None:
        barrier.wait()
        for j in range(20):
            x = float(k + j)
            assert f.grad(x=x).gradient["x"] == 19900.0 and f(x=x) == 19900.0 * x
            assert g.grad(v=[x, 1.0]).gradient["v"].tolist() == [2 * x, 2.0]

    assert run_in_threads(work, 4) == []


# ------------------------------------------------------------------ notebooks

def test_results_display_as_tables():
    r = autodiff.compile("x^2 + 3*x").grad(x=2)
    html, markdown = r._repr_html_(), r._repr_markdown_()
    assert "<table" in html and "df/dx" in html and "7.0" in html and "10.0" in html
    assert "| gradient | df/dx | 7.0 |" in markdown and "| output | f | 10.0 |" in markdown
    h = autodiff.compile("x^2 * y").hessian(x=1, y=2)
    assert "| hessian | d2f/dx dy | 2.0 |" in h._repr_markdown_()
    w = autodiff.compile("log(x)").evaluate(x=0)
    assert "warning: non-finite" in w._repr_html_()
    p = autodiff.compile("x^2").grad_points({"x": [1, 2]})
    assert "| 1 | 2.0 | 4.0 | 4.0 |" in p._repr_markdown_()


def test_the_trace_is_a_table_and_its_text_is_the_commands():
    t = autodiff.compile("x^2 + 3*x").trace(x=2)
    html = t._repr_html_()
    assert html.count("<table") == 2 and "v0 ^ 2.0" in html and "4.0 (via v1) + 3.0 (via v2) = 7.0" in html
    code, out, _ = run_main(["trace", "-e", "x^2 + 3*x", "--at", "x=2"])
    assert code == 0 and str(t) == out.rstrip("\n")
    assert "| v1 |  | v0 ^ 2.0 | 4.0 |" in t._repr_markdown_()


def test_the_graph_is_svg_with_graphviz_and_a_tree_without(tmp_path, monkeypatch):
    import shutil
    wc = shutil.which("wc")
    graph = autodiff.compile("a * 3 + a").graph(a=2)
    code, out, _ = run_main(["graph", "-e", "a * 3 + a", "--at", "a=2", "--grad", "--format", "tree"])
    assert code == 0 and graph.tree == out.rstrip("\n")
    code, out, _ = run_main(["graph", "-e", "a * 3 + a", "--at", "a=2", "--grad"])
    assert graph.dot.replace("<expr>", "") == out.rstrip("\n").replace("<expr>", "")
    monkeypatch.setenv("PATH", str(tmp_path))          # no Graphviz
    assert graph.svg() is None and graph._repr_svg_() is None
    assert graph._repr_html_().startswith("<pre") and "df/da += 3.0" in graph._repr_html_()
    fake = tmp_path / "dot"                            # a Graphviz that echoes what it was given
    fake.write_text(f"#!/bin/sh\nprintf '<?xml?><svg>'; {wc} -l; printf '</svg>'\n")
    fake.chmod(0o755)
    lines = graph.dot.count("\n")              # what wc -l counts
    assert re.fullmatch(rf"<svg>\s*{lines}\s*</svg>", graph._repr_html_())
    assert graph._repr_svg_().startswith("<?xml?><svg>")


def test_check_gives_results_as_objects():
    report = autodiff.check([ROOT / "tests" / "cases"], keyword="seed")
    code, out, _ = run_main(["check", str(ROOT / "tests" / "cases"), "-k", "seed", "--json"])
    document = json.loads(out)
    assert report.ok and code == 0 and report.passed == document["passed"] == len(report) > 3
    failing = autodiff.check(str(ROOT / "tests" / "cases_failing"))
    assert not failing.ok and failing.failed + failing.errors == len(failing)
    for result in failing:
        assert not result.passed and result.message.startswith(str(ROOT / "tests" / "cases_failing"))
    assert "FAIL" in failing._repr_html_() and failing.summary() in failing._repr_markdown_()
    with pytest.raises(autodiff.UsageError, match="no such file"):
        autodiff.check("no/such/dir")
    with pytest.raises(autodiff.UsageError, match="no .expr files"):
        autodiff.check(ROOT / "tests" / "cases", keyword="no_file_has_this_name")


def test_the_command_line_goes_through_the_api_layers_only():
    """The CLI reaches the core through `autodiff` or the modules the API itself imports."""
    import ast
    api_uses = set()
    for path in (ROOT / "diffcore" / "api").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("autodiff.diffcore"):
                api_uses.add(node.module)
    allowed = {m.rsplit(".", 1)[0] for m in api_uses} | api_uses     # a module, or the package of one
    reached = {}
    for path in (ROOT / "cli").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("autodiff.diffcore"):
                reached.setdefault(node.module, path.name)
    outside = {m: where for m, where in reached.items()
               if m not in allowed and m.rsplit(".", 1)[0] not in allowed}
    assert outside == {}


def test_the_engine_keyword_runs_the_compiled_form_and_refuses_what_it_cannot_run():
    text = "input x = 0.7\ny = 0\nfor i in range(4):\n    y = y + sin(x * i)\ny"
    compiled, tape = autodiff.compile(text, engine="compiled"), autodiff.compile(text, engine="tape")
    for x in (0.7, -1.3, 2.0):
        want = sum(k * np.cos(x * k) for k in range(4))
        assert compiled.grad(x=x).gradient["x"] == pytest.approx(want, rel=1e-12)
        assert compiled.grad(x=x).gradient["x"] == pytest.approx(tape.grad(x=x).gradient["x"], rel=1e-12)
    with pytest.raises(autodiff.ProgramError):            # print stays on the tape: refused, located
        autodiff.compile("input x = 1\nprint(x)\nx * 2", engine="compiled").grad(x=1)
    with pytest.raises(ValueError, match="engine"):
        autodiff.compile("x", engine="fast")
