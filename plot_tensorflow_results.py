"""Draw the two figures (tensorflow_keras_comparison.png, training_dynamics.png), a study, or a picture.

Both come from the same six runs as compare_implementations.py (NumPy in
float64, the frameworks in --dtype), each a 2x2 grid:

tensorflow_keras_comparison.png
    loss per iteration for every run (log scale); the outputs approaching
    their targets; the sequential-minus-parallel loss of each implementation;
    each framework run's distance from the NumPy run of its own order.
training_dynamics.png
    the hidden activations; w1..w4 and w5..w8 over the iterations; how far
    apart the two orders put w1..w4.

update_order_study.png (with --study, instead of the two above)
    the update-order study of compare_implementations.py --study: which
    order reaches the loss threshold first, the ratio of updates with its
    spread, the updates each order needs, and the updates sequential saves.
    With --optimizer NAME the study runs under that optimizer, on its own
    grid of learning rates, and is written to update_order_study_NAME.png
    (plain SGD's, the default, stays update_order_study.png).
xor_study.png (with --study --data xor)
    the XOR study of compare_implementations.py --study --data xor: the
    share of random starts that solve XOR at each learning rate, for every
    set-up (biases, batches, order, optimizer), and o1 over the input square
    for one network that solved XOR and one that got stuck.

One picture instead, of one reference run (NumPy, float64; figures/):

network.png (--network)
    the network as the tutorial draws it at iteration --iteration K (default
    1) in the --update order: every neuron's net and out, on every edge w,
    dE/dw and w+; edge width |w|, colour its sign.
computation_graph.png (--graph)
    iteration 1's E_total as 41 nodes (leaves and operations), each with its
    value and dE_total/d(node) from tf.GradientTape.
training.gif (--animate)
    the network over the run, frames at iterations spaced logarithmically
    from 1 to N, with the loss curve and every sample's outputs.
gradients.png (--gradients)
    |dE/dw| of w1..w8 over the run in both orders, the hidden layer's
    gradient size over the output layer's, and how far each weight moved.

Always headless (no display needed).  Each file is written whole or not at all.

    python plot_tensorflow_results.py
    python plot_tensorflow_results.py --iterations 5000 --out-dir figures
    python plot_tensorflow_results.py --study --optimizer adam
    python plot_tensorflow_results.py --study --data xor
    python plot_tensorflow_results.py --network --iteration 500 --update sequential
    python plot_tensorflow_results.py --animate --data xor --train-biases --init random --lr 8
"""  # noqa: E501  the first line is --help's, as users know it

import console  # noqa: F401  first: Ctrl-C during the imports below ends quietly

# isort: split

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass

from console.argument_types import file_problem, iteration_count, whole_number, writable_folder
from console.arguments import (
    DATA_OPTIONS,
    HYPERPARAMETER_OPTIONS,
    add_data_arguments,
    add_run_arguments,
    add_study_arguments,
    add_training_arguments,
)
from console.parser import ArgumentParser, add_verbose_argument
from console.process import EXIT_DIVERGED, EXIT_WRITE_FAILED, stops_cleanly
from console.settings import PictureSettings, picture_settings
from console.terminal import quiet_tensorflow_logs
from figures.files import (
    ANIMATION_FILE,
    COMPARISON_FILE,
    DYNAMICS_FILE,
    GRADIENTS_FILE,
    GRAPH_FILE,
    NETWORK_FILE,
    XOR_STUDY_FILE,
    study_file,
)
from figures.runs import Diverged
from figures.style import write_picture
from implementations import FRAMEWORKS
from numpy_ref.study import StudySettings
from numpy_ref.trainers import UPDATE_ORDERS
from support.files import folder_for_results


def study_figures(study: StudySettings):
    """{file name: Figure} for --study: runs the study (NumPy only) and draws it."""
    from console.study import run_and_summarise

    summaries = run_and_summarise(study, progress=True)
    from figures.update_order_study import study_figure

    return {study_file(study.optimizer.name): study_figure(summaries, study)}


def xor_study_figures(study):
    """{file name: Figure} for --study --data xor: runs the XOR study and draws it."""
    from console.xor_study import run_and_summarise as run_xor

    summaries, runs = run_xor(study, progress=True)
    from figures.xor_study import xor_study_figure

    return {XOR_STUDY_FILE: xor_study_figure(summaries, runs, study)}


def network_picture(settings):
    from figures.network import network_picture

    run = settings.run
    return network_picture(
        run.iterations, settings.iteration, run.update, run.example, run.training
    )


def graph_picture(settings):
    quiet_tensorflow_logs(settings.verbose)
    from figures.computation_graph import computation_graph_picture
    from frameworks.computation_graph import first_iteration_graph

    return computation_graph_picture(first_iteration_graph())


def _reference_steps():
    """numpy_ref's loop wrapper: a progress bar on a long run, at a terminal."""
    from support.progress import watched

    return watched(FRAMEWORKS["numpy"].seconds_per_iteration)


def animation_picture(settings):
    from figures.animation import animation_picture

    run = settings.run
    return animation_picture(
        run.iterations, run.update, run.example, run.training, _reference_steps()
    )


def gradients_picture(settings):
    from figures.gradient_sizes import gradients_picture

    run = settings.run
    return gradients_picture(run.iterations, run.example, run.training, _reference_steps())


@dataclass(frozen=True)
class Picture:
    """A picture of one reference run (or of its first iteration), chosen by --NAME."""

    help: str
    file: str  # the file it writes, in --out-dir
    takes: tuple[str, ...]  # the dests of the options it uses (--out-dir aside)
    #: (PictureSettings) -> ({file name: Figure or animation}, lines to print)
    draw: Callable[[PictureSettings], tuple[dict, list[str]]]


#: The options of a run that a picture trains (NumPy, float64): N, lr, optimizer, data.
RUN_OPTIONS = (
    "iterations",
    "lr",
    "optimizer",
    *(d for d, *_ in HYPERPARAMETER_OPTIONS),
    *DATA_OPTIONS,
)
PICTURES = {
    "network": Picture(
        "write network.png: the network as the tutorial draws it, at iteration --iteration"
        " of a run in the --update order: every neuron's net and out, and on every edge w,"
        " dE/dw and w+ (NumPy, float64)",
        NETWORK_FILE,
        (*RUN_OPTIONS, "update", "iteration"),
        network_picture,
    ),
    "graph": Picture(
        "write computation_graph.png: iteration 1's E_total as a graph of operations, each"
        " node with its value and dE/d(node), from tf.GradientTape",
        GRAPH_FILE,
        ("verbose",),
        graph_picture,
    ),
    "animate": Picture(
        "write training.gif: the network over a run in the --update order, frames at"
        " iterations spaced logarithmically from 1 to N, with the loss curve (NumPy,"
        " float64)",
        ANIMATION_FILE,
        (*RUN_OPTIONS, "update"),
        animation_picture,
    ),
    "gradients": Picture(
        "write gradients.png: |dE/dw| of w1..w8 over a run in both orders, and the hidden"
        " layer's gradient size over the output layer's (NumPy, float64)",
        GRADIENTS_FILE,
        RUN_OPTIONS,
        gradients_picture,
    ),
}


def add_picture_arguments(parser):
    group = parser.add_argument_group(
        "pictures", "one picture instead of the two figures; docs/pictures.md"
    )
    one_of = group.add_mutually_exclusive_group()
    for name, picture in PICTURES.items():
        one_of.add_argument(
            f"--{name}", action="store_const", dest="picture", const=name, help=picture.help
        )
    group.add_argument(
        "--iteration",
        type=whole_number(1),
        default=1,
        metavar="K",
        help="the iteration --network shows, 1 to --iterations (default: 1, the tutorial's)",
    )
    group.add_argument(
        "--update",
        choices=UPDATE_ORDERS,
        default="parallel",
        help="the update order of --network and --animate (default: parallel, the tutorial's)",
    )


def build_parser():
    """The script's console.parser.ArgumentParser: every option it takes."""
    parser = ArgumentParser("plot_tensorflow_results.py", __doc__)
    parser.add_argument(
        "--iterations",
        type=iteration_count,
        default=1000,
        metavar="N",
        help="training updates per run (default: 1000)",
    )
    add_run_arguments(parser)
    parser.add_argument(
        "--out-dir",
        type=writable_folder("output"),
        default=".",
        metavar="DIR",
        help="folder for the PNG and GIF files, created if missing (default: the current folder)",
    )
    add_picture_arguments(parser)
    add_data_arguments(parser, study=True)
    add_training_arguments(parser, stopping=False)
    add_study_arguments(parser)
    # A study trains from its own random starts, its own way, on mazur or xor.
    parser.not_with("study", "train_biases", "init", "batch_size")
    add_verbose_argument(parser)
    return parser


def files_asked(settings):
    """The names of the files the command line writes in --out-dir, known before
    anything trains."""
    if isinstance(settings.study, StudySettings):
        return [study_file(settings.study.optimizer.name)]
    if settings.study:
        return [XOR_STUDY_FILE]
    if settings.picture:
        return [PICTURES[settings.picture].file]
    return [COMPARISON_FILE, DYNAMICS_FILE]


def parse_args(argv=None):
    """The PictureSettings of the command line ``argv``; exit 2 on a bad one, and on a
    file that could not be written (a folder in its place): before, not after, training."""
    parser = build_parser()
    takes = {name: picture.takes for name, picture in PICTURES.items()}
    settings = picture_settings(parser, parser.parse_args(argv), takes=takes)
    for name in files_asked(settings):
        path = os.path.join(settings.out_dir, name)
        problem = file_problem(path, created=True)
        if problem:
            parser.refuse("out_dir", f"cannot write {path}: {problem}")
    return settings


def comparison_figures(settings):
    """({file name: Figure}, lines) for the two figures: all six runs, on Mazur's sample."""
    quiet_tensorflow_logs(settings.verbose)
    from implementations import run_all
    from numpy_ref.result import divergence_among

    runs = run_all(settings.run, progress=True)
    problem = divergence_among(result for _, result in runs)
    if problem:
        raise Diverged(problem)
    from figures.comparison import build_figures

    return build_figures(runs), []


def pictures_asked(settings):
    """({file name: Figure or animation}, lines to print) for the command line."""
    if isinstance(settings.study, StudySettings):
        return study_figures(settings.study), []
    if settings.study:
        return xor_study_figures(settings.study), []
    if settings.picture:
        return PICTURES[settings.picture].draw(settings)
    return comparison_figures(settings)


@stops_cleanly
def main(argv=None):
    settings = parse_args(argv)
    try:
        pictures, lines = pictures_asked(settings)
    except Diverged as problem:
        print(problem, file=sys.stderr)
        return EXIT_DIVERGED
    # A file that cannot be written loses nothing else: every other file is
    # written and the results printed, then the failure, and the exit status says so.
    failures = []
    for name, picture in pictures.items():
        path = os.path.join(settings.out_dir, name)
        try:
            with folder_for_results(settings.out_dir):
                write_picture(picture, path)
        except OSError as error:
            failures.append(f"error: cannot write {path}: {error.strerror or error}")
            continue
        print(f"wrote {path}")
    for line in lines:
        print(line)
    for problem in failures:
        print(problem, file=sys.stderr)
    return EXIT_WRITE_FAILED if failures else 0


if __name__ == "__main__":
    sys.exit(main())
