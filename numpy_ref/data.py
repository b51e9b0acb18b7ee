"""The data a network trains on: Mazur's one sample, XOR, or a CSV file.

A data set is a table of samples, one row each: the inputs i1, i2 and the
targets t1, t2.  Its batches are consecutive rows in the data's order,
formed within each pass over the data (the last batch of a pass may be
smaller); passes repeat; nothing is shuffled.  Iteration k trains on batch k.
"""

import csv
import functools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .numbers import exact

#: A layer's 2 x 2 weights, one row per receiving neuron: ((w1, w2), (w3, w4)).
Weights = tuple[tuple[float, float], tuple[float, float]]

#: A CSV's first line, exactly.
CSV_HEADER = ("i1", "i2", "t1", "t2")
#: The columns a sigmoid output is trained towards.
TARGETS = ("t1", "t2")


@dataclass(frozen=True)
class DataSet:
    name: str  # "mazur", "xor", or the CSV file's path
    inputs: tuple[tuple[float, ...], ...]  # ((i1, i2), ...): one row per sample
    targets: tuple[tuple[float, ...], ...]  # ((t1, t2), ...)

    @property
    def samples(self) -> int:
        return len(self.inputs)

    def batch_rows(self, k: int, batch_size: int) -> tuple[int, int]:
        """(first row, end row) of the batch that iteration k + 1 trains on (k from 0)."""
        per_pass = math.ceil(self.samples / batch_size)
        first = (k % per_pass) * batch_size
        return first, min(first + batch_size, self.samples)

    def batch_sizes(self, batch_size: int) -> list[int]:
        """The sizes of one pass's batches, in order: [B, B, ..., the rest]."""
        return [
            end - first
            for first, end in (
                self.batch_rows(k, batch_size) for k in range(math.ceil(self.samples / batch_size))
            )
        ]


MAZUR_DATA = DataSet("mazur", ((0.05, 0.10),), ((0.01, 0.99),))

#: i1 XOR i2 as t1, and its complement as t2, for the four corners in this order.
XOR_DATA = DataSet(
    "xor",
    ((0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0)),
    ((0.0, 1.0), (1.0, 0.0), (1.0, 0.0), (0.0, 1.0)),
)

DATA_SETS = {data.name: data for data in (MAZUR_DATA, XOR_DATA)}


class DataError(ValueError):
    """A data file that cannot be used; the message names the file, the line and why."""


#: A header line longer than this is not the header (a file without line ends, say).
HEADER_LIMIT = 1000


def _cell_text(cell: str) -> str:
    """A cell as an error message shows it: stripped, and cut short when long."""
    cell = cell.strip()
    return repr(cell if len(cell) <= 20 else cell[:20] + "...")


def _value(name: str, cell: str, problem: Callable[[str], DataError], dtype: str) -> float:
    """The number in one cell, or the DataError that says why not: a cell must be a
    finite number in ``dtype`` (the run's float type), and a target one in [0, 1]."""
    try:
        if "_" in cell:  # float() reads 1_0 as 10: not a number as a CSV writes it
            raise ValueError
        value = float(cell)
    except ValueError:
        raise problem(f"{name} is not a number: {_cell_text(cell)}") from None
    if not math.isfinite(value):
        raise problem(f"{name} must be a finite number, not {cell.strip()}")
    if name in TARGETS and not 0 <= value <= 1:
        # out = 1 / (1 + e^-net) lies in (0, 1) for every net
        raise problem(f"{name} is {exact(value)}, outside [0, 1]: a sigmoid output cannot reach it")
    with np.errstate(over="ignore"):  # 1e39 becomes inf in float32: said below, not warned
        held = float(np.dtype(dtype).type(value))
    if not math.isfinite(held):
        raise problem(
            f"{name} is {exact(value)}, which becomes {held:g} in {dtype}; float64 holds it"
        )
    return value + 0.0  # -0 read as 0


def read_csv(path: str, dtype: str = "float64") -> DataSet:
    """The DataSet in ``path``: the header i1,i2,t1,t2, then one sample per line, every
    cell a number that ``dtype`` (the float type the run computes in) holds."""

    def problem(line: int | None, what: str) -> DataError:
        where = f"{path}, line {line}" if line else path
        return DataError(f"{where}: {what}")

    samples = []
    try:
        # utf-8-sig: a byte-order mark (as some spreadsheets write) is not part of i1
        with open(path, newline="", encoding="utf-8-sig") as file:
            header = file.readline(HEADER_LIMIT)
            if tuple(cell.strip() for cell in header.strip().split(",")) != CSV_HEADER:
                raise problem(1, f"the header must be {','.join(CSV_HEADER)}")
            reader = csv.reader(file)
            for row in reader:
                line = reader.line_num + 1  # the file's line, the header counted
                if not row:
                    continue  # a blank line
                if len(row) != len(CSV_HEADER):
                    raise problem(line, f"{len(row)} values, not {len(CSV_HEADER)}")
                samples.append(
                    [
                        _value(name, cell, functools.partial(problem, line), dtype)
                        for name, cell in zip(CSV_HEADER, row)
                    ]
                )
    except OSError as error:
        raise DataError(
            f"{path}: {error.strerror} (the built-in data sets: {', '.join(DATA_SETS)})"
        ) from None
    except (UnicodeDecodeError, csv.Error) as error:
        raise DataError(f"{path}: not a CSV text file ({error})") from None
    if not samples:
        raise problem(None, "no samples after the header")
    return DataSet(path, tuple(tuple(s[:2]) for s in samples), tuple(tuple(s[2:]) for s in samples))


def data_set(name_or_path: str, dtype: str = "float64") -> DataSet:
    """DATA_SETS[name], or the CSV at that path, read for a run in ``dtype`` (DataError
    if it cannot be used)."""
    if name_or_path in DATA_SETS:
        return DATA_SETS[name_or_path]
    return read_csv(name_or_path, dtype)


def random_weights(seed: int) -> tuple[Weights, Weights]:
    """w1..w8 drawn as numpy.random.default_rng(seed).uniform(-1, 1, 8), in that order:
    ((w1, w2), (w3, w4)), ((w5, w6), (w7, w8))."""
    w = np.random.default_rng(seed).uniform(-1, 1, 8).tolist()
    return (tuple(w[0:2]), tuple(w[2:4])), (tuple(w[4:6]), tuple(w[6:8]))
