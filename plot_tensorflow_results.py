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
"""

import console  # noqa: F401  first: Ctrl-C during the imports below ends quietly

# isort: split

import os
import sys
from dataclasses import dataclass

import numpy as np

from console.arguments import (
    DATA_OPTIONS,
    HYPERPARAMETER_OPTIONS,
    add_data_arguments,
    add_run_arguments,
    add_training_arguments,
    iteration_count,
    parse_data_settings,
    parse_training_settings,
    whole_number,
    writable_folder,
)
from console.parser import ArgumentParser, add_verbose_argument
from console.process import (
    EXIT_DIVERGED,
    EXIT_WRITE_FAILED,
    quiet_tensorflow_logs,
    stops_cleanly,
)
from console.study import (
    add_study_arguments,
    check_study_options,
    run_and_summarise,
    study_settings,
)
from figures.runs import Diverged
from figures.style import DPI, FIGURE_SIZE, LOG_FLOOR, SERIES_STYLES, finish, write_picture
from implementations import FRAMEWORKS, find
from numpy_ref import MAZUR
from numpy_ref.trainers import UPDATE_ORDERS
from support.files import folder_for_results

COMPARISON_FILE = "tensorflow_keras_comparison.png"
DYNAMICS_FILE = "training_dynamics.png"
STUDY_FILE = "update_order_study.png"  # SGD's; another optimizer's adds _NAME
XOR_STUDY_FILE = "xor_study.png"
#: One line style per implementation (implementations.IMPLEMENTATIONS names),
#: so the lines stay apart in greyscale too.
RUN_STYLES = {
    "numpy-sequential": dict(color="0.55", linestyle="-", linewidth=4, alpha=0.6),
    "numpy-parallel": dict(color="black", linestyle="-", linewidth=1.2),
    "tensorflow-parallel": dict(color="tab:orange", linestyle="--", linewidth=1.5),
    "tensorflow-sequential": dict(color="tab:red", linestyle="-.", linewidth=1.5),
    "keras-sequential": dict(color="tab:blue", linestyle=":", linewidth=2),
    "keras-parallel": dict(color="tab:green", linestyle=(0, (6, 2, 1, 2, 1, 2)),
                           linewidth=1.0),
}


def _label(implementation, result):
    return f"{implementation.label} {implementation.update} ({result.dtype})"


def _iterations(result):
    return np.arange(1, result.iterations + 1)


def comparison_figure(runs):
    """Loss, outputs, order gap and rounding: every implementation at once."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=FIGURE_SIZE, dpi=DPI, layout="constrained")
    (loss_ax, output_ax), (gap_ax, rounding_ax) = figure.subplots(2, 2)
    run = dict(runs)

    for implementation, result in runs:
        loss_ax.semilogy(_iterations(result), result.losses,
                         label=_label(implementation, result),
                         **RUN_STYLES[implementation.name])
    finish(loss_ax, "Loss per iteration, every run", "iteration",
            "E_total = sum 1/2 (target - out)^2")

    reference = run[find("numpy", "sequential")]
    steps = _iterations(reference)
    for k, style in zip(range(2), SERIES_STYLES):
        output_ax.plot(steps, reference.outputs[:, k], label=f"out_o{k + 1}", **style)
        output_ax.axhline(reference.target[k], color="0.4", linewidth=0.8,
                          linestyle=(0, (1, 3)), label=f"target o{k + 1} = {reference.target[k]:g}")
    finish(output_ax, "Outputs approaching their targets (NumPy sequential)",
            "iteration", "output activation")

    for framework, style in zip(FRAMEWORKS.values(), SERIES_STYLES):
        sequential = run[find(framework.name, "sequential")]
        parallel = run[find(framework.name, "parallel")]
        gap_ax.plot(_iterations(sequential), sequential.losses - parallel.losses,
                    label=f"{framework.title} ({sequential.dtype})", **style)
    finish(gap_ax, "Sequential minus parallel loss", "iteration",
            "loss difference (sequential - parallel)")

    for implementation, result in runs:
        if implementation.is_reference:
            continue
        distance = np.abs(result.losses - run[find("numpy", implementation.update)].losses)
        rounding_ax.semilogy(_iterations(result), np.maximum(distance, LOG_FLOOR),
                             label=_label(implementation, result),
                             **RUN_STYLES[implementation.name])
    finish(rounding_ax, "Distance from the same-order NumPy reference",
            "iteration", f"|loss - reference loss| (0 drawn at {LOG_FLOOR:g})")
    return figure


def dynamics_figure(runs):
    """What happens inside the reference network while it learns."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=FIGURE_SIZE, dpi=DPI, layout="constrained")
    (hidden_ax, hidden_w_ax), (output_w_ax, split_ax) = figure.subplots(2, 2)
    run = dict(runs)
    sequential = run[find("numpy", "sequential")]
    parallel = run[find("numpy", "parallel")]
    steps = _iterations(sequential)

    for k, style in zip(range(2), SERIES_STYLES):
        hidden_ax.plot(steps, sequential.hidden[:, k], label=f"out_h{k + 1}", **style)
    finish(hidden_ax, "Hidden activations (NumPy sequential)", "iteration",
            "hidden activation")

    for k, style in enumerate(SERIES_STYLES):
        hidden_w_ax.plot(steps, sequential.hidden_weights[:, k // 2, k % 2],
                         label=f"w{k + 1}", **style)
        output_w_ax.plot(steps, sequential.output_weights[:, k // 2, k % 2],
                         label=f"w{k + 5}", **style)
    finish(hidden_w_ax, "Hidden weights w1..w4 (NumPy sequential)", "iteration",
            "weight value")
    finish(output_w_ax, "Output weights w5..w8 (NumPy sequential)", "iteration",
            "weight value")

    for k, style in enumerate(SERIES_STYLES):
        split_ax.plot(steps, sequential.hidden_weights[:, k // 2, k % 2]
                      - parallel.hidden_weights[:, k // 2, k % 2], label=f"w{k + 1}", **style)
    finish(split_ax, "Where the orders differ: w1..w4, sequential - parallel",
            "iteration", "weight difference")
    return figure


def study_file(optimizer):
    """update_order_study.png for SGD, update_order_study_NAME.png for another optimizer."""
    stem, extension = os.path.splitext(STUDY_FILE)
    return STUDY_FILE if optimizer.name == "sgd" else f"{stem}_{optimizer.name}{extension}"


def study_figure(summaries, settings):
    """The update-order study: who wins, by how much, at each learning rate."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=FIGURE_SIZE, dpi=DPI, layout="constrained")
    if settings.optimizer.name != "sgd":
        figure.suptitle(f"Update-order study under {settings.optimizer.describe()}")
    (share_ax, ratio_ax), (updates_ax, saved_ax) = figure.subplots(2, 2)
    rates = np.array([s.learning_rate for s in summaries])
    runs = np.array([s.runs for s in summaries], dtype=float)

    for (name, counts), style in zip(
        (("sequential fewer updates", [s.wins for s in summaries]),
         ("as many", [s.ties for s in summaries]),
         ("sequential more updates", [s.losses for s in summaries])),
        SERIES_STYLES,
    ):
        share_ax.semilogx(rates, 100 * np.array(counts) / runs, marker="o", markersize=3,
                          label=name, **style)
    finish(share_ax, "Which order reached the threshold first", "learning rate",
            "share of paired runs (%)")

    low, high = np.array([s.ratio_quartiles for s in summaries]).T
    ratio_ax.fill_between(rates, low, high, color="0.85", label="25th-75th percentile")
    ratio_ax.semilogx(rates, [s.median_ratio for s in summaries], marker="o", markersize=3,
                      label="median", **SERIES_STYLES[0])
    ratio_ax.axhline(1.0, color="0.4", linewidth=0.8, linestyle=(0, (1, 3)),
                     label="1 = as many updates")
    finish(ratio_ax, "Updates needed, sequential / parallel", "learning rate",
            "ratio of updates (sequential / parallel)")

    for update, style in zip(("parallel", "sequential"), SERIES_STYLES):
        updates_ax.semilogx(rates, [s.median_updates[update] for s in summaries], marker="o",
                            markersize=3, label=update, **style)
    if any(s.median_updates[u] > 0 for s in summaries for u in s.median_updates):
        updates_ax.set_yscale("log")  # a log scale needs a run that took an update
    finish(updates_ax, f"Median updates to reach loss < {settings.threshold:g}",
            "learning rate", "updates")

    saved_ax.semilogx(rates, [s.mean_saved for s in summaries], marker="o", markersize=3,
                      label="parallel - sequential, mean", **SERIES_STYLES[0])
    saved_ax.axhline(0.0, color="0.4", linewidth=0.8, linestyle=(0, (1, 3)),
                     label="0 = as many updates")
    finish(saved_ax, "Updates sequential saves, per run", "learning rate",
            "updates saved (mean over starts)")
    return figure


def build_figures(runs):
    """{file name: matplotlib Figure} for the two figures."""
    return {COMPARISON_FILE: comparison_figure(runs), DYNAMICS_FILE: dynamics_figure(runs)}


def study_figures(settings):
    """{file name: Figure} for --study: runs the study (NumPy only) and draws it."""
    summaries = run_and_summarise(settings, progress=True)
    return {study_file(settings.optimizer): study_figure(summaries, settings)}


def xor_study_figures(args):
    """{file name: Figure} for --study --data xor: runs the XOR study and draws it."""
    from console.xor_study import run_and_summarise as run_xor
    from console.xor_study import xor_settings

    settings = xor_settings(args)
    summaries, runs = run_xor(settings, progress=True)
    return {XOR_STUDY_FILE: xor_study_figure(summaries, runs, settings)}


def _setup_style(setup):
    """Colour by biases and batches (or optimizer), line style by update order."""
    colour = {("sgd", True, False): "tab:blue", ("sgd", True, True): "tab:cyan",
              ("sgd", False, False): "tab:red", ("sgd", False, True): "tab:orange",
              ("momentum", True, False): "tab:green", ("adam", True, False): "tab:purple"}
    online = setup.batch_size == 1
    return dict(color=colour[setup.optimizer, setup.train_biases, online],
                linestyle="-" if setup.update == "sequential" else "--",
                marker="o" if setup.update == "sequential" else "s", markersize=3)


def _plot_shares(ax, summaries, setups, title):
    from matplotlib.lines import Line2D

    styles = {setup: _setup_style(setup) for setup in setups}
    for setup, style in styles.items():
        outcomes = summaries[setup]
        ax.semilogx([o.learning_rate for o in outcomes], [100 * o.share for o in outcomes],
                    **style)
    # One legend entry per colour (the set-up but its order) and one per order's
    # line style, above 100%, where no curve goes.
    colours = {setup.label.rsplit(", ", 1)[0]: style["color"] for setup, style in styles.items()}
    orders = {setup.update: style for setup, style in styles.items()}
    handles = [Line2D([], [], color=colour, label=label) for label, colour in colours.items()]
    handles += [Line2D([], [], color="0.3", linestyle=style["linestyle"], marker=style["marker"],
                       markersize=3, label=update) for update, style in orders.items()]
    ax.set_ylim(-2, 100 + 8 * -(-len(handles) // 2))  # room for the legend's rows
    ax.set_yticks(range(0, 101, 20))
    finish(ax, title, "learning rate", "starts that solved XOR (%)", legend=False)
    ax.legend(handles=handles, fontsize=7, ncol=2, loc="upper left", columnspacing=1.0,
              handlelength=1.6)


def _output_map(ax, figure, parameters, title):
    """o1 over the input square [0, 1]^2 for one network, the four samples marked."""
    from numpy_ref.data import XOR_DATA
    from numpy_ref.network import forward

    grid = np.linspace(-0.1, 1.1, 121)  # a margin, so that the corners' marks show whole
    i1, i2 = np.meshgrid(grid, grid)
    points = np.stack([i1.ravel(), i2.ravel()], axis=-1)
    _, output = forward(points, *parameters)
    image = ax.imshow(output[:, 0].reshape(i1.shape), origin="lower",
                      extent=(-0.1, 1.1, -0.1, 1.1), vmin=0, vmax=1, cmap="coolwarm",
                      aspect="equal")
    ax.contour(i1, i2, output[:, 0].reshape(i1.shape), levels=[0.5], colors="black",
               linewidths=1)
    for (x1, x2), (t1, _) in zip(XOR_DATA.inputs, XOR_DATA.targets):
        ax.plot(x1, x2, marker="o", markersize=9, color="white" if t1 else "black",
                markeredgecolor="black")  # white: target o1 = 1, black: 0
    figure.colorbar(image, ax=ax, label="o1", shrink=0.85)
    finish(ax, title, "i1", "i2", legend=False)


def xor_study_figure(summaries, runs, settings):
    """The XOR study: the solved share by learning rate for every set-up, and o1 over
    the input square for one solved and one stuck network."""
    from matplotlib.figure import Figure

    from numpy_ref.study import CAPPED
    from numpy_ref.trainers import Parameters
    from numpy_ref.xor_study import best

    figure = Figure(figsize=FIGURE_SIZE, dpi=DPI, layout="constrained")
    figure.suptitle(f"XOR study: {settings.starts} random starts per set-up and learning"
                    f" rate, at most {settings.max_iterations} updates")
    (sgd_ax, other_ax), (solved_ax, stuck_ax) = figure.subplots(2, 2)
    sgd = [setup for setup in summaries if setup.optimizer == "sgd"]
    _plot_shares(sgd_ax, summaries, sgd, "SGD: biases, batches, orders")
    compared = [setup for setup in summaries
                if setup.train_biases and setup.batch_size > 1]
    _plot_shares(other_ax, summaries, compared,
                 "Trained biases, full batches: SGD, momentum, Adam")

    # One solved and one stuck start of the first set-up, at its best learning rate.
    run = runs[0]
    rate = [o.learning_rate for o in summaries[run.setup]].index(
        best(summaries[run.setup]).learning_rate)
    updates = run.updates[rate]
    for ax, index, what in ((solved_ax, np.flatnonzero(updates >= 0), "solved"),
                            (stuck_ax, np.flatnonzero(updates == CAPPED), "stuck")):
        if not index.size:
            ax.set_axis_off()
            ax.set_title(f"no start {what} XOR here", fontsize=10)
            continue
        network = rate * settings.starts + index[0]
        parameters = Parameters(*(p[network] for p in run.final))
        when = updates[index[0]] if what == "solved" else settings.max_iterations
        _output_map(ax, figure, parameters,
                    f"o1 of a network {what} after {when} updates (samples: target o1)"
                    f"\n{run.setup.label}, lr {run.learning_rates[rate]:g},"
                    f" start {index[0]}")
    return figure


def network_picture(args):
    from figures.network import network_picture

    return network_picture(args.iterations, args.iteration, args.update, args.example,
                           args.training)


def graph_picture(args):
    quiet_tensorflow_logs(args.verbose)
    from figures.computation_graph import computation_graph_picture
    from frameworks.computation_graph import first_iteration_graph

    return computation_graph_picture(first_iteration_graph())


def _reference_steps():
    """numpy_ref's loop wrapper: a progress bar on a long run, at a terminal."""
    from support.progress import watched

    return watched(FRAMEWORKS["numpy"].seconds_per_iteration)


def animation_picture(args):
    from figures.animation import animation_picture

    return animation_picture(args.iterations, args.update, args.example, args.training,
                             _reference_steps())


def gradients_picture(args):
    from figures.gradient_sizes import gradients_picture

    return gradients_picture(args.iterations, args.example, args.training, _reference_steps())


@dataclass(frozen=True)
class Picture:
    """A picture of one reference run (or of its first iteration), chosen by --NAME."""

    help: str
    takes: tuple  # the dests of the options it uses (--out-dir aside)
    draw: object  # (args) -> ({file name: Figure or animation}, lines to print)


#: The options of a run that a picture trains (NumPy, float64): N, lr, optimizer, data.
RUN_OPTIONS = ("iterations", "lr", "optimizer", *(d for d, *_ in HYPERPARAMETER_OPTIONS),
               *DATA_OPTIONS)
PICTURES = {
    "network": Picture(
        "write network.png: the network as the tutorial draws it, at iteration --iteration"
        " of a run in the --update order: every neuron's net and out, and on every edge w,"
        " dE/dw and w+ (NumPy, float64)", (*RUN_OPTIONS, "update", "iteration"),
        network_picture),
    "graph": Picture(
        "write computation_graph.png: iteration 1's E_total as a graph of operations, each"
        " node with its value and dE/d(node), from tf.GradientTape", ("verbose",),
        graph_picture),
    "animate": Picture(
        "write training.gif: the network over a run in the --update order, frames at"
        " iterations spaced logarithmically from 1 to N, with the loss curve (NumPy,"
        " float64)",
        (*RUN_OPTIONS, "update"), animation_picture),
    "gradients": Picture(
        "write gradients.png: |dE/dw| of w1..w8 over a run in both orders, and the hidden"
        " layer's gradient size over the output layer's (NumPy, float64)", RUN_OPTIONS,
        gradients_picture),
}
#: Options that only a picture (or --study, for --data and --seed) uses.
PICTURE_ONLY = ("iteration", "update", *DATA_OPTIONS)
STUDY_USES = ("data", "seed")


def add_picture_arguments(parser):
    group = parser.add_argument_group(
        "pictures", "one picture instead of the two figures; README: Pictures")
    for name, picture in PICTURES.items():
        group.add_argument(f"--{name}", action="store_true", help=picture.help)
    group.add_argument("--iteration", type=whole_number(1), default=1, metavar="K",
                       help="the iteration --network shows, 1 to --iterations (default: 1,"
                       " the tutorial's)")
    group.add_argument("--update", choices=UPDATE_ORDERS, default="parallel",
                       help="the update order of --network and --animate (default:"
                       " parallel, the tutorial's)")


def _chosen_mode(parser, args):
    """The one picture or study asked for (None: the two figures)."""
    chosen = [name for name in (*PICTURES, "study") if getattr(args, name)]
    if len(chosen) > 1:
        parser.refuse(chosen[1], f"not allowed with argument --{chosen[0]}")
    return chosen[0] if chosen else None


def _users(dest):
    """'--network, --animate or --gradients': the modes that take ``dest``."""
    users = [f"--{name}" for name, picture in PICTURES.items() if dest in picture.takes]
    if dest in STUDY_USES:
        users.insert(0, "--study")
    return ", ".join(users[:-1]) + " or " + users[-1] if len(users) > 1 else users[0]


def check_picture_options(parser, args):
    """A parser error for an option the chosen picture (or the figures) would ignore,
    and for an --iteration beyond --iterations."""
    mode = _chosen_mode(parser, args)
    if mode in PICTURES:
        for dest in sorted(parser.given - {mode, "out_dir", *PICTURES[mode].takes}):
            parser.refuse(dest, f"not used by --{mode}")
        if args.iteration > args.iterations:
            parser.refuse("iteration", f"{args.iteration} is beyond --iterations"
                          f" {args.iterations}")
        return
    ignored = set(PICTURE_ONLY) - (set(STUDY_USES) if mode == "study" else set())
    for dest in sorted(parser.given & ignored):
        parser.refuse(dest, f"only allowed with argument {_users(dest)}")


def parse_args(argv=None):
    parser = ArgumentParser("plot_tensorflow_results.py", __doc__)
    parser.add_argument(
        "--iterations", type=iteration_count, default=1000, metavar="N",
        help="training updates per run (default: 1000)",
    )
    add_run_arguments(parser)
    parser.add_argument(
        "--out-dir", type=writable_folder("output"), default=".", metavar="DIR",
        help="folder for the PNG and GIF files, created if missing (default: the current"
        " folder)",
    )
    add_picture_arguments(parser)
    add_data_arguments(parser, study=True)
    add_training_arguments(parser, stopping=False)
    add_study_arguments(parser, data_options=False)
    # A study trains from its own random starts, its own way, on mazur or xor.
    parser.not_with("study", "train_biases", "init", "batch_size")
    add_verbose_argument(parser)
    args = parser.parse_args(argv)
    check_picture_options(parser, args)
    if args.study:
        check_study_options(parser, args)
    parse_training_settings(parser, args)
    parse_data_settings(parser, args)
    return args


def comparison_figures(args):
    """({file name: Figure}, lines) for the two figures: all six runs, on Mazur's sample."""
    quiet_tensorflow_logs(args.verbose)
    from implementations import run_all
    from numpy_ref.result import divergence_among

    runs = run_all(args.iterations, MAZUR.with_learning_rate(args.lr), args.dtype,
                   progress=True, training=args.training)
    problem = divergence_among(result for _, result in runs)
    if problem:
        raise Diverged(problem)
    return build_figures(runs), []


def pictures_asked(args):
    """({file name: Figure or animation}, lines to print) for the command line."""
    if args.study and args.data == "xor":
        return xor_study_figures(args), []
    if args.study:
        return study_figures(study_settings(args)), []
    for name, picture in PICTURES.items():
        if getattr(args, name):
            return picture.draw(args)
    return comparison_figures(args)


@stops_cleanly
def main(argv=None):
    args = parse_args(argv)
    try:
        pictures, lines = pictures_asked(args)
    except Diverged as problem:
        print(problem, file=sys.stderr)
        return EXIT_DIVERGED
    for name, picture in pictures.items():
        path = os.path.join(args.out_dir, name)
        try:
            with folder_for_results(args.out_dir):
                write_picture(picture, path)
        except OSError as error:
            print(f"error: cannot write {path}: {error.strerror or error}", file=sys.stderr)
            return EXIT_WRITE_FAILED
        print(f"wrote {path}")
    for line in lines:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
