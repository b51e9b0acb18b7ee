"""The options the scripts share, in groups: what each is called, its type, its help.

Only the option definitions live here; console/settings.py turns what the
command line gave into the frozen settings a run is made of.
"""

from frameworks import LOSSES
from numpy_ref import DTYPES, MAZUR, UPDATE_ORDERS
from numpy_ref.data import CSV_HEADER, DATA_SETS
from numpy_ref.example import INITS
from numpy_ref.optimizers import FORMULAS, OPTIMIZERS
from numpy_ref.schedules import DEFAULT_DECAY_RATE, SCHEDULES
from numpy_ref.study import StudySettings
from numpy_ref.xor_study import XorStudySettings

from .argument_types import (
    MAX_DECAY_STEPS,
    MAX_REPLICAS,
    MAX_STARTS,
    fraction_below_one,
    iteration_count,
    non_negative_number,
    positive_number,
    whole_number,
    writable_folder,
)
from .parser import ArgumentParser


def add_iterations_argument(parser):
    """ITERATIONS, the optional first argument of every training command."""
    parser.add_argument(
        "iterations",
        nargs="?",
        type=iteration_count,
        default=1000,
        metavar="ITERATIONS",
        help="number of training updates (default: 1000)",
    )


def add_learning_rate_argument(parser):
    parser.add_argument(
        "--lr",
        type=positive_number,
        default=MAZUR.learning_rate,
        metavar="LR",
        help=f"learning rate (default: {MAZUR.learning_rate}, the tutorial's)",
    )


def training_parser(script):
    """The arguments all three trainers take: N, --update, --lr, --dtype, --json,
    --explain, the data options (with --replicas if ``script.replicas``) and the
    optimizer's.  ``script``: a console.trainer_script.TrainerScript.

    Every setting that console.settings.trainer_settings reads is defined here:
    one that a trainer does not offer as an option has its fixed value.
    """
    parser = ArgumentParser(script.prog, script.description)
    parser.set_defaults(
        loss="half-sse",
        replicas=1,
        verbose=False,
        logdir=None,
        save=None,
        load=None,
        export=None,
        tflite=None,
        quantize="none",
        formulas=script.formulas,  # a script with --formulas (add_formulas_argument) chooses
    )
    add_iterations_argument(parser)
    parser.add_argument(
        "--update",
        choices=UPDATE_ORDERS,
        default=script.default_update,
        help=f"{script.update_help} (default: {script.default_update})",
    )
    add_learning_rate_argument(parser)
    parser.add_argument(
        "--dtype",
        choices=DTYPES,
        default=None,
        help=f"float type of every number in the network (default: {script.default_dtype};"
        " float64 with --explain)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print one JSON document with the results, and nothing else",
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="print the first iteration number by number, beside the figures"
        " the tutorial publishes, instead of training",
    )
    parser.not_with("explain", "iterations")
    add_data_arguments(parser, replicas=script.replicas)
    # --explain shows the tutorial's first iteration: its one sample and weights.
    parser.not_with("explain", *DATA_OPTIONS, *(["replicas"] if script.replicas else []))
    add_training_arguments(parser, formulas=script.formulas)
    # --explain shows the first update of the tutorial's E, with any optimizer.
    parser.not_with("explain", "lr_schedule", "decay_steps", "decay_rate", "until_loss", "l1", "l2")
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


def add_hyperparameter_arguments(group):
    """--momentum, --rho, --beta1, --beta2, --epsilon: each optimizer's hyperparameters."""
    for dest, kind, metavar, what in HYPERPARAMETER_OPTIONS:
        group.add_argument(
            f"--{dest}",
            type=kind,
            metavar=metavar,
            help=f"{what} (default: {_defaults_text(dest)})",
        )


#: {formulas: (whose optimizers, the module that writes them out in NumPy)}
OPTIMIZER_LIBRARIES = {
    "keras": ("Keras 3", "numpy_ref/keras_formulas.py"),
    "pytorch": ("torch.optim", "numpy_ref/pytorch_formulas.py"),
    "optax": ("optax", "numpy_ref/optax_formulas.py"),
}


def add_training_arguments(
    parser, *, optimizer_choices=tuple(OPTIMIZERS), stopping=True, formulas="keras"
):
    """--optimizer and its hyperparameters, computed as ``formulas``' library does;
    with ``stopping``, also the schedule, --until-loss and the penalties.
    console.settings checks them together."""
    library, module = OPTIMIZER_LIBRARIES[formulas]
    group = parser.add_argument_group(
        "optimizer", f"{library}'s optimizers, each also written out in {module}"
    )
    group.add_argument(
        "--optimizer",
        choices=optimizer_choices,
        default="sgd",
        help=f"how each update follows from the gradient, as {library} computes it;"
        " docs/optimizers.md (default: sgd, the tutorial's w <- w - lr g)",
    )
    add_hyperparameter_arguments(group)
    if not stopping:
        return
    group = parser.add_argument_group("schedule, stopping and penalties")
    group.add_argument(
        "--lr-schedule",
        choices=tuple(SCHEDULES),
        default="constant",
        help=f"{'; '.join(f'{r.name}: {r.formula}' for r in SCHEDULES.values())},"
        " k = updates already made (default: constant)",
    )
    group.add_argument(
        "--decay-steps",
        type=whole_number(1, MAX_DECAY_STEPS),
        metavar="S",
        help="S of the exponential and cosine schedules (default: the iteration count)",
    )
    group.add_argument(
        "--decay-rate",
        type=positive_number,
        metavar="R",
        help=f"R of the exponential schedule (default: {DEFAULT_DECAY_RATE:g})",
    )
    group.add_argument(
        "--until-loss",
        type=positive_number,
        metavar="X",
        help="stop at the first iteration whose loss (its batch's) is below X,"
        " without making its update",
    )
    group.add_argument(
        "--l1",
        type=non_negative_number,
        default=0.0,
        metavar="L1",
        help="train on E + L1 sum|w| over w1..w8 (default: 0)",
    )
    group.add_argument(
        "--l2",
        type=non_negative_number,
        default=0.0,
        metavar="L2",
        help="train on E + L2 sum w^2 over w1..w8 (default: 0)",
    )


def add_formulas_argument(parser):
    """--formulas: whose optimizer formulas the NumPy reference computes (its default
    is the script's own, which training_parser sets)."""
    parser.add_argument(
        "--formulas",
        choices=tuple(FORMULAS),
        help="whose optimizer formulas the reference computes: keras (Keras 3's, as"
        " ann_tensorflow.py and ann_keras.py use), pytorch (torch.optim's, as"
        " ann_pytorch.py uses) or optax (optax's, as ann_jax.py uses), written out in"
        " numpy_ref/keras_formulas.py, pytorch_formulas.py and optax_formulas.py;"
        " with plain sgd all are the same update (default: %(default)s)",
    )


#: The options of add_data_arguments, by dest.
DATA_OPTIONS = ("data", "train_biases", "init", "seed", "batch_size")


def add_data_arguments(parser, *, replicas=False, study=False):
    """--data, --train-biases, --init, --seed, --batch-size (and --replicas with
    ``replicas``); console.settings checks them together.  ``study``: the
    parser also has --study, whose random starts --seed seeds too."""
    group = parser.add_argument_group(
        "data",
        "what the network learns, from where, in which batches; docs/data-and-batches.md",
    )
    group.add_argument(
        "--data",
        default="mazur",
        metavar="NAME|PATH.csv",
        help=f"{' or '.join(DATA_SETS)} (mazur: the tutorial's one sample; xor: the four"
        f" corners, t1 = i1 XOR i2, t2 = 1 - t1), or a CSV file with the header"
        f" {','.join(CSV_HEADER)} and one sample per line (default: mazur)",
    )
    group.add_argument(
        "--train-biases",
        action="store_true",
        help="train every neuron's own bias like a weight (starting at b1 = 0.35 and"
        " b2 = 0.6); without it the biases stay the tutorial's constants",
    )
    group.add_argument(
        "--init",
        choices=INITS,
        default="mazur",
        help="w1..w8 from the tutorial, or drawn as"
        " numpy.random.default_rng(SEED).uniform(-1, 1, 8) (default: mazur)",
    )
    group.add_argument(
        "--seed",
        type=whole_number(0),
        metavar="SEED",
        help="the seed of --init random"
        + (" and of --study's random starts" if study else "")
        + " (default: 0)",
    )
    group.add_argument(
        "--batch-size",
        type=whole_number(1),
        metavar="B",
        help="samples per update: consecutive samples, a smaller last batch in each"
        " pass over the data, never shuffled (default: every sample)",
    )
    if replicas:
        group.add_argument(
            "--replicas",
            type=whole_number(1, MAX_REPLICAS),
            default=1,
            metavar="R",
            help=f"train under tf.distribute.MirroredStrategy over R devices (R GPUs where"
            f" there are, else R logical CPU devices), each batch split evenly across"
            f" them; at most {MAX_REPLICAS} (default: 1, no strategy)",
        )


def add_loss_argument(parser):
    """--loss: which loss autodiff differentiates (the tutorial's by default)."""
    parser.add_argument(
        "--loss",
        choices=LOSSES,
        default="half-sse",
        help="half-sse: sum 1/2 (t - o)^2, the tutorial's; mse: mean (t - o)^2;"
        " sse: sum (t - o)^2 (default: half-sse)",
    )
    parser.not_with("explain", "loss")  # --explain checks the tutorial's loss


def add_logdir_argument(parser):
    """--logdir DIR: TensorBoard scalars for every iteration."""
    parser.add_argument(
        "--logdir",
        type=writable_folder("log"),
        metavar="DIR",
        help="write the loss, both outputs and w1..w8 of every iteration (of every"
        " k-th on long runs, to keep the log under about 50 MB) and the state after"
        " the last update as TensorBoard scalars, in a new run folder under DIR",
    )
    parser.not_with("explain", "logdir")


def add_run_arguments(parser):
    """N, --lr and --dtype for the scripts that run every implementation."""
    add_learning_rate_argument(parser)
    parser.add_argument(
        "--dtype",
        choices=DTYPES,
        default="float32",
        help="float type of the framework runs; NumPy is always float64 (default: float32)",
    )


#: The data sets --study knows: the update-order study (mazur), the XOR study (xor).
STUDIED_DATA = ("mazur", "xor")


def add_study_arguments(parser):
    """--study and its settings (compare_implementations.py, plot_tensorflow_results.py),
    beside add_data_arguments, whose --data (mazur or xor) and --seed the study uses."""
    defaults, xor = StudySettings(), XorStudySettings()
    group = parser.add_argument_group(
        "studies",
        f"update-order study: both orders from the same random starts, at"
        f" {len(defaults.learning_rates)} learning rates from {defaults.learning_rates[0]:g}"
        f" to {defaults.learning_rates[-1]:g} (SGD's grid; each --optimizer has its own);"
        " with --data xor, the XOR study: which set-ups solve XOR"
        " (docs/data-and-batches.md).  NumPy only, no TensorFlow",
    )
    group.add_argument(
        "--study",
        action="store_true",
        help="run the update-order study (or with --data xor the XOR study) instead",
    )
    group.add_argument(
        "--starts",
        type=whole_number(1, MAX_STARTS),
        help=f"random starts per learning rate, at most {MAX_STARTS}"
        f" (default: {defaults.starts}; {xor.starts} with --data xor)",
    )
    group.add_argument(
        "--threshold",
        type=positive_number,
        help=f"loss to get below (default: {defaults.threshold:g}; not used with --data xor)",
    )
    group.add_argument(
        "--max-iterations",
        type=iteration_count,
        metavar="N",
        help=f"give up after N updates (default: {defaults.max_iterations};"
        f" {xor.max_iterations} with --data xor)",
    )
    parser.only_with("study", "starts", "threshold", "max_iterations")
    # The study is NumPy's, in float64, over its own grid of learning rates.
    parser.not_with("study", "iterations", "lr", "dtype", "verbose")
