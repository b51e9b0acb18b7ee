"""The NumPy reference for Mazur's 2-2-2 backpropagation example.

    from numpy_ref import MAZUR, train
    result = train(1000, update="sequential")
    result.last_iteration_loss   # 0.0011153760...

Every module here imports NumPy and the standard library, nothing else:
the example as data (example.py), the formulas (network.py), the trainers
(trainers.py), the result type every implementation returns (result.py),
the first iteration taken apart (first_iteration.py) and the update-order
study's arithmetic (study.py).  ``python -m numpy_ref`` is its command line.
"""

from .example import DTYPES, MAZUR, Example
from .result import TrainingResult
from .trainers import UPDATE_ORDERS, train

__all__ = ["DTYPES", "MAZUR", "UPDATE_ORDERS", "Example", "TrainingResult", "train"]
