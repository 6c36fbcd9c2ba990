"""The benchmark driver's quick profile runs, and every system it compares computes the same values.

Never asserts on times: only that each case ran (or, for `with checkpoint:`, says it is not
available yet) and that its value checks passed.
"""
import json
import subprocess
import sys
from pathlib import Path

RUN = Path(__file__).resolve().parent.parent / "bench" / "run.py"


def test_quick_profile_runs_and_values_agree(tmp_path):
    done = subprocess.run([sys.executable, str(RUN), "--quick", "--output-dir", str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads((tmp_path / "results.json").read_text())
    assert report["profile"] == "quick"
    cases = {case["key"]: case for case in report["cases"]}
    assert sorted(cases) == ["1", "2", "3", "4", "5", "6", "7", "8"]
    for key, case in cases.items():
        assert case["values_agree"], (key, case["failures"])
        assert case["status"] in ("ok", "not available"), (key, case["status"], case["notes"])
        if case["status"] == "ok":
            assert case["check"] and case["rows"], key
            assert all(t["verdict"] in ("PASS", "MISS", "n/a") for t in case["targets"]), key
    for key in "12345":
        assert cases[key]["status"] == "ok", (key, cases[key]["notes"])
    assert "## Case 2." in (tmp_path / "RESULTS.md").read_text()
