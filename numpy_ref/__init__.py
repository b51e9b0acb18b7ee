"""The NumPy reference for Mazur's 2-2-2 backpropagation example.

    from numpy_ref import MAZUR, train
    result = train(1000, update="sequential")
    result.last_iteration_loss   # 0.0011153760...

Every module here imports NumPy and the standard library, nothing else:
the example as data (example.py) and its data sets (data.py), the formulas
(network.py), the optimizers (optimizers.py: Keras's formulas in
keras_formulas.py, torch.optim's in pytorch_formulas.py with fused.py's
multiply-add, what an entry holds in optimizer_rule.py), the learning-rate
schedules (schedules.py), what a run trains with (training.py), the
trainers (trainers.py), the result type every implementation returns
(result.py), the first iteration taken apart (first_iteration.py) and the
two studies' arithmetic (study.py, xor_study.py).  ``python -m numpy_ref``
is its command line.
"""

import importlib
from typing import Any

#: Each public name and the module it lives in.  They are imported when first
#: used, so that ``python -m numpy_ref`` sets up its command line (Ctrl-C, a
#: missing NumPy: one line each) before NumPy is imported.
_PUBLIC = {
    "DTYPES": "example",
    "MAZUR": "example",
    "Example": "example",
    "TrainingResult": "result",
    "UPDATE_ORDERS": "trainers",
    "train": "trainers",
}

__all__ = list(_PUBLIC)


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_PUBLIC[name]}", __name__), name)
