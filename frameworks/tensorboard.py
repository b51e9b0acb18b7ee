"""TensorBoard scalars for every iteration: the loss, out_o1/out_o2, w1..w8.

Written with TensorFlow's own tf.summary, so logging needs no tensorboard
package; only viewing the logs does.  Step k is iteration k (the forward pass
update k is computed from); step N + 1 is the state after the last update,
so the log's last point is the run's final loss, prediction and weights.
"""

import contextlib
import errno
import math
import os
import re
import shutil
import time
from collections.abc import Iterator
from typing import Self

import numpy as np
import tensorflow as tf
from numpy.typing import ArrayLike, NDArray
from tensorflow.core.framework import summary_pb2

from numpy_ref.result import TrainingResult

#: A log keeps at most about this many iterations: every k-th, with k chosen
#: so; each logged iteration takes about 750 bytes (eleven scalars), so a log
#: stays under about 50 MB.
MAX_LOGGED_ITERATIONS = 60_000


def _scalar_metadata() -> bytes:
    """What marks a summary as a TensorBoard scalar (what tf.summary.scalar adds)."""
    metadata = summary_pb2.SummaryMetadata()
    metadata.plugin_data.plugin_name = "scalars"
    metadata.data_class = summary_pb2.DATA_CLASS_SCALAR
    return metadata.SerializeToString()


#: The causes a TensorFlow write error names, as the errno they stand for.
_CAUSES = (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOENT)


def as_os_error(error: tf.errors.OpError, path: str) -> OSError:
    """An OSError with one line for a tf.errors.OpError while writing ``path``.

    TensorFlow's message can run to fifty lines (the graph node, its trace);
    the reason is a system error it names, or else its first line.
    """
    for number in _CAUSES:
        if os.strerror(number) in error.message:
            return OSError(number, os.strerror(number), path)
    first = re.sub(r"\{\{.*?\}\}\s*", "", error.message).strip().splitlines()[0]
    return OSError(errno.EIO, first[:200], path)


def log_every(iterations: int) -> int:
    """k: log iteration 1, 1 + k, 1 + 2k, ... (and the last), so a log stays small."""
    return max(1, math.ceil(iterations / MAX_LOGGED_ITERATIONS))


class ScalarLog:
    """TensorBoard scalars for a run of ``iterations`` updates.

    One run folder per invocation, DIR/<implementation>-<update>-<timestamp>,
    made (with DIR) when the log is created, and written with tf.summary from
    a compiled loop over the recorded history.  A failure to write is an
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
            self.writer = tf.summary.create_file_writer(self.path)
        except tf.errors.OpError as error:
            shutil.rmtree(self.path, ignore_errors=True)
            raise as_os_error(error, self.path) from None
        self.metadata = _scalar_metadata()
        self._write = tf.function(
            self._write_rows,
            input_signature=[
                tf.TensorSpec([None, len(self.NAMES)], tf.float32),
                tf.TensorSpec([None], tf.int64),
            ],
        )

    def _write_rows(self, rows: tf.Tensor, steps: tf.Tensor) -> None:
        with self.writer.as_default():
            for i in tf.range(tf.shape(rows, out_type=tf.int64)[0]):
                for j, name in enumerate(self.NAMES):
                    tf.summary.write(name, rows[i, j], step=steps[i], metadata=self.metadata)

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
        try:
            self._write(rows[keep], steps[keep])
            self.writer.flush()
        except tf.errors.OpError as error:
            raise as_os_error(error, self.path) from None

    def write_final(self, result: TrainingResult) -> None:
        """Step N + 1: the loss, prediction and weights after the last update.

        Always logged; for a run that --until-loss stopped at iteration k < N,
        iteration k is logged too if the stride skipped it, so the log ends on
        the stop.
        """
        last = result.recorded
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

    def close(self) -> None:
        self.writer.close()

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
