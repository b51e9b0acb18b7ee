"""The 2-2-2 network's forward pass and its hand-derived gradients.

Every function takes and returns plain NumPy arrays in the tutorial's
orientation (see example.py).  These formulas are the reference that the
frameworks' autodiff is checked against.

Activations carry a samples axis: x is (samples, 2), and so are out_h and
out_o.  A batch's loss is the mean over its samples of E = sum 1/2 (t - o)^2,
so each sample's deltas count 1/samples of its own, and the gradients are
sums over the batch.

Each function also works on a batch of networks: give weights a leading
batch axis, (B, 2, 2), biases (B, 2), and activations come out (B, samples,
2); the studies train thousands of networks at once this way.
"""

import numpy as np
from numpy.typing import NDArray

#: Every array here: floats of the run's type (float32 or float64).
FloatArray = NDArray[np.floating]


def layer(w: FloatArray, inputs: FloatArray, b: FloatArray) -> FloatArray:
    """net = W @ input + b for every sample: net_j = w_j1 input_1 + w_j2 input_2 + b_j.

    (The sum over the two inputs written out: for thousands of 2 x 2 networks
    at once, several times faster than matmul.)
    """
    return (
        inputs[..., 0:1] * w[..., None, :, 0]
        + inputs[..., 1:2] * w[..., None, :, 1]
        + b[..., None, :]
    )


def sigmoid(net: FloatArray) -> FloatArray:
    """The logistic function: out = 1 / (1 + e^-net).

    For very negative net, e^-net overflows to inf and out is 0, as it should.
    Whoever may meet such nets says the overflow is expected, once around the
    loop (np.errstate(over="ignore"): the trainers, the studies, update_step),
    not here, at every call.
    """
    return 1.0 / (1.0 + np.exp(-net))


def forward(
    x: FloatArray,
    w_hidden: FloatArray,
    w_output: FloatArray,
    b_hidden: FloatArray,
    b_output: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Hidden and output activations for every sample.

    net_h = W_hidden @ x + b_h,  out_h = sigmoid(net_h)
    net_o = W_output @ out_h + b_o,  out_o = sigmoid(net_o)
    """
    hidden = sigmoid(layer(w_hidden, x, b_hidden))
    output = sigmoid(layer(w_output, hidden, b_output))
    return hidden, output


def half_squared_error(target: FloatArray, output: FloatArray) -> FloatArray:
    """Each sample's E = sum over outputs of 1/2 (target - out)^2."""
    return 0.5 * ((target - output) ** 2).sum(axis=-1)


def mean_loss(target: FloatArray, output: FloatArray) -> np.floating | FloatArray:
    """The batch's loss: the mean over its samples of E (E itself for one sample).

    A scalar for one network; one loss per network, (B,), for a batch of them.
    """
    errors = half_squared_error(target, output)  # E of each sample
    # their sum over the count: what np.mean computes, without its wrappers' cost
    return errors.sum(axis=-1) / errors.shape[-1]


def output_deltas(target: FloatArray, output: FloatArray) -> FloatArray:
    """dE/dnet_o = dE/dout_o * dout_o/dnet_o = (out_o - target) * out_o (1 - out_o)."""
    return (output - target) * output * (1.0 - output)


def hidden_deltas(delta_output: FloatArray, w_output: FloatArray, hidden: FloatArray) -> FloatArray:
    """dE/dnet_h = (sum over outputs of delta_o * w_(h->o)) * out_h (1 - out_h).

    ``w_output`` decides the update order: the weights of the forward pass
    give parallel updates, the freshly updated ones give sequential updates.
    """
    # sum over the two outputs j of delta_oj * w_ji, for every sample
    carried = (
        delta_output[..., 0:1] * w_output[..., None, 0, :]
        + delta_output[..., 1:2] * w_output[..., None, 1, :]
    )
    return carried * hidden * (1.0 - hidden)


def weight_gradient(deltas: FloatArray, inputs: FloatArray) -> FloatArray:
    """dE/dW of a layer: the sum over the batch's samples of delta_j * input_i.

    (For w5..w8 the inputs are out_h, for w1..w4 they are i1, i2.)  The
    deltas are those of the batch's loss, each sample's own divided by the
    number of samples: the sum is then the mean of the samples' gradients.
    """
    return deltas.mT @ inputs  # (.., 2, samples) @ (.., samples, 2): .mT swaps the last two axes


def bias_gradient(deltas: FloatArray) -> FloatArray:
    """dE/db of a layer: dnet/db = 1, so the sum over the batch of the neurons' deltas."""
    return deltas.sum(axis=-2)
