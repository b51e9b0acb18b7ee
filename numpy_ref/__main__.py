"""python -m numpy_ref: train the NumPy reference and print its log.

The hand-derived formulas of numpy_ref.network in a plain loop, in either
update order, in float64 unless asked otherwise, with plain SGD or any
optimizer, with Keras's formulas (numpy_ref/keras_formulas.py) or with
torch.optim's (numpy_ref/pytorch_formulas.py, --formulas pytorch).  This is
the reference that ann_tensorflow.py, ann_keras.py and ann_pytorch.py are
checked against.

    python -m numpy_ref 1000 --update sequential
    python -m numpy_ref --explain --optimizer adam
    python -m numpy_ref 1000 --optimizer adam --formulas pytorch
"""

import console  # noqa: F401  first: Ctrl-C during the imports below ends quietly

# isort: split


import sys
from typing import Any

from console.arguments import add_formulas_argument
from console.explain import run_settings
from console.explain_sections import numpy_sections
from console.settings import TrainerSettings
from console.trainer_script import Run, TrainerScript
from implementations import FRAMEWORKS
from numpy_ref.example import Example
from numpy_ref.optimizers import Optimizer


def explain(
    update: str, example: Example, dtype: str, optimizer: Optimizer
) -> tuple[str, list[tuple[str, Any]]]:
    """The first iteration as the formulas compute it, in ``dtype``: (title, sections)."""
    title = f"First iteration, NumPy formulas ({run_settings(update, optimizer, example, dtype)})"
    return title, numpy_sections(update, example, dtype, optimizer)


def train(settings: TrainerSettings) -> Run:
    return Run(FRAMEWORKS["numpy"].train(settings.run, progress=not settings.json))


SCRIPT = TrainerScript(
    prog="python -m numpy_ref",
    description=__doc__,
    default_update="parallel",
    update_help="which output weights carry the deltas back to the hidden layer",
    default_dtype="float64",
    title="Mazur's 2-2-2 network, NumPy reference (hand-derived formulas)",
    update_notes={
        "parallel": "both layers' gradients from the forward pass's weights",
        "sequential": "output layer first; hidden delta through the new w5..w8",
    },
    explain=explain,
    train=train,
    add_options=add_formulas_argument,
    uses_tensorflow=False,
)

main = SCRIPT.main


if __name__ == "__main__":
    sys.exit(main())
