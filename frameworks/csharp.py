"""The C# cross-check: Python chooses the data, Mono runs the arithmetic.

crosscheck/csharp/Network.cs trains the network in C# doubles with plain SGD,
in either order, on any data and batch size, with or without trained biases.
It is compiled once with ``mcs`` into a cache folder named by the source's
hash (a rebuild only when the source changes) and run with ``mono``: the run's
settings go in as JSON on standard input, every double as ``float.hex()`` text,
which the C# side reads bit for bit; every iteration's loss, first sample's
outputs and hidden activations and the weights it used come back as JSON,
with the final weights, biases, loss and predictions.
"""

import hashlib
import json
import os
import subprocess
from typing import Any

import numpy as np

from numpy_ref import MAZUR
from numpy_ref.example import Example
from numpy_ref.result import TrainingResult
from numpy_ref.training import PLAIN_SGD, Training
from support.files import atomic_output

from .history import kernel_from_weights, training_result

#: The C# program, from the repository's root, and where it is.
SOURCE_NAME = "crosscheck/csharp/Network.cs"
SOURCE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), SOURCE_NAME)
#: Every iteration comes back as a line of JSON text: more would be gigabytes.
MAX_ITERATIONS = 1_000_000
#: The columns of one iteration's history line, in order.
COLUMNS = {"losses": 1, "outputs": 2, "hidden": 2, "hidden_weights": 4, "output_weights": 4}


def cache_folder() -> str:
    """Where compiled programs are kept: $XDG_CACHE_HOME (or ~/.cache)/mazur-ann/csharp."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "mazur-ann", "csharp")


def program_path() -> str:
    """The compiled program of the source as it is now: named by its SHA-256."""
    with open(SOURCE, "rb") as source:
        digest = hashlib.sha256(source.read()).hexdigest()[:16]
    return os.path.join(cache_folder(), f"network-{digest}.exe")


def compiled_program() -> tuple[str, bool]:
    """(the compiled program, whether it was compiled now): ``mcs`` runs only when the
    cache has no program of this source; OSError when the cache cannot be written,
    RuntimeError when mcs refuses the source."""
    path = program_path()
    if os.path.exists(path):
        return path, False
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with atomic_output(path) as partial:
        done = subprocess.run(
            ["mcs", "-optimize+", f"-out:{partial}", SOURCE], capture_output=True, text=True
        )
        if done.returncode != 0:
            raise RuntimeError(f"mcs could not compile {SOURCE}: {done.stdout}{done.stderr}")
    return path, True


def exact(values: Any) -> Any:
    """Every float of ``values`` (nested sequences) as float.hex() text, which the C#
    side reads without rounding."""
    return [exact(v) for v in values] if np.ndim(values) else float(values).hex()


def request(iterations: int, update: str, example: Example) -> dict[str, Any]:
    """What the C# program is sent: the run, every double as float.hex() text."""
    return {
        "iterations": iterations,
        "update": update,
        "learning_rate": exact(example.learning_rate),
        "batch_size": example.batch,
        "train_biases": example.train_biases,
        "inputs": exact(example.inputs),
        "targets": exact(example.targets),
        "hidden_weights": exact(example.hidden_weights),
        "output_weights": exact(example.output_weights),
        "biases": exact(example.biases("float64")),
    }


def run_program(document: dict[str, Any]) -> dict[str, Any]:
    """Compile if needed, run the program on ``document``; its answer, as JSON."""
    path, _ = compiled_program()
    done = subprocess.run(
        ["mono", path], input=json.dumps(document), capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"mono {path} failed (exit {done.returncode}): {done.stderr.strip()}")
    return json.loads(done.stdout)


def check_training(dtype: str, training: Training) -> None:
    """ValueError unless the run is what the C# side computes: plain SGD in float64."""
    if dtype != "float64":
        raise ValueError(f"the C# cross-check computes in float64, not {dtype}")
    if not training.plain:
        raise ValueError("the C# cross-check trains with plain SGD only")


def train(
    iterations: int = 1000,
    update: str = "parallel",
    example: Example = MAZUR,
    dtype: str = "float64",
    *,
    training: Training = PLAIN_SGD,
) -> TrainingResult:
    """Train with the C# program; return a numpy_ref TrainingResult."""
    check_training(dtype, training)
    answer = run_program(request(iterations, update, example))
    rows = np.array(answer["history"], dtype=np.float64).reshape(iterations, -1)
    columns = np.split(rows, np.cumsum(list(COLUMNS.values()))[:-1], axis=1)
    history = {
        "losses": columns[0][:, 0],
        "outputs": columns[1],
        "hidden": columns[2],
        # the history's kernels are in x @ K orientation: K = W.T
        "hidden_kernels": np.swapaxes(columns[3].reshape(-1, 2, 2), -1, -2),
        "output_kernels": np.swapaxes(columns[4].reshape(-1, 2, 2), -1, -2),
    }
    final = {
        "hidden_kernel": kernel_from_weights(np.reshape(answer["hidden_weights"], (2, 2)), dtype),
        "output_kernel": kernel_from_weights(np.reshape(answer["output_weights"], (2, 2)), dtype),
        "biases": tuple(np.reshape(answer["biases"], (2, 2))),
        "loss": answer["final_loss"][0],
        "predictions": np.array(answer["predictions"]),
    }
    return training_result(
        "csharp",
        history,
        final,
        update=update,
        example=example,
        dtype=dtype,
        iterations=iterations,
        training=training.for_iterations(iterations),
        stopped=False,
    )
