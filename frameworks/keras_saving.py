"""Saving the trained Keras model to a .keras file, and loading it back.

The model's custom classes (MazurModel, Bias, WeightPenalty) are registered
with Keras when keras_model.py is imported, so plain keras.saving.load_model
reads the file: this module imports it first.
"""

import keras

from support.files import atomic_output

from . import keras_model  # noqa: F401  registers the classes that load_model reads


def save_model(model: keras.Model, path: str) -> None:
    """Save the .keras file whole or not at all."""
    with atomic_output(path) as temporary:
        model.save(temporary)


def load_model(path: str) -> keras.Model:
    """keras.saving.load_model of a file that save_model (--save) wrote."""
    return keras.saving.load_model(path)
