"""Settings every test shares."""
import pytest


@pytest.fixture(autouse=True)
def _no_forced_colour(monkeypatch):
    # FORCE_COLOR lays output out as on a terminal even in a pipe (README, "Output"): the
    # tests that compare plain text must not depend on the environment they run in.
    monkeypatch.delenv("FORCE_COLOR", raising=False)


@pytest.fixture(autouse=True)
def _run_switches_stay_in_their_test(monkeypatch):
    # --traceback and --no-pager say so through AUTODIFF_DEBUG / AUTODIFF_PAGER; main() gives
    # the environment back, but tests that call a command body directly (fast.run, click's
    # runner) would leak them into every later test. monkeypatch restores them at teardown.
    monkeypatch.delenv("AUTODIFF_DEBUG", raising=False)
    monkeypatch.delenv("AUTODIFF_PAGER", raising=False)
