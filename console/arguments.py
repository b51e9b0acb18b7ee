"""Argument types and the options the scripts share.

A bad argument is one line on stderr and exit status 2, before TensorFlow is
imported.
"""

import argparse
import math
import os
import tempfile

from numpy_ref import DTYPES, MAZUR, UPDATE_ORDERS

from .parser import ArgumentParser

#: More iterations than this would keep gigabytes of per-iteration history.
MAX_ITERATIONS = 10_000_000


def iteration_count(text):
    """ITERATIONS: a whole number from 1 to MAX_ITERATIONS."""
    try:
        count = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"iterations must be a whole number, not {text!r}"
        ) from None
    if not 1 <= count <= MAX_ITERATIONS:
        raise argparse.ArgumentTypeError(
            f"iterations must be from 1 to {MAX_ITERATIONS}, not {count}"
        )
    return count


def positive_number(text):
    """--lr, --threshold: a finite number above zero."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, not {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a finite number above 0, not {text}")
    return value


def whole_number(lowest, highest=None):
    """An argparse type: a whole number from ``lowest`` (to ``highest``, if given)."""

    def check(text):
        try:
            value = int(text)
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
                f"cannot create {what} folder {text}: {existing} is not a folder")
        problem = can_write_in(existing)
        if problem:
            raise argparse.ArgumentTypeError(f"{what} folder cannot be written: {text}"
                                             f" ({problem})")
        return text

    return check


def add_iterations_argument(parser):
    """ITERATIONS, the optional first argument of every training command."""
    parser.add_argument(
        "iterations", nargs="?", type=iteration_count, default=1000, metavar="ITERATIONS",
        help="number of training updates (default: 1000)",
    )


def add_learning_rate_argument(parser):
    parser.add_argument(
        "--lr", type=positive_number, default=MAZUR.learning_rate, metavar="LR",
        help=f"learning rate (default: {MAZUR.learning_rate}, the tutorial's)",
    )


def training_parser(prog, description, default_update, update_help, default_dtype):
    """The arguments all three trainers take: N, --update, --lr, --dtype, --json, --explain."""
    parser = ArgumentParser(prog, description)
    add_iterations_argument(parser)
    parser.add_argument(
        "--update", choices=UPDATE_ORDERS, default=default_update,
        help=f"{update_help} (default: {default_update})",
    )
    add_learning_rate_argument(parser)
    parser.add_argument(
        "--dtype", choices=DTYPES, default=None,
        help=f"float type of every number in the network (default: {default_dtype};"
        " float64 with --explain)",
    )
    parser.set_defaults(default_dtype=default_dtype)
    parser.add_argument(
        "--json", action="store_true",
        help="print one JSON document with the results, and nothing else",
    )
    parser.add_argument(
        "--explain", action="store_true",
        help="print the first iteration number by number, beside the figures"
        " the tutorial publishes, instead of training",
    )
    parser.not_with("explain", "iterations")
    return parser


def parse_training_args(parser, argv=None):
    """parse_args, then --dtype's default: float64 for --explain, else the script's."""
    args = parser.parse_args(argv)
    if args.dtype is None:
        args.dtype = "float64" if args.explain else args.default_dtype
    return args


def add_logdir_argument(parser):
    """--logdir DIR: TensorBoard scalars for every iteration."""
    parser.add_argument(
        "--logdir", type=writable_folder("log"), metavar="DIR",
        help="write the loss, both outputs and w1..w8 of every iteration (of every"
        " k-th on long runs, to keep the log under about 50 MB) and the state after"
        " the last update as TensorBoard scalars, in a new run folder under DIR",
    )
    parser.not_with("explain", "logdir")


def add_run_arguments(parser):
    """N, --lr and --dtype for the scripts that run every implementation."""
    add_learning_rate_argument(parser)
    parser.add_argument(
        "--dtype", choices=DTYPES, default="float32",
        help="float type of the framework runs; NumPy is always float64 (default: float32)",
    )
