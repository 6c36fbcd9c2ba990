"""The numerical policy of docs/numerics.md: values, derivatives at difficult points, warnings."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
from click.testing import CliRunner

from autodiff.cli.main import cli
from autodiff.diffcore.derivatives import differentiate, evaluate
from autodiff.diffcore.program import Program


def grad(src: str, **at):
    return differentiate(Program.from_text(src), {k: (np.array(v, float) if isinstance(v, list) else float(v))
                                                  for k, v in at.items()})


def value(src: str):
    return evaluate(Program.from_text(src), {}).output


# ------------------------------------------------------------------ values

@pytest.mark.parametrize("src,expected", [
    ("1 / 0", math.inf), ("-1 / 0", -math.inf), ("log(0)", -math.inf), ("exp(1000)", math.inf),
    ("0^0", 1.0), ("(-2)^3", -8.0), ("maximum(1, nan) + 0", math.nan), ("relu(nan)", math.nan),
    ("0 / 0", math.nan), ("log(-1)", math.nan), ("sqrt(-1)", math.nan), ("asin(2)", math.nan),
    ("(-8)^(1/3)", math.nan),
])
def test_values_follow_ieee(src, expected):
    got = value(src)
    assert type(got) is float
    if math.isnan(expected):
        assert math.isnan(got)
    else:
        assert got == expected


def test_scalar_and_one_element_array_agree_at_the_edges():
    for fn in ["log", "sqrt", "exp", "asin", "acosh" if False else "acos", "log1p", "tan"]:
        for x in [0.0, -1.0, 1.0, 1000.0, -0.0]:
            scalar = value(f"{fn}({x!r})")
            array = value(f"sum({fn}([{x!r}]))")
            assert (math.isnan(scalar) and math.isnan(array)) or scalar == array, (fn, x)


# ------------------------------------------------------------- derivatives

def test_singular_derivatives_are_infinite():
    assert grad("y = sqrt(x)", x=0).derivatives["x"] == math.inf
    assert grad("y = log(x)", x=0).derivatives["x"] == math.inf


@pytest.mark.parametrize("src", [
    "y = where(x > 0, sqrt(x), 0)",
    "y = where(x > 0, log(x), 0)",
    "y = where(x != 0, 1 / x, 0)",
    "y = where(x > 0, x^0.5, 0)",
])
def test_masked_branches_do_not_poison_the_gradient(src):
    """The zero-cotangent rule: the branch not taken contributes 0, not NaN."""
    result = grad(src, x=0)
    assert result.derivatives["x"] == 0.0


def test_masking_in_arrays_keeps_the_taken_branch_exact():
    result = grad("y = sum(where(x > 0, sqrt(x), 0))", x=[0.0, 4.0, -1.0])
    np.testing.assert_array_equal(result.derivatives["x"], [0.0, 0.25, 0.0])


def test_zero_cotangent_rule_in_forward_mode_too():
    from autodiff.diffcore.higher import jacobian
    J = jacobian(Program.from_text("y = where(x > 0, sqrt(x), 0)"), {"x": 0.0}, mode="forward")
    assert J.orders[1][("x",)] == 0.0


def test_powers():
    assert grad("y = x^0", x=0).derivatives["x"] == 0.0                 # x^0 is constant
    assert grad("y = x^2", x=0).derivatives["x"] == 0.0
    assert grad("y = x^3", x=-2).derivatives["x"] == 12.0
    assert grad("y = b^p", b=-2, p=3).derivatives["p"] == 0.0          # no real d/dp at a negative base
    assert grad("y = b^p", b=0, p=2).derivatives["p"] == 0.0
    assert grad("y = b^p", b=2, p=3).derivatives["p"] == pytest.approx(8 * math.log(2))


@pytest.mark.parametrize("src,at,expected", [
    ("y = abs(x)", {"x": 0}, 0.0),
    ("y = relu(x)", {"x": 0}, 0.0),
    ("y = norm(x)", {"x": [0.0, 0.0]}, [0.0, 0.0]),
    ("y = maximum(x, 1)", {"x": 1}, 0.5),
    ("y = minimum(x, 1)", {"x": 1}, 0.5),
    ("y = clip(x, 0, 1)", {"x": 1}, 0.5),
    ("y = max(x)", {"x": [1.0, 3.0, 3.0]}, [0.0, 0.5, 0.5]),
    ("y = floor(x) * 2 + x", {"x": 3}, 1.0),
    ("y = sign(x) + x", {"x": 0}, 1.0),
])
def test_kinks_use_the_documented_subgradient_and_warn(src, at, expected):
    result = grad(src, **at)
    g = next(iter(result.derivatives.values()))
    np.testing.assert_array_equal(g, expected)
    kinks = [w for w in result.warnings if w.kind == "kink"]
    assert kinks, f"no kink reported for {src}"
    assert kinks[0].span is not None and kinks[0].span.line == 1


def test_comparison_at_equality_is_reported_with_the_branch_taken():
    result = grad("y = x if x > 2 else -x", x=2)
    assert result.derivatives["x"] == -1.0
    (warning,) = result.warnings
    assert warning.kind == "kink" and warning.operation == ">"
    assert "false" in warning.message and (warning.span.line, warning.span.col) == (1, 10)


def test_no_warnings_away_from_kinks():
    assert grad("y = abs(x) + maximum(x, 0) + floor(x)", x=0.3).warnings == []


def test_a_kink_inside_a_loop_is_reported_once():
    src = "y = 0\nfor i in range(5):\n    y = y + abs(x)\n"
    assert len(grad(src, x=0).warnings) == 1


# ------------------------------------------------------------ non-finite

def test_first_non_finite_value_is_located():
    result = grad("z = x - 1\ny = log(z) * 2 + 1\n", x=1)
    (warning,) = [w for w in result.warnings if w.kind == "non-finite"]
    assert warning.operation == "log" and (warning.span.line, warning.span.col) == (2, 5)


def test_first_non_finite_derivative_is_located():
    result = grad("z = x * 2\ny = sqrt(z) + 1\n", x=0)
    assert result.output == 1.0 and result.derivatives["x"] == math.inf
    (warning,) = result.warnings
    assert warning.kind == "non-finite" and warning.operation == "sqrt" and warning.span.line == 2


def test_eval_locates_a_non_finite_output():
    result = evaluate(Program.from_text("input x = 0\nz = 2 * x\ny = log(z) + 1\n"), {})
    (warning,) = result.warnings
    assert warning.operation == "log" and warning.span.line == 3


def test_cli_warning_json_and_strict():
    runner = CliRunner()
    out = runner.invoke(cli, ["grad", "-e", "log(x)", "--at", "x=0", "--json"])
    assert out.exit_code == 0
    document = json.loads(out.stdout)
    assert document["output"] == "-inf" and document["gradient"] == {"x": "inf"}
    assert document["warnings"] == [{"kind": "non-finite", "operation": "log",
                                     "message": "log produced -inf: the first non-finite value",
                                     "line": 1, "col": 1}]
    assert "warning: log produced -inf" in out.stderr and "^^^^^^" in out.stderr
    strict = runner.invoke(cli, ["grad", "-e", "log(x)", "--at", "x=0", "--strict"])
    assert strict.exit_code == 1 and "--strict" in strict.stderr
    fine = runner.invoke(cli, ["grad", "-e", "log(x)", "--at", "x=1", "--strict", "--json"])
    assert fine.exit_code == 0 and json.loads(fine.stdout)["warnings"] == []


def test_json_stays_valid_for_every_non_finite_kind():
    out = CliRunner().invoke(cli, ["eval", "-e", "[1/0, -1/0, 0/0, 1]", "--json"])
    document = json.loads(out.stdout)          # strict JSON: no bare NaN or Infinity
    assert document["output"] == ["inf", "-inf", "nan", 1.0]
    assert "NaN" not in out.stdout and "Infinity" not in out.stdout


# ---------------------------------------------------------------- limits

def test_tape_memory_limit_names_the_option():
    src = "y = 0\nfor i in range(200000):\n    y = y + sin(x) * i\n"
    out = CliRunner().invoke(cli, ["grad", "-e", src, "--at", "x=1", "--max-memory", "5M"])
    assert out.exit_code == 1
    assert "limit exceeded" in out.stderr and "--max-memory" in out.stderr
    assert out.stdout == ""                       # no partial result printed as if complete


def test_large_arrays_are_summarised_unless_full():
    runner = CliRunner()
    summary = runner.invoke(cli, ["eval", "-e", "linspace(0, 1, 5000)"])
    assert "5,000 elements" in summary.stdout and "--full" in summary.stdout
    assert len(summary.stdout) < 2000
    full = runner.invoke(cli, ["eval", "-e", "linspace(0, 1, 5000)", "--full"])
    assert full.stdout.count(",") >= 4999


def test_taylor_mode_through_kinks_and_singular_points():
    """Taylor mode (one scalar input, --order >= 2) follows the same policy as the other modes.

    Regressions from fuzzing: its coefficients are numpy scalars (IEEE division), on which
    sign() once failed ('numpy boolean subtract'), and Python division once raised at 0.
    """
    from autodiff.diffcore.higher import derivative_tensors
    for src, first, second in [("y = x / (abs(x) + 1)", 1.0, 0.0), ("y = sign(x) + x^2", 0.0, 2.0),
                               ("y = log(x)", math.inf, -math.inf)]:
        result = derivative_tensors(Program.from_text(src), {"x": 0.0}, 2)
        assert result.mode == "taylor", src
        assert result.orders[1][("x",)] == first, src
        assert result.orders[2][("x", "x")] == second, src


@pytest.mark.parametrize("size, ok", [("500M", True), ("1.5GiB", True), ("8 g", True), ("4\u212a", False),
                                      ("\u0664G", False), ("lots", False)])
def test_max_memory_sizes_are_ascii_and_a_bad_one_is_a_usage_error(size, ok):
    out = CliRunner().invoke(cli, ["grad", "-e", "x", "--at", "x=1", "--max-memory", size])
    assert out.exit_code == (0 if ok else 2), out.output
    if not ok:
        assert "expected a size like 500M or 8G" in out.stderr
