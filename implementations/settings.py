"""RunSettings: everything one training run is made of, in one frozen record.

The command line builds it once (console/arguments.py) and hands it down:
the registry's Framework.train reads it, and each framework's train function
receives its fields.  A reader who wants to know what can vary between two
runs reads this class and nothing else.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace

from numpy_ref.example import MAZUR, Example
from numpy_ref.optimizers import Optimizer
from numpy_ref.training import PLAIN_SGD, Training


@dataclass(frozen=True)
class RunSettings:
    """One run: how long, in which order and float type, on what, trained how."""

    iterations: int = 1000  # updates to make (fewer if training.until_loss stops it)
    update: str = "parallel"  # "parallel" or "sequential" (numpy_ref.UPDATE_ORDERS)
    example: Example = MAZUR  # the data, the starting weights and biases, lr, batches
    dtype: str = "float32"  # "float32" or "float64", of every number in the network
    training: Training = PLAIN_SGD  # the optimizer, its schedule, stopping, penalties
    loss: str = "half-sse"  # the loss the TensorFlow tape trains on (frameworks.LOSSES)
    replicas: int = 1  # devices of a tf.distribute strategy (1: no strategy)

    def under_each(self, optimizers: Iterable[Optimizer]) -> list["RunSettings"]:
        """This run once under each of ``optimizers`` (--optimizer all: plain training,
        that optimizer alone); this run itself when there are none."""
        return [replace(self, training=Training(optimizer=o)) for o in optimizers] or [self]
