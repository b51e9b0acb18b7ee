"""How a number the user gave is written back: with every digit it needs.

'{:g}' keeps six significant digits, so it prints --beta1 0.99999999 as 1, a
value the option refuses; a target of 1.0000001 as 1, inside [0, 1].  Python's
repr keeps the fewest digits that read back as the same float64, and exact()
writes those as :g does (1 rather than 1.0):

    exact(0.99999999) == "0.99999999"    exact(1e-07) == "1e-07"    exact(0.5) == "0.5"
"""


def exact(value: float) -> str:
    """The shortest text that reads back as ``value`` (float64), without a trailing .0."""
    text = repr(float(value))
    return text.removesuffix(".0")
