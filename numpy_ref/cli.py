"""Command-line pieces every script shares: argument checks and the text report.

Nothing here imports TensorFlow, so ``--help`` and a bad argument answer at
once.  Printing stays in each script's ``main``; these functions return text.
"""

import argparse
import contextlib
import functools
import math
import os
import sys
import tempfile

from .example import DTYPES, MAZUR
from .trainers import UPDATE_ORDERS

#: More iterations than this would keep gigabytes of per-iteration history.
MAX_ITERATIONS = 10_000_000

#: Exit status for a run whose loss or weights became NaN or infinite.
EXIT_DIVERGED = 1

#: Exit status after Ctrl-C, as a shell reports a process ended by SIGINT.
EXIT_INTERRUPTED = 130

#: Exit status when the reader of stdout went away, as for a process ended by SIGPIPE.
EXIT_BROKEN_PIPE = 141


def stops_cleanly(main):
    """Wrap a script's main so that it stops without a traceback when cut short.

    Ctrl-C prints one line and returns exit status 130.  Files are only ever
    written through atomic_output, so an interrupted run leaves no
    half-written file behind.  A reader that stops early (``| head``) ends
    the run quietly, as it would for any Unix tool.
    """

    @functools.wraps(main)
    def wrapper(argv=None):
        try:
            return main(argv)
        except KeyboardInterrupt:
            print("interrupted: stopped before the end, nothing was written",
                  file=sys.stderr)
            return EXIT_INTERRUPTED
        except BrokenPipeError:
            # Python would flush stdout again on exit and fail the same way.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            return EXIT_BROKEN_PIPE

    return wrapper


class ArgumentParser(argparse.ArgumentParser):
    """argparse, but a bad argument is one line on stderr and exit status 2.

    The script's module docstring is its --help description, kept as written.
    """

    def __init__(self, prog, description):
        super().__init__(prog=prog, description=description,
                         formatter_class=argparse.RawDescriptionHelpFormatter)

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


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


def training_parser(prog, description, default_update, update_help, default_dtype="float32"):
    """The arguments both framework scripts take (and ``python -m numpy_ref``)."""
    parser = ArgumentParser(prog, description)
    parser.add_argument(
        "iterations",
        nargs="?",
        type=iteration_count,
        default=1000,
        metavar="ITERATIONS",
        help="number of training updates (default: 1000)",
    )
    parser.add_argument(
        "--update",
        choices=UPDATE_ORDERS,
        default=default_update,
        help=f"{update_help} (default: {default_update})",
    )
    parser.add_argument(
        "--lr",
        type=positive_number,
        default=MAZUR.learning_rate,
        metavar="LR",
        help=f"learning rate (default: {MAZUR.learning_rate}, the tutorial's)",
    )
    parser.add_argument(
        "--dtype",
        choices=DTYPES,
        default=None,
        help=f"float type of every number in the network (default: {default_dtype};"
        " float64 with --explain)",
    )
    parser.set_defaults(default_dtype=default_dtype)
    parser.add_argument(
        "--json",
        action="store_true",
        help="print one JSON document with the results, and nothing else",
    )
    return parser


def parse_training_args(parser, argv=None):
    """parse_args, then --dtype's default: float64 for --explain, else the script's."""
    args = parser.parse_args(argv)
    if args.dtype is None:
        args.dtype = "float64" if getattr(args, "explain", False) else args.default_dtype
    return args


def add_verbose_argument(parser):
    """--verbose: let TensorFlow's own start-up log through to stderr."""
    parser.add_argument(
        "--verbose",
        action="store_true",
        help="show TensorFlow's own log messages (hidden by default)",
    )


def writable_folder(what):
    """An argparse type for a folder: created if missing, and writable."""

    def check(text):
        try:
            os.makedirs(text, exist_ok=True)
        except OSError as error:
            raise argparse.ArgumentTypeError(
                f"cannot create {what} folder {text}: {error.strerror}"
            ) from None
        if not os.access(text, os.W_OK | os.X_OK):
            raise argparse.ArgumentTypeError(f"{what} folder cannot be written: {text}")
        return text

    return check


def add_logdir_argument(parser):
    """--logdir DIR: TensorBoard scalars for every iteration."""
    parser.add_argument(
        "--logdir",
        type=writable_folder("log"),
        metavar="DIR",
        help="write the loss, both outputs and w1..w8 of every iteration as"
        " TensorBoard scalars, in a new run folder under DIR",
    )


def whole_number(lowest):
    """An argparse type: a whole number of at least ``lowest``."""

    def check(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None
        if value < lowest:
            raise argparse.ArgumentTypeError(f"must be at least {lowest}, not {value}")
        return value

    return check


def add_run_arguments(parser):
    """--lr and --dtype for the scripts that run every implementation."""
    parser.add_argument(
        "--lr", type=positive_number, default=MAZUR.learning_rate, metavar="LR",
        help=f"learning rate (default: {MAZUR.learning_rate})",
    )
    parser.add_argument(
        "--dtype", choices=DTYPES, default="float32",
        help="float type of the framework runs; NumPy is always float64 (default: float32)",
    )


def add_study_arguments(parser):
    """--study and its settings (compare_implementations.py, plot_tensorflow_results.py)."""
    from .study import StudySettings

    defaults = StudySettings()
    group = parser.add_argument_group(
        "update-order study",
        f"both orders from the same random starts, at {len(defaults.learning_rates)}"
        f" learning rates from {defaults.learning_rates[0]:g} to"
        f" {defaults.learning_rates[-1]:g}; NumPy only, no TensorFlow",
    )
    group.add_argument("--study", action="store_true",
                       help="run the update-order study instead")
    group.add_argument("--seed", type=whole_number(0), default=defaults.seed,
                       help=f"seed of the random starting weights (default: {defaults.seed})")
    group.add_argument("--starts", type=whole_number(1), default=defaults.starts,
                       help=f"random starts per learning rate (default: {defaults.starts})")
    group.add_argument("--threshold", type=positive_number, default=defaults.threshold,
                       help=f"loss to get below (default: {defaults.threshold:g})")
    group.add_argument("--max-iterations", type=iteration_count,
                       default=defaults.max_iterations, metavar="N",
                       help=f"give up after N updates (default: {defaults.max_iterations})")


def study_settings(args):
    """The StudySettings that the --study arguments ask for."""
    from .study import StudySettings

    return StudySettings(starts=args.starts, seed=args.seed, threshold=args.threshold,
                         max_iterations=args.max_iterations)


def add_explain_argument(parser):
    """--explain: print the first iteration beside the tutorial's figures."""
    parser.add_argument(
        "--explain",
        action="store_true",
        help="print the first iteration number by number, beside the figures"
        " the tutorial publishes, instead of training",
    )


def divergence_message(result):
    """One line saying the run diverged, or None when every figure is finite."""
    if not result.diverged:
        return None
    where = result.first_bad_iteration()
    when = f"at iteration {where}" if where else "after the last update"
    return (
        f"error: training diverged: the loss or weights became NaN or infinite "
        f"{when} (learning rate {result.learning_rate:g}); try a smaller --lr"
    )


def progress_iterations(iterations):
    """Iteration 1, every tenth of the run, and the last (1-based, sorted)."""
    tenths = {round(iterations * j / 10) for j in range(1, 11)}
    return sorted({1, iterations} | {k for k in tenths if k >= 1})


def _vector(values, digits=8):
    return "[" + ", ".join(f"{v:.{digits}f}" for v in values) + "]"


def _weight(value):
    """Eight decimals, or scientific notation for a weight that has blown up."""
    return f"{value:.8f}" if abs(value) < 1e4 else f"{value:.6e}"


def _weight_lines(hidden, output):
    """w1..w8 in the tutorial's names, hidden layer on the first line."""
    w = [*hidden.ravel(), *output.ravel()]
    first = "  ".join(f"w{i + 1} = {_weight(w[i])}" for i in range(4))
    second = "  ".join(f"w{i + 1} = {_weight(w[i])}" for i in range(4, 8))
    return [f"  {first}", f"  {second}"]


def format_report(result, title, update_note, example=MAZUR):
    """The plain-text log a learner reads: set-up, progress, results, weights."""
    n = result.iterations
    x, target, w_hidden, w_output = example.arrays("float64")
    lines = [
        title,
        "  architecture    2 inputs -> 2 sigmoid hidden -> 2 sigmoid outputs",
        f"  biases          b1 = {example.hidden_bias}, b2 = {example.output_bias}"
        " (constants, never trained)",
        f"  input           {_vector(x, 2)}",
        f"  target          {_vector(target, 2)}",
        f"  learning rate   {result.learning_rate:g}",
        f"  iterations      {n}",
        f"  update order    {result.update}",
        f"                  ({update_note})",
        f"  dtype           {result.dtype}",
        "",
        "Initial weights",
        *_weight_lines(w_hidden, w_output),
        "",
        "Training (loss at iteration k: E_total of forward pass k, before update k)",
    ]
    width = len(str(n))
    for k in progress_iterations(n):
        lines.append(
            f"  iteration {k:>{width}}   loss {result.losses[k - 1]:.10f}"
            f"   prediction {_vector(result.outputs[k - 1])}"
        )
    error = ", ".join(f"{e:+.8f}" for e in result.final_prediction - result.targets)
    results = {
        f"loss at iteration {n}": f"{result.last_iteration_loss:.10f}",
        f"loss after {n} updates": f"{result.final_loss:.10f}",
        "prediction": f"{_vector(result.final_prediction)}"
        f"   target {_vector(result.targets, 2)}",
        "error": f"[{error}]   (prediction - target)",
        "error reduction": f"{result.error_reduction_percent:.4f}%"
        "   (1 - loss after / loss at iteration 1)",
    }
    label_width = max(len(label) for label in results)
    lines += [
        "",
        "Results",
        *(f"  {label:<{label_width}}  {value}" for label, value in results.items()),
        "",
        "Final weights",
        *_weight_lines(result.final_hidden_weights, result.final_output_weights),
    ]
    return "\n".join(lines)


@contextlib.contextmanager
def atomic_output(path):
    """Yield a temporary path beside ``path``; on success it becomes ``path``.

    A reader never sees a half-written file, and a failure (or Ctrl-C)
    leaves nothing behind.  The file gets the usual permissions (0666 less
    the umask), not mkstemp's private 0600.
    """
    folder = os.path.dirname(os.path.abspath(path))
    suffix = os.path.splitext(path)[1]
    handle, temporary = tempfile.mkstemp(prefix=".partial-", suffix=suffix, dir=folder)
    os.close(handle)
    try:
        yield temporary
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
