"""Settings every test shares."""
import signal

import pytest

# A test run started in the background of a non-interactive shell (`pytest &`, some CI runners)
# inherits SIGINT ignored, and so would every autodiff it starts: the tests that interrupt a run
# with SIGINT would then wait forever. Python's own handler here makes the children start with
# the default disposition again (exec resets a handled signal, not an ignored one).
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(autouse=True)
def _no_forced_colour(monkeypatch):
    # FORCE_COLOR lays output out as on a terminal even in a pipe (README, "Output"): the
    # tests that compare plain text must not depend on the environment they run in.
    monkeypatch.delenv("FORCE_COLOR", raising=False)

