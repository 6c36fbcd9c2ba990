"""`--scheduler`: the address it takes, and that Dask stays unloaded without it (cli/cluster/connect.py)."""
import subprocess
import sys
from pathlib import Path

import pytest

from cli.cluster.connect import Scheduler, parse_scheduler


@pytest.mark.parametrize("text, expected", [
    ("local:4", Scheduler(workers=4)),
    ("tcp://scheduler:8786", Scheduler(address="tcp://scheduler:8786")),
    ("scheduler:8786", Scheduler(address="tcp://scheduler:8786")),
    ("tls://10.0.0.1:8786", Scheduler(address="tls://10.0.0.1:8786")),
    ("[::1]:8786", Scheduler(address="tcp://[::1]:8786")),
])
def test_addresses_taken(text, expected):
    assert parse_scheduler(text) == expected


@pytest.mark.parametrize("text", ["local:0", "local:x", "local", "local:100000", "ftp://h:1", "h", "h:0", "h:99999",
                                  "tcp://h:8786/path", "tcp://h;rm:1"])
def test_addresses_refused(text):
    with pytest.raises(ValueError):
        parse_scheduler(text)


def test_no_dask_without_scheduler():
    code = ("import sys; from click.testing import CliRunner; from autodiff.cli.main import cli; "
            "r = CliRunner().invoke(cli, ['grad', '-e', 'x^2', '--at', 'x=3', '--json']); "
            "assert r.exit_code == 0, r.output; "
            "r = CliRunner().invoke(cli, ['check', 'tests/cases/seed_graph.expr', '--json']); "
            "assert r.exit_code == 0, r.output; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1]).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("command", [["check", "samples/seed_sum.expr"],
                                     ["grad", "samples/rosenbrock.expr", "--points", "samples/points.csv"]])
def test_without_dask_installed_the_option_says_how_to_get_it(command):
    # distributed made unimportable, as on an install without the [dask] extra: a usage error (exit 2)
    code = ("import sys; sys.modules['distributed'] = None; sys.argv = ['autodiff'] + sys.argv[1:]; "
            "from autodiff.cli.main import main; main()")
    done = subprocess.run([sys.executable, "-c", code, *command, "--scheduler", "local:1"], capture_output=True,
                          text=True, cwd=Path(__file__).resolve().parent.parent)
    assert done.returncode == 2, done.stderr
    assert "--scheduler needs Dask, which is not installed" in done.stderr
    assert "pip install 'autodiff[dask]'" in done.stderr and "Traceback" not in done.stderr
