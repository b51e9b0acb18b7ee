"""TensorBoard scalars for every iteration: the loss, out_o1/out_o2, w1..w8, written
by whichever framework trained (tensorboard.py: TensorFlow's tf.summary;
tensorboard_torch.py: torch.utils.tensorboard).  Step k is iteration k (the
forward pass update k is computed from); step N + 1 is the state after the
last update, so the log's last point is the run's final loss, prediction and
weights.  This module imports no framework.
"""

import contextlib
import math
import os
import shutil
import time
from collections.abc import Iterator
from typing import Self

import numpy as np
from numpy.typing import ArrayLike, NDArray

from numpy_ref.result import TrainingResult

#: A log keeps at most about this many iterations: every k-th, with k chosen
#: so; each logged iteration takes about 750 bytes (eleven scalars), so a log
#: stays under about 50 MB.
MAX_LOGGED_ITERATIONS = 60_000


def log_every(iterations: int) -> int:
    """k: log iteration 1, 1 + k, 1 + 2k, ... (and the last), so a log stays small."""
    return max(1, math.ceil(iterations / MAX_LOGGED_ITERATIONS))


class RunLog:
    """TensorBoard scalars for a run of ``iterations`` updates.

    One run folder per invocation, DIR/<implementation>-<update>-<timestamp>,
    made (with DIR) when the log is created.  A framework's log says how a
    writer is opened, how rows of scalars are written and how it is closed
    (``open_writer``, ``write_rows``, ``close``); a failure to write is an
    OSError naming the folder.
    """

    NAMES: tuple[str, ...] = (
        "loss",
        "output/o1",
        "output/o2",
        *(f"weights/w{k}" for k in range(1, 9)),
    )

    def __init__(self, logdir: str, implementation: str, update: str, iterations: int) -> None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        base = os.path.join(logdir, f"{implementation}-{update}-{stamp}")
        self.created = _missing_folders(logdir)  # made here, removed with the log
        self.path, suffix = base, 1
        while True:
            try:
                os.makedirs(self.path)  # claims the folder, even against a run beside us
                break
            except FileExistsError:  # two runs in the same second
                suffix += 1
                self.path = f"{base}-{suffix}"
        self.iterations = iterations
        self.every = log_every(iterations)
        try:
            self.open_writer()
        except OSError:
            shutil.rmtree(self.path, ignore_errors=True)
            raise

    @classmethod
    def of_result(cls, logdir: str, result: TrainingResult) -> tuple[str, str, dict[str, int]]:
        """Log every (k-th) iteration of a finished run and the state after it, in a new
        run folder under ``logdir``, whole or not at all; what ``finished`` says."""
        log = cls(logdir, result.implementation, result.update, result.recorded)
        with log.whole_or_nothing():
            log.write_result(result)
            log.close()
        return log.finished(logdir)

    def open_writer(self) -> None:
        """Open the framework's writer on ``self.path``; an OSError if it cannot."""
        raise NotImplementedError

    def write_rows(self, rows: NDArray[np.float32], steps: NDArray[np.int64]) -> None:
        """Write one row of scalars (NAMES' order) per step, and flush; an OSError if
        it cannot."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def _logged(self, steps: NDArray[np.int64]) -> NDArray[np.bool_]:
        """Which of these iteration numbers the log keeps: every k-th, and the last two."""
        return ((steps - 1) % self.every == 0) | (steps >= self.iterations)

    def write(
        self,
        first_iteration: int,
        losses: ArrayLike,
        outputs: ArrayLike,
        hidden_weights: ArrayLike,
        output_weights: ArrayLike,
        *,
        every_row: bool = False,
    ) -> None:
        """Log iterations first_iteration, first_iteration + 1, ... (1-based), every k-th
        (each of them with ``every_row``)."""
        rows = np.column_stack(
            [
                losses,
                np.reshape(outputs, (-1, 2)),
                np.reshape(hidden_weights, (-1, 4)),
                np.reshape(output_weights, (-1, 4)),
            ]
        ).astype(np.float32)  # TensorBoard's scalars are float32
        steps = np.arange(first_iteration, first_iteration + len(rows), dtype=np.int64)
        keep = np.ones(len(steps), bool) if every_row else self._logged(steps)
        self.write_rows(rows[keep], steps[keep])

    def write_final(self, result: TrainingResult) -> None:
        """Step N + 1: the loss, prediction and weights after the last update.

        Always logged; for a run that --until-loss stopped at iteration k < N,
        iteration k is logged too if the stride skipped it, so the log ends on
        the stop.
        """
        last = result.resumed_after + result.recorded  # a resumed run numbers on
        if result.stopped_at is not None and not self._logged(np.array([last]))[0]:
            self.write(
                last,
                result.losses[-1:],
                result.outputs[-1:],
                result.hidden_weights[-1:],
                result.output_weights[-1:],
                every_row=True,
            )
        self.write(
            last + 1,
            [result.final_loss],
            result.final_prediction,
            result.final_hidden_weights,
            result.final_output_weights,
            every_row=True,
        )

    def write_result(self, result: TrainingResult) -> None:
        """Log every (k-th) iteration of a finished run, then the state after it."""
        self.write(1, result.losses, result.outputs, result.hidden_weights, result.output_weights)
        self.write_final(result)

    @contextlib.contextmanager
    def whole_or_nothing(self) -> Iterator[Self]:
        """Inside the block the log is written; if the block fails or is
        interrupted, the run folder is removed: no half log is left behind."""
        try:
            yield self
        except BaseException:
            self.remove()
            raise

    def remove(self) -> None:
        """Close the log and remove its run folder, and DIR if this log created it."""
        with contextlib.suppress(OSError):  # a writer that failed to write fails to close
            self.close()
        shutil.rmtree(self.path, ignore_errors=True)
        for folder in self.created:  # innermost first; one another run uses stays
            try:
                os.rmdir(folder)
            except OSError:
                break

    def finished(self, logdir: str) -> tuple[str, str, dict[str, int]]:
        """What a command line reports of a log once written: (path, text, JSON fields)."""
        return self.path, self.described(logdir), {"logged_every": self.every}

    def described(self, logdir: str) -> str:
        """Where the log is, which iterations it holds, and how to view it."""
        lines = [f"TensorBoard scalars in {self.path}"]
        if self.every > 1:
            lines.append(
                f"(every {_ordinal(self.every)} iteration, to keep the log under about 50 MB)"
            )
        lines.append(f"view them with: tensorboard --logdir {logdir}")
        return "\n".join(lines)


def _missing_folders(folder: str) -> list[str]:
    """The folders that making ``folder`` would create, innermost first."""
    missing = []
    folder = os.path.abspath(folder)
    while not os.path.exists(folder):
        missing.append(folder)
        folder = os.path.dirname(folder)
    return missing


def _ordinal(k: int) -> str:
    """2 -> '2nd', 17 -> '17th', 21 -> '21st'."""
    ending = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{ending}"
