"""ann_keras.py's --export and --tflite on disk and on the terminal, without TensorFlow.

A SavedModel is a folder, written whole or not at all
(support.files.atomic_folder); one already there is replaced only if it is a
SavedModel (``replaceable_folder``).  Each artefact, once
written and loaded back, is set beside the Keras model by a ``Comparison``:
both predictions for each sample and the largest difference, as text for the
report and as a record for the JSON.
"""

import argparse
import os
from dataclasses import dataclass, field

import numpy as np

from .argument_types import folder_problem, parent_folder
from .report import SAMPLES_SHOWN, vector_text

#: --quantize: the TFLite model's post-training quantisation.
QUANTIZATIONS = ("none", "float16", "int8")

#: What a folder written by model.export holds: saved_model.pb, and at most
#: these beside it.  A folder with anything else in it is never replaced.
SAVED_MODEL_FILE = "saved_model.pb"
SAVED_MODEL_ENTRIES = {SAVED_MODEL_FILE, "fingerprint.pb", "variables", "assets"}


def replaceable_folder(path):
    """Whether ``path`` is a folder that --export may replace: empty, or a SavedModel
    and nothing else."""
    entries = set(os.listdir(path))
    return not entries or (SAVED_MODEL_FILE in entries and entries <= SAVED_MODEL_ENTRIES)


def export_folder(text):
    """--export: a folder to write, in a folder that exists and can be written.

    A folder already there is replaced only if it is empty or a SavedModel
    (one that --export wrote before, say), never a folder of other files.
    A link to one is replaced by the new folder; what it points to stays.
    """
    if not text.strip():
        raise argparse.ArgumentTypeError(f"the folder must be named, not {text!r}")
    text = text.rstrip(os.sep) or os.sep  # "model/" is the folder, or the link, "model"
    if os.path.ismount(text) or os.path.realpath(text) == os.path.realpath(os.curdir):
        raise argparse.ArgumentTypeError(
            f"{text} is the current folder or a mount point, which cannot be replaced;"
            " name a folder inside it"
        )
    problem = folder_problem(parent_folder(text))
    if problem:
        raise argparse.ArgumentTypeError(f"cannot write {text}: {problem}")
    if os.path.lexists(text) and not os.path.isdir(text):
        raise argparse.ArgumentTypeError(f"cannot write {text}: it is there and is not a folder")
    try:
        replaceable = not os.path.isdir(text) or replaceable_folder(text)
    except OSError as error:
        raise argparse.ArgumentTypeError(f"cannot look inside {text}: {error.strerror}") from None
    if not replaceable:
        raise argparse.ArgumentTypeError(
            f"{text} holds files and is not a SavedModel; name a new folder"
            " (a SavedModel folder is replaced)"
        )
    return text


def largest_difference(predictions, keras_predictions):
    """max |artefact - Keras| over every sample and output, in float64."""
    return float(
        np.max(
            np.abs(np.asarray(predictions, np.float64) - np.asarray(keras_predictions, np.float64))
        )
    )


@dataclass
class Comparison:
    """An artefact's predictions beside the Keras model's."""

    name: str  # the artefact in the table's header: "SavedModel", "TFLite int8"
    path: str
    loaded_by: str  # how it was loaded back and run
    predictions: np.ndarray  # (samples, 2)
    keras_predictions: np.ndarray  # (samples, 2)
    notes: list = field(default_factory=list)  # lines before the table
    details: dict = field(default_factory=dict)  # more fields of the record

    @property
    def largest_difference(self):
        return largest_difference(self.predictions, self.keras_predictions)

    def text(self):
        """The report's lines: where, how loaded, the table (SAMPLES_SHOWN samples)."""
        width = len(vector_text(self.keras_predictions[0])) + 3
        lines = [
            f"{self.name} written to {self.path}; loaded back with {self.loaded_by}:",
            *(f"  {note}" for note in self.notes),
            f"  sample  {'Keras o1, o2':<{width}}{self.name} o1, o2",
        ]
        for number, (keras, artefact) in enumerate(
            zip(self.keras_predictions[:SAMPLES_SHOWN], self.predictions), start=1
        ):
            lines.append(f"  {number:>6}  {vector_text(keras):<{width}}{vector_text(artefact)}")
        hidden = len(self.predictions) - SAMPLES_SHOWN
        if hidden > 0:
            lines.append(f"  ... and {hidden} more samples (all of them in --json)")
        lines.append(f"  largest difference {self.largest_difference:.2e}")
        return "\n".join(lines)

    def record(self):
        """The JSON's record: path, every prediction, the largest difference, details."""
        return {
            "path": self.path,
            **self.details,
            "predictions": np.asarray(self.predictions, np.float64).tolist(),
            "largest_difference": self.largest_difference,
        }


def _quantization_record(quantization):
    return (
        None
        if quantization is None
        else {"scale": quantization.scale, "zero_point": quantization.zero_point}
    )


def saved_model_comparison(path, predictions, keras_predictions):
    return Comparison(
        "SavedModel", path, "tf.saved_model.load, through serve", predictions, keras_predictions
    )


def tflite_comparison(path, quantize, read, keras_predictions):
    """The TFLite model's Comparison; ``read`` is frameworks.export's TFLitePredictions.

    For int8 the notes give the scale and zero point of the input and the
    output, r = scale * (q - zero point), which set the model's error.
    """
    notes = [
        f"int8 {what:<7} scale {quantization.scale:.6g}, zero point {quantization.zero_point}"
        for what, quantization in (("input", read.inputs), ("output", read.outputs))
        if quantization
    ]
    if notes:
        notes[0] += "   (r = scale * (q - zero point))"
    details = {
        "quantize": quantize,
        "input_quantization": _quantization_record(read.inputs),
        "output_quantization": _quantization_record(read.outputs),
    }
    name = "TFLite" if quantize == "none" else f"TFLite {quantize}"
    return Comparison(
        name, path, read.interpreter, read.predictions, keras_predictions, notes, details
    )
