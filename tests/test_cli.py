"""The command line, held to what README.md promises.

Most tests go through click's CliRunner (fast, in-process). The real entry
point, `autodiff.cli.main:main`, maps outcomes to the documented exit codes
and calls sys.exit; it is tested in-process (`run_main`) and, for a
representative handful, through the installed `autodiff` command in a
subprocess. Rich tables depend on the terminal width and are never compared:
only plain text (what a pipe gets) and JSON are.
"""
from __future__ import annotations

import contextlib
import io
import json
import math
import os
import re
import shlex
import signal
import subprocess
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from autodiff.cli.app import cli
from autodiff.cli.main import main
from helpers import autodiff_command, run_main

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")
COMMANDS = ["eval", "grad", "hessian", "jacobian", "jvp", "hvp"]
# Commands that do not take the common program options (--at, --of, ...) everywhere.
OTHER_COMMANDS = ["check", "trace", "graph", "plot", "explain", "emit"]
LIMIT_OPTIONS = ["--max-steps", "--max-depth", "--max-elements", "--timeout"]
COMMON_OPTIONS = ["--expr", "--at", "--of", "--json", "--precision"]


def readme_json_keys() -> dict:
    """README's table of JSON keys: {key: the "present" column}."""
    section = README.split("### JSON", 1)[1].split("\n## ", 1)[0]
    keys = {}
    for row in re.findall(r"^\|(.+?)\|(.+?)\|.*\|\s*$", section, flags=re.M):
        names = re.findall(r"`(\w+)`", row[0])
        for name in names:
            keys[name] = row[1].strip()
    return keys


JSON_KEYS = readme_json_keys()
# The keys README says are always present; each command adds its own (checked below to be documented too).
BASE_KEYS = {key for key, present in JSON_KEYS.items() if present == "always"}
COMMAND_KEYS = {"gradient", "jacobian", "vjp", "order", "derivatives", "method", "jvp", "direction", "hvp",
                "mode", "wrt"}


def test_readme_json_table_is_what_the_tests_expect():
    assert {"output", "output_name", "inputs", "program"} <= BASE_KEYS
    assert set(JSON_KEYS) == BASE_KEYS | COMMAND_KEYS


@pytest.fixture(autouse=True)
def in_repo(monkeypatch):
    monkeypatch.chdir(REPO)
    monkeypatch.delenv("AUTODIFF_DEBUG", raising=False)


# --------------------------------------------------------------------- helpers

def make_runner() -> CliRunner:
    try:
        return CliRunner(mix_stderr=False)        # click < 8.2
    except TypeError:
        return CliRunner()                        # click >= 8.2 keeps stderr apart


def invoke(*args: str, input=None, code: int = 0):
    result = make_runner().invoke(cli, list(args), input=input, catch_exceptions=True)
    assert result.exit_code == code, (args, result.stdout, result.stderr, result.exception)
    if code == 0:
        assert result.exception is None or isinstance(result.exception, SystemExit)
    return result


def reject_constant(name):
    raise AssertionError(f"bare {name} in JSON output (RFC 8259 forbids it)")


def strict_json(text: str) -> dict:
    return json.loads(text, parse_constant=reject_constant)


def as_json(*args: str, input=None) -> dict:
    result = invoke(*args, "--json", input=input)
    lines = result.stdout.splitlines()
    assert len(lines) == 1, "--json prints one JSON object on one line"
    return strict_json(lines[0])


def run_process(args: list, input: bytes = None, timeout: float = 60) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "AUTODIFF_DEBUG"}
    proc = subprocess.run(autodiff_command() + args, input=input, capture_output=True, cwd=REPO,
                          env=env, timeout=timeout)
    assert b"Traceback" not in proc.stdout + proc.stderr, proc.stderr.decode()
    return proc


def assert_keys(doc: dict, specific: set) -> None:
    """The keys README promises for this command line are there, and no other command's keys."""
    assert BASE_KEYS | specific <= set(doc), f"missing: {(BASE_KEYS | specific) - set(doc)}"
    assert set(doc) & COMMAND_KEYS == specific


# Each command line and the keys README's table gives it: exactly these, nothing undocumented.
JSON_COMMAND_LINES = {
    "eval": (["eval", "samples/seed_graph.expr"], set()),
    "grad-scalar": (["grad", "samples/seed_dot.expr"], {"gradient", "wrt"}),
    "grad-array": (["grad", "samples/seed_vjp.expr"], {"jacobian", "wrt"}),
    "grad-vjp": (["grad", "samples/seed_vjp.expr", "--vjp", "[1, 0.5]"], {"vjp", "wrt"}),
    "grad-sum": (["grad", "samples/seed_sum.expr", "--of", "y2", "--sum"], {"gradient", "wrt"}),
    "grad-order": (["grad", "samples/seed_higher.expr", "--order", "3"], {"order", "derivatives", "method", "wrt"}),
    "hessian": (["hessian", "samples/rosenbrock.expr"], {"order", "derivatives", "method", "wrt"}),
    "jacobian": (["jacobian", "samples/vector_field.expr"], {"jacobian", "mode", "wrt"}),
    "jvp": (["jvp", "samples/vector_field.expr", "--direction", "x=[1, 0, 0]"], {"jvp", "direction", "wrt"}),
    "hvp": (["hvp", "samples/rosenbrock.expr", "--direction", "x=[1, 0, 0]"],
            {"gradient", "hvp", "direction", "wrt"}),
}


def _json_documents() -> dict:
    return {name: (as_json(*args), specific) for name, (args, specific) in JSON_COMMAND_LINES.items()}


def test_json_has_every_documented_key():
    missing = {name: sorted((BASE_KEYS | specific) - set(doc))
               for name, (doc, specific) in _json_documents().items()}
    assert not any(missing.values()), f"documented keys missing: { {k: v for k, v in missing.items() if v} }"


def test_json_has_no_undocumented_key():
    extra = {name: sorted(set(doc) - BASE_KEYS - specific) for name, (doc, specific) in _json_documents().items()}
    assert not any(extra.values()), f"keys not in README's table: { {k: v for k, v in extra.items() if v} }"


# ----------------------------------------------------------------- commands

def all_commands() -> dict:
    """Every command of the group (they load lazily, so ask the group for each)."""
    import click
    ctx = click.Context(cli)
    return {name: cli.get_command(ctx, name) for name in cli.list_commands(ctx)}


def test_readme_commands_are_registered():
    rows = re.findall(r"^\| `autodiff (\w+) ", README, flags=re.M)
    assert set(rows) == set(COMMANDS) | set(OTHER_COMMANDS)
    assert set(rows) == set(all_commands())


def test_eval_plain_text():
    assert invoke("eval", "samples/seed_graph.expr").stdout == "e = 40.0\n"


def test_grad_plain_text_is_the_readme_example():
    # README: `autodiff grad samples/seed_graph.expr | cat` prints exactly these two lines
    assert invoke("grad", "samples/seed_graph.expr").stdout == "e = 40.0\nde/da = 22.0\n"


def test_grad_from_stdin():
    result = invoke("grad", "-", "--at", "x=2", input="x^2 + 3*x\n")
    assert result.stdout == "f = 10.0\ndf/dx = 7.0\n"
    doc = as_json("grad", "-", "--at", "x=2", input="x^2 + 3*x\n")
    assert doc["program"] == "<stdin>"
    assert doc["output"] == 10.0 and doc["gradient"] == {"x": 7.0}


def test_expr_option():
    doc = as_json("grad", "-e", "x^2 + y^3", "--at", "x=3", "--at", "y=2")
    assert_keys(doc, {"gradient", "wrt"})
    assert (doc["output"], doc["gradient"], doc["output_name"]) == (17.0, {"x": 6.0, "y": 12.0}, None)
    assert (doc["inputs"], doc["wrt"], doc["program"]) == ({"x": 3.0, "y": 2.0}, ["x", "y"], "<expr>")
    doc = as_json("eval", "--expr", "2 * x", "--at", "x=4")
    assert doc["output"] == 8.0 and doc["program"] == "<expr>"


def test_eval_json_keys():
    doc = as_json("eval", "samples/seed_graph.expr")
    assert_keys(doc, set())
    assert (doc["output"], doc["output_name"], doc["inputs"]) == (40.0, "e", {"a": 2.0})
    assert doc["program"] == "samples/seed_graph.expr"


def test_grad_json_scalar_output():
    doc = as_json("grad", "samples/seed_dot.expr")
    assert_keys(doc, {"gradient", "wrt"})
    assert doc["gradient"] == {"x": [0.0, 4.0, 8.0, 12.0]}
    assert doc["output"] == 28.0 and doc["output_name"] == "y" and doc["wrt"] == ["x"]
    assert doc["inputs"] == {"x": [0.0, 1.0, 2.0, 3.0]}


def test_grad_json_array_output_is_the_jacobian():
    doc = as_json("grad", "samples/seed_vjp.expr")
    assert_keys(doc, {"jacobian", "wrt"})
    assert doc["jacobian"] == {"x": [[2.0, 0.0], [0.0, 12.0]]}
    assert doc["output"] == [1.0, 8.0]


def test_grad_array_output_plain_text_one_row_per_output_element():
    out = invoke("grad", "samples/seed_vjp.expr").stdout.splitlines()
    assert out == ["y = [1.0, 8.0]", "dy[0]/dx = [2.0, 0.0]", "dy[1]/dx = [0.0, 12.0]"]


def test_grad_jacobian_shape_is_output_shape_plus_input_shape():
    doc = as_json("grad", "-e", "outer(a, b)", "--at", "a=[1, 2]", "--at", "b=[3, 4, 5]")
    # d(a_i b_j)/d a_k = delta_ik b_j: shape (2, 3) + (2,)
    ja = doc["jacobian"]["a"]
    assert [len(ja), len(ja[0]), len(ja[0][0])] == [2, 3, 2]
    assert ja[1][2] == [0.0, 5.0]
    jb = doc["jacobian"]["b"]
    assert [len(jb), len(jb[0]), len(jb[0][0])] == [2, 3, 3]
    assert jb[1][2] == [0.0, 0.0, 2.0]


def test_grad_vjp():
    doc = as_json("grad", "samples/seed_vjp.expr", "--vjp", "[1, 0.5]")
    assert_keys(doc, {"vjp", "wrt"})
    assert doc["vjp"] == {"x": [2.0, 6.0]}
    out = invoke("grad", "samples/seed_vjp.expr", "--vjp", "[1, 0.5]").stdout
    assert "[2.0, 6.0]" in out.splitlines()[-1]


def test_grad_sum():
    doc = as_json("grad", "samples/seed_sum.expr", "--of", "y2", "--sum")
    assert_keys(doc, {"gradient", "wrt"})
    assert doc["gradient"] == {"x": [0.0, 2.0, 4.0, 6.0]}
    assert doc["output_name"] == "y2"
    doc = as_json("grad", "-e", "x * x", "--at", "x=[1, 2, 3]", "--sum")
    assert doc["gradient"] == {"x": [2.0, 4.0, 6.0]}


def test_grad_sum_text_labels_the_sum_not_the_array():
    # y2 = x * x is [0, 1, 4, 9]; the value printed with --sum is its sum, 14, so the
    # line must not claim that y2 is 14 (without --of it is labelled sum(f)).
    out = invoke("grad", "-e", "x * x", "--at", "x=[0, 1, 2, 3]", "--sum").stdout.splitlines()
    assert out[0] == "sum(f) = 14.0"
    out = invoke("grad", "samples/seed_sum.expr", "--of", "y2", "--sum").stdout.splitlines()
    assert out[0] == "sum(y2) = 14.0"


def test_vjp_and_sum_are_exclusive():
    code, out, err = run_main(["grad", "samples/seed_vjp.expr", "--vjp", "[1, 2]", "--sum"])
    assert code == 2 and "--vjp" in err and "--sum" in err


def test_grad_wrt():
    doc = as_json("grad", "-e", "x * y^2", "--at", "x=3", "--at", "y=2", "--wrt", "y")
    assert doc["wrt"] == ["y"] and doc["gradient"] == {"y": 12.0}     # 2xy
    doc = as_json("grad", "-e", "x * y^2", "--at", "x=3", "--at", "y=2", "--wrt", "y,x")
    assert doc["wrt"] == ["y", "x"] and doc["gradient"] == {"y": 12.0, "x": 4.0}
    assert list(doc["gradient"]) == ["y", "x"]
    doc = as_json("grad", "-e", "x * y^2", "--at", "x=3", "--at", "y=2", "--wrt", "x", "--wrt", "y")
    assert doc["wrt"] == ["x", "y"]
    out = invoke("grad", "-e", "x * y^2", "--at", "x=3", "--at", "y=2", "--wrt", "y").stdout
    assert out == "f = 12.0\ndf/dy = 12.0\n"


def test_grad_of():
    doc = as_json("grad", "samples/seed_graph.expr", "--of", "d")
    assert doc["output_name"] == "d" and doc["output"] == 10.0 and doc["gradient"] == {"a": 3.0}


def test_grad_order_taylor():
    doc = as_json("grad", "-e", "x^3", "--at", "x=2", "--order", "3")
    assert_keys(doc, {"order", "derivatives", "method", "wrt"})
    assert doc["order"] == 3 and doc["method"] == "taylor"
    assert doc["derivatives"] == {"1": {"x": 12.0}, "2": {"x,x": 12.0}, "3": {"x,x,x": 6.0}}
    out = invoke("grad", "-e", "x^3", "--at", "x=2", "--order", "2").stdout
    assert out == "f = 8.0\ndf/dx = 12.0\nd2f/dx2 = 12.0\n"


def test_grad_order_nested_blocks():
    doc = as_json("grad", "-e", "x^2 * y + y^3", "--at", "x=3", "--at", "y=2", "--order", "2")
    assert doc["method"] == "nested"
    # f_x = 2xy = 12, f_y = x^2 + 3y^2 = 21; f_xx = 2y = 4, f_xy = 2x = 6, f_yy = 6y = 12
    assert doc["derivatives"]["1"] == {"x": 12.0, "y": 21.0}
    assert doc["derivatives"]["2"] == {"x,x": 4.0, "x,y": 6.0, "y,x": 6.0, "y,y": 12.0}
    out = invoke("grad", "-e", "x^2 * y + y^3", "--at", "x=3", "--at", "y=2", "--order", "2").stdout
    assert "d2f/dx dy = 6.0" in out.splitlines()


def test_grad_precision():
    assert invoke("grad", "-e", "x / 3", "--at", "x=1", "--precision", "3").stdout == "f = 0.333\ndf/dx = 0.333\n"
    assert invoke("eval", "-e", "2 / 3", "--precision", "10").stdout == "f = 0.6666666667\n"
    # JSON always has full precision
    doc = as_json("grad", "-e", "x / 3", "--at", "x=1", "--precision", "2")
    assert doc["output"] == 1 / 3 and doc["gradient"]["x"] == 1 / 3


def test_hessian():
    doc = as_json("hessian", "samples/rosenbrock.expr", "--at", "x=[1.2, 1.0, 0.8]")
    assert_keys(doc, {"order", "derivatives", "method", "wrt"})
    assert doc["order"] == 2
    H = doc["derivatives"]["2"]["x,x"]
    expected = [[1330, -480, 0], [-480, 1082, -400], [0, -400, 200]]
    for row, hand in zip(H, expected):
        assert row == pytest.approx(hand, rel=1e-13, abs=1e-10)
    # the same as grad --order 2
    same = as_json("grad", "samples/rosenbrock.expr", "--at", "x=[1.2, 1.0, 0.8]", "--order", "2")
    assert same == doc
    out = invoke("hessian", "samples/rosenbrock.expr").stdout.splitlines()
    assert out[0] == "f = 23.4"
    assert out[2].startswith("d2f/dx2 = [[1330.0, -480.0,    0.0],")        # an aligned block


@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_jacobian_modes(mode):
    doc = as_json("jacobian", "samples/vector_field.expr", "--mode", mode)
    assert_keys(doc, {"jacobian", "mode", "wrt"})
    assert doc["mode"] == mode
    J = doc["jacobian"]["x"]
    e = math.exp(0.5)
    assert J[0] == pytest.approx([2.0, 1.0, math.cos(0.5)], rel=1e-14)
    assert J[1] == pytest.approx([-0.5 * e, 4.0, -e], rel=1e-14)
    out = invoke("jacobian", "samples/vector_field.expr", "--mode", mode).stdout.splitlines()
    assert out[-1] == f"# mode: {mode}"


def test_jacobian_auto_says_what_it_chose():
    # 3 inputs, 2 outputs: reverse
    doc = as_json("jacobian", "samples/vector_field.expr")
    assert doc["mode"] == "reverse"
    out = invoke("jacobian", "samples/vector_field.expr", "--mode", "auto").stdout.splitlines()
    assert out[-1].startswith("# mode: reverse") and "auto" in out[-1]
    # 1 input, 4 outputs: forward
    args = ("jacobian", "-e", "x * [1, 2, 3, 4]", "--at", "x=2")
    doc = as_json(*args)
    assert doc["mode"] == "forward" and doc["jacobian"] == {"x": [1.0, 2.0, 3.0, 4.0]}
    out = invoke(*args).stdout.splitlines()
    assert out[-1].startswith("# mode: forward") and "auto" in out[-1]


def test_jvp():
    doc = as_json("jvp", "samples/vector_field.expr", "--direction", "x=[1, 0, 0]")
    # (its keys, `wrt` included, are checked by test_json_has_every_documented_key)
    assert doc["jvp"] == pytest.approx([2.0, -0.5 * math.exp(0.5)], rel=1e-14)
    assert doc["direction"] == {"x": [1.0, 0.0, 0.0]}


def test_jvp_values_and_unnamed_inputs_move_by_zero():
    args = ("jvp", "-e", "[x * y, x + y^2]", "--at", "x=3", "--at", "y=2")
    # J = [[y, x], [1, 2y]] = [[2, 3], [1, 4]]
    assert strict_json(invoke(*args, "--direction", "x=1", "--direction", "y=1", "--json").stdout)["jvp"] == [5.0, 5.0]
    assert strict_json(invoke(*args, "--direction", "y=1", "--json").stdout)["jvp"] == [3.0, 4.0]
    out = invoke(*args, "--direction", "x=1").stdout.splitlines()
    assert out[-1].endswith("= [2.0, 1.0]")


def test_hvp():
    doc = as_json("hvp", "samples/rosenbrock.expr", "--direction", "x=[1, 0, 0]")
    assert_keys(doc, {"gradient", "hvp", "direction", "wrt"})
    assert doc["hvp"]["x"] == pytest.approx([1330.0, -480.0, 0.0], rel=1e-13, abs=1e-10)
    assert doc["gradient"]["x"] == pytest.approx([211.6, -8.0, -40.0], rel=1e-13)
    doc = as_json("hvp", "-e", "x^2 * y", "--at", "x=3", "--at", "y=2", "--direction", "y=1")
    # H = [[2y, 2x], [2x, 0]] = [[4, 6], [6, 0]]; H [0, 1] = [6, 0]
    assert doc["hvp"] == {"x": 6.0, "y": 0.0}
    assert doc["gradient"] == {"x": 12.0, "y": 9.0}


def test_json_nan_and_infinities_are_strings():
    doc = as_json("grad", "-e", "log(x)", "--at", "x=0")
    assert doc["output"] == "-inf"
    assert doc["gradient"] == {"x": "inf"}
    doc = as_json("eval", "-e", "[nan, inf, -inf, 1]")
    assert doc["output"] == ["nan", "inf", "-inf", 1.0]
    doc = as_json("eval", "-e", "x", "--at", "x=nan")
    assert doc["inputs"] == {"x": "nan"}
    out = invoke("grad", "-e", "log(x)", "--at", "x=0").stdout
    assert out == "f = -inf\ndf/dx = inf\n"


def test_at_values_are_constant_expressions():
    doc = as_json("eval", "-e", "x", "--at", "x=pi/4")
    assert doc["output"] == math.pi / 4
    doc = as_json("eval", "-e", "x", "--at", "x=linspace(0, 1, 5)")
    assert doc["output"] == [0.0, 0.25, 0.5, 0.75, 1.0]
    # --at overrides a default; the last one wins
    doc = as_json("eval", "samples/seed_graph.expr", "--at", "a=1", "--at", "a=5")
    assert doc["inputs"] == {"a": 5.0} and doc["output"] == 133.0    # (5+2)(15+4)


def test_which_value_is_the_output():
    # a top-level `return` wins, and the run stops there
    doc = as_json("eval", "-e", "input x = 2\ny = x^2\nreturn y + 1\nz = 100")
    assert (doc["output"], doc["output_name"]) == (5.0, None)
    # otherwise the last statement that produced a value; print and def do not count
    doc = as_json("eval", "-e", "input x = 2\ny = x^2\nprint(\"done\")\ndef f(t):\n    return t\n")
    assert (doc["output"], doc["output_name"]) == (4.0, "y")
    doc = as_json("eval", "-e", "input x = 2\ny = x^2\nx * 10")
    assert (doc["output"], doc["output_name"]) == (20.0, None)
    doc = as_json("grad", "-e", "input x = 2\ny = x^2\ny += 1\n")
    assert (doc["output"], doc["output_name"], doc["gradient"]) == (5.0, "y", {"x": 4.0})
    # --of picks any top-level variable
    doc = as_json("grad", "-e", "input x = 2\ny = x^2\nz = y * x", "--of", "y")
    assert (doc["output"], doc["output_name"], doc["gradient"]) == (4.0, "y", {"x": 4.0})


def test_eval_of_a_tuple_output():
    # a tuple is a value of the language; eval prints it (JSON already does) instead of crashing
    assert as_json("eval", "-e", "(1, 2)")["output"] == [1.0, 2.0]
    code, out, err = run_main(["eval", "-e", "(1, 2)"])
    assert code == 0, err
    assert "internal error" not in err
    assert out.startswith("f = (1")


def test_readme_tour_commands_run():
    block = README.split("## A tour", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    lines = [line for line in block.splitlines() if line.strip()]
    assert len(lines) >= 10
    for line in lines:
        command = re.sub(r"\s+#.*$", "", line)
        stdin = None
        if " | " in command:
            producer, command = command.split(" | ", 1)
            stdin = shlex.split(producer)[1] + "\n"
        words = shlex.split(command)
        assert words[0] == "autodiff"
        result = make_runner().invoke(cli, words[1:], input=stdin, catch_exceptions=True)
        assert result.exit_code == 0, (line, result.stdout, result.stderr, result.exception)
        assert result.stdout.strip()


def test_readme_tour_claims():
    assert as_json("grad", "-e", "x^3", "--at", "x=2", "--order", "2")["derivatives"] == {
        "1": {"x": 12.0}, "2": {"x,x": 12.0}}
    doc = as_json("grad", "-e", "sum(a * c)", "--at", "a=[2,2,3]", "--at", "c=[[1,2,3],[2,3,4],[3,4,5]]")
    assert doc["gradient"]["a"] == [6.0, 9.0, 12.0]
    assert doc["gradient"]["c"] == [[2.0, 2.0, 3.0]] * 3
    doc = as_json("grad", "-e", "exp(sin(x)) * x", "--at", "x=0.7", "--order", "10")
    assert doc["method"] == "taylor" and sorted(doc["derivatives"], key=int) == [str(k) for k in range(1, 11)]


# --------------------------------------------------------- help and options

@pytest.mark.parametrize("command", COMMANDS)
def test_help(command):
    result = invoke(command, "--help")
    text = result.stdout
    assert text.startswith("Usage: ") and f" {command} " in text.splitlines()[0]
    for option in COMMON_OPTIONS + LIMIT_OPTIONS:
        assert option in text, f"{command} --help does not list {option}"
    # the command's own description is there, and so is every option's help text
    description = text.split("Options:")[0].split("\n", 1)[1].strip()
    assert len(description) > 20
    assert invoke(command, "-h").stdout == text


def test_every_option_has_help_text():
    for name, command in all_commands().items():
        assert command.help and command.help.strip(), f"{name} has no help text"
        for param in command.params:
            if getattr(param, "param_type_name", "") == "option" and not param.hidden:
                assert param.help, f"{name} {param.opts} has no help text"


def test_group_help_lists_every_command():
    text = invoke("--help").stdout
    for command in COMMANDS:
        assert re.search(rf"^\s+{command}\s+\S", text, flags=re.M), command


def test_each_command_body_gets_one_config_made_of_its_options():
    # cli/config.py: the options of a command are the fields of its config (its groups' and its
    # own), save those that come from the run's switches (--no-pager, --traceback).
    import click

    from autodiff.cli.config import RunSettings
    for name, command in all_commands().items():
        config = command.config
        groups = {field for group in config.GROUPS.values() for field in group.__slots__}
        own = set(config.__slots__) - set(config.GROUPS)
        options = {p.name for p in command.params if p.expose_value}
        from_the_run = ({"pager"} if "output" in config.GROUPS else set()) | ({"traceback"} if name == "check" else set())
        assert options | from_the_run == groups | own, name
        assert not options & from_the_run, name
        assert set(config.GROUPS) <= set(config.__slots__), name
        ctx = click.Context(command, info_name=name)
        made = config.from_params({p.name: p.get_default(ctx) for p in command.params if p.expose_value},
                                  RunSettings(traceback=True, pager=False))
        assert "limits" not in config.GROUPS or made.limits.limits().max_steps == 10_000_000
        if "output" in config.GROUPS:
            assert made.output.pager is False and made.output.precision == 6 and made.output.full is False


def test_the_switches_of_a_run_are_its_own(monkeypatch):
    from autodiff.cli.config import RunSettings
    monkeypatch.setenv("AUTODIFF_DEBUG", "1")
    assert RunSettings().traceback is True          # the environment gives the default
    monkeypatch.setenv("AUTODIFF_DEBUG", "")
    assert RunSettings().traceback is False and RunSettings().pager is True


def test_check_traceback_shows_the_traceback_of_an_internal_error(monkeypatch):
    # `check --traceback` hands the switch to the runner (CheckOptions.traceback), which keeps
    # the traceback of a file's internal error for the report.
    import autodiff.diffcore.checks.runner as runner

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(runner, "_check", broken)
    code, out, err = run_main(["check", "samples/seed_graph.expr"])
    assert code == 1 and "internal error: RuntimeError: boom" in out and "Traceback" not in out
    for argv in (["check", "samples/seed_graph.expr", "--traceback"], ["--traceback", "check", "samples/seed_graph.expr"]):
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            with pytest.raises(SystemExit) as exited:
                main(argv)
        assert exited.value.code == 1
        assert "Traceback (most recent call last)" in out.getvalue() and "RuntimeError: boom" in out.getvalue()


def test_direction_is_required_for_jvp_and_hvp():
    for command in ("jvp", "hvp"):
        code, out, err = run_main([command, "samples/rosenbrock.expr"])
        assert code == 2 and "--direction" in err


# -------------------------------------------------------------- exit codes

def test_exit_code_0():
    code, out, err = run_main(["grad", "samples/seed_graph.expr"])
    assert (code, out, err) == (0, "e = 40.0\nde/da = 22.0\n", "")


@pytest.mark.parametrize("argv", [
    ["eval", "-e", "y = x + )"],
    ["eval", "-e", "sinn(1)"],
    ["eval", "-e", "[1, 2] + [1, 2, 3]"],
    ["eval", "-e", "assert 1 > 2, \"no\""],
    ["eval", "-e", "input k\nk"],
    ["eval", "-e", "while true: pass", "--max-steps", "100"],
], ids=["syntax", "name", "shape", "assert", "missing-input", "limit"])
def test_exit_code_1_program_errors(argv):
    code, out, err = run_main(argv)
    assert code == 1, err
    assert out == ""
    assert err.startswith("<expr>:")


@pytest.mark.parametrize("argv", [
    ["grad", "samples/seed_graph.expr", "--no-such-option"],
    ["frobnicate", "samples/seed_graph.expr"],
    ["grad", "samples/seed_graph.expr", "--at", "zz=1"],
    ["grad", "samples/seed_graph.expr", "--at", "b=1"],
    ["grad", "samples/seed_graph.expr", "--at", "a"],
    ["grad", "samples/seed_graph.expr", "--at", "a=[1,"],
    ["grad", "samples/seed_graph.expr", "--wrt", "q"],
    ["grad", "samples/seed_graph.expr", "--of", "nothing"],
    ["grad", "samples/no_such_file.expr"],
    ["grad"],
    ["grad", "samples/seed_graph.expr", "-e", "1"],
    ["grad", "samples/seed_graph.expr", "--order", "0"],
    ["jacobian", "samples/vector_field.expr", "--mode", "sideways"],
    ["jvp", "samples/vector_field.expr", "--direction", "q=[1, 0, 0]"],
], ids=["unknown-option", "unknown-command", "unknown-input", "not-an-input", "at-without-value",
        "malformed-at", "unknown-wrt", "unknown-of", "missing-file", "no-program", "file-and-expr",
        "order-0", "bad-mode", "unknown-direction"])
def test_exit_code_2_usage_errors(argv):
    code, out, err = run_main(argv)
    assert code == 2, err
    assert out == ""
    assert err.strip()


def test_unknown_input_names_the_inputs():
    code, out, err = run_main(["grad", "samples/seed_poly.expr", "--at", "zz=1"])
    assert code == 2
    assert "'zz'" in err and "x, y" in err


def test_interrupt_exits_130():
    program = 'print("started")\nwhile true: pass'
    proc = subprocess.Popen(autodiff_command() + ["eval", "-e", program, "--max-steps", "2000000000"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO)
    try:
        assert proc.stderr.readline() == b"started\n"      # the program is running its loop
        time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130
    assert b"Traceback" not in err and b"interrupted" in err


def test_timeout_option():
    start = time.monotonic()
    code, out, err = run_main(["eval", "-e", "while true: pass", "--timeout", "0.2"])
    assert time.monotonic() - start < 5
    assert code == 1
    assert "--timeout" in err


def test_internal_error_is_exit_3_without_traceback(monkeypatch):
    import autodiff.diffcore.derivatives as derivatives

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(derivatives, "evaluate", broken)
    monkeypatch.setenv("AUTODIFF_DEBUG", "")
    code, out, err = run_main(["eval", "-e", "1"])
    assert code == 3
    assert "internal error" in err and "boom" in err and "--traceback" in err
    # --traceback shows the Python traceback (the one case where it is wanted)
    err_stream = io.StringIO()
    with contextlib.redirect_stderr(err_stream), contextlib.redirect_stdout(io.StringIO()):
        with pytest.raises(SystemExit) as exited:
            main(["--traceback", "eval", "-e", "1"])
    assert exited.value.code == 3
    assert "Traceback" in err_stream.getvalue() and "RuntimeError: boom" in err_stream.getvalue()


# ------------------------------------------------------------ bad files

def test_missing_file():
    code, out, err = run_main(["eval", "samples/no_such_file.expr"])
    assert code == 2
    assert "no_such_file.expr" in err


def test_directory():
    code, out, err = run_main(["eval", "samples"])
    assert code == 2
    assert "directory" in err


def test_non_utf8_file(tmp_path):
    path = tmp_path / "latin1.expr"
    path.write_bytes("y = 1 # caf\xe9\n".encode("latin-1"))
    code, out, err = run_main(["eval", str(path)])
    assert code == 1
    assert "UTF-8" in err and "latin1.expr" in err
    assert out == ""


def test_empty_file(tmp_path):
    path = tmp_path / "empty.expr"
    path.write_bytes(b"")
    for command in ("eval", "grad"):
        code, out, err = run_main([command, str(path)])
        assert code == 1
        assert "empty.expr" in err and "no value" in err
        assert "hint:" in err


def test_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "bom.expr"
    path.write_bytes(b"\xef\xbb\xbfinput x = 2\ny = x^2\n")
    code, out, err = run_main(["grad", str(path)])
    assert (code, out) == (0, "y = 4.0\ndy/dx = 4.0\n"), err


# ------------------------------------------- command lines of eval and grad, end to end

GRAPH = str(REPO / "samples" / "seed_graph.expr")          # e = 40, de/da = 22
VJP = str(REPO / "samples" / "seed_vjp.expr")              # y = [x0^2, x1^3] at x = [1, 2]
USAGE = "Usage: autodiff grad [OPTIONS] FILE\nTry 'autodiff grad --help' for help.\n\nError: "

# (command line, stdin, exit code, stdout (exact, or None: not compared), what stderr holds).
# Values by hand: x^2 + 3x at 2 is 10, its derivative 7; sum(a*c) with a = [2, 2, 3] broadcast
# along the rows of c is 66, its gradient the column sums of c for a and a's rows for c.
COMMAND_LINES = [
    (["grad", "-e", "x^2 + 3*x", "--at", "x=2", "--json"], b"", 0,
     '{"output": 10.0, "gradient": {"x": 7.0}, "output_name": null, "inputs": {"x": 2.0}, "wrt": ["x"], '
     '"program": "<expr>", "warnings": []}\n', ""),
    (["grad", "-e", "x^2 + 3*x", "--at", "x=2"], b"", 0, "f = 10.0\ndf/dx = 7.0\n", ""),
    (["grad", GRAPH], b"", 0, "e = 40.0\nde/da = 22.0\n", ""),
    (["eval", GRAPH], b"", 0, "e = 40.0\n", ""),
    (["eval", "-e", "[1, 2] * x", "--at=x=3", "--json"], b"", 0,
     '{"output": [3.0, 6.0], "output_name": null, "inputs": {"x": 3.0}, "program": "<expr>", "warnings": []}\n', ""),
    (["eval", "-ex + 1", "--at", "x=1"], b"", 0, "f = 2.0\n", ""),
    (["grad", "-", "--at", "x=2", "--json"], b"x^2 + 3*x\n", 0,
     '{"output": 10.0, "gradient": {"x": 7.0}, "output_name": null, "inputs": {"x": 2.0}, "wrt": ["x"], '
     '"program": "<stdin>", "warnings": []}\n', ""),
    (["grad", "--at", "x=2", "--", "-"], b"x^3\n", 0, "f = 8.0\ndf/dx = 12.0\n", ""),
    (["grad", "-e", "sum(a * c)", "--at", "a=[2,2,3]", "--at", "c=[[1,2,3],[2,3,4],[3,4,5]]"], b"", 0,
     "f = 66.0\ndf/da = [6.0, 9.0, 12.0]\ndf/dc = [[2.0, 2.0, 3.0],\n         [2.0, 2.0, 3.0],\n"
     "         [2.0, 2.0, 3.0]]\n", ""),
    (["grad", VJP, "--vjp", "[1, 0.5]"], b"", 0, "y = [1.0, 8.0]\nv·dy/dx = [2.0, 6.0]\n", ""),
    (["grad", "-e", "x*y + y", "--at", "x=1", "--at", "y=2", "--wrt", "x"], b"", 0, "f = 4.0\ndf/dx = 2.0\n", ""),
    (["grad", "-e", "sqrt(x)", "--at", "x=-1", "--strict"], b"", 1, "f = nan\ndf/dx = nan\n",
     "autodiff: error: the result is not finite (--strict)"),
    (["grad", "-e", "abs(x)", "--at", "x=0"], b"", 0, "f = 0.0\ndf/dx = 0.0\n", "warning: abs at 0"),
    # limits, repeated options and options that do nothing without --points
    (["eval", "-e", "x + 1", "--at", "x=1", "--max-memory", "500M", "--timeout", "5"], b"", 0, "f = 2.0\n", ""),
    (["eval", "-e", "x + 1", "--at", "x=1", "--max-steps=5", "--max-depth", "7", "--max-elements", "9"], b"", 0,
     "f = 2.0\n", ""),
    (["eval", "-e", "x + 1.23456", "--at", "x=1", "--precision", "3", "--precision", "4"], b"", 0,
     "f = 2.235\n", ""),                                       # the last one given wins
    (["eval", "-e", "x + 1", "--at", "x=1", "--points-format", "csv", "--on-error", "skip"], b"", 0, "f = 2.0\n", ""),
    (["eval", "-e", "x + 1", "--at", "x=1", "--traceback"], b"", 0, "f = 2.0\n", ""),
    # program errors (exit 1)
    (["grad", "-e", "x + )", "--at", "x=1"], b"", 1, "", "<expr>:1:5: syntax error: unexpected ')'"),
    (["grad", "-"], b"x^2 + 3*x\n", 1, "", "<stdin>:1:1: input error: input 'x' has no value"),
    (["eval", "-e", "assert 1 > 2, 'no'"], b"", 1, "", "<expr>:1:1: assertion failed: no"),
    (["grad", "-"], b"\xff\xfe", 1, "", "<stdin>: input error: the file is not UTF-8 text (byte 0xff at offset 0)"),
    # usage errors (exit 2): the command line's, with the usage line; the program's, located
    (["grad"], b"", 2, "", USAGE + "give a program: FILE, '-' for standard input, or -e TEXT\n"),
    (["grad", GRAPH, "-e", "x"], b"", 2, "", USAGE + "give either FILE or -e/--expr, not both\n"),
    (["grad", "no/such/file.expr"], b"", 2, "", USAGE + "no/such/file.expr: no such file\n"),
    (["grad", "-e", "x", "--csv"], b"", 2, "", USAGE + "--csv needs --points"),
    (["grad", "-e", "x", "--vjp", "1", "--sum"], b"", 2, "", USAGE + "--vjp and --sum are alternatives: give one\n"),
    (["grad", "-e", "x", "--at", "x=[1,"], b"", 2, "", "--at x:1:1: syntax error: unexpected end of input"),
    (["grad", "-e", "x", "--vjp", "[1,"], b"", 2, "", "--vjp:1:1: syntax error: unexpected end of input"),
    (["grad", "-e", "x", "--at", "nothere=1", "--at", "x=1"], b"", 2, "",
     "<expr>: usage error: <expr> has no input named 'nothere' (its inputs: x)"),
    (["grad", "-e", "x*y", "--at", "x=1", "--at", "y=2", "--of", "nothing"], b"", 2, "",
     "<expr>: usage error: --of nothing: <expr> has no top-level variable 'nothing'"),
    # what click refuses while it parses
    (["grad", "-e", "x", "--precision", "18"], b"", 2, "",
     USAGE + "Invalid value for '--precision': 18 is not in the range 1<=x<=17.\n"),
    (["grad", "-e", "x", "--order", "0"], b"", 2, "",
     USAGE + "Invalid value for '--order': 0 is not in the range 1<=x<=170.\n"),
    (["grad", "-e", "x", "--max-memory", "1X"], b"", 2, "",
     USAGE + "Invalid value for '--max-memory': '1X': expected a size like 500M or 8G"),
    (["grad", "-e", "x", "--max-memory", "9" * 400], b"", 2, "", USAGE + "Invalid value for '--max-memory': '"
     + "9" * 40 + "...': expected a size"),
    (["grad", "-e", "x", "--on-error", "maybe"], b"", 2, "",
     USAGE + "Invalid value for '--on-error': 'maybe' is not one of 'stop', 'skip'.\n"),
    (["grad", "-e", "x", "--unknown"], b"", 2, "", USAGE + "No such option '--unknown'.\n"),
    (["grad", "a.expr", "b.expr"], b"", 2, "", USAGE + "Got unexpected extra argument (b.expr)\n"),
    (["grad", "-e", "x", "--json=yes"], b"", 2, "", "Option '--json' does not take a value."),
    (["grad", "-e", "x", "--at"], b"", 2, "", "Option '--at' requires an argument."),
]


@pytest.mark.parametrize("argv, stdin, code, out, err", COMMAND_LINES,
                         ids=[" ".join(c[0])[-60:] for c in COMMAND_LINES])
def test_command_lines_of_eval_and_grad(argv, stdin, code, out, err):
    got_code, got_out, got_err = run_main(argv, stdin)
    assert got_code == code, got_err
    if out is not None:
        assert got_out == out
    if err:
        assert err in got_err if not err.startswith("Usage:") else got_err.startswith(err)
    else:
        assert got_err == ""


# ----------------------------------------------------- the installed command

def test_installed_command_plain_text_and_json():
    proc = run_process(["grad", "samples/seed_graph.expr"])
    assert proc.returncode == 0
    assert proc.stdout.decode() == "e = 40.0\nde/da = 22.0\n"
    assert proc.stderr == b""
    proc = run_process(["grad", "samples/seed_dot.expr", "--json"])
    doc = strict_json(proc.stdout.decode())
    assert doc["gradient"] == {"x": [0.0, 4.0, 8.0, 12.0]} and doc["output"] == 28.0


def test_installed_command_stdin():
    proc = run_process(["grad", "-", "--at", "x=2"], input=b"x^2 + 3*x\n")
    assert proc.returncode == 0
    assert proc.stdout.decode() == "f = 10.0\ndf/dx = 7.0\n"


def test_installed_command_exit_codes():
    proc = run_process(["eval", "-e", "y = x + )"])
    assert proc.returncode == 1
    assert proc.stderr.decode().startswith("<expr>:1:9: syntax error: unexpected ')'")
    proc = run_process(["grad", "samples/seed_graph.expr", "--at", "y=1"])
    assert proc.returncode == 2
    proc = run_process(["grad", "samples/no_such_file.expr"])
    assert proc.returncode == 2
    assert proc.stdout == b""


def test_installed_command_help():
    proc = run_process(["--help"])
    assert proc.returncode == 0
    for command in COMMANDS:
        assert command.encode() in proc.stdout


def test_installed_command_prints_the_program_output_to_stderr():
    proc = run_process(["eval", "-e", "print(\"hello\", 2)\n3"])
    assert proc.returncode == 0
    assert proc.stdout.decode() == "f = 3.0\n"
    assert proc.stderr.decode() == "hello 2.0\n"


def test_broken_pipe_is_quiet():
    # 6000 Jacobian rows (about 140 kB, more than a pipe holds): `head -1` goes away first
    command = shlex.join(autodiff_command() + ["grad", "-e", "x * linspace(0, 1, 6000)", "--at", "x=1"])
    script = f'{command} | head -1; echo "exit=${{PIPESTATUS[0]}}" >&2'
    proc = subprocess.run(["bash", "-c", script], capture_output=True, cwd=REPO, timeout=60)
    out, err = proc.stdout.decode(), proc.stderr.decode()
    assert out.startswith("f = [0.0, ") and out.count("\n") == 1
    assert "Traceback" not in err and "BrokenPipe" not in err and "Exception ignored" not in err
    assert err.strip() == "exit=0", err


# ------------------------------------------------------------ terminals

def run_in_terminal(args: list, env: dict) -> tuple:
    """Run the installed command with a pseudo-terminal as standard output: (exit code, output)."""
    pty = pytest.importorskip("pty")
    master, slave = pty.openpty()
    proc = subprocess.Popen(autodiff_command() + args, stdin=slave, stdout=slave, stderr=subprocess.PIPE,
                            cwd=REPO, env=env, close_fds=True)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=60)
    os.close(master)
    assert b"Traceback" not in proc.stderr.read()
    return proc.returncode, b"".join(chunks).decode().replace("\r\n", "\n")


def test_no_color_on_a_terminal_keeps_the_table_without_colours():
    # README: "NO_COLOR removes the colours and keeps the tables"
    env = {k: v for k, v in os.environ.items() if k not in ("AUTODIFF_DEBUG", "FORCE_COLOR")}
    env.update(NO_COLOR="1", TERM="xterm", COLUMNS="100")
    code, out = run_in_terminal(["grad", "samples/seed_graph.expr"], env)
    assert code == 0
    assert "╭" in out and "│ 40.0" in out and "│ 22.0" in out
    assert not re.search(r"\x1b\[[0-9;]*(3[0-9]|9[0-7])[;m]", out), "NO_COLOR: no colour codes"


def test_json_on_a_terminal_is_still_json():
    env = {k: v for k, v in os.environ.items() if k not in ("AUTODIFF_DEBUG", "NO_COLOR")}
    env.update(TERM="xterm", COLUMNS="100")
    code, out = run_in_terminal(["grad", "samples/seed_graph.expr", "--json"], env)
    assert code == 0
    doc = strict_json(out)
    assert doc["output"] == 40.0 and doc["gradient"] == {"a": 22.0}


@pytest.mark.parametrize("command", [["eval"], ["grad"], ["grad", "--order", "3"], ["hessian"], ["jacobian"],
                                     ["jvp", "--direction", "x=1"], ["hvp", "--direction", "x=1"]])
def test_a_program_prints_once_per_command(tmp_path, command):
    """Derivatives take several passes (a plain run, then forward or reverse ones): what the
    program prints comes from the first alone, once, as for eval."""
    program = tmp_path / "p.expr"
    program.write_text('input x = 1\nprint("hi", x)\ny = x^2\ny\n')
    code, out, err = run_main(command + [str(program), "--json"])
    assert code == 0, err
    assert err == "hi 1.0\n"
