"""Mazur's 2-2-2 example as data: the one sample, the starting weights, the biases.

Matrices are in the tutorial's orientation, one row per receiving neuron:

    hidden = [[w1, w2],      net_h1 = w1*i1 + w2*i2 + b1
              [w3, w4]]      net_h2 = w3*i1 + w4*i2 + b1
    output = [[w5, w6],      net_o1 = w5*out_h1 + w6*out_h2 + b2
              [w7, w8]]      net_o2 = w7*out_h1 + w8*out_h2 + b2

A framework that computes ``x @ K`` (Keras Dense, ``tf.matmul(x, K)``) needs
``K = W.T``; that transpose happens inside the framework scripts, never here.
"""

from dataclasses import dataclass, replace

import numpy as np

#: The float types every trainer accepts; float64 is the reference's default.
DTYPES = ("float32", "float64")


@dataclass(frozen=True)
class Example:
    """One training sample, starting weights, constant biases and a learning rate."""

    inputs: tuple = (0.05, 0.10)  # i1, i2
    targets: tuple = (0.01, 0.99)  # the wanted o1, o2
    hidden_weights: tuple = ((0.15, 0.20), (0.25, 0.30))  # w1..w4
    output_weights: tuple = ((0.40, 0.45), (0.50, 0.55))  # w5..w8
    hidden_bias: float = 0.35  # b1, shared by h1 and h2, never trained
    output_bias: float = 0.60  # b2, shared by o1 and o2, never trained
    learning_rate: float = 0.5

    def with_learning_rate(self, learning_rate):
        """The same example with another learning rate (None keeps this one)."""
        if learning_rate is None:
            return self
        return replace(self, learning_rate=float(learning_rate))

    def arrays(self, dtype="float64"):
        """x, target, W_hidden, W_output as fresh NumPy arrays of ``dtype``."""
        return (
            np.array(self.inputs, dtype=dtype),
            np.array(self.targets, dtype=dtype),
            np.array(self.hidden_weights, dtype=dtype),
            np.array(self.output_weights, dtype=dtype),
        )


#: The network exactly as the tutorial starts it.
MAZUR = Example()
