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
    also finds a full disk.  A folder that is there but makes no new files
    (/proc answers "No such file or directory") is said to be so.
    """
    try:
        with tempfile.TemporaryFile(dir=folder) as probe:
            probe.write(b"\0")
            probe.flush()
            os.fsync(probe.fileno())
            return None
    except FileNotFoundError:  # the folder is there: /proc's answer to a new file
        return "its file system makes no new files"
    except OSError as error:
        return error.strerror


def folder_problem(folder, *, created=False):
    """None when a file can be written in ``folder``; else why not, in words that name
    the path in the way, as the command line spells it:

        "out/afile is not a folder"        (a file where a folder must be)
        "the folder out/new does not exist"
        "out cannot be written (Permission denied)"

    ``created``: a missing ``folder`` will be created (--logdir, --out-dir), so
    it is the nearest folder above it that must take a new file.  The one
    helper behind every option that names a place to write.
    """
    asked = os.path.normpath(folder)
    existing = asked
    while not os.path.exists(existing):
        existing = os.path.dirname(existing) or os.curdir
    if not os.path.isdir(existing):
        return f"{existing} is not a folder"
    if existing != asked and not created:
        return f"the folder {folder} does not exist"
    problem = can_write_in(existing)
    if problem:
        return f"{existing} cannot be written ({problem})"
    return None


def writable_folder(what):
    """An argparse type for a folder that exists and can be written, or can be created.

    Nothing is created here: the folder is made when the results are written,
    so a command line that is refused leaves nothing behind.
    """

    def check(text):
        if not text.strip():
            raise argparse.ArgumentTypeError(f"{what} folder must be named, not {text!r}")
        problem = folder_problem(text, created=True)
        if problem:
            verb = "write" if os.path.isdir(text) else "create"
            raise argparse.ArgumentTypeError(f"cannot {verb} {what} folder {text}: {problem}")
        return text

    return check


def parent_folder(path):
    """The folder ``path`` goes in, as the command line spells it ('.' for 'm.keras')."""
    return os.path.dirname(path) or os.curdir


def file_problem(path, *, created=False):
    """None when the file ``path`` can be written; else why not: its folder's problem
    (folder_problem, ``created`` as there), or "it is a folder"."""
    problem = folder_problem(parent_folder(path), created=created)
    if problem is None and os.path.isdir(path):
        problem = "it is a folder"
    return problem


def file_path(extension):
    """An argparse type (--save, --tflite): a path ending in ``extension``, not a
    folder, in a folder that exists and can be written."""

    def check(text):
        if not text.endswith(extension):
            raise argparse.ArgumentTypeError(f"the file name must end in {extension}: {text!r}")
        problem = file_problem(text)
        if problem:
            raise argparse.ArgumentTypeError(f"cannot write {text}: {problem}")
        return text

    return check


def readable_file(extension):
    """An argparse type (--load): a file that is there and can be read, its name ending
    in ``extension``."""

    def check(text):
        if not text.endswith(extension):
            raise argparse.ArgumentTypeError(f"the file name must end in {extension}: {text!r}")
        problem = "it is a folder" if os.path.isdir(text) else None
        if problem is None:
            try:
                with open(text, "rb"):
                    pass
            except OSError as error:
                problem = error.strerror
        if problem:
            raise argparse.ArgumentTypeError(f"cannot read {text}: {problem}")
        return text

    return check


def framework_names(text):
    """--frameworks LIST: comma-separated FRAMEWORKS names (implementations), each once,
    at least one besides the NumPy reference, which always runs."""
    from implementations import FRAMEWORKS, REFERENCE

    names = [name.strip() for name in text.split(",")]
    for name in names:
        if name not in FRAMEWORKS:
            raise argparse.ArgumentTypeError(
                f"{name!r} is not a framework: choose from {', '.join(FRAMEWORKS)}"
            )
    if len(set(names)) < len(names):
        raise argparse.ArgumentTypeError(f"a framework is named twice in {text!r}")
    if set(names) <= {REFERENCE}:
        raise argparse.ArgumentTypeError(
            f"name a framework besides {REFERENCE}, the reference every comparison runs"
        )
    return tuple(names)
