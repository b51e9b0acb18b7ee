"""--gradients: gradients.png, how large each weight's gradient is, and why w1..w4 move so little.

dE/dw1..w4 = delta_h · i with delta_h = (sum of delta_o · w) · out_h (1 - out_h):
each hidden gradient carries an output delta back through a weight and a
sigmoid slope (at most 1/4), and is then scaled by an input (0.05 and 0.10
in the tutorial).  The size of a layer's gradient is the Euclidean norm of
its four dE/dw.
"""

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure

from numpy_ref.example import Example
from numpy_ref.network import FloatArray
from numpy_ref.result import TrainingResult
from numpy_ref.trainers import UPDATE_ORDERS, Steps
from numpy_ref.training import Training

from .files import GRADIENTS_FILE as FILE
from .runs import DRAWN, describe_run, log_spaced, plural, weight_gradients
from .style import DPI, FIGURE_SIZE, LOG_FLOOR, Style, finish

if TYPE_CHECKING:  # for annotations only
    from matplotlib.axes import Axes

WEIGHTS = [f"w{k}" for k in range(1, 9)]
#: w1..w4 in shades of blue, w5..w8 in shades of orange; line styles tell them apart.
WEIGHT_STYLES: list[Style] = [
    dict(color=colour, linestyle=line)
    for colour in ("tab:blue", "tab:orange")
    for line in ("-", "--", "-.", ":")
]
ORDER_STYLES: dict[str, Style] = {
    "parallel": dict(color="black", linestyle="-"),
    "sequential": dict(color="tab:red", linestyle="--"),
}
#: Runs this short get a marker on every point, or one point would not show.
MARKED_BELOW = 30

#: {update order: (its TrainingResult, dE/dw1..dE/dw8 at each drawn iteration)}.
OrderRuns = Mapping[str, tuple[TrainingResult, FloatArray]]


def hidden_to_output(gradients: FloatArray) -> FloatArray:
    """Per update: |dE/dw1..w4| / |dE/dw5..w8|, the layers' gradient norms: inf where
    only the output layer's gradient is exactly 0, NaN where both are (0/0 is no
    ratio: the sigmoids have saturated).  Each row is scaled by its largest |dE/dw|
    first, so that a norm of huge gradients does not overflow to inf / inf."""
    largest = np.max(np.abs(gradients), axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled = gradients / largest  # a row of zeros: NaN, and so its ratio
        return np.linalg.norm(scaled[:, :4], axis=1) / np.linalg.norm(scaled[:, 4:], axis=1)


def ratio_text(ratio: float) -> str:
    """A size ratio as printed: 4 significant digits, or n/a where there is none."""
    return "n/a (both gradients are 0)" if np.isnan(ratio) else f"{ratio:.4g}"


def _line_style(at: Sequence[int]) -> Style:
    return dict(marker="o", markersize=3) if len(at) < MARKED_BELOW else {}


def _plot_sizes(ax: "Axes", at: Sequence[int], gradients: FloatArray, update: str) -> None:
    for k, style in enumerate(WEIGHT_STYLES):
        ax.loglog(
            at,
            np.maximum(np.abs(gradients[:, k]), LOG_FLOOR),
            label=WEIGHTS[k],
            **style,
            **_line_style(at),
        )
    finish(
        ax,
        f"|dE/dw| of each weight, {update} order",
        "iteration (log scale)",
        f"|dE/dw| (0 drawn at {LOG_FLOOR:g})",
    )
    ax.legend(fontsize=7, ncol=2)


def distance_moved(result: TrainingResult, example: Example) -> FloatArray:
    """|w after the run - w at its start| for w1..w8."""
    _, _, w_hidden, w_output = example.arrays("float64")
    start = np.concatenate([w_hidden.ravel(), w_output.ravel()])
    end = np.concatenate([result.final_hidden_weights.ravel(), result.final_output_weights.ravel()])
    return np.abs(end - start)


def _plot_moves(ax: "Axes", runs: OrderRuns, example: Example) -> None:
    """How far each weight got from its start, in both orders."""
    positions = np.arange(len(WEIGHTS))
    for shift, (update, (result, _)) in zip((-0.2, 0.2), runs.items()):
        ax.bar(
            positions + shift,
            distance_moved(result, example),
            width=0.4,
            label=update,
            color=ORDER_STYLES[update]["color"],
            alpha=0.75,
        )
    ax.set_xticks(positions, WEIGHTS)
    finish(
        ax,
        f"How far each weight moved in {plural(result.updates, 'update')}",
        "weight",
        "|w after - w at the start|",
    )


def gradients_figure(at: Sequence[int], runs: OrderRuns, example: Example, caption: str) -> Figure:
    figure = Figure(figsize=FIGURE_SIZE, dpi=DPI, layout="constrained")
    figure.suptitle(caption, fontsize=11)
    (parallel_ax, sequential_ax), (ratio_ax, moved_ax) = figure.subplots(2, 2)
    for ax, update in ((parallel_ax, "parallel"), (sequential_ax, "sequential")):
        _plot_sizes(ax, at, runs[update][1], update)
    ratios = {update: hidden_to_output(gradients) for update, (_, gradients) in runs.items()}
    for update, ratio in ratios.items():
        ratio_ax.loglog(at, ratio, label=update, **ORDER_STYLES[update], **_line_style(at))
    undrawn = any(np.isnan(ratio).any() for ratio in ratios.values())
    if undrawn:  # over the same iterations as the panels above, drawn or not
        ratio_ax.set_xlim(parallel_ax.get_xlim())
    finish(
        ratio_ax,
        "Hidden layer's gradient size / output layer's",
        "iteration (log scale)",
        "|dE/dw1..w4| / |dE/dw5..w8|" + ("\n(n/a, not drawn, where both are 0)" if undrawn else ""),
    )
    _plot_moves(moved_ax, runs, example)
    return figure


def _times_smaller(ratio: float) -> str:
    """' (81 times smaller)' for a ratio below 1, else nothing."""
    return f" ({1 / ratio:.0f} times smaller)" if 0 < ratio < 1 else ""


def summary_lines(at: Sequence[int], runs: OrderRuns, example: Example) -> list[str]:
    """What the picture shows, in figures: the size ratio at the first and last update,
    and how far each layer's weights moved."""
    lines = []
    for update, (result, gradients) in runs.items():
        ratio = hidden_to_output(gradients)
        moved = distance_moved(result, example)
        lines.append(
            f"{update}: hidden / output gradient size {ratio_text(ratio[0])} at iteration 1"
            f"{_times_smaller(ratio[0])}, {ratio_text(ratio[-1])} at iteration {at[-1]}"
        )
        lines.append(
            f"{update}: in {plural(result.updates, 'update')} w1..w4 moved"
            f" {moved[:4].min():.3g} to {moved[:4].max():.3g}, w5..w8"
            f" {moved[4:].min():.3g} to {moved[4:].max():.3g}"
        )
    return lines


def gradients_picture(
    iterations: int, example: Example, training: Training, steps: Steps
) -> tuple[dict[str, Figure], list[str]]:
    """({FILE: Figure}, the lines to print) for both orders of the run."""
    at = log_spaced(iterations, DRAWN)  # only these are kept and drawn
    runs = {
        update: weight_gradients(iterations, update, example, training, at, steps=steps)
        for update in UPDATE_ORDERS
    }
    caption = (
        f"Gradient sizes over {plural(iterations, 'iteration')}, both update orders:"
        f" {describe_run(None, example, training)}"
    )
    return {FILE: gradients_figure(at, runs, example, caption)}, summary_lines(at, runs, example)
