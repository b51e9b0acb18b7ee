"""Argument types and the options the scripts share.

A bad argument is one line on stderr and exit status 2, before TensorFlow is
imported.
"""

import argparse
import math
import os
import re
import tempfile
from dataclasses import replace

import numpy as np

from numpy_ref import DTYPES, MAZUR, UPDATE_ORDERS
from numpy_ref.data import CSV_HEADER, DATA_SETS, DataError, data_set
from numpy_ref.example import INITS
from numpy_ref.optimizers import (
    DEFAULT_DECAY_RATE,
    OPTIMIZERS,
    SCHEDULES,
    Optimizer,
    Schedule,
    Training,
)

from .parser import ArgumentParser

#: More iterations than this would keep gigabytes of per-iteration history.
MAX_ITERATIONS = 10_000_000
#: Schedules compute k / S in floating point: S stays exact in float64 up to 2^53.
MAX_DECAY_STEPS = 10**15
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


def training_parser(prog, description, default_update, update_help, default_dtype,
                    replicas=False):
    """The arguments all three trainers take: N, --update, --lr, --dtype, --json,
    --explain, the data options (with --replicas if ``replicas``) and the optimizer's."""
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
    add_data_arguments(parser, replicas)
    # --explain shows the tutorial's first iteration: its one sample and weights.
    parser.not_with("explain", *DATA_OPTIONS, *(["replicas"] if replicas else []))
    add_training_arguments(parser)
    # --explain shows the first update of the tutorial's E, with any optimizer.
    parser.not_with("explain", "lr_schedule", "decay_steps", "decay_rate", "until_loss",
                    "l1", "l2")
    return parser


#: Each optimizer hyperparameter's option: (dest, argparse type, metavar, what it is).
HYPERPARAMETER_OPTIONS = (
    ("momentum", fraction_below_one, "M", "mu, the momentum of momentum and nesterov"),
    ("rho", fraction_below_one, "R", "rho, RMSprop's decay of the squared-gradient average"),
    ("beta1", fraction_below_one, "B1", "Adam's decay of the gradient average"),
    ("beta2", fraction_below_one, "B2", "Adam's decay of the squared-gradient average"),
    ("epsilon", positive_number, "E", "eps of rmsprop and adam"),
)


def _defaults_text(name):
    """'0.9; used by momentum, nesterov': Keras's default and which optimizers use it."""
    users = [rule for rule in OPTIMIZERS.values() if name in dict(rule.defaults)]
    return f"{dict(users[0].defaults)[name]:g}; used by {', '.join(r.name for r in users)}"


def add_training_arguments(parser, optimizer_choices=tuple(OPTIMIZERS), stopping=True):
    """--optimizer and its hyperparameters; with ``stopping``, also the schedule,
    --until-loss and the penalties.  parse_training_settings checks them together."""
    group = parser.add_argument_group(
        "optimizer",
        "Keras 3's optimizers, each also written out in numpy_ref/optimizers.py")
    group.add_argument(
        "--optimizer", choices=optimizer_choices, default="sgd",
        help="how each update follows from the gradient, as Keras 3 computes it;"
        " README: Optimizers, number by number (default: sgd, the tutorial's w <- w - lr g)")
    for dest, kind, metavar, what in HYPERPARAMETER_OPTIONS:
        group.add_argument(f"--{dest}", type=kind, metavar=metavar,
                           help=f"{what} (default: {_defaults_text(dest)})")
    if not stopping:
        return
    group = parser.add_argument_group("schedule, stopping and penalties")
    group.add_argument(
        "--lr-schedule", choices=tuple(SCHEDULES), default="constant",
        help=f"{'; '.join(f'{r.name}: {r.formula}' for r in SCHEDULES.values())},"
        " k = updates already made (default: constant)")
    group.add_argument("--decay-steps", type=whole_number(1, MAX_DECAY_STEPS), metavar="S",
                       help="S of the exponential and cosine schedules"
                       " (default: the iteration count)")
    group.add_argument("--decay-rate", type=positive_number, metavar="R",
                       help=f"R of the exponential schedule (default: {DEFAULT_DECAY_RATE:g})")
    group.add_argument("--until-loss", type=positive_number, metavar="X",
                       help="stop at the first iteration whose loss (its batch's) is below X,"
                       " without making its update")
    group.add_argument("--l1", type=non_negative_number, default=0.0, metavar="L1",
                       help="train on E + L1 sum|w| over w1..w8 (default: 0)")
    group.add_argument("--l2", type=non_negative_number, default=0.0, metavar="L2",
                       help="train on E + L2 sum w^2 over w1..w8 (default: 0)")


def optimizer_for(name, args):
    """The Optimizer ``name`` with the hyperparameters that the command line gives and it uses."""
    uses = dict(OPTIMIZERS[name].defaults)
    return Optimizer.named(name, **{dest: getattr(args, dest)
                                    for dest, *_ in HYPERPARAMETER_OPTIONS if dest in uses})


#: The options whose values a float32 run computes with, and what each must stay.
FLOAT32_CHECKED = {"momentum": "below 1", "rho": "below 1", "beta1": "below 1",
                   "beta2": "below 1", "epsilon": "above 0", "decay_rate": "above 0",
                   "until_loss": "above 0", "l1": "finite", "l2": "finite"}


def check_float32(parser, args):
    """A parser error for a value that float32 turns into something the option
    refuses: 0.99999999 rounds to 1, 1e300 overflows, 1e-50 becomes 0."""
    for dest, condition in FLOAT32_CHECKED.items():
        value = getattr(args, dest, None)
        if value is None:
            continue
        with np.errstate(over="ignore"):  # a value beyond float32's range becomes inf
            rounded = float(np.float32(value))
        broken = {"below 1": rounded >= 1, "above 0": not 0 < rounded < math.inf,
                  "finite": rounded == math.inf}[condition]
        if broken:
            parser.refuse(dest, f"{value!r} becomes {rounded:g} in float32, which is not"
                                f" {condition}; use a value float32 can hold, or --dtype float64")


def parse_training_settings(parser, args):
    """args.training: the Training the options ask for; a parser error for an option
    that the chosen optimizer or schedule does not use, or whose value float32
    cannot hold in a float32 run."""
    if args.dtype == "float32" and not getattr(args, "study", False):
        check_float32(parser, args)
    if args.optimizer in OPTIMIZERS:  # not "all": every hyperparameter is used by one
        uses = dict(OPTIMIZERS[args.optimizer].defaults)
        for dest, *_ in HYPERPARAMETER_OPTIONS:
            if getattr(args, dest) is not None and dest not in uses:
                parser.refuse(dest, f"not used by --optimizer {args.optimizer}"
                              f" (it takes {', '.join('--' + k for k in uses) or 'none'})")
    if not hasattr(args, "lr_schedule"):  # the optimizer alone (None for "all")
        args.training = (None if args.optimizer not in OPTIMIZERS
                         else Training(optimizer=optimizer_for(args.optimizer, args)))
        return
    uses = SCHEDULES[args.lr_schedule].uses
    for dest in ("decay_steps", "decay_rate"):
        if getattr(args, dest) is not None and dest not in uses:
            parser.refuse(dest, f"not used by --lr-schedule {args.lr_schedule}")
    args.training = Training(
        optimizer=optimizer_for(args.optimizer, args),
        schedule=Schedule.named(args.lr_schedule, args.decay_steps, args.decay_rate),
        until_loss=args.until_loss, l1=args.l1, l2=args.l2)


def parse_training_args(parser, argv=None):
    """parse_args, then --dtype's default (float64 for --explain, else the script's),
    args.training (the optimizer and the rest) and args.example (the data, the
    starting weights and biases, the batches, the learning rate)."""
    args = parser.parse_args(argv)
    if args.dtype is None:
        args.dtype = "float64" if args.explain else args.default_dtype
    parse_training_settings(parser, args)
    parse_data_settings(parser, args)
    return args


#: The options of add_data_arguments, by dest.
DATA_OPTIONS = ("data", "train_biases", "init", "seed", "batch_size")


def add_data_arguments(parser, replicas=False, study=False):
    """--data, --train-biases, --init, --seed, --batch-size (and --replicas with
    ``replicas``); parse_data_settings checks them together.  ``study``: the
    parser also has --study, whose random starts --seed seeds too."""
    group = parser.add_argument_group(
        "data", "what the network learns, from where, in which batches;"
        " README: More than one sample")
    group.add_argument(
        "--data", default="mazur", metavar="NAME|PATH.csv",
        help=f"{' or '.join(DATA_SETS)} (mazur: the tutorial's one sample; xor: the four"
        f" corners, t1 = i1 XOR i2, t2 = 1 - t1), or a CSV file with the header"
        f" {','.join(CSV_HEADER)} and one sample per line (default: mazur)")
    group.add_argument(
        "--train-biases", action="store_true",
        help="train every neuron's own bias like a weight (starting at b1 = 0.35 and"
        " b2 = 0.6); without it the biases stay the tutorial's constants")
    group.add_argument(
        "--init", choices=INITS, default="mazur",
        help="w1..w8 from the tutorial, or drawn as"
        " numpy.random.default_rng(SEED).uniform(-1, 1, 8) (default: mazur)")
    group.add_argument("--seed", type=whole_number(0), metavar="SEED",
                       help="the seed of --init random" + (" and of --study's random starts"
                                                           if study else "") + " (default: 0)")
    group.add_argument(
        "--batch-size", type=whole_number(1), metavar="B",
        help="samples per update: consecutive samples, a smaller last batch in each"
        " pass over the data, never shuffled (default: every sample)")
    if replicas:
        group.add_argument(
            "--replicas", type=whole_number(1, MAX_REPLICAS), default=1, metavar="R",
            help=f"train under tf.distribute.MirroredStrategy over R devices (R GPUs where"
            f" there are, else R logical CPU devices), each batch split evenly across"
            f" them; at most {MAX_REPLICAS} (default: 1, no strategy)")


def parse_data_settings(parser, args):
    """args.example from --lr and the data options; a parser error for a data file
    that cannot be used or options that do not fit together."""
    try:
        data = data_set(args.data)
    except DataError as error:
        parser.refuse("data", str(error))
    studies = hasattr(args, "study")
    if args.seed is not None and args.init != "random" and not getattr(args, "study", False):
        parser.refuse("seed", "only used by --init random" + (" and --study" if studies else ""))
    if args.batch_size is not None and args.batch_size > data.samples:
        parser.refuse("batch_size", f"{args.batch_size} is more than the {_samples(data)}")
    example = replace(MAZUR, data=data, train_biases=args.train_biases,
                      batch_size=args.batch_size).with_learning_rate(args.lr)
    if args.init == "random":
        example = example.with_random_weights(0 if args.seed is None else args.seed)
    replicas = getattr(args, "replicas", 1)
    if replicas > 1:
        check_replicas(parser, example, replicas)
    args.example = example


def _samples(data):
    return f"{data.samples} sample{'s' * (data.samples != 1)} of {data.name}"


def check_replicas(parser, example, replicas):
    """A parser error unless every batch splits evenly over ``replicas`` devices.

    Every batch, the last of each pass included (samples - q B), splits
    evenly exactly when the sample count and the batch size are both
    multiples of R.
    """
    if replicas > example.samples:
        parser.refuse("replicas", f"{replicas} replicas need at least {replicas} samples,"
                      f" and {example.data.name} has {example.samples}")
    if example.samples % replicas:
        parser.refuse("replicas", f"the {_samples(example.data)} cannot be split evenly over"
                      f" {replicas} replicas with any --batch-size (the last batch of a pass"
                      f" would not split); choose a number of replicas that divides"
                      f" {example.samples}")
    if example.batch % replicas:
        parser.refuse("replicas", f"a batch of {example.batch} samples cannot be split evenly"
                      f" over {replicas} replicas; choose a --batch-size that is a multiple"
                      f" of {replicas}")


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
