"""TensorBoard scalars of a PyTorch run (run_log.py's RunLog), written with
torch.utils.tensorboard's SummaryWriter, which needs the tensorboard package
(TensorFlow's requirements bring it; ann_pytorch.py refuses --logdir without it)."""

import numpy as np
from numpy.typing import NDArray
from torch.utils.tensorboard import SummaryWriter

from .run_log import RunLog


class TorchScalarLog(RunLog):
    """A RunLog written by torch.utils.tensorboard, one add_scalar per value."""

    def open_writer(self) -> None:
        self.writer = SummaryWriter(self.path)

    def write_rows(self, rows: NDArray[np.float32], steps: NDArray[np.int64]) -> None:
        for row, step in zip(rows, steps):
            for name, value in zip(self.NAMES, row):
                self.writer.add_scalar(name, float(value), int(step))
        self.writer.flush()

    def close(self) -> None:
        self.writer.close()
