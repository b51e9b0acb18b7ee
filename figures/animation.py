"""--animate: training.gif, the network diagram over a run, with the loss curve beside it.

Frames at iterations spaced logarithmically from 1 to N (early training
changes fast, late training slowly), each the network of that iteration
(edge width and colour following the weights, o1 and o2 beside their
targets), every sample's outputs, and the loss curve with a marker at the
frame's iteration.  Written with Pillow, each frame drawn over a background
drawn once.
"""

from collections.abc import Sequence
from typing import SupportsFloat

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from numpy_ref.example import Example
from numpy_ref.network import forward
from numpy_ref.result import TrainingResult
from numpy_ref.trainers import Parameters, Steps
from numpy_ref.training import Training

from .files import ANIMATION_FILE as FILE
from .network_diagram import NetworkState, draw_network, largest_weight, state_of
from .runs import DRAWN, describe_run, log_spaced, plural, run_keeping

FRAMES = 40  # at least, where the run has as many iterations
FRAMES_PER_SECOND = 5
SIZE = (10, 5.6)  # inches, at DPI below: 800 x 448 pixels a frame
DPI = 80
SAMPLES_LISTED = 8  # beyond these, the outputs panel counts the rest


def frame_iterations(iterations: int, frames: int = FRAMES) -> list[int]:
    """The iterations drawn: at least min(frames, iterations), log-spaced from 1 to N."""
    return log_spaced(iterations, frames)


def _short(value: SupportsFloat) -> str:
    return f"{float(value):.4f}"


def _outputs_text(example: Example, parameters: Parameters) -> str:
    """Every sample's o1, o2 beside its targets, under the frame's weights."""
    x, target, _, _ = example.arrays("float64")
    with np.errstate(over="ignore"):  # e^-net = inf for very negative net: out = 0
        _, output = forward(x, *parameters)
    lines = [f"{'i1':>6} {'i2':>6}   {'o1':>6} {'o2':>6}   {'t1':>4} {'t2':>4}"]
    for inputs, out, wanted in list(zip(x, output, target))[:SAMPLES_LISTED]:
        lines.append(
            f"{inputs[0]:>6.3g} {inputs[1]:>6.3g}   {_short(out[0])} {_short(out[1])}"
            f"   {wanted[0]:>4g} {wanted[1]:>4g}"
        )
    if len(x) > SAMPLES_LISTED:
        lines.append(f"... and {len(x) - SAMPLES_LISTED} more samples")
    return "\n".join(lines)


class TrainingAnimation:
    """The frames of one run, drawn as they are written (``write``)."""

    def __init__(self, result: TrainingResult, states: Sequence[NetworkState], title: str) -> None:
        self.result, self.states, self.title = result, states, title
        self.widest = largest_weight(states)
        self.figure = Figure(figsize=SIZE, dpi=DPI)
        grid = self.figure.add_gridspec(
            2,
            2,
            width_ratios=(1.7, 1),
            left=0.01,
            right=0.98,
            top=0.9,
            bottom=0.1,
            wspace=0.12,
            hspace=0.35,
        )
        self.network_ax = self.figure.add_subplot(grid[:, 0])
        self.loss_ax = self.figure.add_subplot(grid[0, 1])
        self.outputs_ax = self.figure.add_subplot(grid[1, 1])
        self._draw_loss_curve()

    def _draw_loss_curve(self) -> None:
        drawn = log_spaced(self.result.recorded, DRAWN)
        self.loss_ax.loglog(
            drawn, self.result.losses[np.array(drawn) - 1], color="black", linewidth=1.2
        )
        (self.marker,) = self.loss_ax.loglog(
            [1], [self.result.losses[0]], marker="o", color="tab:red", markersize=7
        )
        self.loss_ax.set_title("loss of each iteration's batch", fontsize=9)
        self.loss_ax.set_xlabel("iteration", fontsize=8)
        self.loss_ax.tick_params(labelsize=7)
        self.loss_ax.grid(True, alpha=0.3)

    def _draw(self, state: NetworkState) -> None:
        _remove_drawings(self.network_ax)
        draw_network(self.network_ax, state, self.widest, details=False, number=_short)
        self.marker.set_data([state.iteration], [state.loss])
        _remove_drawings(self.outputs_ax)
        self.outputs_ax.set_axis_off()
        self.outputs_ax.text(
            0,
            1,
            _outputs_text(self.result.example, state.parameters),
            family="monospace",
            fontsize=7.5,
            va="top",
            transform=self.outputs_ax.transAxes,
        )
        self.heading = self.figure.suptitle(
            f"{self.title}\niteration {state.iteration} of"
            f" {self.result.iterations}: loss {state.loss:.6g}",
            fontsize=10,
        )

    def write(self, path: str) -> None:
        """Draw every frame into the GIF at ``path``.

        Blitting: the loss curve, its axes and their log-scale tick labels stay
        the same in every frame, so they are drawn once, as the background each
        frame starts from; a frame draws only what moves over it (the network,
        the outputs, the title, the loss marker).  The GIF is the same bytes as
        when every frame was drawn whole, in 0.6 of the time (40 frames: 5.2 s
        against 8.8 s; a whole frame's draw spent nearly half its time laying out
        the log-scale tick labels' mathtext again).
        """
        self._draw(self.states[0])  # makes every artist that moves
        moving = [self.network_ax, self.outputs_ax, self.heading, self.marker]
        for artist in moving:
            artist.set_animated(True)  # left out of a full draw
        canvas = FigureCanvasAgg(self.figure)
        canvas.draw()
        background = canvas.copy_from_bbox(self.figure.bbox)
        frames = []
        for state in self.states:
            self._draw(state)
            canvas.restore_region(background)
            for artist in moving:
                self.figure.draw_artist(artist)
            frames.append(rgb_image(canvas))
        # Written only once every frame is drawn: an interrupt leaves no GIF.
        frames[0].save(
            path,
            format="GIF",
            save_all=True,
            append_images=frames[1:],
            duration=1000 // FRAMES_PER_SECOND,
            loop=0,
        )


def _remove_drawings(ax: Axes) -> None:
    """Take the last frame's lines, patches and texts off ``ax``, whose axes are off:
    what Axes.clear() takes off, without setting up its ticks again (the same GIF,
    to the byte: 40 frames took 7.4 to 7.7 s against 8.5 to 9.6 with clear())."""
    for artist in [*ax.lines, *ax.patches, *ax.texts, *ax.collections]:
        artist.remove()


def rgb_image(canvas: FigureCanvasAgg) -> "Image.Image":
    """What the canvas shows, as an opaque RGB image (a GIF's palette comes out
    better from RGB than from RGBA, as matplotlib's Pillow writer also does)."""
    width, height = canvas.get_width_height()
    return Image.frombuffer(
        "RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1
    ).convert("RGB")


def animation_picture(
    iterations: int, update: str, example: Example, training: Training, steps: Steps
) -> tuple[dict[str, TrainingAnimation], list[str]]:
    """({FILE: TrainingAnimation}, the lines to print)."""
    frames = frame_iterations(iterations)
    result, kept = run_keeping(iterations, update, example, training, set(frames), steps=steps)
    states = [state_of(kept[k]) for k in frames]
    animation = TrainingAnimation(result, states, describe_run(update, example, training))
    lines = [
        f"{plural(len(states), 'frame')}, iterations {frames[0]} to {frames[-1]} on a"
        f" log scale; loss {states[0].loss:.6g} at iteration 1, {states[-1].loss:.6g} at"
        f" {frames[-1]}"
    ]
    return {FILE: animation}, lines
