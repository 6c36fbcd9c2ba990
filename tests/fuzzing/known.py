"""Known bugs: which disagreements of the fuzzers are bugs already reported (test-only code).

A fuzzer that stops at the first known bug finds nothing else, so the
agreement tests count a disagreement that matches a known bug and go on;
anything else fails the test. Each entry is a bug of issue 11 (or a finding of
the extended fuzzer, `N1`, `N2`, ... in docs/fuzzing.md) and a test on the
`Disagreement` (its check, the methods, the numbers, the message, the classes
of the program) that is as narrow as the bug allows: a new bug of the same
shape would be counted as known, so keep them specific, and delete an entry
when its bug is fixed (the regression tests of tests/test_fuzz_agreement.py
then hold it, and the fuzzer fails if it comes back).
"""
from __future__ import annotations

import math
from typing import Callable, Optional

from .agreement import Disagreement


def _nonfinite_against_finite(d: Disagreement) -> bool:
    """One method gives nan or inf where the other gives a number."""
    if len(d.values) != 2:
        return False
    a, b = d.values
    return math.isfinite(a) != math.isfinite(b)


def _taylor_is_the_odd_one(d: Disagreement) -> bool:
    """Taylor mode gives nan where another method gives a number."""
    if not _nonfinite_against_finite(d):
        return False
    for method, value in zip(d.methods, d.values):
        if "taylor" in method and not math.isfinite(value):
            return True
    return False


def _not_only_reverse(d: Disagreement) -> bool:
    """A custom rule (used by reverse mode only) disagrees with a method that goes through forward or
    Taylor mode, or fails in one."""
    forward = ("forward", "jvp", "hvp", "hessian", "taylor", "in-language", "third")
    return any(any(word in method for word in forward) for method in d.methods)


def _in(*fragments: str) -> Callable[[Disagreement], bool]:
    return lambda d: any(f in d.detail for f in fragments)


def _has(*features: str) -> Callable[[Disagreement], bool]:
    return lambda d: any(f in d.features for f in features)


def _check(prefix: str) -> Callable[[Disagreement], bool]:
    return lambda d: d.check.startswith(prefix)


def _all(*tests) -> Callable[[Disagreement], bool]:
    return lambda d: all(t(d) for t in tests)


# (bug, what it is, the test). Issue 11's numbers; N1, N2... are the extended fuzzer's findings.
KNOWN_BUGS: list = [
]


def known_bug(d: Disagreement) -> Optional[str]:
    """The known bug this disagreement is (its number), or None: a new finding."""
    for bug, _, test in KNOWN_BUGS:
        try:
            if test(d):
                return bug
        except (TypeError, ValueError):
            continue
    return None


# The twins whose class is a known bug: a failure of tests/test_fuzz.py's check_program that goes
# away when the twins of this class are spelled out is that bug.
TWIN_BUGS: dict = {}


def known_failure(generated, error: BaseException, recheck: Callable) -> Optional[str]:
    """The known bug behind a failure of the finite-difference checks (`check_program`), or None.

    By its message first (crashes and refusals); then by elimination: if the program passes
    `recheck` once the twins of one class are substituted, the bug is that class's.
    """
    from .programs import Generated
    from .rewrites import twin_classes, with_twins
    check = "crash" if not isinstance(error, AssertionError) else "finite differences"
    d = Disagreement(check, generated.source, f"{type(error).__name__}: {error}", features=generated.features)
    bug = known_bug(d)
    if bug is not None:
        return bug
    for kind in twin_classes(generated):
        if kind not in TWIN_BUGS:
            continue
        spelled = Generated(with_twins(generated, kind), generated.inputs, generated.raw, {},
                            generated.features - {kind}, generated.custom, generated.surrogate)
        try:
            recheck(spelled)
        except BaseException:       # noqa: BLE001 - still failing: not this class
            continue
        return TWIN_BUGS[kind]
    return None
