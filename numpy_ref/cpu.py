"""Which float64 exp NumPy computes on this CPU: the last bit of a run depends on it.

On a CPU with AVX-512, NumPy evaluates float64 exp (and power, log10 and a few
more) with vector code of its own; elsewhere it calls the C library's, as
Python's math module and Mono's Math.Exp do. Now and then the two round a
result to different neighbouring floats, a unit in the last place apart. So a
figure at that level (a distance of 0 or 1.1e-16 between two runs), the last
digits of a run that amplifies its rounding (a chaotic one), and a NumPy
learning rate from np.logspace can differ between the two kinds of machine,
while every other figure stays what it is. The docs' figures were made
on a CPU with AVX-512; docs/reference-figures.md says what moves elsewhere.

    numpy_exp() == OWN          # NumPy's own vector code (a CPU with AVX-512)
    numpy_exp() == C_LIBRARY    # the C library's exp, as C# and math.exp
"""

import functools
import math

import numpy as np

OWN = "numpy"
C_LIBRARY = "libc"

#: Arguments of the probe: exp over the range a sigmoid meets, 100,001 of them,
#: as many calls as 25 runs of Mazur's network for 1000 iterations; one such run
#: already met an argument that the two round apart (the C# rows' 2.8e-17 on a
#: CPU with AVX-512: docs/cross-language.md).
PROBE = np.linspace(-40.0, 40.0, 100_001)


@functools.cache
def numpy_exp() -> str:
    """C_LIBRARY where np.exp gives the C library's float64 for every probe argument
    (math.exp calls it), else OWN."""
    libc = np.array([math.exp(x) for x in PROBE.tolist()])
    return C_LIBRARY if np.array_equal(np.exp(PROBE), libc) else OWN
