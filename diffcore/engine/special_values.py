"""Plain values of the special functions: numpy arrays and floats in, float64 out, no tracers.

numpy has no erf, lgamma or polygamma, and scipy is not a dependency: erf, erfc and lgamma are
the C library's (Python's `math`), applied element by element; polygamma and the derivatives
of sinc of every order are computed here, to about 1e-14 relative (tests/test_special_values.py
holds them to mpmath and to `math`). The primitives built on them are special.py. Every
function here is numpy and math only (and numeric.plain): emitted numpy modules copy them
(emit/numpy_helpers.py), so that they compute these values with this same code.

    polygamma(n, x)   the n-th derivative of digamma: digamma for n = 0. For x > 0, digamma is
                      its asymptotic series after shifting x above 10 (psi(x) = psi(x + 1) - 1/x);
                      n >= 1 is (-1)^(n+1) n! zeta(n + 1, x), Hurwitz's zeta by Euler-Maclaurin
                      (Cephes' method). x < 0 goes through the reflection formula; at the poles
                      (0, -1, -2, ...) the value is +inf for odd n (both sides agree) and nan for
                      even n (they do not).
    sinc_derivative(n, x)   d^n/dx^n sin(pi x) / (pi x), at every x including 0: numpy's sinc for
                      n = 0; for n >= 1 the closed form where |pi x| is large and Gauss-Legendre
                      quadrature of the integral  int_0^1 t^n cos(pi x t + n pi / 2) dt  elsewhere
                      (sin(u)/u is the integral of cos(u t) over [0, 1]), so that there is no
                      cancellation near 0.
"""
from __future__ import annotations

import math
import numpy as np

from .numeric import plain

# B_2k / (2k)!, k = 1..12: the coefficients of the Euler-Maclaurin tail (Cephes' A[] inverted).
_BERNOULLI_OVER_FACTORIAL = [1.0 / 12.0, -1.0 / 720.0, 1.0 / 30240.0, -1.0 / 1209600.0, 1.0 / 47900160.0,
                             -1.0 / 1.8924375803183791606e9, 1.0 / 7.47242496e10,
                             -1.0 / 2.950130727918164224e12, 1.0 / 1.1646782814350067249e14,
                             -1.0 / 4.5979787224074726105e15, 1.0 / 1.8152105401943546773e17,
                             -1.0 / 7.1661652561756670113e18]
# B_2k / (2k), k = 1..8: digamma's asymptotic series psi(x) ~ log x - 1/(2x) - sum B_2k / (2k x^2k).
_DIGAMMA_TAIL = [1.0 / 12.0, -1.0 / 120.0, 1.0 / 252.0, -1.0 / 240.0, 1.0 / 132.0, -691.0 / 32760.0,
                 1.0 / 12.0, -3617.0 / 8160.0]


def _elementwise(fn, x):
    """A float function applied to every element of a float64 array (numpy has no ufunc for it)."""
    if type(x) is not np.ndarray:
        return fn(float(x))
    return plain(np.asarray(np.frompyfunc(fn, 1, 1)(x), dtype=np.float64).reshape(x.shape))


def lgamma_scalar(x: float) -> float:
    """log |Gamma(x)|: +inf at the poles 0, -1, -2, ... and where it overflows."""
    try:
        return math.lgamma(x)
    except ValueError:          # a pole
        return math.inf
    except OverflowError:
        return math.inf


def erf_array(x):
    return _elementwise(math.erf, x)


def erfc_array(x):
    return _elementwise(math.erfc, x)


def lgamma_array(x):
    return _elementwise(lgamma_scalar, x)


# ------------------------------------------------------------------ polygamma

def polygamma(n: int, x):
    """psi^(n)(x) for a float or a float64 array (see the module docstring)."""
    if type(x) is not np.ndarray:
        return float(_polygamma(n, np.array([float(x)]))[0])
    return plain(_polygamma(n, x.astype(np.float64).reshape(-1)).reshape(x.shape))


def _polygamma(n: int, x: np.ndarray) -> np.ndarray:
    out = np.full(x.shape, np.nan)
    with np.errstate(all="ignore"):
        pole = (x <= 0) & (x == np.floor(x))
        out[pole] = np.inf if n % 2 else np.nan
        positive = x > 0
        out[positive] = _positive(n, x[positive])
        negative = (x < 0) & ~pole & np.isfinite(x)
        if np.any(negative):
            xs = x[negative]
            # psi(1 - x) - psi(x) = pi cot(pi x), differentiated n times
            cot = _cot_pi(xs)
            reflected = (-1.0) ** n * _positive(n, 1.0 - xs)
            out[negative] = reflected - math.pi ** (n + 1) * _cot_derivative(n, cot)
    return out


def _positive(n: int, x: np.ndarray) -> np.ndarray:
    if n == 0:
        return _digamma_positive(x)
    return (-1.0) ** (n + 1) * _factorial_times_zeta(n, x)


def _digamma_positive(x: np.ndarray) -> np.ndarray:
    x = x.copy()
    shift = np.zeros(x.shape)
    small = x < 10.0
    while np.any(small):
        shift[small] -= 1.0 / x[small]
        x[small] += 1.0
        small = x < 10.0
    inv2 = 1.0 / (x * x)
    tail = np.zeros(x.shape)
    for c in reversed(_DIGAMMA_TAIL):
        tail = (tail + c) * inv2
    out = np.log(x) - 0.5 / x - tail + shift
    return np.where(np.isposinf(x), np.inf, out)


def _factorial_times_zeta(n: int, q: np.ndarray) -> np.ndarray:
    """n! zeta(n + 1, q) for q > 0: a direct sum until q passes a bound, then Euler-Maclaurin.

    Every term is computed relative to the first, q^-s (which alone may underflow or overflow
    at high orders), and that factor comes back at the end, with n!.
    """
    s = n + 1.0
    bound = max(10.0, 2.0 * s)     # the Euler-Maclaurin terms then fall fast enough
    first = q.copy()
    total = np.zeros(q.shape)
    q = q.copy()
    low = q < bound
    while np.any(low):
        total[low] += (q[low] / first[low]) ** -s
        q[low] += 1.0
        low = q < bound
    b = (q / first) ** -s
    tail = b * q / (s - 1.0) + 0.5 * b
    rising = 1.0                # s (s + 1) ... (s + 2k - 2)
    power = b                   # (q/first)^-s q^(-2k + 1), step by step
    for k, c in enumerate(_BERNOULLI_OVER_FACTORIAL):
        rising *= s + 2 * k
        power = power / q
        tail = tail + c * rising * power
        rising *= s + 2 * k + 1
        power = power / q
    log_scale = math.lgamma(n + 1.0) - s * np.log(first)
    scale = np.exp(log_scale)
    if n <= 170:            # exactly, where n! q^-s is a float64 on the way
        exact = np.abs(s * np.log(first)) < 700
        scale[exact] = math.factorial(n) * first[exact] ** -s
    return scale * (total + tail)


def _cot_pi(x: np.ndarray) -> np.ndarray:
    r = x - np.round(x)             # cot(pi x) has period 1: reduce first for accuracy
    return np.cos(math.pi * r) / np.sin(math.pi * r)


def _cot_polynomial(n: int) -> tuple:
    """Coefficients (lowest first) of P_n with d^n/dz^n cot(z) = P_n(cot z): P_0 = c,
    P_(k+1) = -(1 + c^2) P_k'(c)."""
    p = np.array([0.0, 1.0])
    for _ in range(n):
        d = np.polynomial.polynomial.polyder(p)
        p = -np.polynomial.polynomial.polymul([1.0, 0.0, 1.0], d)
    return p


def _cot_derivative(n: int, c: np.ndarray) -> np.ndarray:
    # P_n has the parity of n + 1 and, at c >= 0, terms of one sign: evaluated at |c| there is no
    # cancellation, and the sign comes back from the parity.
    value = np.polynomial.polynomial.polyval(np.abs(c), _cot_polynomial(n))
    return value * np.sign(c) ** (n + 1) if n % 2 == 0 else value


# ------------------------------------------------------------------ sinc and its derivatives

def sinc_derivative(n: int, x):
    """d^n/dx^n of sin(pi x) / (pi x) (1 at 0), for a float or a float64 array."""
    if type(x) is not np.ndarray:
        return float(_sinc_derivative(n, np.array([float(x)]))[0])
    return plain(_sinc_derivative(n, x.astype(np.float64).reshape(-1)).reshape(x.shape))


def _sinc_derivative(n: int, x: np.ndarray) -> np.ndarray:
    if n == 0:
        return np.sinc(x)
    u = math.pi * x
    bound = max(20.0, 2.0 * n)
    out = np.empty(x.shape)
    with np.errstate(all="ignore"):
        far = ~(np.abs(u) <= bound)         # nan goes here too and stays nan
        out[far] = _closed_form(n, u[far])
        near = ~far
        if np.any(near):
            out[near] = _by_quadrature(n, u[near], bound)
    return out * math.pi ** n


def _closed_form(n: int, u: np.ndarray) -> np.ndarray:
    """d^n/du^n sin(u)/u = sum_j n!/j! sin(u + j pi/2) (-1)^(n-j) / u^(n-j+1): for |u| > 2n its
    terms fall geometrically from the last one (j = n), so nothing cancels."""
    s, c = np.sin(u), np.cos(u)
    cycle = (s, c, -s, -c)
    term = 1.0 / u                  # n!/j! / u^(n-j+1), from j = n down
    total = np.zeros(u.shape)
    for j in range(n, -1, -1):
        total = total + (-1.0) ** (n - j) * term * cycle[j % 4]
        term = term * j / u
    return np.where(np.isinf(u), 0.0, total)


def _legendre(count: int) -> tuple:
    nodes, weights = np.polynomial.legendre.leggauss(count)
    return (nodes + 1.0) / 2.0, weights / 2.0          # on [0, 1]


def _by_quadrature(n: int, u: np.ndarray, bound: float) -> np.ndarray:
    """int_0^1 t^n cos(u t + n pi/2) dt for |u| <= bound, exact to rounding: the integrand is a
    polynomial of degree below 2 * count to within 1e-17 on [0, 1]."""
    count = int(math.ceil((n + math.e * bound + 45) / 2))
    t, w = _legendre(count)
    weighted = w * t ** n
    phase = n % 4
    out = np.empty(u.shape)
    chunk = max(1, 2 ** 16 // count)
    for start in range(0, u.size, chunk):
        ut = np.outer(u[start:start + chunk], t)
        wave = np.cos(ut) if phase % 2 == 0 else np.sin(ut)
        out[start:start + chunk] = (wave @ weighted) * (1.0 if phase in (0, 3) else -1.0)
    return out
