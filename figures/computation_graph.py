"""computation_graph.png: iteration 1's E_total drawn as its computation graph.

The nodes come from frameworks.computation_graph.first_iteration_graph; this
module only lays them out and draws them.  The layout is computed here, in a
few lines, so that no Graphviz program is needed:

* columns, left to right: an op goes one column right of its furthest input
  (the longest path from a leaf), and a leaf just left of its first consumer;
* rows: in each column the nodes are sorted by the mean row of their
  neighbours (inputs and consumers), a few sweeps over the columns, which
  keeps edges from crossing and each neuron's ops in one band (h1 and o1
  above, h2 and o2 below, as the tutorial draws them); then spread evenly
  down the column.

Every box shows the node's name, how it is computed (a leaf: what it is), its
forward value and dE_total/d(node), at the tutorial's precision.
"""

import textwrap
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from .files import GRAPH_FILE as FILE
from .style import DECIMALS, DPI, Style, tutorial_number

if TYPE_CHECKING:  # for annotations only: drawing the nodes needs no TensorFlow
    from matplotlib.axes import Axes

    from frameworks.computation_graph import Node

#: Where a box's centre is, in inches on the figure: (x, y).
Point = tuple[float, float]

GRAPH_FIGURE_SIZE = (18, 10)  # inches; at DPI, 1800 x 1000 pixels
ORDERING_SWEEPS = 4  # passes over the columns; Mazur's graph settles after one

# Everything below is in inches on the figure: the axes fill it, one unit an inch.
TITLE_BAND = 0.75  # above the graph
NOTE_BAND = 0.55  # below it
SIDE_MARGIN = 0.1
BOX_WIDTH_SHARE = 0.86  # of a column's width
BOX_HEIGHT = 0.9
FONT_SIZE = 7.5
LABEL_WIDTH = 5  # characters: "value", "dE/d"
WHOLE_WIDTH = 2  # characters left of a number's decimal point (DECIMALS right of it)
FORMULA_WIDTH = 18  # characters: a longer formula wraps onto a second line

LEAF_STYLE: Style = dict(facecolor="#fdf0d5", edgecolor="#a0701a", linestyle="--", linewidth=1.0)
OP_STYLE: Style = dict(facecolor="#e4edf8", edgecolor="#3f6493", linestyle="-", linewidth=1.0)
RESULT_STYLE: Style = dict(OP_STYLE, linewidth=2.2)  # E_total, the node every gradient is of
EDGE_STYLE: Style = dict(arrowstyle="-|>", mutation_scale=7, color="0.35", linewidth=0.7)


def _decimal_aligned(value: float) -> str:
    """tutorial_number padded so that in monospace every decimal point is in the same column."""
    whole, point, fraction = tutorial_number(value).partition(".")
    return f"{whole:>{WHOLE_WIDTH}}{point or ' '}{fraction:<{DECIMALS}}"


def _consumers(nodes: Sequence["Node"]) -> dict[str, list[str]]:
    """name -> the names of the nodes that take it as an input, in topological order."""
    consumers: dict[str, list[str]] = {node.name: [] for node in nodes}
    for node in nodes:
        for name in node.inputs:
            consumers[name].append(node.name)
    return consumers


def _columns(nodes: Sequence["Node"], consumers: Mapping[str, Sequence[str]]) -> dict[str, int]:
    """name -> column: an op one right of its furthest input, a leaf just left of its first
    consumer."""
    column: dict[str, int] = {}
    for node in nodes:  # topological: every input has its column already
        column[node.name] = max((column[name] + 1 for name in node.inputs), default=0)
    for node in nodes:
        if node.op == "leaf":
            column[node.name] = min(column[name] for name in consumers[node.name]) - 1
    return column


def _spread(stack: Sequence[str]) -> dict[str, float]:
    """name -> row, in (0, 1) from the top: the names of one column evenly spaced."""
    return {name: (rank + 0.5) / len(stack) for rank, name in enumerate(stack)}


def _stacks(
    nodes: Sequence["Node"], columns: Mapping[str, int], consumers: Mapping[str, Sequence[str]]
) -> dict[int, list[str]]:
    """column -> its names top to bottom, each node below those whose neighbours sit higher."""
    neighbours = {node.name: (*node.inputs, *consumers[node.name]) for node in nodes}
    stacks: dict[int, list[str]] = {}
    for node in nodes:  # to start with, each column in topological order
        stacks.setdefault(columns[node.name], []).append(node.name)
    row: dict[str, float] = {}
    for stack in stacks.values():
        row.update(_spread(stack))
    for _ in range(ORDERING_SWEEPS):
        for column in sorted(stacks):
            # the mean row of a node's neighbours; a stable sort keeps ties in their
            # order, so the layout is the same every run
            stacks[column].sort(
                key=lambda name: sum(row[n] for n in neighbours[name]) / len(neighbours[name])
            )
            row.update(_spread(stacks[column]))
    return stacks


def graph_layout(nodes: Sequence["Node"]) -> tuple[dict[str, tuple[int, float]], int]:
    """name -> (column, row in (0, 1) from the top), and the number of columns."""
    consumers = _consumers(nodes)
    columns = _columns(nodes, consumers)
    stacks = _stacks(nodes, columns, consumers)
    places: dict[str, tuple[int, float]] = {}
    for column, stack in stacks.items():
        for name, row in _spread(stack).items():
            places[name] = (column, row)
    return places, len(stacks)


def _box_lines(node: "Node") -> str:
    """The value and gradient lines of a node's box (monospace: the decimal points line up)."""
    return (
        f"{'value':<{LABEL_WIDTH}} {_decimal_aligned(node.value)}\n"
        f"{'dE/d':<{LABEL_WIDTH}} {_decimal_aligned(node.gradient)}"
    )


def _box_style(node: "Node") -> Style:
    if node.op == "leaf":
        return LEAF_STYLE
    return RESULT_STYLE if node.name == "E_total" else OP_STYLE


def _draw_node(ax: "Axes", node: "Node", centre: Point, width: float) -> None:
    """The box: name at the top, the formula below it, value and gradient at the bottom."""
    x, y = centre
    top, bottom = y + BOX_HEIGHT / 2, y - BOX_HEIGHT / 2
    # add_artist, not add_patch: the limits are fixed, and updating them for every
    # patch would cost more than drawing the whole figure
    ax.add_artist(
        FancyBboxPatch(
            (x - width / 2, bottom),
            width,
            BOX_HEIGHT,
            boxstyle="round,pad=0,rounding_size=0.08",
            **_box_style(node),
        )
    )
    ax.text(
        x, top - 0.05, node.name, ha="center", va="top", fontsize=FONT_SIZE + 0.5, fontweight="bold"
    )
    ax.text(
        x,
        y + 0.12,
        textwrap.fill(node.formula, FORMULA_WIDTH),
        ha="center",
        va="center",
        fontsize=FONT_SIZE,
        linespacing=1.1,
        color="0.25",
    )
    ax.text(
        x,
        bottom + 0.05,
        _box_lines(node),
        ha="center",
        va="bottom",
        fontsize=FONT_SIZE,
        family="DejaVu Sans Mono",
        linespacing=1.25,
    )


def _draw_edge(ax: "Axes", start: Point, end: Point, width: float) -> None:
    """An arrow from the right side of the box at ``start`` to the left side of that at ``end``."""
    (x0, y0), (x1, y1) = start, end
    ax.add_artist(
        FancyArrowPatch(
            (x0 + width / 2, y0), (x1 - width / 2, y1), shrinkA=0, shrinkB=0, **EDGE_STYLE
        )
    )


def _title(nodes: Sequence["Node"]) -> str:
    """What the picture shows, and E_total's value."""
    e_total = next(node for node in nodes if node.name == "E_total")
    return (
        f"Iteration 1 of Mazur's 2-2-2 network as a computation graph:"
        f" E_total = {tutorial_number(e_total.value)}"
        "\nEvery node's forward value and dE_total/d(node), all from tf.GradientTape over"
        " the one forward pass (so the parallel order's gradients)"
    )


def _note(nodes: Sequence["Node"]) -> str:
    """The key below the graph, naming the leaves that feed more than one op."""
    consumers = _consumers(nodes)
    shared = [node.name for node in nodes if node.op == "leaf" and len(consumers[node.name]) > 1]
    return (
        "Dashed boxes are leaves (the given numbers), solid boxes ops.  value: the forward"
        " pass.  dE/d: dE_total/d(this node), what the tape carries back against the arrows."
        "  All in float64, printed to 9 decimals as the tutorial prints them."
        f"\n{', '.join(shared)} each feed two ops: their dE/d is the sum of what comes back"
        " along both arrows.  The ½ of E_o1 and E_o2 is a constant of their multiply,"
        " not a leaf."
    )


def computation_graph_figure(nodes: Sequence["Node"]) -> Figure:
    """The graph of ``nodes`` (first_iteration_graph's list) as a matplotlib Figure."""
    width, height = GRAPH_FIGURE_SIZE
    figure = Figure(figsize=GRAPH_FIGURE_SIZE, dpi=DPI)
    ax = figure.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_axis_off()

    places, column_count = graph_layout(nodes)
    pitch = (width - 2 * SIDE_MARGIN) / column_count
    box_width = BOX_WIDTH_SHARE * pitch
    graph_height = height - TITLE_BAND - NOTE_BAND - BOX_HEIGHT
    # a row in (0, 1) from the top: 0 would be the top of the graph, 1 its bottom
    centres = {
        name: (
            SIDE_MARGIN + (column + 0.5) * pitch,
            height - TITLE_BAND - BOX_HEIGHT / 2 - row * graph_height,
        )
        for name, (column, row) in places.items()
    }
    for node in nodes:
        for name in node.inputs:
            _draw_edge(ax, centres[name], centres[node.name], box_width)
    for node in nodes:
        _draw_node(ax, node, centres[node.name], box_width)

    ax.text(
        width / 2, height - 0.12, _title(nodes), ha="center", va="top", fontsize=11, linespacing=1.4
    )
    ax.text(
        SIDE_MARGIN,
        0.1,
        _note(nodes),
        ha="left",
        va="bottom",
        fontsize=FONT_SIZE + 0.5,
        linespacing=1.4,
        color="0.2",
    )
    return figure


def computation_graph_picture(nodes: Sequence["Node"]) -> tuple[dict[str, Figure], list[str]]:
    """({FILE: Figure}, the lines to print) for first_iteration_graph's nodes."""
    return {FILE: computation_graph_figure(nodes)}, graph_lines(nodes)


def graph_lines(nodes: Sequence["Node"]) -> list[str]:
    """What the script prints beside the picture: the node count and E_total."""
    ops = sum(node.op != "leaf" for node in nodes)
    e_total = next(node for node in nodes if node.name == "E_total")
    return [
        f"{len(nodes)} nodes ({len(nodes) - ops} leaves, {ops} operations);"
        f" E_total = {tutorial_number(e_total.value)}"
    ]
