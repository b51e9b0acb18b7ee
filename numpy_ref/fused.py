"""a·b + c rounded once, as a CPU's fused multiply-add (FMA) instruction computes it.

NumPy rounds a·b and then the sum, twice; an FMA rounds once.  torch's CPU
kernels for ``add(x, alpha=a)``, ``addcmul`` and ``lerp`` round once on CPUs
that have FMA (every x86-64 CPU since 2013, and ARM64: ATen's vectorised
``vec::fmadd``, and its compiler fusing ``self + alpha * other``), so
pytorch_formulas.py needs the once-rounded result to agree with torch.optim
to the last bit (tests/test_pytorch_formulas.py checks that it does).  NumPy
has no FMA, so it is built here from round-to-nearest arithmetic alone,
exactly:

    a·b   = p + e        Dekker's exact product (Veltkamp's split of a and b)
    c + p = s + r        Knuth's TwoSum, exact
    a·b + c = s + (r + e)
    result = RN(s + RO(r + e))    RO: rounded to odd, Boldo and Melquiond's
                                  proof that this is RN(a·b + c)

(S. Boldo, G. Melquiond, "Emulation of FMA and correctly rounded sums: proved
algorithms using rounding to odd", IEEE Trans. Computers 57(4), 2008.)  It
holds for normal numbers; where an intermediate overflows (a diverging run),
the twice-rounded a·b + c is returned instead, inf or NaN as NumPy gives it.
"""

import numpy as np

from .network import FloatArray

Number = float | np.floating | FloatArray


#: Veltkamp's splitting factor, 2^ceil(p/2) + 1 for p significand bits, and the
#: integers of the same size (a float's bits, to read its last one), per float type.
_SPLIT_FACTOR: dict[np.dtype[np.floating], float] = {
    np.dtype(np.float64): 2.0**27 + 1,
    np.dtype(np.float32): 2.0**12 + 1,
}
_BITS: dict[np.dtype[np.floating], np.dtype[np.signedinteger]] = {
    np.dtype(np.float64): np.dtype(np.int64),
    np.dtype(np.float32): np.dtype(np.int32),
}


def _two_sum(a: FloatArray, b: FloatArray) -> tuple[FloatArray, FloatArray]:
    """(s, r) with s = RN(a + b) and s + r = a + b exactly (Knuth)."""
    s = a + b
    b_part = s - a
    return s, (a - (s - b_part)) + (b - b_part)


def _split(a: FloatArray) -> tuple[FloatArray, FloatArray]:
    """(high, low), a = high + low exactly, each half of a's significand (Veltkamp)."""
    scaled = a * _SPLIT_FACTOR[a.dtype]
    high = scaled - (scaled - a)
    return high, a - high


def _two_product(a: FloatArray, b: FloatArray) -> tuple[FloatArray, FloatArray]:
    """(p, e) with p = RN(a b) and p + e = a b exactly (Dekker)."""
    p = a * b
    a_high, a_low = _split(a)
    b_high, b_low = _split(b)
    return p, ((a_high * b_high - p) + a_high * b_low + a_low * b_high) + a_low * b_low


def _sum_rounded_to_odd(a: FloatArray, b: FloatArray) -> FloatArray:
    """a + b rounded to odd: exact if it is a float, else the neighbour whose last
    significand bit is 1."""
    s, r = _two_sum(a, b)
    even = (s.view(_BITS[s.dtype]) & 1) == 0
    # inexact and even: the other neighbour, on r's side of s (r·inf is that side's
    # infinity; NaN where r = 0, which np.where does not take)
    return np.where((r != 0) & even, np.nextafter(s, r * np.inf), s)


def fused_multiply_add(a: Number, b: Number, c: Number) -> FloatArray:
    """RN(a·b + c), rounded once, in the type NumPy gives a·b + c (a Python float
    takes the arrays' type, as a torch kernel's scalar does); float32 or float64."""
    dtype = np.result_type(a, b, c)
    a, b, c = np.asarray(a, dtype), np.asarray(b, dtype), np.asarray(c, dtype)
    with np.errstate(over="ignore", invalid="ignore"):
        product, product_error = _two_product(a, b)
        high, low = _two_sum(c, product)
        once = high + _sum_rounded_to_odd(low, product_error)
        return np.where(np.isfinite(once), once, a * b + c)
