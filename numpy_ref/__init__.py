"""The NumPy reference for Mazur's 2-2-2 backpropagation example.

    from numpy_ref import MAZUR, train
    result = train(1000, update="sequential")
    result.last_iteration_loss   # 0.0011153760...

Importing this package never imports TensorFlow.
"""

from .example import DTYPES, MAZUR, Example
from .result import TrainingResult
from .trainers import UPDATE_ORDERS, train, train_parallel, train_sequential

__all__ = [
    "DTYPES",
    "MAZUR",
    "UPDATE_ORDERS",
    "Example",
    "TrainingResult",
    "train",
    "train_parallel",
    "train_sequential",
]
