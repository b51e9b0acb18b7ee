"""The 2-2-2 network drawn as the tutorial draws it, with one iteration's numbers on it.

Inputs on the left, the hidden layer in the middle, the outputs on the right,
the biases b1 and b2 below; an arrow per weight, its width following |w| and
its colour the sign of w.  ``draw_network`` draws one NetworkState on a
matplotlib Axes: with ``details`` (--network) every edge carries w, dE/dw and
w+ and every neuron its net and out; without (--animate's frames) the edges
carry w alone.
"""

from collections.abc import Iterable
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from matplotlib.patches import Circle, FancyArrowPatch

from numpy_ref.network import FloatArray, layer
from numpy_ref.trainers import Iteration, Parameters

from .style import NumberFormat, Style, tutorial_number

if TYPE_CHECKING:  # for annotations only
    from matplotlib.axes import Axes

#: Where each node sits, in data units.
POSITIONS = {
    "i1": (0.0, 1.0),
    "i2": (0.0, 0.0),
    "h1": (1.0, 1.0),
    "h2": (1.0, 0.0),
    "o1": (2.0, 1.0),
    "o2": (2.0, 0.0),
    "b1": (0.5, -0.75),
    "b2": (1.5, -0.75),
}
NEURON_RADIUS = 0.11
#: Colours of a positive and a negative weight (apart in colour-blind palettes too).
POSITIVE, NEGATIVE = "tab:blue", "tab:orange"
#: The widest edge, in points, drawn for the largest |w| of the picture.
WIDEST = 6.0


class Edge(NamedTuple):
    name: str  # the tutorial's: w1..w8; a bias: b_h1, b_h2, b_o1, b_o2
    source: str
    target: str
    parameter: str  # the numpy_ref.trainers.Parameters field that holds it
    # its place in that field's array (the field hides tuple.index, which nothing here calls)
    index: tuple[int, ...]  # type: ignore[assignment]
    label_at: float  # where along the edge its numbers go (0: source, 1: target)
    # (a bias's numbers go below its node instead)


#: w[j, i] carries input i to neuron j: w1 = w_hidden[0, 0] is i1 -> h1.  The
#: crossing edges are labelled near their source, away from where they cross.
WEIGHT_EDGES = (
    Edge("w1", "i1", "h1", "w_hidden", (0, 0), 0.5),
    Edge("w2", "i2", "h1", "w_hidden", (0, 1), 0.27),
    Edge("w3", "i1", "h2", "w_hidden", (1, 0), 0.27),
    Edge("w4", "i2", "h2", "w_hidden", (1, 1), 0.5),
    Edge("w5", "h1", "o1", "w_output", (0, 0), 0.5),
    Edge("w6", "h2", "o1", "w_output", (0, 1), 0.27),
    Edge("w7", "h1", "o2", "w_output", (1, 0), 0.27),
    Edge("w8", "h2", "o2", "w_output", (1, 1), 0.5),
)
BIAS_EDGES = (
    Edge("b_h1", "b1", "h1", "b_hidden", (0,), 0.0),
    Edge("b_h2", "b1", "h2", "b_hidden", (1,), 0.0),
    Edge("b_o1", "b2", "o1", "b_output", (0,), 0.0),
    Edge("b_o2", "b2", "o2", "b_output", (1,), 0.0),
)


class NetworkState(NamedTuple):
    """One iteration of a run, as the diagram shows it, for one sample of its batch."""

    iteration: int
    loss: float  # the batch's loss at this forward pass: the mean of its samples' E
    batch: int  # how many samples the batch has (every value below is one sample's)
    inputs: FloatArray  # i1, i2
    net_hidden: FloatArray
    hidden: FloatArray
    net_output: FloatArray
    output: FloatArray
    target: FloatArray
    parameters: Parameters  # of the forward pass
    gradients: Parameters | None = None  # dE/dw (dE/db None unless trained); None: none made
    new: Parameters | None = None  # after the update; None when no update was made


def state_of(iteration: Iteration, sample: int = 0) -> NetworkState:
    """The NetworkState of a numpy_ref.trainers.Iteration, for the batch's ``sample``."""
    parameters = iteration.parameters
    x = iteration.x[sample : sample + 1]
    made = iteration.update
    return NetworkState(
        iteration=iteration.number,
        loss=float(iteration.loss),
        batch=len(iteration.x),
        inputs=x[0],
        net_hidden=layer(parameters.w_hidden, x, parameters.b_hidden)[0],
        hidden=iteration.hidden[sample],
        net_output=layer(
            parameters.w_output, iteration.hidden[sample : sample + 1], parameters.b_output
        )[0],
        output=iteration.output[sample],
        target=iteration.target[sample],
        parameters=parameters,
        gradients=made and made.gradients,
        new=made and made.new,
    )


def value_of(parameters: Parameters, edge: Edge) -> float:
    """The weight or bias ``edge`` carries in ``parameters``."""
    return float(getattr(parameters, edge.parameter)[edge.index])


def largest_weight(states: Iterable[NetworkState]) -> float:
    """The largest |w| (and |b|) over the states: the width of the widest edge."""
    return max(
        abs(value_of(state.parameters, edge))
        for state in states
        for edge in WEIGHT_EDGES + BIAS_EDGES
    )


def _ends(edge: Edge) -> tuple[FloatArray, FloatArray]:
    """The edge's start and end on the rims of its two circles."""
    start, end = np.array(POSITIONS[edge.source]), np.array(POSITIONS[edge.target])
    along = (end - start) / np.linalg.norm(end - start)
    return start + along * NEURON_RADIUS, end - along * NEURON_RADIUS


def _edge_label(state: NetworkState, edge: Edge, details: bool, number: NumberFormat) -> str:
    """w; with ``details``, also dE/dw and w+ (those of the update made, if any)."""
    lines = [f"{edge.name} = {number(value_of(state.parameters, edge))}"]
    gradient = state.gradients and getattr(state.gradients, edge.parameter)
    if details and gradient is not None:
        lines.append(f"dE/d{edge.name} = {number(gradient[edge.index])}")
        # new is None only where gradients is: both come from the update made
        lines.append(f"{edge.name}+ = {number(value_of(state.new, edge))}")  # type: ignore[arg-type]
    return "\n".join(lines)


def _draw_edge(
    ax: "Axes",
    state: NetworkState,
    edge: Edge,
    widest: float,
    label: str,
    *,
    constant: bool = False,
) -> None:
    """An arrow as wide as |w| and coloured by its sign; a constant bias thin and grey."""
    value = value_of(state.parameters, edge)
    start, end = _ends(edge)
    style: Style = (
        dict(linewidth=1.0, linestyle=(0, (4, 3)), color="0.55")
        if constant
        else dict(
            # |w| / widest first: WIDEST * |w| overflows for a |w| near float64's largest
            linewidth=0.6 + WIDEST * (abs(value) / widest if widest else 0.0),
            alpha=0.85,
            color=POSITIVE if value >= 0 else NEGATIVE,
        )
    )
    # matplotlib's stubs want a tuple for each end; any pair of numbers is drawn the same
    ax.add_patch(
        FancyArrowPatch(
            start,  # type: ignore[arg-type]
            end,  # type: ignore[arg-type]
            arrowstyle="-|>",
            mutation_scale=12,
            shrinkA=0,
            shrinkB=0,
            zorder=1,
            **style,
        )
    )
    if label:
        x, y = start + edge.label_at * (end - start)
        ax.text(
            x,
            y,
            label,
            ha="center",
            va="center",
            fontsize=7.5,
            zorder=3,
            bbox=dict(boxstyle="round,pad=0.2", facecolor="white", edgecolor="0.7", alpha=0.92),
        )


def _neuron_labels(
    state: NetworkState, details: bool, number: NumberFormat
) -> dict[str, tuple[str, str]]:
    """{node: (text, where it goes relative to the circle)} for every node."""
    pairs = {}
    for k, name in enumerate(("i1", "i2")):
        pairs[name] = (f"{name} = {number(state.inputs[k])}", "left")
    for k in range(2):
        name, out = f"h{k + 1}", number(state.hidden[k])
        text = f"net_{name} = {number(state.net_hidden[k])}\nout_{name} = {out}"
        pairs[name] = (text if details else f"out = {out}", "above" if k == 0 else "below")
    for k in range(2):
        name = f"o{k + 1}"
        lines = [f"out_{name} = {number(state.output[k])}", f"target = {number(state.target[k])}"]
        if details:
            lines.insert(0, f"net_{name} = {number(state.net_output[k])}")
            error = 0.5 * (state.target[k] - state.output[k]) ** 2  # E_o = 1/2 (t - out)^2
            lines.append(f"E_{name} = {number(error)}")
        pairs[name] = ("\n".join(lines), "right")
    return pairs


#: (dx, dy, ha, va) of a neuron's text from its centre, by where it goes.
_PLACES = {
    "left": (-NEURON_RADIUS - 0.04, 0, "right", "center"),
    "right": (NEURON_RADIUS + 0.04, 0, "left", "center"),
    "above": (0, NEURON_RADIUS + 0.04, "center", "bottom"),
    "below": (0, -NEURON_RADIUS - 0.04, "center", "top"),
}


def _draw_neurons(ax: "Axes", state: NetworkState, details: bool, number: NumberFormat) -> None:
    for name, (text, place) in _neuron_labels(state, details, number).items():
        x, y = POSITIONS[name]
        ax.add_patch(
            Circle(
                (x, y), NEURON_RADIUS, facecolor="white", edgecolor="black", linewidth=1.2, zorder=2
            )
        )
        ax.text(x, y, name, ha="center", va="center", fontsize=11, weight="bold", zorder=3)
        dx, dy, ha, va = _PLACES[place]
        ax.text(
            x + dx,
            y + dy,
            text,
            ha=ha,
            va=va,
            fontsize=8,
            zorder=3,
            bbox=dict(boxstyle="round,pad=0.2", facecolor="#f4f4f4", edgecolor="none"),
        )


def _bias_text(state: NetworkState, node: str, details: bool, number: NumberFormat) -> str:
    """Under b1 (b2): the tutorial's one constant, or each neuron's trained bias with
    (``details``) its gradient and new value."""
    edges = [edge for edge in BIAS_EDGES if edge.source == node]
    if not _biases_trained(state):
        return f"{node} = {number(value_of(state.parameters, edges[0]))}"
    return "\n".join(_edge_label(state, edge, details, number) for edge in edges)


def _biases_trained(state: NetworkState) -> bool:
    return state.gradients is not None and state.gradients.b_hidden is not None


def _draw_biases(
    ax: "Axes", state: NetworkState, widest: float, details: bool, number: NumberFormat
) -> None:
    """b1 and b2 as the tutorial draws them, their values written below them.  A
    constant bias's edges are grey dashes; trained ones (every neuron has its own)
    are drawn like weights."""
    for edge in BIAS_EDGES:
        _draw_edge(ax, state, edge, widest, "", constant=not _biases_trained(state))
    for node in ("b1", "b2"):
        x, y = POSITIONS[node]
        ax.add_patch(
            Circle(
                (x, y),
                NEURON_RADIUS,
                facecolor="#e8e8e8",
                edgecolor="black",
                linewidth=1.0,
                zorder=2,
            )
        )
        ax.text(x, y, node, ha="center", va="center", fontsize=11, weight="bold", zorder=3)
        ax.text(
            x,
            y - NEURON_RADIUS - 0.04,
            _bias_text(state, node, details, number),
            ha="center",
            va="top",
            fontsize=8,
            zorder=3,
        )


def draw_network(
    ax: "Axes",
    state: NetworkState,
    widest: float,
    details: bool = True,
    number: NumberFormat = tutorial_number,
) -> None:
    """The network of ``state`` on ``ax``; ``widest``: the |w| drawn widest."""
    ax.set_xlim(-0.55, 2.8)
    ax.set_ylim(-1.45 if details and _biases_trained(state) else -1.05, 1.42)
    ax.set_aspect("equal")
    ax.set_axis_off()
    for edge in WEIGHT_EDGES:
        _draw_edge(ax, state, edge, widest, _edge_label(state, edge, details, number))
    _draw_biases(ax, state, widest, details, number)
    _draw_neurons(ax, state, details, number)
