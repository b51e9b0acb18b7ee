"""numpy_ref reproduces every figure in docs/reference-figures.md."""

import numpy as np
import pytest

from numpy_ref import MAZUR, train
from numpy_ref.network import (
    forward,
    half_squared_error,
    hidden_deltas,
    output_deltas,
    sigmoid,
    weight_gradient,
)


@pytest.fixture
def start():
    """The one sample's x and target (a samples axis of one), and the weights."""
    x, target, w_hidden, w_output = MAZUR.arrays()
    return x, target, w_hidden, w_output


def first_forward_pass(x, w_hidden, w_output):
    """out_h and out_o of the one sample, each shaped (1, 2)."""
    return forward(x, w_hidden, w_output, *MAZUR.biases())


def test_first_forward_pass_matches_tutorial(start):
    x, target, w_hidden, w_output = start
    net_hidden = w_hidden @ x[0] + MAZUR.hidden_bias
    hidden, output = first_forward_pass(x, w_hidden, w_output)
    hidden, output, target = hidden[0], output[0], target[0]
    net_output = w_output @ hidden + MAZUR.output_bias
    assert net_hidden[0] == pytest.approx(0.3775, abs=1e-12, rel=0)
    assert hidden == pytest.approx([0.593269992, 0.596884378], abs=1e-9, rel=0)
    assert net_output[0] == pytest.approx(1.105905967, abs=1e-9, rel=0)
    assert output == pytest.approx([0.75136507, 0.772928465], abs=1e-8, rel=0)
    per_output = 0.5 * (target - output) ** 2
    assert per_output == pytest.approx([0.274811083, 0.023560026], abs=1e-9, rel=0)
    assert half_squared_error(target, output) == pytest.approx(0.2983711087600027, abs=1e-15, rel=0)
    assert sigmoid(net_output) == pytest.approx(output, abs=0, rel=0)


def test_first_gradients_match_tutorial(start):
    x, target, w_hidden, w_output = start
    hidden, output = first_forward_pass(x, w_hidden, w_output)
    delta_o = output_deltas(target, output)
    grad_output = weight_gradient(delta_o, hidden)
    grad_hidden = weight_gradient(hidden_deltas(delta_o, w_output, hidden), x)
    # dE/dw5, dE/dw6, dE/dw7, dE/dw8 and dE/dw1..dE/dw4 as the tutorial prints them
    assert grad_output.ravel() == pytest.approx(
        [0.082167041, 0.08266763, -0.02260254, -0.02274024], abs=1e-8, rel=0
    )
    assert grad_hidden.ravel() == pytest.approx(
        [0.000438568, 0.00087714, 0.00049771, 0.00099543], abs=1e-8, rel=0
    )


def test_first_parallel_step_gives_tutorial_weights():
    result = train(1, "parallel")
    assert result.final_output_weights.ravel() == pytest.approx(
        [0.35891648, 0.408666186, 0.511301270, 0.561370121], abs=1e-8, rel=0
    )
    assert result.final_hidden_weights.ravel() == pytest.approx(
        [0.149780716, 0.19956143, 0.24975114, 0.29950229], abs=1e-8, rel=0
    )


def test_first_sequential_step_differs_only_in_hidden_layer():
    parallel, sequential = train(1, "parallel"), train(1, "sequential")
    np.testing.assert_array_equal(sequential.final_output_weights, parallel.final_output_weights)
    assert sequential.final_hidden_weights.ravel() == pytest.approx(
        [0.14981764, 0.19963528, 0.24978819, 0.29957637], abs=1e-8, rel=0
    )


def test_error_after_first_round_is_the_sequential_figure():
    # The tutorial's 0.291027924 comes out of the sequential order only.
    assert train(1, "sequential").final_loss == pytest.approx(0.29102792390544, abs=1e-13, rel=0)
    assert train(1, "parallel").final_loss == pytest.approx(0.29102777369360, abs=1e-13, rel=0)
    assert round(train(1, "sequential").final_loss, 9) == 0.291027924
    assert round(train(1, "parallel").final_loss, 9) != 0.291027924


@pytest.mark.slow
def test_ten_thousand_iterations():
    parallel, sequential = train(10000, "parallel"), train(10000, "sequential")
    # "error after repeating 10,000 times": the parallel loss at iteration 10000
    assert parallel.last_iteration_loss == pytest.approx(3.510854812e-05, rel=1e-9)
    assert sequential.last_iteration_loss == pytest.approx(3.509145381e-05, rel=1e-9)
    # "outputs then": the sequential outputs after 10000 updates
    assert sequential.final_prediction == pytest.approx([0.015912196, 0.984065734], abs=1e-9, rel=0)
    assert parallel.final_prediction == pytest.approx([0.015913620, 0.984064274], abs=1e-9, rel=0)


@pytest.mark.parametrize(
    "update, at_iteration, after, outputs",
    [
        ("sequential", 0.0011153760, 0.0011139404, [0.04404656, 0.95730883]),
        ("parallel", 0.0011157856, 0.0011143495, [0.04405289, 0.95730291]),
    ],
)
def test_thousand_iteration_table(update, at_iteration, after, outputs):
    result = train(1000, update)
    assert result.last_iteration_loss == pytest.approx(at_iteration, abs=5e-11, rel=0)
    assert result.final_loss == pytest.approx(after, abs=5e-11, rel=0)
    assert result.final_prediction == pytest.approx(outputs, abs=5e-9, rel=0)


def test_history_is_consistent_with_final_state():
    result = train(3, "sequential")
    assert result.losses.shape == (3,)
    assert result.outputs.shape == result.hidden.shape == (3, 2)
    assert result.hidden_weights.shape == result.output_weights.shape == (3, 2, 2)
    np.testing.assert_array_equal(result.hidden_weights[0], np.array(MAZUR.hidden_weights))
    # the loss recorded at iteration k is the loss of the outputs recorded then
    assert result.losses[2] == pytest.approx(
        half_squared_error(result.target, result.outputs[2]), abs=0, rel=0
    )
    one_more = train(4, "sequential")
    assert one_more.losses[3] == pytest.approx(result.final_loss, abs=0, rel=0)


def test_float32_and_learning_rate_are_honoured():
    result = train(10, "parallel", MAZUR.with_learning_rate(0.1), "float32")
    assert result.losses.dtype == np.float32
    assert result.learning_rate == 0.1
    slower = train(10, "parallel", MAZUR.with_learning_rate(0.1))
    faster = train(10, "parallel")
    assert slower.final_loss > faster.final_loss


@pytest.mark.parametrize("kwargs", [{"iterations": 0}, {"update": "both"}, {"dtype": "float16"}])
def test_trainer_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        train(**kwargs)
