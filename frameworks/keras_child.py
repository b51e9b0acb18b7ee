"""Keras on its JAX or PyTorch backend, trained in a child process.

Keras fixes its backend when it is first imported, and a process that
compares every implementation (compare_implementations.py) has imported it
on TensorFlow already.  So each other backend trains in a child process of
its own: ``python -m frameworks.keras_child BACKEND`` reads a list of
RunSettings (pickled) on standard input, trains each by
keras_backends.train_model, and writes the list of TrainingResults (pickled)
on standard output.  Both update orders of one run go to one child, so that
the child's start (Python, Keras and the backend, about 3 s) is paid once.
"""

import functools
import pickle
import subprocess
import sys
from dataclasses import replace

from implementations.settings import RunSettings
from numpy_ref import UPDATE_ORDERS
from numpy_ref.result import TrainingResult


def train_in_child(backend: str, run: RunSettings) -> TrainingResult:
    """``run`` trained by fit() on Keras's ``backend``, in a child process (both update
    orders trained at once there, and kept for the other order's call)."""
    return _both_orders(backend, replace(run, update=UPDATE_ORDERS[0]))[run.update]


@functools.cache
def _both_orders(backend: str, run: RunSettings) -> dict[str, TrainingResult]:
    runs = [replace(run, update=update) for update in UPDATE_ORDERS]
    return dict(zip(UPDATE_ORDERS, train_runs_in_child(backend, runs)))


def train_runs_in_child(backend: str, runs: list[RunSettings]) -> list[TrainingResult]:
    """Each of ``runs`` trained by fit() on Keras's ``backend``, in one child process."""
    child = subprocess.run(
        [sys.executable, "-m", "frameworks.keras_child", backend],
        input=pickle.dumps(runs),
        capture_output=True,
        check=False,
    )
    if child.returncode != 0:
        last = (child.stderr.decode(errors="replace").strip().splitlines() or ["no message"])[-1]
        raise RuntimeError(f"Keras on {backend} failed in its child process: {last}")
    results: list[TrainingResult] = pickle.loads(child.stdout)
    return results


def main(backend: str) -> None:
    from frameworks import use_backend

    use_backend(backend)  # before keras is imported
    from frameworks.keras_backends import train_model

    runs = pickle.loads(sys.stdin.buffer.read())
    results = [
        train_model(run.iterations, run.update, run.example, run.dtype, training=run.training)[0]
        for run in runs
    ]
    sys.stdout.buffer.write(pickle.dumps(results))


if __name__ == "__main__":
    main(sys.argv[1])
