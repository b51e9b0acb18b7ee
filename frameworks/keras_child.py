"""Keras on its JAX or PyTorch backend, trained in a child process.

Keras fixes its backend when it is first imported, and a process that
compares every implementation (compare_implementations.py) has imported it
on TensorFlow already.  So each other backend trains in a child process of
its own: ``python -m frameworks.keras_child BACKEND`` imports Keras on
BACKEND once, then answers requests until its standard input closes.  A
request is a list of RunSettings (pickled); its answer, on standard output,
is the list of TrainingResults (pickled), or the one line that says why the
training failed.

The child is started at the first request and kept for the rest of this
process's life, so that its start (Python, Keras and the backend: about 3 s
of CPU for JAX, 5 s for PyTorch) is paid once however many comparisons one
process makes (the test suite makes dozens).  Both update orders of a run,
and every run started together (compare_implementations.py --optimizer all
starts one per optimizer), go in one request; implementations.run_all sends
it before it trains this process's rows, so that the child trains meanwhile.
"""

import atexit
import os
import pickle
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace

from implementations.settings import RunSettings
from numpy_ref import UPDATE_ORDERS
from numpy_ref.result import TrainingResult

#: An answer: ("results", [TrainingResult]) or ("failed", the line that says why).
Answer = tuple[str, list[TrainingResult] | str]


class Child:
    """The child process that trains on Keras's ``backend``; requests are answered in
    the order they were sent, and an answer is read when it is asked for, so that
    this process trains meanwhile."""

    def __init__(self, backend: str) -> None:
        self.backend = backend
        # Its stderr (the backend's warnings, a traceback if it dies) goes to a file:
        # a pipe nobody reads would fill and stop it.
        self.stderr = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "frameworks.keras_child", backend],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
        )
        self.sent = 0  # requests sent, numbered from 0
        self.answers: list[Answer] = []  # read so far: answer k is request k's

    def alive(self) -> bool:
        return self.process.poll() is None

    def send(self, runs: list[RunSettings]) -> int:
        """Send the request to train ``runs``; return its number, for answer().

        (A request is a few kB, far below a pipe's buffer, so this never waits
        for the child to finish the request before it.)"""
        assert self.process.stdin is not None
        pickle.dump(runs, self.process.stdin)
        self.process.stdin.flush()
        self.sent += 1
        return self.sent - 1

    def answer(self, number: int) -> list[TrainingResult]:
        """The TrainingResults of request ``number``, in order (waiting for the child)."""
        assert self.process.stdout is not None
        while len(self.answers) <= number:
            try:
                self.answers.append(pickle.load(self.process.stdout))
            except EOFError:
                raise self.failure(self.last_words()) from None
        kind, found = self.answers[number]
        if kind == "failed":
            raise self.failure(str(found))
        return found  # type: ignore[return-value]  # "results": the list

    def failure(self, why: str) -> RuntimeError:
        """The error a failed request raises here, ``why`` being the child's one line."""
        return RuntimeError(f"Keras on {self.backend} failed in its child process: {why}")

    def last_words(self) -> str:
        """The last line the child wrote on its stderr before it ended."""
        self.process.wait()
        self.stderr.seek(0)
        lines = self.stderr.read().decode(errors="replace").strip().splitlines()
        return lines[-1] if lines else f"it ended with status {self.process.returncode}"

    def close(self) -> None:
        """End the child now: whatever it still trains, nobody will read."""
        self.process.kill()
        self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout, self.stderr):
            if pipe:
                pipe.close()


#: The child of each backend, started at the first request: {backend: Child}.
_CHILDREN: dict[str, Child] = {}

#: Where each run sent to a child is answered: {(backend, run): (Child, request, index)}.
_STARTED: dict[tuple[str, RunSettings], tuple[Child, int, int]] = {}


def child_of(backend: str) -> Child:
    """``backend``'s child process, started now if it has none (or its last one ended)."""
    if backend not in _CHILDREN or not _CHILDREN[backend].alive():
        _CHILDREN[backend] = Child(backend)
    return _CHILDREN[backend]


@atexit.register
def _close_children() -> None:
    for child in _CHILDREN.values():
        child.close()


def start_in_child(backend: str, runs: list[RunSettings]) -> None:
    """Send each of ``runs``, in both update orders, to ``backend``'s child in one
    request, which train_in_child reads from (a run sent before is left to its request)."""
    new = [
        replace(run, update=update)
        for run in dict.fromkeys(runs)
        for update in UPDATE_ORDERS
        if (backend, replace(run, update=update)) not in _STARTED
    ]
    if new:
        child = child_of(backend)
        request = child.send(new)
        _STARTED.update({(backend, run): (child, request, i) for i, run in enumerate(new)})


def train_in_child(backend: str, run: RunSettings) -> TrainingResult:
    """``run`` trained by fit() on Keras's ``backend``, in its child process (both
    update orders trained at once there, and kept for the other order's call)."""
    start_in_child(backend, [run])
    child, request, index = _STARTED[(backend, run)]
    return child.answer(request)[index]


def train_runs_in_child(backend: str, runs: list[RunSettings]) -> list[TrainingResult]:
    """Each of ``runs`` trained by fit() on Keras's ``backend``, in one request."""
    child = child_of(backend)
    return child.answer(child.send(runs))


def end_with(parent: int) -> None:
    """End this process once ``parent`` has ended (its pid is no longer our parent's).

    A parent that exits normally closes its children (atexit); one stopped by
    Ctrl-C or SIGTERM leaves at once (os._exit), and this ends the child within
    half a second rather than at the end of a training nobody will read."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def answer_requests(backend: str) -> None:
    """The child's loop: import Keras on ``backend``, then train each request read from
    standard input and write its answer, until standard input closes."""
    threading.Thread(target=end_with, args=(os.getppid(),), daemon=True).start()
    # Answers go to the standard output this process started with; anything else
    # written there (a library's print) goes to stderr, so that it cannot break them.
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())

    from frameworks import use_backend
    from support.lean_imports import WithoutUnusedExtras

    sys.meta_path.insert(0, WithoutUnusedExtras())  # Keras without matplotlib, as a script
    use_backend(backend)  # before keras is imported
    from frameworks.keras_backends import train_model

    requests = sys.stdin.buffer
    while True:
        try:
            runs = pickle.load(requests)
        except EOFError:  # the parent is done
            return
        answer: Answer
        try:
            answer = (
                "results",
                [
                    train_model(
                        run.iterations, run.update, run.example, run.dtype, training=run.training
                    )[0]
                    for run in runs
                ],
            )
        except Exception as error:  # the parent raises it; later requests may still work
            answer = ("failed", f"{type(error).__name__}: {error}")
        pickle.dump(answer, answers)
        answers.flush()


if __name__ == "__main__":
    answer_requests(sys.argv[1])
