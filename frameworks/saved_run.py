"""What a .keras file that ann_keras.py saved says about its run, read without TensorFlow.

A .keras file is a zip archive: config.json (the model's architecture; for
MazurModel also the run's settings, under "run"), metadata.json, and
model.weights.h5 (w1..w8 and the biases, and the optimizer's variables: its
iteration count, Adam's m and v, momentum's velocity).  This module reads
config.json alone, with zipfile and json, so that a command line can check a
file and the options beside it before TensorFlow is imported; the weights are
keras_saving.py's.

    SavedRun       the settings of the run that wrote the file, exact to the bit
    ModelFileError a file that is not a .keras model of this network: one line
    read_saved_run the SavedRun in a file, or ModelFileError saying why not
"""

import json
import os
import zipfile
import zlib
from dataclasses import dataclass
from typing import Any, Self

from numpy_ref.data import DataSet
from numpy_ref.example import Example
from numpy_ref.optimizers import Optimizer
from numpy_ref.schedules import Schedule
from numpy_ref.training import Training

#: The layers of the 2-2-2 network, (name, Keras class), in the order the config lists them.
LAYERS = (
    ("inputs", "InputLayer"),
    ("hidden_weights", "Dense"),
    ("hidden_bias", "Bias"),
    ("hidden", "Activation"),
    ("output_weights", "Dense"),
    ("output_bias", "Bias"),
    ("output", "Activation"),
)
#: How Keras names the model's class in config.json (keras_model.MazurModel).
REGISTERED_NAME = "mazur>MazurModel"


class ModelFileError(ValueError):
    """A file that is not a .keras model of this network; the message is one line and
    names the file."""


@dataclass(frozen=True)
class SavedRun:
    """The settings of a saved run: what --load resumes it with.

    ``training``'s schedule has its decay_steps filled in (the saved run's
    iteration count, unless --decay-steps set it), so a resumed run decays
    over the same steps as the run it continues.
    """

    update: str
    example: Example
    dtype: str
    training: Training

    def to_json(self) -> dict[str, Any]:
        """The record MazurModel.get_config keeps under "run": lists, not tuples (Keras
        writes a tuple as an object of its own), and floats that JSON keeps exact."""
        example, training = self.example, self.training
        schedule = training.schedule
        return {
            "update": self.update,
            "dtype": self.dtype,
            "data": {
                "name": example.data.name,
                "inputs": [list(row) for row in example.inputs],
                "targets": [list(row) for row in example.targets],
            },
            "hidden_weights": [list(row) for row in example.hidden_weights],
            "output_weights": [list(row) for row in example.output_weights],
            "hidden_bias": example.hidden_bias,
            "output_bias": example.output_bias,
            "learning_rate": example.learning_rate,
            "train_biases": example.train_biases,
            "batch_size": example.batch_size,
            "init": example.init,
            "seed": example.seed,
            "optimizer": {
                "name": training.optimizer.name,
                "formulas": training.optimizer.formulas,
                "settings": dict(training.optimizer.settings),
            },
            "schedule": {
                "name": schedule.name,
                "decay_steps": schedule.decay_steps,
                "decay_rate": schedule.decay_rate,
            },
            "until_loss": training.until_loss,
            "l1": training.l1,
            "l2": training.l2,
        }

    @classmethod
    def from_json(cls, record: dict[str, Any]) -> Self:
        """The SavedRun of a record that to_json wrote; KeyError, TypeError or ValueError
        for one it did not."""
        data = record["data"]
        example = Example(
            data=DataSet(data["name"], _rows(data["inputs"]), _rows(data["targets"])),
            hidden_weights=_rows(record["hidden_weights"]),  # type: ignore[arg-type]  # 2 x 2
            output_weights=_rows(record["output_weights"]),  # type: ignore[arg-type]  # 2 x 2
            hidden_bias=float(record["hidden_bias"]),
            output_bias=float(record["output_bias"]),
            learning_rate=float(record["learning_rate"]),
            train_biases=bool(record["train_biases"]),
            batch_size=record["batch_size"],
            init=record["init"],
            seed=record["seed"],
        )
        optimizer = record["optimizer"]
        schedule = record["schedule"]
        training = Training(
            optimizer=Optimizer.named(
                optimizer["name"], formulas=optimizer["formulas"], **optimizer["settings"]
            ),
            schedule=Schedule(schedule["name"], schedule["decay_steps"], schedule["decay_rate"]),
            until_loss=record["until_loss"],
            l1=float(record["l1"]),
            l2=float(record["l2"]),
        )
        return cls(record["update"], example, record["dtype"], training)


def _rows(rows: list[list[float]]) -> tuple[tuple[float, ...], ...]:
    return tuple(tuple(float(value) for value in row) for row in rows)


def model_config(path: str) -> dict[str, Any]:
    """config.json of the .keras file ``path``: ModelFileError for a file that is not
    one (an OSError, such as FileNotFoundError, for one that cannot be read)."""
    if os.path.isfile(path) and os.path.getsize(path) == 0:
        raise ModelFileError(f"{path} is not a .keras model: the file is empty")
    try:
        with zipfile.ZipFile(path) as archive:
            text = archive.read("config.json")
    except zipfile.BadZipFile as error:
        raise ModelFileError(
            f"{path} is not a .keras model: not a zip archive, or a truncated or damaged one"
            f" ({error})"
        ) from None
    except KeyError:
        raise ModelFileError(
            f"{path} is not a .keras model: a zip archive without config.json"
        ) from None
    except (zlib.error, EOFError, RuntimeError, NotImplementedError) as error:
        raise ModelFileError(f"{path} is not a .keras model: damaged ({error})") from None
    try:
        config = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ModelFileError(
            f"{path} is not a .keras model: its config.json is not JSON text"
        ) from None
    if not isinstance(config, dict) or not isinstance(config.get("config"), dict):
        raise ModelFileError(f"{path} is not a .keras model: its config.json is not a model's")
    return config


def describe_model(config: dict[str, Any]) -> str:
    """'a Sequential model named 'sequential' (3 layers: Dense, Dense, Dense)': what a
    config.json holds, for a refusal."""
    layers = config["config"].get("layers")
    classes = [layer.get("class_name", "?") for layer in layers if isinstance(layer, dict)]
    kinds = ", ".join(classes[:8]) + (", ..." if len(classes) > 8 else "")
    shown = f" ({len(classes)} layers: {kinds})" if isinstance(layers, list) else ""
    return (
        f"a {config.get('class_name', 'Keras')} model named"
        f" {config['config'].get('name', '?')!r}{shown}"
    )


def check_architecture(path: str, config: dict[str, Any]) -> None:
    """ModelFileError unless ``config`` is the 2-2-2 MazurModel's."""
    layers = config["config"].get("layers")
    found = (
        tuple((layer.get("name"), layer.get("class_name")) for layer in layers)
        if isinstance(layers, list) and all(isinstance(layer, dict) for layer in layers)
        else ()
    )
    if config.get("registered_name") != REGISTERED_NAME or found != LAYERS:
        raise ModelFileError(
            f"{path} holds {describe_model(config)}, not the 2-2-2 network that"
            " ann_keras.py saves (a MazurModel: 2 inputs, 2 sigmoid hidden, 2 sigmoid outputs)"
        )


def read_saved_run(path: str) -> SavedRun:
    """The settings of the run saved in ``path``.

    ModelFileError (one line, naming the file) for a file that is empty,
    truncated, not a zip archive, not a Keras model, a model of another
    architecture, or one saved without its run's settings.  An OSError (its
    filename set) for a file that cannot be opened.
    """
    config = model_config(path)
    check_architecture(path, config)
    record = config["config"].get("run")
    if record is None:
        raise ModelFileError(
            f"{path} holds the 2-2-2 network without its run's settings, so its run"
            " cannot be resumed (save it again with ann_keras.py --save)"
        )
    try:
        return SavedRun.from_json(record)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise ModelFileError(
            f"{path}: the run's settings in its config.json cannot be read ({error!r})"
        ) from None
