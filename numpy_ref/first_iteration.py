"""The first iteration taken apart: every intermediate value, for --explain.

The same formulas and the same update step as the trainers, kept with the
pieces a learner wants to see: each derivative of the chain rule on its own.
"""

from dataclasses import dataclass

import numpy as np

from .example import MAZUR, Example
from .network import FloatArray, layer, output_deltas
from .optimizers import Optimizer, OptimizerState
from .trainers import Parameters, check_settings, update_step


@dataclass(frozen=True)
class FirstIteration:
    """Iteration 1 of ``update``, in the tutorial's orientation, computed in ``dtype``."""

    update: str
    dtype: str  # "float32" or "float64": every array and scalar below is of this type
    x: FloatArray  # i1, i2
    target: FloatArray
    w_hidden: FloatArray  # [[w1, w2], [w3, w4]] before the update
    w_output: FloatArray  # [[w5, w6], [w7, w8]] before the update
    b_hidden: np.floating  # a scalar of ``dtype``
    b_output: np.floating
    learning_rate: np.floating
    net_hidden: FloatArray  # net_h = W_hidden @ x + b1
    hidden: FloatArray  # out_h = sigmoid(net_h)
    net_output: FloatArray  # net_o = W_output @ out_h + b2
    output: FloatArray  # out_o = sigmoid(net_o)
    delta_output: FloatArray  # dE/dnet_o
    new_w_hidden: FloatArray  # w1+..w4+ in this order
    new_w_output: FloatArray  # w5+..w8+ (the same in both orders)
    optimizer_state: OptimizerState  # after the first update: what its step computed

    @property
    def errors(self) -> FloatArray:
        """E_o1, E_o2: 1/2 (target - out)^2 for each output."""
        return 0.5 * (self.target - self.output) ** 2

    @property
    def d_error_d_output(self) -> FloatArray:
        """dE/dout_o = out_o - target."""
        return self.output - self.target

    @property
    def output_sigmoid_slope(self) -> FloatArray:
        """dout_o/dnet_o = out_o (1 - out_o)."""
        return self.output * (1 - self.output)

    @property
    def hidden_sigmoid_slope(self) -> FloatArray:
        """dout_h/dnet_h = out_h (1 - out_h)."""
        return self.hidden * (1 - self.hidden)

    def d_error_d_hidden(self, w_output: FloatArray) -> FloatArray:
        """dE/dout_h = sum over outputs of delta_o · w(h->o), through ``w_output``."""
        return w_output.T @ self.delta_output


def first_iteration(
    update: str = "parallel",
    example: Example = MAZUR,
    dtype: str = "float64",
    optimizer: Optimizer = Optimizer(),
) -> FirstIteration:
    """Iteration 1 of ``example`` in ``dtype``, with every intermediate value.

    The inputs, weights, biases and learning rate are all of ``dtype``, as in
    the trainers, so every value below is computed in it.  ``optimizer``
    makes the update (numpy_ref.optimizers; plain SGD by default).
    """
    check_settings(1, update, dtype)
    samples, targets, w_hidden, w_output = example.arrays(dtype)
    b_hidden, b_output = example.biases(dtype)
    # [()] of a 0-d array is a scalar of its dtype (NumPy's stubs say an array)
    lr: np.floating = np.asarray(example.learning_rate, dtype=dtype)[()]  # type: ignore[assignment]
    state = OptimizerState(optimizer, dtype, traced=True)
    hidden, output, new = update_step(
        samples,
        targets,
        Parameters(w_hidden, w_output, b_hidden, b_output),
        lr,
        update,
        optimizer_state=state,
    )
    net_hidden = layer(w_hidden, samples, b_hidden)
    net_output = layer(w_output, hidden, b_output)
    # The tutorial's one sample: every array below is that sample's.
    return FirstIteration(
        update=update,
        dtype=dtype,
        x=samples[0],
        target=targets[0],
        w_hidden=w_hidden,
        w_output=w_output,
        b_hidden=b_hidden[0],
        b_output=b_output[0],
        learning_rate=lr,
        net_hidden=net_hidden[0],
        hidden=hidden[0],
        net_output=net_output[0],
        output=output[0],
        delta_output=output_deltas(targets, output)[0],
        new_w_hidden=new.w_hidden,
        new_w_output=new.w_output,
        optimizer_state=state,
    )
