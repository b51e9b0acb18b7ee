"""Saving the trained Keras model to a .keras file, and loading it back to predict
or to train on from where it stopped.

The model's custom classes (MazurModel, Bias, WeightPenalty) are registered
with Keras when keras_model.py is imported, so plain keras.saving.load_model
reads the file too.  load_model here does more: it checks the file first
(saved_run.py: one line for a file that is not this network's), then builds
the model from the run's own settings and loads into it the weights and the
optimizer's variables (its iteration count, Adam's m and v, momentum's
velocity).  Built so, the optimizer's hyperparameters are exact in float64
(frameworks.common.exact), where Keras's own loader would bring them back
through float32; a run continued from the loaded model makes, to the last
bit, the updates the saved run would have made next.
"""

import tensorflow as tf

from .common import save_model
from .keras_model import MazurModel, build_model
from .saved_run import ModelFileError, read_saved_run

__all__ = ["load_model", "save_model"]


def load_model(path: str, *, strategy: tf.distribute.Strategy | None = None) -> MazurModel:
    """The model that save_model (--save) wrote to ``path``, ready to predict or to train on.

    ModelFileError (a ValueError, one line naming the file) for a file that
    is not a .keras model of this network, saying what it holds instead; an
    OSError for one that cannot be read.  ``strategy``: build the model in a
    tf.distribute strategy's scope, to train under it.
    """
    saved = read_saved_run(path)
    model = build_model(
        saved.example, saved.update, saved.dtype, training=saved.training, strategy=strategy
    )
    try:
        model.load_weights(path)
    except (ValueError, KeyError, OSError) as error:
        # h5py and Keras explain over many lines (which objects, which variables)
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ModelFileError(f"{path}: its weights cannot be loaded ({reason})") from None
    return model
