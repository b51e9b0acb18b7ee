"""--study --data xor: xor_study.png, which ways of training solve XOR, and what they learn.

The study of compare_implementations.py --study --data xor
(numpy_ref.xor_study): every set-up trained from the same random starts at a
few learning rates.  Above, the share of starts that solved XOR at each
learning rate: on the left plain SGD with and without trained biases, in full
batches or online; on the right SGD, momentum and Adam with trained biases
and full batches.  Colour tells the set-up, line style the update order.
Below, o1 over the input square [0, 1]^2 for one network of the first
set-up, at its best learning rate, that solved XOR and one that got stuck,
the four samples marked with their target.
"""

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from numpy_ref.data import XOR_DATA
from numpy_ref.network import forward
from numpy_ref.study import CAPPED
from numpy_ref.trainers import Parameters
from numpy_ref.xor_study import RateOutcome, Setup, SetupRun, XorStudySettings, best

from .style import DPI, FIGURE_SIZE, Style, finish

#: {Setup: its RateOutcome at each learning rate}, as console.xor_study summarises a study.
Summaries = Mapping[Setup, Sequence[RateOutcome]]


def _setup_style(setup: Setup) -> Style:
    """Colour by biases and batches (or optimizer), line style by update order."""
    colour = {
        ("sgd", True, False): "tab:blue",
        ("sgd", True, True): "tab:cyan",
        ("sgd", False, False): "tab:red",
        ("sgd", False, True): "tab:orange",
        ("momentum", True, False): "tab:green",
        ("adam", True, False): "tab:purple",
    }
    online = setup.batch_size == 1
    return dict(
        color=colour[setup.optimizer, setup.train_biases, online],
        linestyle="-" if setup.update == "sequential" else "--",
        marker="o" if setup.update == "sequential" else "s",
        markersize=3,
    )


def _plot_shares(ax: Axes, summaries: Summaries, setups: Iterable[Setup], title: str) -> None:
    """The solved share by learning rate of each of ``setups``, with one legend."""
    styles = {setup: _setup_style(setup) for setup in setups}
    for setup, style in styles.items():
        outcomes = summaries[setup]
        ax.semilogx([o.learning_rate for o in outcomes], [100 * o.share for o in outcomes], **style)
    # One legend entry per colour (the set-up but its order) and one per order's
    # line style, above 100%, where no curve goes.
    colours = {setup.label.rsplit(", ", 1)[0]: style["color"] for setup, style in styles.items()}
    orders = {setup.update: style for setup, style in styles.items()}
    handles = [Line2D([], [], color=colour, label=label) for label, colour in colours.items()]
    handles += [
        Line2D(
            [],
            [],
            color="0.3",
            linestyle=style["linestyle"],
            marker=style["marker"],
            markersize=3,
            label=update,
        )
        for update, style in orders.items()
    ]
    ax.set_ylim(-2, 100 + 8 * -(-len(handles) // 2))  # room for the legend's rows
    ax.set_yticks(range(0, 101, 20))
    finish(ax, title, "learning rate", "starts that solved XOR (%)", legend=False)
    ax.legend(
        handles=handles, fontsize=7, ncol=2, loc="upper left", columnspacing=1.0, handlelength=1.6
    )


def _output_map(ax: Axes, figure: Figure, parameters: Parameters, title: str) -> None:
    """o1 over the input square [0, 1]^2 for one network, the four samples marked."""
    grid = np.linspace(-0.1, 1.1, 121)  # a margin, so that the corners' marks show whole
    i1, i2 = np.meshgrid(grid, grid)
    points = np.stack([i1.ravel(), i2.ravel()], axis=-1)
    with np.errstate(over="ignore"):  # e^-net = inf for very negative net: out = 0
        _, output = forward(points, *parameters)
    image = ax.imshow(
        output[:, 0].reshape(i1.shape),
        origin="lower",
        extent=(-0.1, 1.1, -0.1, 1.1),
        vmin=0,
        vmax=1,
        cmap="coolwarm",
        aspect="equal",
    )
    ax.contour(i1, i2, output[:, 0].reshape(i1.shape), levels=[0.5], colors="black", linewidths=1)
    for (x1, x2), (t1, _) in zip(XOR_DATA.inputs, XOR_DATA.targets):
        ax.plot(
            x1,
            x2,
            marker="o",
            markersize=9,
            color="white" if t1 else "black",
            markeredgecolor="black",
        )  # white: target o1 = 1, black: 0
    figure.colorbar(image, ax=ax, label="o1", shrink=0.85)
    finish(ax, title, "i1", "i2", legend=False)


def xor_study_figure(
    summaries: Summaries, runs: Sequence[SetupRun], settings: XorStudySettings
) -> Figure:
    """The XOR study: the solved share by learning rate for every set-up, and o1 over
    the input square for one solved and one stuck network."""
    figure = Figure(figsize=FIGURE_SIZE, dpi=DPI, layout="constrained")
    figure.suptitle(
        f"XOR study: {settings.starts} random starts per set-up and learning"
        f" rate, at most {settings.max_iterations} updates"
    )
    (sgd_ax, other_ax), (solved_ax, stuck_ax) = figure.subplots(2, 2)
    sgd = [setup for setup in summaries if setup.optimizer == "sgd"]
    _plot_shares(sgd_ax, summaries, sgd, "SGD: biases, batches, orders")
    compared = [setup for setup in summaries if setup.train_biases and setup.batch_size > 1]
    _plot_shares(other_ax, summaries, compared, "Trained biases, full batches: SGD, momentum, Adam")

    # One solved and one stuck start of the first set-up, at its best learning rate.
    run = runs[0]
    rate = [o.learning_rate for o in summaries[run.setup]].index(
        best(summaries[run.setup]).learning_rate
    )
    updates = run.updates[rate]
    for ax, index, what in (
        (solved_ax, np.flatnonzero(updates >= 0), "solved"),
        (stuck_ax, np.flatnonzero(updates == CAPPED), "stuck"),
    ):
        if not index.size:
            ax.set_axis_off()
            ax.set_title(f"no start {what} XOR here", fontsize=10)
            continue
        network = rate * settings.starts + index[0]
        parameters = Parameters(*(p[network] for p in run.final))
        when = updates[index[0]] if what == "solved" else settings.max_iterations
        _output_map(
            ax,
            figure,
            parameters,
            f"o1 of a network {what} after {when} updates (samples: target o1)"
            f"\n{run.setup.label}, lr {run.learning_rates[rate]:g},"
            f" start {index[0]}",
        )
    return figure
