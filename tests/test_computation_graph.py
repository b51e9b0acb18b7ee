"""The computation graph of iteration 1's E_total (--graph): every node against numpy_ref.

The graph's values and gradients come from TensorFlow ops and tf.GradientTape;
the expected ones here come from numpy_ref's hand-derived formulas, so each
node checks the tape against the chain rule written out.
"""

import collections
import struct

import numpy as np
import pytest

from figures.computation_graph import computation_graph_figure, graph_layout
from figures.style import DPI, tutorial_number, write_figure
from frameworks.computation_graph import OPS, first_iteration_graph
from numpy_ref import MAZUR, Example
from numpy_ref.data import XOR_DATA
from numpy_ref.first_iteration import first_iteration
from numpy_ref.network import bias_gradient, hidden_deltas, weight_gradient

#: float64 against float64 by other formulas: a last-bit difference at most.
ATOL = 1e-15

#: Mazur's graph: 14 leaves (i1, i2, w1..w8, b1, b2, t1, t2) and 27 ops.
MAZUR_OPS = {
    "leaf": 14,
    "multiply": 10,
    "add": 8,
    "sigmoid": 4,
    "subtract": 2,
    "square": 2,
    "sum": 1,
}

#: An example whose four neurons each have a bias of their own.
OWN_BIASES = Example(hidden_bias=(0.30, 0.40), output_bias=(0.55, 0.65))


def _bias_reference(expected, shared_name, neurons, biases, deltas):
    """A shared leaf's gradient sums both neurons' deltas; a neuron's own leaf gets its delta."""
    if biases[0] == biases[1]:
        expected[shared_name] = (biases[0], bias_gradient(deltas[None]).sum())
    else:
        for neuron, bias, gradient in zip(neurons, biases, bias_gradient(deltas[None])):
            expected[f"b_{neuron}"] = (bias, gradient)


def _layer_reference(
    expected, layer, first_weight, inputs, weights, *, nets, outs, deltas, out_gradients
):
    """w*in, wsum, net and out of both neurons of a layer, and the layer's weights.

    An add passes its gradient on unchanged, so each neuron's products, weighted
    sum and net all get the neuron's delta = dE/dnet; dE/dw = delta * input.
    """
    input_names, input_values = inputs
    weight_gradients = weight_gradient(deltas[None], input_values[None])
    for j in range(2):
        neuron = f"{layer}{j + 1}"
        products = weights[j] * input_values  # w_j1 * in_1, w_j2 * in_2
        for k in range(2):
            weight = f"w{first_weight + 2 * j + k}"
            expected[weight] = (weights[j, k], weight_gradients[j, k])
            expected[f"{weight}*{input_names[k]}"] = (products[k], deltas[j])
        expected[f"wsum_{neuron}"] = (products[0] + products[1], deltas[j])
        expected[f"net_{neuron}"] = (nets[j], deltas[j])
        expected[f"out_{neuron}"] = (outs[j], out_gradients[j])


def reference_nodes(example):
    """name -> (value, dE_total/d(node)) for every node, from numpy_ref (no tape involved)."""
    it = first_iteration("parallel", example)
    b_hidden, b_output = example.biases()
    delta_hidden = hidden_deltas(it.delta_output[None], it.w_output, it.hidden[None])[0]
    expected = {}
    # dE/di_k = sum over hidden neurons j of delta_hj * w_jk
    for k, (value, gradient) in enumerate(zip(it.x, it.w_hidden.T @ delta_hidden)):
        expected[f"i{k + 1}"] = (value, gradient)
    _bias_reference(expected, "b1", ("h1", "h2"), b_hidden, delta_hidden)
    _layer_reference(
        expected,
        "h",
        1,
        (("i1", "i2"), it.x),
        it.w_hidden,
        nets=it.net_hidden,
        outs=it.hidden,
        deltas=delta_hidden,
        out_gradients=it.d_error_d_hidden(it.w_output),
    )
    _bias_reference(expected, "b2", ("o1", "o2"), b_output, it.delta_output)
    _layer_reference(
        expected,
        "o",
        5,
        (("out_h1", "out_h2"), it.hidden),
        it.w_output,
        nets=it.net_output,
        outs=it.output,
        deltas=it.delta_output,
        out_gradients=it.d_error_d_output,
    )
    for k in range(2):
        output = f"o{k + 1}"
        difference = it.target[k] - it.output[k]
        expected[f"t{k + 1}"] = (it.target[k], difference)  # dE/dt = -(dE/dout) = t - out
        expected[f"diff_{output}"] = (difference, difference)  # d(1/2 d^2)/dd = d
        expected[f"sq_{output}"] = (difference**2, 0.5)
        expected[f"E_{output}"] = (it.errors[k], 1.0)
    expected["E_total"] = (it.errors.sum(), 1.0)
    return expected


@pytest.fixture(scope="module")
def nodes():
    return first_iteration_graph()


@pytest.fixture(scope="module")
def node(nodes):
    return {n.name: n for n in nodes}


def _differences(nodes, expected):
    """The largest |graph - numpy_ref| of the values and of the gradients."""
    values = [abs(n.value - expected[n.name][0]) for n in nodes]
    gradients = [abs(n.gradient - expected[n.name][1]) for n in nodes]
    return max(values), max(gradients)


def test_one_node_per_op_and_per_leaf(nodes):
    assert len(nodes) == 41
    assert collections.Counter(n.op for n in nodes) == MAZUR_OPS
    assert {n.op for n in nodes} == set(OPS)


def test_the_leaves_are_the_tutorials_given_numbers(nodes):
    leaves = {n.name for n in nodes if n.op == "leaf"}
    assert leaves == {"i1", "i2", *(f"w{k}" for k in range(1, 9)), "b1", "b2", "t1", "t2"}
    assert all(n.inputs == () for n in nodes if n.op == "leaf")


def test_nodes_are_in_topological_order_and_end_with_e_total(nodes):
    seen = set()
    for n in nodes:
        assert set(n.inputs) <= seen, f"{n.name} comes before one of its inputs"
        seen.add(n.name)
    assert nodes[-1].name == "E_total"
    assert len(seen) == len(nodes)  # every name once


def test_values_and_gradients_are_plain_floats(nodes):
    assert all(type(n.value) is float and type(n.gradient) is float for n in nodes)


def test_every_node_matches_numpy_ref(nodes):
    expected = reference_nodes(MAZUR)
    assert {n.name for n in nodes} == set(expected)
    for n in nodes:
        value, gradient = expected[n.name]
        np.testing.assert_allclose(n.value, value, rtol=0, atol=ATOL, err_msg=n.name)
        np.testing.assert_allclose(n.gradient, gradient, rtol=0, atol=ATOL, err_msg=n.name)


def test_the_leaves_are_exactly_the_examples_float64_numbers(node):
    x, target, w_hidden, w_output = MAZUR.arrays("float64")
    assert [node[f"w{k}"].value for k in range(1, 9)] == [*w_hidden.ravel(), *w_output.ravel()]
    assert [node["i1"].value, node["i2"].value] == list(x[0])
    assert [node["t1"].value, node["t2"].value] == list(target[0])
    assert [node["b1"].value, node["b2"].value] == [0.35, 0.6]


@pytest.mark.parametrize(
    "name, value",
    [
        ("net_h1", "0.3775"),
        ("out_h1", "0.593269992"),
        ("out_h2", "0.596884378"),
        ("net_o1", "1.105905967"),
        ("out_o1", "0.75136507"),
        ("out_o2", "0.772928465"),
        ("E_o1", "0.274811083"),
        ("E_o2", "0.023560026"),
        ("E_total", "0.298371109"),
    ],
)
def test_values_print_as_the_tutorial_prints_them(node, name, value):
    assert tutorial_number(node[name].value) == value


@pytest.mark.parametrize(
    "name, gradient",
    [
        ("out_o1", "0.74136507"),  # dE_total/dout_o1
        ("net_o1", "0.138498562"),  # dE_total/dnet_o1 = 0.74136507 * 0.186815602
        ("w5", "0.082167041"),
        ("out_h1", "0.036350306"),  # dE_total/dout_h1 = 0.055399425 - 0.019049119
        ("w1", "0.000438568"),
    ],
)
def test_gradients_print_as_the_tutorial_prints_them(node, name, gradient):
    assert tutorial_number(node[name].gradient) == gradient


def test_tutorial_number_drops_trailing_zeros_only():
    assert [tutorial_number(v) for v in (0.05, 1.0, -0.7413650695523157, 0.0)] == [
        "0.05",
        "1",
        "-0.74136507",
        "0",
    ]
    assert tutorial_number(2e-12) == "2.000e-12"  # not 0: it is not zero


def test_shared_bias_gradient_is_the_sum_of_both_neurons(node):
    assert node["b1"].gradient == pytest.approx(
        node["net_h1"].gradient + node["net_h2"].gradient, abs=ATOL, rel=0
    )
    assert node["b2"].gradient == pytest.approx(
        node["net_o1"].gradient + node["net_o2"].gradient, abs=ATOL, rel=0
    )


def test_neurons_with_biases_of_their_own_get_a_leaf_each():
    nodes = first_iteration_graph(OWN_BIASES)
    expected = reference_nodes(OWN_BIASES)
    assert {n.name for n in nodes if n.name.startswith("b")} == {"b_h1", "b_h2", "b_o1", "b_o2"}
    assert {n.name for n in nodes} == set(expected)
    assert max(_differences(nodes, expected)) <= ATOL


def test_more_than_one_sample_is_refused():
    with pytest.raises(ValueError, match="one sample"):
        first_iteration_graph(Example(data=XOR_DATA))


def test_layout_puts_each_edge_across_one_column(nodes):
    places, columns = graph_layout(nodes)
    assert columns == 13
    assert places["E_total"] == (12, 0.5)
    for n in nodes:
        for name in n.inputs:
            assert places[n.name][0] - places[name][0] == 1, (name, n.name)
    # the tutorial's picture: h1 above h2, o1 above o2
    assert places["out_h1"][1] < places["out_h2"][1]
    assert places["out_o1"][1] < places["out_o2"][1]


def _png_size(data):
    """(width, height) in pixels from a PNG's IHDR chunk."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


@pytest.mark.slow
def test_the_figure_is_written_the_same_every_time(nodes, tmp_path):
    first, second = tmp_path / "first.png", tmp_path / "second.png"
    write_figure(computation_graph_figure(nodes), first)
    write_figure(computation_graph_figure(nodes), second)
    data = first.read_bytes()
    assert data == second.read_bytes()
    width, height = computation_graph_figure(nodes).get_size_inches()
    assert _png_size(data) == (round(width * DPI), round(height * DPI))
