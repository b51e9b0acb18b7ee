"""Iteration 1's E_total as a computation graph, with tf.GradientTape's gradients.

The first forward pass of Mazur's network written out one scalar float64 op
at a time, every op recorded as a node:

    w1*i1, w2*i2     multiply    each weight times its input
    wsum_h1          add         w1*i1 + w2*i2
    net_h1           add         wsum_h1 + b1
    out_h1           sigmoid     1 / (1 + e^-net_h1)
    ... the same for h2, then o1 and o2 from out_h1, out_h2 and w5..w8 ...
    diff_o1          subtract    t1 - out_o1
    sq_o1            square      diff_o1^2
    E_o1             multiply    1/2 * sq_o1 (the constant 1/2 is part of the op, not a leaf)
    E_total          sum         E_o1 + E_o2

The leaves are i1, i2, w1..w8, the biases and t1, t2.  The tape watches the
leaves, and one call of tape.gradient(E_total, every node) gives dE_total/d
of every node, leaf or intermediate: all from the one forward pass, so these
are the gradients of the parallel order.

Biases: the tutorial draws one b1 feeding both hidden neurons and one b2
feeding both outputs, so when a layer's two biases are equal (Mazur's own
example) the graph has that one leaf, and its gradient is the sum over its
two edges, delta_h1 + delta_h2.  An example whose neurons have biases of
their own gets one leaf per neuron (b_h1, b_h2, b_o1, b_o2): a shared leaf
would then not be the network it describes.
"""

from collections.abc import Iterable, Sequence
from typing import NamedTuple

import tensorflow as tf

from numpy_ref import MAZUR
from numpy_ref.example import Example
from numpy_ref.network import FloatArray

#: The ops a node can be; "leaf" is a given number (input, weight, bias, target).
OPS = ("leaf", "multiply", "add", "sigmoid", "subtract", "square", "sum")


class Node(NamedTuple):
    """One leaf or op of the graph, after the forward pass and the tape's backward pass."""

    name: str  # net_h1, out_o1, w5, ...: the tutorial's name where it has one
    op: str  # one of OPS
    inputs: tuple[str, ...]  # the names of the nodes this op consumes, in order; () for a leaf
    value: float  # the forward value
    gradient: float  # dE_total/d(this node)
    formula: str  # how the op computes its value ("wsum_h1 + b1"); a leaf's kind ("weight")


class _Recorder:
    """Runs the forward pass's ops one at a time and remembers each as a node.

    Every method takes the names of its input nodes, computes its op on
    their tensors, and returns the new node's name.
    """

    def __init__(self, tape: tf.GradientTape) -> None:
        self._tape = tape
        # (name, op, inputs, formula) in the order they ran: topological
        self.records: list[tuple[str, str, tuple[str, ...], str]] = []
        self.tensors: dict[str, tf.Tensor] = {}  # name -> the node's scalar float64 tensor

    def _record(
        self, name: str, op: str, inputs: Iterable[str], formula: str, tensor: tf.Tensor
    ) -> str:
        self.records.append((name, op, tuple(inputs), formula))
        self.tensors[name] = tensor
        return name

    def leaf(self, name: str, value: float, kind: str) -> str:
        """A given number (float64 already: never rounded through float32), watched by the tape."""
        tensor = tf.constant(value, dtype=tf.float64)
        self._tape.watch(tensor)
        return self._record(name, "leaf", (), kind, tensor)

    def multiply(self, a: str, b: str) -> str:
        """a * b, named after its two factors: "w1*i1"."""
        return self._record(
            f"{a}*{b}", "multiply", (a, b), f"{a} × {b}", self.tensors[a] * self.tensors[b]
        )

    def half(self, name: str, a: str) -> str:
        """1/2 * a: a multiply whose 1/2 is a constant of the op, not a leaf."""
        half = tf.constant(0.5, dtype=tf.float64)
        return self._record(name, "multiply", (a,), f"½ × {a}", half * self.tensors[a])

    def add(self, name: str, a: str, b: str) -> str:
        """a + b."""
        return self._record(name, "add", (a, b), f"{a} + {b}", self.tensors[a] + self.tensors[b])

    def sigmoid(self, name: str, a: str) -> str:
        """1 / (1 + e^-a)."""
        return self._record(name, "sigmoid", (a,), f"σ({a})", tf.sigmoid(self.tensors[a]))

    def subtract(self, name: str, a: str, b: str) -> str:
        """a - b."""
        return self._record(
            name, "subtract", (a, b), f"{a} − {b}", self.tensors[a] - self.tensors[b]
        )

    def square(self, name: str, a: str) -> str:
        """a^2."""
        return self._record(name, "square", (a,), f"{a}²", tf.square(self.tensors[a]))

    def sum(self, name: str, *terms: str) -> str:
        """The terms added up (one op however many terms)."""
        return self._record(
            name, "sum", terms, " + ".join(terms), tf.add_n([self.tensors[t] for t in terms])
        )


def _weight_leaves(graph: _Recorder, weights: FloatArray, first_number: int) -> list[list[str]]:
    """A leaf w_n per entry of a 2 x 2 matrix, row by row: from 1, [[w1, w2], [w3, w4]]."""
    return [
        [
            graph.leaf(f"w{first_number + 2 * row + column}", weights[row, column], "weight")
            for column in range(2)
        ]
        for row in range(2)
    ]


def _bias_leaves(
    graph: _Recorder, biases: FloatArray, shared_name: str, neurons: Sequence[str]
) -> list[str]:
    """Each neuron's bias leaf: one shared (b1) if the two are equal, else one each (b_h1)."""
    if biases[0] == biases[1]:
        return [graph.leaf(shared_name, biases[0], "bias")] * 2
    return [graph.leaf(f"b_{neuron}", bias, "bias") for neuron, bias in zip(neurons, biases)]


def _neuron(
    graph: _Recorder, neuron: str, weights: Sequence[str], inputs: Sequence[str], bias: str
) -> str:
    """out = sigmoid(net), net = (w_a * in_a + w_b * in_b) + b, one op per node."""
    products = [graph.multiply(w, x) for w, x in zip(weights, inputs)]
    weighted_sum = graph.add(f"wsum_{neuron}", *products)
    net = graph.add(f"net_{neuron}", weighted_sum, bias)
    return graph.sigmoid(f"out_{neuron}", net)


def _layer(
    graph: _Recorder,
    neurons: Sequence[str],
    weights: Sequence[Sequence[str]],
    inputs: Sequence[str],
    biases: Sequence[str],
) -> list[str]:
    """The two neurons of a layer, each from its row of weights."""
    return [
        _neuron(graph, neuron, row, inputs, bias)
        for neuron, row, bias in zip(neurons, weights, biases)
    ]


def _error(graph: _Recorder, output: str, target: str, out: str) -> str:
    """E_o = 1/2 (t - out)^2: subtract, square, then the multiply by 1/2."""
    difference = graph.subtract(f"diff_{output}", target, out)
    square = graph.square(f"sq_{output}", difference)
    return graph.half(f"E_{output}", square)


def _forward(graph: _Recorder, example: Example) -> str:
    """Build iteration 1's E_total = E_o1 + E_o2 in ``graph``; return its name."""
    x, target, w_hidden, w_output = example.arrays("float64")
    b_hidden, b_output = example.biases("float64")

    inputs = [graph.leaf(f"i{k + 1}", x[0, k], "input") for k in range(2)]
    hidden_weights = _weight_leaves(graph, w_hidden, 1)
    hidden_biases = _bias_leaves(graph, b_hidden, "b1", ("h1", "h2"))
    hidden = _layer(graph, ("h1", "h2"), hidden_weights, inputs, hidden_biases)

    output_weights = _weight_leaves(graph, w_output, 5)
    output_biases = _bias_leaves(graph, b_output, "b2", ("o1", "o2"))
    outputs = _layer(graph, ("o1", "o2"), output_weights, hidden, output_biases)

    targets = [graph.leaf(f"t{k + 1}", target[0, k], "target") for k in range(2)]
    errors = [_error(graph, f"o{k + 1}", targets[k], outputs[k]) for k in range(2)]
    return graph.sum("E_total", *errors)


def first_iteration_graph(example: Example = MAZUR) -> list[Node]:
    """Every node of iteration 1's E_total, in topological order, with value and gradient.

    ``example`` must have one sample (the tutorial's); its biases may be per
    neuron.  The values are the forward pass in float64, the gradients
    dE_total/d(node) from one tf.GradientTape over that pass.
    """
    if example.samples != 1:
        raise ValueError(
            f"the graph is drawn for one sample, and the example has {example.samples}"
        )
    with tf.GradientTape() as tape:
        graph = _Recorder(tape)
        e_total = graph.tensors[_forward(graph, example)]
    names = [name for name, _, _, _ in graph.records]
    gradients = tape.gradient(e_total, [graph.tensors[name] for name in names])
    return [
        Node(name, op, inputs, float(graph.tensors[name]), float(gradient), formula)
        for (name, op, inputs, formula), gradient in zip(graph.records, gradients)
    ]
