"""The default figures: tensorflow_keras_comparison.png and training_dynamics.png.

Both draw the six runs of compare_implementations.py (NumPy in float64, the
frameworks in their dtype), each as a 2x2 grid:

tensorflow_keras_comparison.png
    loss per iteration for every run (log scale); the outputs approaching
    their targets; the sequential-minus-parallel loss of each implementation;
    each framework run's distance from the NumPy run of its own order.
training_dynamics.png
    the hidden activations; w1..w4 and w5..w8 over the iterations; how far
    apart the two orders put w1..w4 (all from the NumPy runs).
"""

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure
from numpy.typing import NDArray

from implementations import FRAMEWORKS, Implementation, find, references
from numpy_ref.result import TrainingResult

from .files import COMPARISON_FILE, DYNAMICS_FILE
from .style import DPI, FIGURE_SIZE, LOG_FLOOR, SERIES_STYLES, Style, finish

#: One line style per implementation (implementations.IMPLEMENTATIONS names),
#: so the lines stay apart in greyscale too: matplotlib names every dash pattern
#: "--", so dashed lines differ in width.
RUN_STYLES: dict[str, Style] = {
    "numpy-sequential": dict(color="0.55", linestyle="-", linewidth=4, alpha=0.6),
    "numpy-parallel": dict(color="black", linestyle="-", linewidth=1.2),
    "tensorflow-parallel": dict(color="tab:orange", linestyle="--", linewidth=1.5),
    "tensorflow-sequential": dict(color="tab:red", linestyle="-.", linewidth=1.5),
    "keras-sequential": dict(color="tab:blue", linestyle=":", linewidth=2),
    "keras-parallel": dict(color="tab:green", linestyle=(0, (6, 2, 1, 2, 1, 2)), linewidth=1.0),
    "pytorch-parallel": dict(color="tab:purple", linestyle=(0, (3, 1)), linewidth=1.2),
    "pytorch-sequential": dict(color="tab:brown", linestyle=(0, (1, 1)), linewidth=1.6),
    "numpy-pytorch-sequential": dict(color="tab:pink", linestyle="-", linewidth=3, alpha=0.5),
    "numpy-pytorch-parallel": dict(color="tab:olive", linestyle="-", linewidth=1.0),
    "csharp-parallel": dict(color="tab:cyan", linestyle=(0, (5, 3)), linewidth=1.0),
    "csharp-sequential": dict(color="tab:gray", linestyle=(0, (2, 3)), linewidth=2.0),
    "jax-parallel": dict(color="#1b9e77", linestyle=(0, (4, 1, 1, 1)), linewidth=0.8),
    "jax-sequential": dict(color="#d95f02", linestyle=(0, (4, 1, 1, 1)), linewidth=1.8),
    "keras-jax-sequential": dict(color="#7570b3", linestyle=(0, (8, 2)), linewidth=2.4),
    "keras-jax-parallel": dict(color="#e7298a", linestyle=(0, (8, 2)), linewidth=2.8),
    "keras-torch-sequential": dict(color="#66a61e", linestyle=(0, (2, 1, 2, 4)), linewidth=3.2),
    "keras-torch-parallel": dict(color="#e6ab02", linestyle=(0, (2, 1, 2, 4)), linewidth=0.6),
    "numpy-optax-sequential": dict(color="#a6761d", linestyle="-", linewidth=2.2, alpha=0.5),
    "numpy-optax-parallel": dict(color="#666666", linestyle="-", linewidth=0.6),
}

#: implementations.run_all's answer: every implementation with its result, in table order.
Runs = Sequence[tuple[Implementation, TrainingResult]]


def _label(implementation: Implementation, result: TrainingResult) -> str:
    return f"{implementation.label} {implementation.update} ({result.dtype})"


def _iterations(result: TrainingResult) -> NDArray[np.int_]:
    return np.arange(1, result.iterations + 1)


def comparison_figure(runs: Runs) -> Figure:
    """Loss, outputs, order gap and rounding: every implementation at once."""
    figure = Figure(figsize=FIGURE_SIZE, dpi=DPI, layout="constrained")
    (loss_ax, output_ax), (gap_ax, rounding_ax) = figure.subplots(2, 2)
    run = dict(runs)

    for implementation, result in runs:
        loss_ax.semilogy(
            _iterations(result),
            result.losses,
            label=_label(implementation, result),
            **RUN_STYLES[implementation.name],
        )
    finish(
        loss_ax, "Loss per iteration, every run", "iteration", "E_total = sum 1/2 (target - out)^2"
    )

    reference = run[find("numpy", "sequential")]
    steps = _iterations(reference)
    for k, style in zip(range(2), SERIES_STYLES):
        output_ax.plot(steps, reference.outputs[:, k], label=f"out_o{k + 1}", **style)
        output_ax.axhline(
            reference.target[k],
            color="0.4",
            linewidth=0.8,
            linestyle=(0, (1, 3)),
            label=f"target o{k + 1} = {reference.target[k]:g}",
        )
    finish(
        output_ax,
        "Outputs approaching their targets (NumPy sequential)",
        "iteration",
        "output activation",
    )

    trained = [f for f in FRAMEWORKS.values() if find(f.name, "sequential") in run]
    for framework, style in zip(trained, SERIES_STYLES):
        sequential = run[find(framework.name, "sequential")]
        parallel = run[find(framework.name, "parallel")]
        gap_ax.plot(
            _iterations(sequential),
            sequential.losses - parallel.losses,
            label=f"{framework.title} ({sequential.dtype})",
            **style,
        )
    finish(
        gap_ax,
        "Sequential minus parallel loss",
        "iteration",
        "loss difference (sequential - parallel)",
    )

    reference_of = references(list(runs))
    for implementation, result in runs:
        if implementation.is_reference:
            continue
        _, own = reference_of[(implementation.formulas, implementation.update)]
        distance = np.abs(result.losses - own.losses)
        rounding_ax.semilogy(
            _iterations(result),
            np.maximum(distance, LOG_FLOOR),
            label=_label(implementation, result),
            **RUN_STYLES[implementation.name],
        )
    finish(
        rounding_ax,
        "Distance from the same-order NumPy reference",
        "iteration",
        f"|loss - reference loss| (0 drawn at {LOG_FLOOR:g})",
    )
    return figure


def dynamics_figure(runs: Runs) -> Figure:
    """What happens inside the reference network while it learns."""
    figure = Figure(figsize=FIGURE_SIZE, dpi=DPI, layout="constrained")
    (hidden_ax, hidden_w_ax), (output_w_ax, split_ax) = figure.subplots(2, 2)
    run = dict(runs)
    sequential = run[find("numpy", "sequential")]
    parallel = run[find("numpy", "parallel")]
    steps = _iterations(sequential)

    for k, style in zip(range(2), SERIES_STYLES):
        hidden_ax.plot(steps, sequential.hidden[:, k], label=f"out_h{k + 1}", **style)
    finish(hidden_ax, "Hidden activations (NumPy sequential)", "iteration", "hidden activation")

    for k, style in enumerate(SERIES_STYLES):
        hidden_w_ax.plot(
            steps, sequential.hidden_weights[:, k // 2, k % 2], label=f"w{k + 1}", **style
        )
        output_w_ax.plot(
            steps, sequential.output_weights[:, k // 2, k % 2], label=f"w{k + 5}", **style
        )
    finish(hidden_w_ax, "Hidden weights w1..w4 (NumPy sequential)", "iteration", "weight value")
    finish(output_w_ax, "Output weights w5..w8 (NumPy sequential)", "iteration", "weight value")

    for k, style in enumerate(SERIES_STYLES):
        split_ax.plot(
            steps,
            sequential.hidden_weights[:, k // 2, k % 2] - parallel.hidden_weights[:, k // 2, k % 2],
            label=f"w{k + 1}",
            **style,
        )
    finish(
        split_ax,
        "Where the orders differ: w1..w4, sequential - parallel",
        "iteration",
        "weight difference",
    )
    return figure


def build_figures(runs: Runs) -> dict[str, Figure]:
    """{file name: matplotlib Figure} for the two figures."""
    return {COMPARISON_FILE: comparison_figure(runs), DYNAMICS_FILE: dynamics_figure(runs)}
