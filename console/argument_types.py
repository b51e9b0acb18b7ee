"""The argparse types of the scripts' options: each turns a string into a value or
refuses it with the one line argparse prints (exit 2, before TensorFlow is
imported)."""

import argparse
import math
import os
import re
import tempfile

#: More iterations than this would keep gigabytes of per-iteration history.
MAX_ITERATIONS = 10_000_000
#: Schedules compute k / S in floating point: S stays exact in float64 up to 2^53.
MAX_DECAY_STEPS = 10**15
#: More random starts than this would not fit in memory: every learning rate
#: times every start trains as one batch (about 100 MB per 10,000 starts).
MAX_STARTS = 100_000
#: Logical CPU devices for --replicas: a handful shows the point, more only cost memory.
MAX_REPLICAS = 64


def _whole(text):
    """int(text) for plain ASCII digits, with an optional sign; else ValueError.
    (int() alone also takes '5_0' and other scripts' digits.)"""
    if not re.fullmatch(r"\s*[-+]?[0-9]+\s*", text):
        raise ValueError(text)
    return int(text)


def iteration_count(text):
    """ITERATIONS: a whole number from 1 to MAX_ITERATIONS."""
    try:
        count = _whole(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"iterations must be a whole number, not {text!r}"
        ) from None
    if not 1 <= count <= MAX_ITERATIONS:
        raise argparse.ArgumentTypeError(
            f"iterations must be from 1 to {MAX_ITERATIONS}, not {count}"
        )
    return count


def _number(text):
    """float(text), or the argparse error that says it is not a number."""
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, not {text!r}") from None


def positive_number(text):
    """--lr, --threshold: a finite number above zero."""
    value = _number(text)
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a finite number above 0, not {text}")
    return value


def fraction_below_one(text):
    """--momentum, --rho, --beta1, --beta2: a number in [0, 1)."""
    value = _finite(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be in [0, 1), not {text}")
    return value


def non_negative_number(text):
    """--l1, --l2: a finite number, 0 or above."""
    value = _finite(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or above, not {text}")
    return value


def _finite(text):
    """A number that is neither NaN nor infinite (-0 read as 0)."""
    value = _number(text)
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, not {text}")
    return value + 0.0  # -0.0 + 0.0 = 0.0


def whole_number(lowest, highest=None):
    """An argparse type: a whole number from ``lowest`` (to ``highest``, if given)."""

    def check(text):
        try:
            value = _whole(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None
        if value < lowest:
            raise argparse.ArgumentTypeError(f"must be at least {lowest}, not {value}")
        if highest is not None and value > highest:
            raise argparse.ArgumentTypeError(f"must be at most {highest}, not {value}")
        return value

    return check


def can_write_in(folder):
    """None when a file can be written in ``folder`` (tried, not guessed), else why not.

    os.access says yes to root everywhere, /proc included; writing a byte to
    a new file (removed at once) is the only test that does not lie, and
    also finds a full disk.
    """
    try:
        with tempfile.TemporaryFile(dir=folder) as probe:
            probe.write(b"\0")
            probe.flush()
            os.fsync(probe.fileno())
            return None
    except OSError as error:
        return error.strerror


def writable_folder(what):
    """An argparse type for a folder that exists and can be written, or can be created.

    Nothing is created here: the folder is made when the results are written,
    so a command line that is refused leaves nothing behind.
    """

    def check(text):
        if not text.strip():
            raise argparse.ArgumentTypeError(f"{what} folder must be named, not {text!r}")
        existing = os.path.abspath(text)
        while not os.path.exists(existing):
            existing = os.path.dirname(existing)
        if not os.path.isdir(existing):
            raise argparse.ArgumentTypeError(
                f"cannot create {what} folder {text}: {existing} is not a folder"
            )
        problem = can_write_in(existing)
        if problem:
            raise argparse.ArgumentTypeError(f"{what} folder cannot be written: {text} ({problem})")
        return text

    return check
