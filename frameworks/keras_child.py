"""Keras on its JAX or PyTorch backend, trained in a child process.

Keras fixes its backend when it is first imported, and a process that
compares every implementation (compare_implementations.py) has imported it
on TensorFlow already.  So each other backend trains in a child process of
its own: ``python -m frameworks.keras_child BACKEND`` reads a list of
RunSettings (pickled) on standard input, trains each by
keras_backends.train_model, and writes the list of TrainingResults (pickled)
on standard output.  Both update orders of a run, and every run started
together (compare_implementations.py --optimizer all starts one per
optimizer), go to one child, so that the child's start (Python, Keras and the
backend, about 3 s) is paid once; implementations.run_all starts the children
before it trains this process's rows, so that they train meanwhile.
"""

import pickle
import subprocess
import sys
from dataclasses import replace

from implementations.settings import RunSettings
from numpy_ref import UPDATE_ORDERS
from numpy_ref.result import TrainingResult


class Child:
    """A child process training ``runs`` on Keras's ``backend``, started at once; its
    results are read when asked for, so that the parent trains meanwhile."""

    def __init__(self, backend: str, runs: list[RunSettings]) -> None:
        self.backend = backend
        self.process = subprocess.Popen(
            [sys.executable, "-m", "frameworks.keras_child", backend],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        # The runs go at once (the child reads them before it imports anything heavy),
        # and the pipe is handed over closed, so that communicate() only reads.
        assert self.process.stdin is not None
        self.process.stdin.write(pickle.dumps(runs))
        self.process.stdin.close()
        self.process.stdin = None
        self.found: list[TrainingResult] | None = None

    def results(self) -> list[TrainingResult]:
        """The TrainingResult of each run, in order (waiting for the child, once)."""
        if self.found is None:
            out, err = self.process.communicate()
            if self.process.returncode != 0:
                last = (err.decode(errors="replace").strip().splitlines() or ["no message"])[-1]
                raise RuntimeError(f"Keras on {self.backend} failed in its child process: {last}")
            self.found = pickle.loads(out)
        return self.found


#: Where each run started in a child is trained: {(backend, run): (Child, its index)}.
_STARTED: dict[tuple[str, RunSettings], tuple[Child, int]] = {}


def start_in_child(backend: str, runs: list[RunSettings]) -> None:
    """Start training each of ``runs`` in both update orders on Keras's ``backend``,
    all in one child process, which train_in_child reads from (a run started before
    is left to its child)."""
    new = [
        replace(run, update=update)
        for run in dict.fromkeys(runs)
        for update in UPDATE_ORDERS
        if (backend, replace(run, update=update)) not in _STARTED
    ]
    if new:
        child = Child(backend, new)
        _STARTED.update({(backend, run): (child, index) for index, run in enumerate(new)})


def train_in_child(backend: str, run: RunSettings) -> TrainingResult:
    """``run`` trained by fit() on Keras's ``backend``, in a child process (both update
    orders trained at once there, and kept for the other order's call)."""
    start_in_child(backend, [run])
    child, index = _STARTED[(backend, run)]
    return child.results()[index]


def train_runs_in_child(backend: str, runs: list[RunSettings]) -> list[TrainingResult]:
    """Each of ``runs`` trained by fit() on Keras's ``backend``, in one child process."""
    return Child(backend, runs).results()


def main(backend: str) -> None:
    runs = pickle.loads(sys.stdin.buffer.read())  # first: the parent waits for this

    from frameworks import use_backend

    use_backend(backend)  # before keras is imported
    from frameworks.keras_backends import train_model

    results = [
        train_model(run.iterations, run.update, run.example, run.dtype, training=run.training)[0]
        for run in runs
    ]
    sys.stdout.buffer.write(pickle.dumps(results))


if __name__ == "__main__":
    main(sys.argv[1])
