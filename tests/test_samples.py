"""Every program in samples/ runs, and gives the values worked out by hand.

The table `SAMPLES` maps each sample to its check; a sample added without
expectations fails `test_every_sample_has_expectations`. The expected numbers
are derived by hand (the derivations are in the comments) or from independent
numpy formulas, never copied from the program's own output. Most checks use
the diffcore API; the commands quoted in the samples' comments are run through
the command line.
"""
from __future__ import annotations

import json
import math
import re
import shlex
from pathlib import Path

import numpy as np
import pytest

from autodiff.cli.app import cli
from autodiff.diffcore.derivatives import differentiate, evaluate
from autodiff.diffcore.higher import derivative_tensors, directional, hessian_vector, jacobian
from autodiff.diffcore.program import Program
from helpers import close, make_runner

REPO = Path(__file__).resolve().parents[1]
SAMPLES_DIR = REPO / "samples"


# --------------------------------------------------------------------- helpers

def load(name: str) -> Program:
    path = SAMPLES_DIR / f"{name}.expr"
    return Program.from_text(path.read_text(encoding="utf-8"), f"samples/{name}.expr")


def cli_run(args: list, code: int = 0):
    result = make_runner().invoke(cli, args, catch_exceptions=True)
    assert result.exit_code == code, (args, result.stdout, result.stderr, result.exception)
    return result


def cli_json(args: list) -> dict:
    return json.loads(cli_run(args + ["--json"]).stdout)


# ------------------------------------------------------- independent formulas

def rosenbrock(x):
    x = np.asarray(x, dtype=float)
    return float(np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2))


def rosenbrock_gradient(x):
    x = np.asarray(x, dtype=float)
    g = np.zeros_like(x)
    g[:-1] += -400.0 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2.0 * (1.0 - x[:-1])
    g[1:] += 200.0 * (x[1:] - x[:-1] ** 2)
    return g


def rosenbrock_hessian(x):
    x = np.asarray(x, dtype=float)
    n = len(x)
    H = np.zeros((n, n))
    for i in range(n - 1):
        H[i, i] += 1200.0 * x[i] ** 2 - 400.0 * x[i + 1] + 2.0
        H[i, i + 1] += -400.0 * x[i]
        H[i + 1, i] += -400.0 * x[i]
        H[i + 1, i + 1] += 200.0
    return H


def vector_field_jacobian(x):
    x0, x1, x2 = x
    e = math.exp(x0 * x2)
    # v0 = x0 x1 + sin x2;  v1 = x1^2 - exp(x0 x2)
    return np.array([[x1, x0, math.cos(x2)],
                     [-x2 * e, 2 * x1, -x0 * e]])


def control_flow_f(a: float) -> float:
    """samples/seed_control_flow.expr in plain Python."""
    b = a * 2
    while abs(b) < 1000:
        b = b * 2
    return b if b > 0 else 100 * b


# ------------------------------------------------------------------- checks

def check_seed_graph():
    p = load("seed_graph")
    # e = (a + 2)(3a + 4) = 4 * 10 = 40 at a = 2; de/da = (3a + 4) + 3(a + 2) = 10 + 12 = 22
    ev = evaluate(p, {})
    assert ev.output == 40.0 and ev.output_name == "e"
    d = differentiate(p, {})
    assert d.kind == "gradient" and d.wrt == ["a"]
    assert d.output == 40.0
    assert d.derivatives["a"] == 22.0
    # at a = 1: e = 3 * 7 = 21, de/da = 7 + 9 = 16
    d = differentiate(p, {"a": 1.0})
    assert (d.output, d.derivatives["a"]) == (21.0, 16.0)


def check_seed_dot():
    p = load("seed_dot")
    d = differentiate(p, {})
    # y = 2 x.x = 2 (0 + 1 + 4 + 9) = 28; dy/dx = 4x
    assert d.output == 28.0 and d.kind == "gradient"
    close(d.derivatives["x"], [0, 4, 8, 12])


def check_seed_poly():
    d = differentiate(load("seed_poly"), {})
    # z = 3^2 + 2^3 = 17; dz/dx = 2x = 6; dz/dy = 3y^2 = 12
    assert d.output == 17.0
    assert d.derivatives == {"x": 6.0, "y": 12.0}


def check_seed_linear():
    d = differentiate(load("seed_linear"), {})
    # y = 3*2 + 1 = 7, z = 49; dz/dx = 2y w = 42, dz/dw = 2y x = 28, dz/db = 2y = 14
    assert d.output == 49.0
    assert d.derivatives == {"x": 42.0, "w": 28.0, "b": 14.0}
    assert d.wrt == ["x", "w", "b"]


def check_seed_detach():
    d = differentiate(load("seed_detach"), {})
    # z = sum(u x) with u = detach(x^2): dz/dx = u = x^2 (not 3x^2); z = sum(x^3) = 36
    assert d.output == 36.0
    close(d.derivatives["x"], [0, 1, 4, 9])


def check_seed_control_flow():
    p = load("seed_control_flow")
    # a = 0.5: b = 1 doubles to 1024 > 0, d = 1024 = 2048 a, so dd/da = 2048 = d / a.
    # a = -0.3: b = -0.6 doubles to -0.6 * 2^11 = -1228.8, d = 100 b = -122880 = 409600 a.
    for a, d_hand in ((0.5, 1024.0), (-0.3, -122880.0)):
        assert control_flow_f(a) == pytest.approx(d_hand, rel=1e-12)
        ev = evaluate(p, {"a": a})
        assert ev.output == pytest.approx(d_hand, rel=1e-12)
        d = differentiate(p, {"a": a})
        assert d.output == pytest.approx(d_hand, rel=1e-12)
        assert d.derivatives["a"] == pytest.approx(d_hand / a, rel=1e-12)
    assert differentiate(p, {"a": 0.5}).derivatives["a"] == 2048.0
    assert differentiate(p, {"a": -0.3}).derivatives["a"] == pytest.approx(409600.0, rel=1e-12)


def check_seed_broadcast():
    d = differentiate(load("seed_broadcast"), {})
    # d = sum_ij a_j c_ij: dd/da_j = column sums of c = [6, 9, 12]; dd/dc_ij = a_j
    # d = 2*6 + 2*9 + 3*12 = 66
    assert d.output == 66.0
    close(d.derivatives["a"], [6, 9, 12])
    close(d.derivatives["c"], [[2, 2, 3]] * 3)


def check_seed_sum():
    p = load("seed_sum")
    d = differentiate(p, {})
    assert d.output == 6.0
    close(d.derivatives["x"], [1, 1, 1, 1])
    # --of y2 --sum: the gradient of sum(x * x) is 2x; the sum is 0 + 1 + 4 + 9 = 14
    d = differentiate(p, {}, of="y2", reduce_sum=True)
    assert d.kind == "gradient"
    assert d.output == 14.0
    close(d.derivatives["x"], [0, 2, 4, 6])
    # without --sum, y2 = x * x has the diagonal Jacobian diag(2x)
    d = differentiate(p, {}, of="y2")
    assert d.kind == "jacobian"
    close(d.derivatives["x"], np.diag([0.0, 2.0, 4.0, 6.0]))


def check_seed_vjp():
    p = load("seed_vjp")
    d = differentiate(p, {})
    # y = [x0^2, x1^3] at [1, 2] = [1, 8]; J = diag(2 x0, 3 x1^2) = [[2, 0], [0, 12]]
    assert d.kind == "jacobian"
    close(d.output, [1, 8])
    close(d.derivatives["x"], [[2, 0], [0, 12]])
    d = differentiate(p, {}, cotangent=np.array([1.0, 0.5]))
    assert d.kind == "vjp"
    close(d.derivatives["x"], [2, 6])          # [1*2 + 0.5*0, 1*0 + 0.5*12]


def check_seed_higher():
    p = load("seed_higher")
    ev = evaluate(p, {})                       # its asserts (first == 12, second == 12) must hold
    assert ev.output == 8.0 and ev.output_name == "y"
    assert differentiate(p, {}).derivatives["x"] == 12.0
    r = derivative_tensors(p, {}, 2)
    # y = x^3 at 2: y' = 3x^2 = 12, y'' = 6x = 12
    assert r.orders[1][("x",)] == pytest.approx(12.0, rel=1e-14)
    assert r.orders[2][("x", "x")] == pytest.approx(12.0, rel=1e-14)
    # at x = 1 the in-program asserts fail: first = 3
    from autodiff.grammar.source import ProgramError
    with pytest.raises(ProgramError, match="first derivative"):
        evaluate(p, {"x": 1.0})


def check_rosenbrock():
    p = load("rosenbrock")
    x = np.array([1.2, 1.0, 0.8])
    # by hand: f = 100(1 - 1.44)^2 + 0.2^2 + 100(0.8 - 1)^2 = 19.36 + 0.04 + 4 = 23.4
    # df/dx0 = -400 x0 (x1 - x0^2) - 2(1 - x0) = 211.2 + 0.4 = 211.6
    # df/dx1 = 200(x1 - x0^2) - 400 x1 (x2 - x1^2) - 2(1 - x1) = -88 + 80 = -8
    # df/dx2 = 200(x2 - x1^2) = -40
    hand_value, hand_grad = 23.4, [211.6, -8.0, -40.0]
    hand_hessian = [[1330.0, -480.0, 0.0], [-480.0, 1082.0, -400.0], [0.0, -400.0, 200.0]]
    close(rosenbrock(x), hand_value, rtol=1e-13)
    close(rosenbrock_gradient(x), hand_grad, rtol=1e-13)
    close(rosenbrock_hessian(x), hand_hessian, rtol=1e-13)

    d = differentiate(p, {"x": x})
    close(d.output, hand_value, rtol=1e-13)
    close(d.derivatives["x"], hand_grad, rtol=1e-13, atol=1e-12)
    r = derivative_tensors(p, {"x": x}, 2)
    close(r.output, hand_value, rtol=1e-13)
    close(r.orders[1][("x",)], hand_grad, rtol=1e-13, atol=1e-12)
    close(r.orders[2][("x", "x")], hand_hessian, rtol=1e-13, atol=1e-11)

    # the minimum: value 0, gradient 0, Hessian [[802, -400, 0], [-400, 1002, -400], [0, -400, 200]]
    ones = np.ones(3)
    d = differentiate(p, {"x": ones})
    assert d.output == 0.0
    close(d.derivatives["x"], [0, 0, 0], atol=0)
    r = derivative_tensors(p, {"x": ones}, 2)
    close(r.orders[2][("x", "x")], [[802, -400, 0], [-400, 1002, -400], [0, -400, 200]])

    # five dimensions, against the numpy formulas
    x5 = np.array([-0.7, 0.3, 1.9, -1.1, 0.45])
    r = derivative_tensors(p, {"x": x5}, 2)
    close(r.output, rosenbrock(x5), rtol=1e-12)
    close(r.orders[1][("x",)], rosenbrock_gradient(x5), rtol=1e-12, atol=1e-10)
    close(r.orders[2][("x", "x")], rosenbrock_hessian(x5), rtol=1e-12, atol=1e-10)

    # H.v without forming H
    v = np.array([1.0, 0.0, 0.0])
    h = hessian_vector(p, {"x": x}, {"x": v})
    close(h.value[("x",)], [1330.0, -480.0, 0.0], rtol=1e-13, atol=1e-11)
    close(h.orders[1][("x",)], hand_grad, rtol=1e-13, atol=1e-12)


def check_vector_field():
    p = load("vector_field")
    x = [1.0, 2.0, 0.5]
    J = vector_field_jacobian(x)
    close(evaluate(p, {}).output, [2.0 + math.sin(0.5), 4.0 - math.exp(0.5)])
    for mode in ("forward", "reverse", "auto"):
        r = jacobian(p, {}, mode=mode)
        close(r.orders[1][("x",)], J, rtol=1e-14, atol=1e-15)
    assert jacobian(p, {}, mode="auto").mode == "reverse"     # 3 inputs > 2 outputs
    close(differentiate(p, {}).derivatives["x"], J, rtol=1e-14, atol=1e-15)
    close(directional(p, {}, {"x": np.array([1.0, 0.0, 0.0])}).value, J[:, 0], rtol=1e-14)
    y = np.array([-0.4, 0.9, 1.3])
    close(jacobian(p, {"x": y}, mode="forward").orders[1][("x",)], vector_field_jacobian(y), rtol=1e-13)


def check_newton():
    p = load("newton")
    root = 2.0945514815423265
    real = [r.real for r in np.roots([1, 0, -2, -5]) if abs(r.imag) < 1e-12]
    assert len(real) == 1 and real[0] == pytest.approx(root, rel=1e-14)
    ev = evaluate(p, {})
    assert ev.output_name == "root"
    assert ev.output == pytest.approx(root, rel=1e-15, abs=0)
    assert abs(ev.output ** 3 - 2 * ev.output - 5) < 1e-12
    # from another start the same root
    assert evaluate(p, {"x0": 3.0}).output == pytest.approx(root, rel=1e-15)
    # the root does not depend on x0
    d = differentiate(p, {})
    assert d.output == pytest.approx(root, rel=1e-15)
    assert abs(d.derivatives["x0"]) < 1e-9


def check_custom_quadratic():
    d = differentiate(load("custom_quadratic"), {})
    # y = a x^2 + b x + c = 18 + 3 + 4 = 25 at x=3, a=2, b=1, c=4
    # dy/dx = 2ax + b = 13, dy/da = x^2 = 9, dy/db = x = 3, dy/dc = 1
    assert d.output == 25.0
    assert d.derivatives == {"x": 13.0, "a": 9.0, "b": 3.0, "c": 1.0}


def check_custom_relu():
    d = differentiate(load("custom_relu"), {})
    # relu([-2, -0.5, 0.5, 2]) . [1, 2, 3, 4] = 1.5 + 8 = 9.5; the rule passes g where x >= 0
    assert d.output == 9.5
    close(d.derivatives["x"], [0, 0, 3, 4])


def check_xor_train():
    lines: list[str] = []
    ev = evaluate(load("xor_train"), {}, print_fn=lines.append)
    assert len(lines) == 10, lines
    epochs, losses = [], []
    for line in lines:
        m = re.fullmatch(r"epoch (\d+) loss (\S+)", line)
        assert m, line
        epochs.append(int(m.group(1)))
        losses.append(float(m.group(2)))
    assert epochs == list(range(0, 1000, 100))
    # a linear model cannot beat the constant 0.5 on XOR: the mean squared loss is >= 0.25
    assert all(loss >= 0.25 - 1e-6 for loss in losses)
    assert losses == sorted(losses, reverse=True)
    assert ev.output_name == "final_loss"
    assert 0.24 < ev.output < 0.26


def check_xor_mlp():
    lines: list[str] = []
    ev = evaluate(load("xor_mlp"), {}, print_fn=lines.append)
    assert ev.output < 0.01
    assert ev.output >= 0.0
    assert sum(line.startswith("epoch") for line in lines) == 5
    assert any(line.startswith("predictions") for line in lines)


def check_sigmoid():
    p = load("sigmoid")
    d = differentiate(p, {})
    # s(0) = 1/2; s' = s(1 - s) = 1/4
    assert (d.output, d.derivatives["x"]) == (0.5, 0.25)
    # s'' = s'(1 - 2s) = 0 at 0; s''' = s'(1 - 6s + 6s^2) = 1/4 * (1 - 3 + 1.5) = -1/8
    r = derivative_tensors(p, {}, 3)
    assert r.orders[2][("x", "x")] == pytest.approx(0.0, abs=1e-15)
    assert r.orders[3][("x", "x", "x")] == pytest.approx(-0.125, rel=1e-13)
    # at x = 2: s' = s(1 - s)
    s = 1 / (1 + math.exp(-2.0))
    assert differentiate(p, {"x": 2.0}).derivatives["x"] == pytest.approx(s * (1 - s), rel=1e-14)


def check_loop():
    # t = sum over 10^4 iterations of x * 0.5 = 5000 x: 2500 at x = 0.5, and dt/dx = 5000
    d = differentiate(load("loop"), {})
    assert d.output == 2500.0 and d.output_name == "t"
    close(d.derivatives["x"], 5000.0)
    assert d.tape_length > 10_000          # a long tape, for trace --limit


def check_gaussian_loglik():
    """loglik = sum_i log N(x_i; mu, S), S = L L^T: dmu = S^-1 sum(x_i - mu), dS = G = (S^-1 R S^-1 - n S^-1) / 2
    with R = sum r r^T, and dL = 2 G L (S(L) is symmetric), from the closed forms."""
    p = load("gaussian_loglik")
    mu, L = np.array([0.5, -0.2]), np.array([[1.2, 0.0], [0.3, 0.8]])
    X = np.array([[0.9, 0.1], [0.2, -0.7], [1.4, 0.3]])
    S = L @ L.T
    Si = np.linalg.inv(S)
    r = X - mu
    want = float(-0.5 * np.einsum("ij,jk,ik->", r, Si, r) - 1.5 * np.log(np.linalg.det(S)) - 3 * np.log(2 * np.pi))
    d = differentiate(p, {})
    assert d.output_name == "loglik" and d.output == pytest.approx(want, rel=1e-13)
    close(d.derivatives["mu"], Si @ r.sum(axis=0), rtol=1e-12)
    G = 0.5 * (Si @ (r.T @ r) @ Si - 3 * Si)
    close(d.derivatives["L"], 2 * G @ L, rtol=1e-12, atol=1e-14)
    # the Hessian in mu is -n S^-1 (through cholesky and solve, at order 2)
    h = derivative_tensors(p, {}, 2, wrt=["mu"])
    close(h.orders[2][("mu", "mu")], -3 * Si, rtol=1e-10)


SAMPLES = {
    "gaussian_loglik": check_gaussian_loglik,
    "seed_graph": check_seed_graph,
    "seed_dot": check_seed_dot,
    "seed_poly": check_seed_poly,
    "seed_linear": check_seed_linear,
    "seed_detach": check_seed_detach,
    "seed_control_flow": check_seed_control_flow,
    "seed_broadcast": check_seed_broadcast,
    "seed_sum": check_seed_sum,
    "seed_vjp": check_seed_vjp,
    "seed_higher": check_seed_higher,
    "rosenbrock": check_rosenbrock,
    "vector_field": check_vector_field,
    "newton": check_newton,
    "custom_quadratic": check_custom_quadratic,
    "custom_relu": check_custom_relu,
    "xor_train": check_xor_train,
    "xor_mlp": check_xor_mlp,
    "sigmoid": check_sigmoid,
    "loop": check_loop,
}


def test_every_sample_has_expectations():
    on_disk = {p.stem for p in SAMPLES_DIR.glob("*.expr")}
    assert on_disk == set(SAMPLES), (f"samples without expectations: {sorted(on_disk - set(SAMPLES))}; "
                                     f"expectations without a sample: {sorted(set(SAMPLES) - on_disk)}")


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_sample(name):
    SAMPLES[name]()


# -------------------------------------------------------- through the CLI

@pytest.fixture
def in_repo(monkeypatch):
    monkeypatch.chdir(REPO)


def test_seed_graph_cli_plain_text(in_repo):
    result = cli_run(["grad", "samples/seed_graph.expr"])
    assert result.stdout == "e = 40.0\nde/da = 22.0\n"


def test_seed_dot_cli_json(in_repo):
    doc = cli_json(["grad", "samples/seed_dot.expr"])
    assert doc["output"] == 28.0
    assert doc["gradient"] == {"x": [0.0, 4.0, 8.0, 12.0]}
    assert doc["program"] == "samples/seed_dot.expr"


def test_seed_vjp_cli(in_repo):
    doc = cli_json(["grad", "samples/seed_vjp.expr", "--vjp", "[1, 0.5]"])
    assert doc["vjp"] == {"x": [2.0, 6.0]}
    doc = cli_json(["grad", "samples/seed_vjp.expr"])
    assert doc["jacobian"] == {"x": [[2.0, 0.0], [0.0, 12.0]]}


def test_seed_sum_cli(in_repo):
    doc = cli_json(["grad", "samples/seed_sum.expr", "--of", "y2", "--sum"])
    assert doc["gradient"] == {"x": [0.0, 2.0, 4.0, 6.0]}


def test_seed_higher_cli_order_2(in_repo):
    doc = cli_json(["grad", "samples/seed_higher.expr", "--order", "2"])
    assert doc["output"] == 8.0
    assert doc["derivatives"]["1"] == {"x": 12.0}
    assert doc["derivatives"]["2"] == {"x,x": 12.0}


def test_seed_control_flow_cli(in_repo):
    for a, d in (("0.5", 1024.0), ("-0.3", -122880.0)):
        doc = cli_json(["grad", "samples/seed_control_flow.expr", "--at", f"a={a}"])
        assert doc["output"] == pytest.approx(d, rel=1e-12)
        assert doc["gradient"]["a"] == pytest.approx(d / float(a), rel=1e-12)


def test_rosenbrock_cli_hessian(in_repo):
    doc = cli_json(["hessian", "samples/rosenbrock.expr", "--at", "x=[1.2, 1.0, 0.8]"])
    close(doc["derivatives"]["2"]["x,x"], [[1330, -480, 0], [-480, 1082, -400], [0, -400, 200]],
          rtol=1e-13, atol=1e-11)
    close(doc["derivatives"]["1"]["x"], [211.6, -8, -40], rtol=1e-13)
    assert doc["output"] == pytest.approx(23.4, rel=1e-13)


def test_xor_train_cli_prints_losses_to_stderr(in_repo):
    result = cli_run(["eval", "samples/xor_train.expr"])
    losses = [line for line in result.stderr.splitlines() if line.startswith("epoch")]
    assert len(losses) == 10
    # standard output holds only the result
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("final_loss = ")
    assert 0.24 < float(lines[0].split("=")[1]) < 0.26


def _commands_in_comments():
    found = []
    for path in sorted(SAMPLES_DIR.glob("*.expr")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.lstrip().startswith("#"):
                continue
            for command in re.findall(r"`(autodiff [^`]+)`", line):
                found.append((path.stem, command))
            m = re.match(r"#\s+(autodiff .+)$", line)
            if m:
                found.append((path.stem, m.group(1).strip()))
    return found


@pytest.mark.parametrize("sample,command", _commands_in_comments(),
                         ids=[f"{s}:{c}" for s, c in _commands_in_comments()])
def test_commands_quoted_in_samples_work(in_repo, sample, command):
    args = shlex.split(command)[1:]
    result = cli_run(args)
    assert result.stdout.strip()
