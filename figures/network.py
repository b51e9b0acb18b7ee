"""--network: network.png, one iteration of a run on the tutorial's picture of the network."""

from matplotlib.figure import Figure

from .network_diagram import draw_network, largest_weight, state_of
from .runs import describe_run, run_keeping
from .style import tutorial_number

FILE = "network.png"
SIZE = (11, 8.2)  # inches: every edge's three numbers readable at figures.style.DPI


def network_figure(state, iterations, update, example, training):
    figure = Figure(figsize=SIZE, layout="constrained")
    ax = figure.subplots()
    draw_network(ax, state, largest_weight([state]))
    sample = "" if example.samples == 1 else " (the values of the batch's first sample)"
    ax.set_title(
        f"Iteration {state.iteration} of {iterations}: {describe_run(update, example, training)}"
        f"\nE_total = {tutorial_number(state.loss)} at this forward pass{sample}",
        fontsize=11)
    figure.text(0.5, 0.01,
                "Each edge: its weight w, dE/dw from this forward pass, and w+ after the update."
                "  Edge width: |w|; blue: w > 0, orange: w < 0; grey dashes: a constant bias.",
                ha="center", fontsize=9)
    return figure


def network_picture(iterations, iteration, update, example, training):
    """({FILE: Figure}, the lines to print) for iteration ``iteration`` of the run.

    Only the first ``iteration`` iterations are trained: nothing later changes
    them (a schedule keeps the decay steps of the whole run).
    """
    _, kept = run_keeping(iteration, update, example, training.for_iterations(iterations),
                          {iteration})
    state = state_of(kept[iteration])
    lines = [f"iteration {iteration}, {update} update: E_total = {tutorial_number(state.loss)}"]
    return {FILE: network_figure(state, iterations, update, example, training)}, lines
