"""TensorBoard scalars of a PyTorch run (run_log.py's RunLog), written with
torch.utils.tensorboard's SummaryWriter, which needs the tensorboard package
(TensorFlow's requirements bring it; ann_pytorch.py refuses --logdir without it)."""

import contextlib
import sys
import threading
import types
from collections.abc import Iterator

import numpy as np
from numpy.typing import NDArray

# tensorboard reaches files through tensorboard.compat.tf, which is all of TensorFlow
# where TensorFlow is installed (2.7 s of imports for a PyTorch run's log),
# unless a module tensorboard.compat.notf exists: tensorboard's own switch to its stub,
# which writes local files alike.  A process that has TensorFlow already keeps it.
if "tensorflow" not in sys.modules:
    sys.modules.setdefault("tensorboard.compat.notf", types.ModuleType("tensorboard.compat.notf"))

from torch.utils.tensorboard import SummaryWriter  # noqa: E402

from .run_log import RunLog  # noqa: E402


def _writer_thread_failure(args: threading.ExceptHookArgs) -> None:
    """Say nothing of a write that failed in tensorboard's writer thread (a full disk):
    the thread keeps the OSError, and the next flush raises it in the main thread,
    where the script turns it into its one line.  Any other failure is shown."""
    thread_kind = type(args.thread).__name__
    if not (isinstance(args.exc_value, OSError) and thread_kind == "_AsyncWriterThread"):
        _show_thread_failure(args)


_show_thread_failure = threading.excepthook
threading.excepthook = _writer_thread_failure


class TorchScalarLog(RunLog):
    """A RunLog written by torch.utils.tensorboard, one add_scalar per value."""

    @contextlib.contextmanager
    def naming_the_folder(self) -> Iterator[None]:
        """A write that failed in the writer thread raises an OSError naming no file
        (from whichever call comes next, the writer's opening included): it names
        the run folder instead."""
        try:
            yield
        except OSError as error:
            if error.filename is not None:
                raise
            raise OSError(error.errno, error.strerror or str(error), self.path) from error

    def open_writer(self) -> None:
        with self.naming_the_folder():
            self.writer = SummaryWriter(self.path)

    def write_rows(self, rows: NDArray[np.float32], steps: NDArray[np.int64]) -> None:
        with self.naming_the_folder():
            for row, step in zip(rows, steps):
                for name, value in zip(self.NAMES, row):
                    self.writer.add_scalar(name, float(value), int(step))
            self.writer.flush()

    def close(self) -> None:
        with self.naming_the_folder():
            self.writer.close()
