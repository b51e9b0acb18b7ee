"""The settings a command line asks for, as frozen records, built once after parsing.

This is the one place that reads the argparse namespace: each builder below
takes the parser (to refuse what does not hold together, in one line with
exit status 2) and the namespace, and returns settings that the rest of the
program reads by name.  Nothing below the command line ever sees argparse.

    RunSettings          what trains (implementations/settings.py)
    OutputFiles          what a trainer writes after training
    TrainerSettings      one trainer's whole command line
    ComparisonSettings   compare_implementations.py's command line
    PictureSettings      plot_tensorflow_results.py's command line
    StudySettings, XorStudySettings   --study's (numpy_ref)
"""

import math
from argparse import Namespace
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np

from implementations import frameworks_problem
from implementations.settings import RunSettings
from numpy_ref import MAZUR
from numpy_ref.data import DataError, DataSet, data_set
from numpy_ref.example import Example
from numpy_ref.numbers import exact
from numpy_ref.optimizers import OPTIMIZERS, Optimizer
from numpy_ref.schedules import GROWING_DECAY, SCHEDULES, Schedule
from numpy_ref.study import StudySettings, rate_grid
from numpy_ref.training import Training
from numpy_ref.xor_study import XorStudySettings

from .arguments import DATA_OPTIONS, HYPERPARAMETER_OPTIONS, STUDIED_DATA
from .parser import ArgumentParser
from .resume import resumed_run


@dataclass(frozen=True)
class OutputFiles:
    """The files a trainer writes after training; None where none was asked for
    (or the trainer does not offer the option)."""

    logdir: str | None = None  # --logdir DIR: TensorBoard scalars (TensorFlow, Keras)
    save: str | None = None  # --save PATH.keras (Keras)
    export: str | None = None  # --export DIR: a SavedModel (Keras)
    tflite: str | None = None  # --tflite PATH.tflite (Keras)
    quantize: str = "none"  # --quantize: the TFLite model's quantisation


@dataclass(frozen=True)
class TrainerSettings:
    """One trainer's command line: the run, what to print, what to write."""

    run: RunSettings
    explain: bool = False  # print the first iteration instead of training
    json: bool = False  # print one JSON document instead of the text report
    verbose: bool = False  # let TensorFlow's own log through
    files: OutputFiles = field(default_factory=OutputFiles)
    load: str | None = None  # --load PATH.keras: the saved run this one resumes (Keras)
    backend: str = "tensorflow"  # ann_keras.py --backend: Keras's backend (KERAS_BACKENDS)


@dataclass(frozen=True)
class ComparisonSettings:
    """compare_implementations.py's command line: the run every implementation makes
    (or the study it runs instead), and how the results are printed."""

    run: RunSettings
    output: str = "table"  # "table", "json" or "csv"
    verbose: bool = False  # let TensorFlow's own log through
    #: --optimizer all: every optimizer, the command line's hyperparameters (or none)
    every_optimizer: tuple[Optimizer, ...] = ()
    study: StudySettings | XorStudySettings | None = None  # --study: the study instead
    #: --frameworks: the FRAMEWORKS names that train (None: every one installed)
    frameworks: tuple[str, ...] | None = None


@dataclass(frozen=True)
class PictureSettings:
    """plot_tensorflow_results.py's command line: which picture (or study), of which
    run, into which folder."""

    run: RunSettings  # the run a picture draws (NumPy, float64), or the six runs' settings
    out_dir: str = "."  # where the files go, created if missing
    picture: str | None = None  # the one picture asked for (None: the two figures)
    iteration: int = 1  # the iteration --network shows
    verbose: bool = False  # let TensorFlow's own log through
    study: StudySettings | XorStudySettings | None = None  # --study: the study instead


def hyperparameters_given(args: Namespace) -> dict[str, float]:
    """{hyperparameter: value} of the optimizer options the command line gave."""
    given = {
        "momentum": args.momentum,
        "rho": args.rho,
        "beta1": args.beta1,
        "beta2": args.beta2,
        "epsilon": args.epsilon,
    }
    return {name: value for name, value in given.items() if value is not None}


def optimizer_from(name: str, args: Namespace, *, formulas: str = "keras") -> Optimizer:
    """The Optimizer ``name`` with the hyperparameters that the command line gives and it
    uses, following ``formulas``' formulas (numpy_ref.optimizers.FORMULAS)."""
    uses = dict(OPTIMIZERS[name].defaults)
    return Optimizer.named(
        name,
        formulas=formulas,
        **{
            hyperparameter: value
            for hyperparameter, value in hyperparameters_given(args).items()
            if hyperparameter in uses
        },
    )


def check_optimizer_options(parser: ArgumentParser, args: Namespace) -> None:
    """A parser error for a hyperparameter that --optimizer NAME does not use."""
    if args.optimizer not in OPTIMIZERS:  # "all": every hyperparameter is used by one
        return
    uses = dict(OPTIMIZERS[args.optimizer].defaults)
    for dest in hyperparameters_given(args):
        if dest not in uses:
            parser.refuse(
                dest,
                f"not used by --optimizer {args.optimizer}"
                f" (it takes {', '.join('--' + k for k in uses) or 'none'})",
            )


#: What each option whose value a float32 run computes with must stay.
FLOAT32_CONDITIONS = {
    "lr": "above 0",
    "momentum": "below 1",
    "rho": "below 1",
    "beta1": "below 1",
    "beta2": "below 1",
    "epsilon": "above 0",
    "decay_rate": "above 0",
    "until_loss": "above 0",
    "l1": "finite",
    "l2": "finite",
}


def check_float32(parser: ArgumentParser, values: Mapping[str, float | None]) -> None:
    """A parser error for a value (``values``: {dest: value}) that float32 turns into
    something the option refuses: 0.99999999 rounds to 1, 1e300 overflows, 1e-50
    becomes 0."""
    for dest, value in values.items():
        if value is None:
            continue
        condition = FLOAT32_CONDITIONS[dest]
        with np.errstate(over="ignore"):  # a value beyond float32's range becomes inf
            rounded = float(np.float32(value))
        if rounded == math.inf:  # whatever the condition: inf is not "not above 0"
            broken = "finite"
        elif {"below 1": rounded >= 1, "above 0": rounded <= 0, "finite": False}[condition]:
            broken = condition
        else:
            continue
        parser.refuse(
            dest,
            f"{exact(value)} becomes {rounded:g} in float32, which is not {broken};"
            " use a value float32 can hold, or --dtype float64, which keeps it",
        )


def training_from(parser: ArgumentParser, args: Namespace, *, float32: bool) -> Training:
    """The Training that the optimizer, schedule, stopping and penalty options ask for
    (the trainers' command lines); ``float32``: the run computes in float32, so
    every value must survive the rounding.  The optimizer follows --formulas, or
    where the script has no such option its own framework's formulas (both
    args.formulas: console.arguments.training_parser)."""
    stopping = {
        "decay_rate": args.decay_rate,
        "until_loss": args.until_loss,
        "l1": args.l1,
        "l2": args.l2,
    }
    if float32:
        check_float32(parser, {"lr": args.lr, **hyperparameters_given(args), **stopping})
    check_optimizer_options(parser, args)
    uses = SCHEDULES[args.lr_schedule].uses
    for dest, value in (("decay_steps", args.decay_steps), ("decay_rate", args.decay_rate)):
        if value is not None and dest not in uses:
            parser.refuse(dest, f"not used by --lr-schedule {args.lr_schedule}")
    if args.decay_rate is not None and args.decay_rate > 1:
        # lr0 · R^(k/S) with R > 1 grows with every update: not a decay
        parser.refuse("decay_rate", f"{exact(args.decay_rate)} {GROWING_DECAY}")
    return Training(
        optimizer=optimizer_from(args.optimizer, args, formulas=args.formulas),
        schedule=Schedule.named(args.lr_schedule, args.decay_steps, args.decay_rate),
        until_loss=args.until_loss,
        l1=args.l1,
        l2=args.l2,
    )


def optimizer_training_from(
    parser: ArgumentParser, args: Namespace, *, float32: bool
) -> Training | None:
    """The Training of --optimizer NAME alone, for the scripts without the schedule and
    penalty options (None for --optimizer all)."""
    if float32:
        check_float32(parser, {"lr": args.lr, **hyperparameters_given(args)})
    check_optimizer_options(parser, args)
    if args.optimizer not in OPTIMIZERS:
        return None
    return Training(optimizer=optimizer_from(args.optimizer, args))


def _samples(data: DataSet) -> str:
    return f"{data.samples} sample{'s' * (data.samples != 1)} of {data.name}"


def example_from(
    parser: ArgumentParser, args: Namespace, *, study: bool | None = None, dtype: str = "float64"
) -> Example:
    """The Example from --lr and the data options; a parser error for a data file that
    cannot be used or options that do not fit together.  ``study``: whether --study
    was given (None: the script has no --study), whose random starts --seed seeds too;
    ``dtype``: the float type the run computes in, which must hold every CSV cell."""
    try:
        data = data_set(args.data, dtype)
    except DataError as error:
        parser.refuse("data", str(error))
    if args.seed is not None and args.init != "random" and not study:
        parser.refuse(
            "seed", "only used by --init random" + (" and --study" if study is not None else "")
        )
    if args.batch_size is not None and args.batch_size > data.samples:
        parser.refuse("batch_size", f"{args.batch_size} is more than the {_samples(data)}")
    example = replace(
        MAZUR, data=data, train_biases=args.train_biases, batch_size=args.batch_size
    ).with_learning_rate(args.lr)
    if args.init == "random":
        example = example.with_random_weights(0 if args.seed is None else args.seed)
    return example


def check_replicas(parser: ArgumentParser, example: Example, replicas: int) -> None:
    """A parser error unless every batch splits evenly over ``replicas`` devices.

    Every batch, the last of each pass included (samples - q B), splits
    evenly exactly when the sample count and the batch size are both
    multiples of R.
    """
    if replicas > example.samples:
        parser.refuse(
            "replicas",
            f"{replicas} replicas need at least {replicas} samples,"
            f" and {example.data.name} has {example.samples}",
        )
    if example.samples % replicas:
        parser.refuse(
            "replicas",
            f"the {_samples(example.data)} cannot be split evenly over"
            f" {replicas} replicas with any --batch-size (the last batch of a pass"
            f" would not split); choose a number of replicas that divides"
            f" {example.samples}",
        )
    if example.batch % replicas:
        parser.refuse(
            "replicas",
            f"a batch of {example.batch} samples cannot be split evenly"
            f" over {replicas} replicas; choose a --batch-size that is a multiple"
            f" of {replicas}",
        )


def trainer_settings(
    parser: ArgumentParser, args: Namespace, *, default_dtype: str
) -> TrainerSettings:
    """A trainer's TrainerSettings; --dtype's default is float64 for --explain, else
    ``default_dtype``; with --load (ann_keras.py), the saved run's settings."""
    run = _resumed_run(parser, args) if args.load else _new_run(parser, args, default_dtype)
    if args.replicas > 1:
        check_replicas(parser, run.example, args.replicas)
    files = OutputFiles(
        logdir=args.logdir,
        save=args.save,
        export=args.export,
        tflite=args.tflite,
        quantize=args.quantize,
    )
    # only ann_keras.py has --backend; the other scripts train on TensorFlow whatever
    # KERAS_BACKEND says (frameworks/tensorflow_backend.py)
    backend = getattr(args, "backend", "tensorflow")
    return TrainerSettings(run, args.explain, args.json, args.verbose, files, args.load, backend)


def _new_run(parser: ArgumentParser, args: Namespace, default_dtype: str) -> RunSettings:
    """The run that a trainer's command line asks for."""
    dtype = args.dtype or ("float64" if args.explain else default_dtype)
    training = training_from(parser, args, float32=dtype == "float32")
    example = example_from(parser, args, dtype=dtype)
    return RunSettings(
        args.iterations,
        args.update,
        example,
        dtype,
        training=training,
        loss=args.loss,
        replicas=args.replicas,
    )


def _resumed_run(parser: ArgumentParser, args: Namespace) -> RunSettings:
    """--load PATH: the run saved in PATH, which the options given must not contradict
    (console/resume.py); ITERATIONS, --until-loss and --replicas are this command's."""
    run = resumed_run(parser, args.load, {dest: getattr(args, dest) for dest in parser.given})
    if run.dtype == "float32":
        check_float32(parser, {"until_loss": args.until_loss})
    training = replace(run.training, until_loss=args.until_loss)
    return replace(run, iterations=args.iterations, training=training, replicas=args.replicas)


def check_study_options(parser: ArgumentParser, args: Namespace) -> None:
    """A parser error for an option that the chosen study does not take."""
    if args.data not in STUDIED_DATA:
        parser.refuse("data", f"--study studies {' or '.join(STUDIED_DATA)}, not {args.data}")
    if args.data == "xor":
        if "threshold" in parser.given:
            parser.refuse(
                "threshold",
                "not used by the XOR study, which counts the updates"
                " until every output is on the right side of 0.5,"
                " not until a loss",
            )
        for dest in ("optimizer", *(d for d, *_ in HYPERPARAMETER_OPTIONS)):
            if dest in parser.given:
                parser.refuse(
                    dest,
                    "not used by the XOR study, which trains sgd, momentum"
                    " and adam itself, with Keras's defaults",
                )
    if args.optimizer == "all":
        parser.refuse("optimizer", "--study takes one optimizer, not all")


def study_from(args: Namespace, optimizer: Optimizer | None) -> StudySettings | XorStudySettings:
    """The study that --study asks for (check_study_options has passed): the XOR study
    with --data xor, else the update-order study under ``optimizer`` (None: plain SGD),
    on its own grid of learning rates."""
    optimizer = optimizer or Optimizer()
    given = {"starts": args.starts, "seed": args.seed, "max_iterations": args.max_iterations}
    given = {name: value for name, value in given.items() if value is not None}
    if args.data == "xor":
        return XorStudySettings(**given)
    if args.threshold is not None:
        given["threshold"] = args.threshold
    return StudySettings(learning_rates=rate_grid(optimizer), optimizer=optimizer, **given)


def _run_and_study(
    parser: ArgumentParser, args: Namespace, *, update: str = "parallel", numpy_only: bool = False
) -> tuple[RunSettings, StudySettings | XorStudySettings | None]:
    """The run that the run, optimizer and data options ask for, and the study that
    --study asks for instead (None without it): for the two scripts that take both.
    Under --optimizer all the run's training is plain SGD.  ``numpy_only``: the run
    is a picture's, NumPy's in float64 whatever --dtype says (as the study is)."""
    if args.study:
        check_study_options(parser, args)
    float32 = args.dtype == "float32" and not args.study and not numpy_only
    training = optimizer_training_from(parser, args, float32=float32)
    example = example_from(
        parser, args, study=args.study, dtype="float32" if float32 else "float64"
    )
    study = study_from(args, training.optimizer if training else None) if args.study else None
    run = RunSettings(args.iterations, update, example, args.dtype, training=training or Training())
    return run, study


def comparison_settings(parser: ArgumentParser, args: Namespace) -> ComparisonSettings:
    """compare_implementations.py's ComparisonSettings."""
    run, study = _run_and_study(parser, args)
    every = (
        tuple(optimizer_from(name, args) for name in OPTIMIZERS) if args.optimizer == "all" else ()
    )
    output = "json" if args.json else "csv" if args.csv else "table"
    if args.frameworks and (problem := frameworks_problem(args.frameworks, run.under_each(every))):
        parser.refuse("frameworks", problem)
    return ComparisonSettings(
        run,
        output=output,
        verbose=args.verbose,
        every_optimizer=every,
        study=study,
        frameworks=args.frameworks,
    )


#: Options that only a picture (or --study, for --data and --seed) uses.
PICTURE_ONLY = ("iteration", "update", *DATA_OPTIONS)
STUDY_USES = ("data", "seed")


def _users(dest: str, takes: dict[str, tuple[str, ...]]) -> str:
    """'--network, --animate or --gradients': the modes that take ``dest``."""
    users = [f"--{name}" for name, taken in takes.items() if dest in taken]
    if dest in STUDY_USES:
        users.insert(0, "--study")
    return ", ".join(users[:-1]) + " or " + users[-1] if len(users) > 1 else users[0]


def check_picture_options(
    parser: ArgumentParser, args: Namespace, takes: dict[str, tuple[str, ...]]
) -> None:
    """A parser error for an option the chosen picture (or the figures, or the study)
    would ignore, and for an --iteration beyond --iterations.  ``takes``: {picture:
    the dests of the options it uses}."""
    if args.study and args.picture:
        parser.refuse("study", f"not allowed with argument --{args.picture}")
    if args.picture:
        for dest in sorted(parser.given - {"picture", "out_dir", *takes[args.picture]}):
            parser.refuse(dest, f"not used by --{args.picture}")
        if args.iteration > args.iterations:
            parser.refuse("iteration", f"{args.iteration} is beyond --iterations {args.iterations}")
        return
    ignored = set(PICTURE_ONLY) - (set(STUDY_USES) if args.study else set())
    for dest in sorted(parser.given & ignored):
        parser.refuse(dest, f"only allowed with argument {_users(dest, takes)}")


def picture_settings(
    parser: ArgumentParser, args: Namespace, *, takes: dict[str, tuple[str, ...]]
) -> PictureSettings:
    """plot_tensorflow_results.py's PictureSettings; ``takes``: {picture: the dests of
    the options it uses}."""
    check_picture_options(parser, args, takes)
    run, study = _run_and_study(
        parser, args, update=args.update, numpy_only=args.picture is not None
    )
    return PictureSettings(
        run,
        out_dir=args.out_dir,
        picture=args.picture,
        iteration=args.iteration,
        verbose=args.verbose,
        study=study,
    )
