"""The first iteration taken apart: every intermediate value, for --explain.

The same formulas and the same update step as the trainers, kept with the
pieces a learner wants to see: each derivative of the chain rule on its own.
"""

from dataclasses import dataclass

import numpy as np

from .example import MAZUR
from .network import forward, matvec, output_deltas, transpose
from .trainers import update_step


@dataclass(frozen=True)
class FirstIteration:
    """Iteration 1 of ``update``, in the tutorial's orientation (float64)."""

    update: str
    x: np.ndarray  # i1, i2
    target: np.ndarray
    w_hidden: np.ndarray  # [[w1, w2], [w3, w4]] before the update
    w_output: np.ndarray  # [[w5, w6], [w7, w8]] before the update
    b_hidden: float
    b_output: float
    learning_rate: float
    net_hidden: np.ndarray  # net_h = W_hidden @ x + b1
    hidden: np.ndarray  # out_h = sigmoid(net_h)
    net_output: np.ndarray  # net_o = W_output @ out_h + b2
    output: np.ndarray  # out_o = sigmoid(net_o)
    delta_output: np.ndarray  # dE/dnet_o
    new_w_hidden: np.ndarray  # w1+..w4+ in this order
    new_w_output: np.ndarray  # w5+..w8+ (the same in both orders)

    @property
    def errors(self):
        """E_o1, E_o2: 1/2 (target - out)^2 for each output."""
        return 0.5 * (self.target - self.output) ** 2

    @property
    def d_error_d_output(self):
        """dE/dout_o = out_o - target."""
        return self.output - self.target

    @property
    def output_sigmoid_slope(self):
        """dout_o/dnet_o = out_o (1 - out_o)."""
        return self.output * (1 - self.output)

    @property
    def hidden_sigmoid_slope(self):
        """dout_h/dnet_h = out_h (1 - out_h)."""
        return self.hidden * (1 - self.hidden)

    def d_error_d_hidden(self, w_output):
        """dE/dout_h = sum over outputs of delta_o · w(h->o), through ``w_output``."""
        return matvec(transpose(w_output), self.delta_output)


def first_iteration(update="parallel", example=MAZUR):
    """Iteration 1 of ``example`` in float64, with every intermediate value."""
    x, target, w_hidden, w_output = example.arrays("float64")
    b_hidden, b_output = example.hidden_bias, example.output_bias
    hidden, output = forward(x, w_hidden, w_output, b_hidden, b_output)
    _, _, new_w_hidden, new_w_output = update_step(
        x, target, w_hidden, w_output, b_hidden, b_output, example.learning_rate, update
    )
    return FirstIteration(
        update=update, x=x, target=target, w_hidden=w_hidden, w_output=w_output,
        b_hidden=b_hidden, b_output=b_output, learning_rate=example.learning_rate,
        net_hidden=matvec(w_hidden, x) + b_hidden, hidden=hidden,
        net_output=matvec(w_output, hidden) + b_output, output=output,
        delta_output=output_deltas(target, output),
        new_w_hidden=new_w_hidden, new_w_output=new_w_output,
    )
