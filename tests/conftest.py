"""Settings every test shares."""
import pytest


@pytest.fixture(autouse=True)
def _no_forced_colour(monkeypatch):
    # FORCE_COLOR lays output out as on a terminal even in a pipe (README, "Output"): the
    # tests that compare plain text must not depend on the environment they run in.
    monkeypatch.delenv("FORCE_COLOR", raising=False)

