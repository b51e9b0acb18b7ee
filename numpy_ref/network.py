"""The 2-2-2 network's forward pass and its hand-derived gradients.

Every function takes and returns plain NumPy arrays in the tutorial's
orientation (see example.py).  These formulas are the reference that the
frameworks' autodiff is checked against.

Each function also works on a batch of networks: give weights a leading
batch axis, (B, 2, 2), and activations (B, 2); the update-order study trains
thousands of networks at once this way.
"""

import numpy as np


def matvec(w, v):
    """w @ v for one matrix and vector, or for a batch of them."""
    return np.einsum("...ij,...j->...i", w, v)


def outer(a, b):
    """The outer product a b^T, for one pair of vectors or a batch of them."""
    return a[..., :, None] * b[..., None, :]


def transpose(w):
    """W.T, for one matrix or a batch of them."""
    return np.swapaxes(w, -1, -2)


def sigmoid(net):
    """The logistic function: out = 1 / (1 + e^-net)."""
    with np.errstate(over="ignore"):  # e^-net = inf for very negative net: out = 0, as it should
        return 1.0 / (1.0 + np.exp(-net))


def forward(x, w_hidden, w_output, b_hidden, b_output):
    """Hidden and output activations for one sample.

    net_h = W_hidden @ x + b1,  out_h = sigmoid(net_h)
    net_o = W_output @ out_h + b2,  out_o = sigmoid(net_o)
    """
    hidden = sigmoid(matvec(w_hidden, x) + b_hidden)
    output = sigmoid(matvec(w_output, hidden) + b_output)
    return hidden, output


def half_squared_error(target, output):
    """E_total = sum over outputs of 1/2 (target - out)^2."""
    return 0.5 * np.sum((target - output) ** 2, axis=-1)


def output_deltas(target, output):
    """dE/dnet_o = dE/dout_o * dout_o/dnet_o = (out_o - target) * out_o (1 - out_o)."""
    return (output - target) * output * (1.0 - output)


def output_weight_gradients(delta_output, hidden):
    """dE/dw for w5..w8: dE/dnet_o * dnet_o/dw = delta_o * out_h (an outer product)."""
    return outer(delta_output, hidden)


def hidden_deltas(delta_output, w_output, hidden):
    """dE/dnet_h = (sum over outputs of delta_o * w_(h->o)) * out_h (1 - out_h).

    ``w_output`` decides the update order: the weights of the forward pass
    give parallel updates, the freshly updated ones give sequential updates.
    """
    return matvec(transpose(w_output), delta_output) * hidden * (1.0 - hidden)


def hidden_weight_gradients(delta_hidden, x):
    """dE/dw for w1..w4: dE/dnet_h * dnet_h/dw = delta_h * i (an outer product)."""
    return outer(delta_hidden, x)
