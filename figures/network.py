"""--network: network.png, one iteration of a run on the tutorial's picture of the network."""

from matplotlib.figure import Figure

from numpy_ref.example import Example
from numpy_ref.training import Training

from .files import NETWORK_FILE as FILE
from .network_diagram import NetworkState, draw_network, largest_weight, state_of
from .runs import describe_run, run_keeping
from .style import tutorial_number

SIZE = (11, 8.2)  # inches: every edge's three numbers readable at figures.style.DPI


def loss_text(state: NetworkState) -> tuple[str, str]:
    """(the loss in a few words, what else the title says about it): E_total of the one
    sample, or the batch's loss, whose sample the neurons show and whose dE/dw the edges."""
    if state.batch == 1:
        return f"E_total = {tutorial_number(state.loss)}", " at this forward pass"
    return (
        f"batch loss = {tutorial_number(state.loss)}, the mean E of its {state.batch} samples",
        "; neurons: the batch's first sample; dE/dw: the whole batch's",
    )


def network_figure(
    state: NetworkState, iterations: int, update: str, example: Example, training: Training
) -> Figure:
    figure = Figure(figsize=SIZE, layout="constrained")
    ax = figure.subplots()
    draw_network(ax, state, largest_weight([state]))
    ax.set_title(
        f"Iteration {state.iteration} of {iterations}: {describe_run(update, example, training)}"
        f"\n{''.join(loss_text(state))}",
        fontsize=11,
    )
    figure.text(
        0.5,
        0.01,
        "Each edge: its weight w, dE/dw from this forward pass, and w+ after the update."
        "  Edge width: |w|; blue: w > 0, orange: w < 0; grey dashes: a constant bias.",
        ha="center",
        fontsize=9,
    )
    return figure


def network_picture(
    iterations: int, iteration: int, update: str, example: Example, training: Training
) -> tuple[dict[str, Figure], list[str]]:
    """({FILE: Figure}, the lines to print) for iteration ``iteration`` of the run.

    Only the first ``iteration`` iterations are trained: nothing later changes
    them (a schedule keeps the decay steps of the whole run).
    """
    _, kept = run_keeping(
        iteration, update, example, training.for_iterations(iterations), {iteration}
    )
    state = state_of(kept[iteration])
    lines = [f"iteration {iteration}, {update} update: {loss_text(state)[0]}"]
    return {FILE: network_figure(state, iterations, update, example, training)}, lines
