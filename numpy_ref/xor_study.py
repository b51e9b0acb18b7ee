"""The XOR study: which set-ups of the 2-2-2 network learn XOR, and how fast?

Every set-up (SETUPS: the update order, constant or trained biases, full
batch or online, the optimizer) trains the same random starts at every
learning rate of its optimizer's grid (XOR_RATES).  A network has solved XOR
once every sample's o1 and o2 are on the right side of 0.5 (above it where
the target is 1, below where it is 0); the study counts the updates that
takes, up to an iteration limit.  All networks of a set-up (every learning
rate, every start) train together as one batch, through the reference
trainer's own updated_parameters, and leave the batch once solved.
This module holds the arithmetic; console/xor_study.py turns it into text.
"""

import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .data import XOR_DATA
from .example import MAZUR
from .network import FloatArray, forward
from .optimizers import Optimizer, OptimizerState
from .study import CAPPED, DIVERGED, random_starts
from .trainers import Parameters, Steps, unwatched, updated_parameters
from .training import PLAIN_SGD


@dataclass(frozen=True)
class Setup:
    """One way of training the network on XOR."""

    update: str  # "parallel" or "sequential"
    train_biases: bool
    batch_size: int  # 4: full batch; 1: online, one sample per update
    optimizer: str = "sgd"  # a numpy_ref.optimizers.OPTIMIZERS name, with Keras's defaults

    @property
    def label(self) -> str:
        biases = "trained biases" if self.train_biases else "constant biases"
        batches = "full batch" if self.batch_size == XOR_DATA.samples else "online"
        return f"{self.optimizer}, {biases}, {batches}, {self.update}"

    def to_json(self) -> dict[str, Any]:
        return {
            "update": self.update,
            "train_biases": self.train_biases,
            "batch_size": self.batch_size,
            "optimizer": self.optimizer,
        }


#: SGD in every combination of order, biases and batches; momentum and Adam
#: in both orders with trained biases and full batches.
SETUPS = (
    *(
        Setup(update, biases, batch)
        for biases in (True, False)
        for batch in (XOR_DATA.samples, 1)
        for update in ("sequential", "parallel")
    ),
    *(
        Setup(update, True, XOR_DATA.samples, optimizer)
        for optimizer in ("momentum", "adam")
        for update in ("sequential", "parallel")
    ),
)

#: Each optimizer's learning rates for XOR: (lowest, highest) of a log-spaced grid.
XOR_RATES = {"sgd": (0.5, 16.0), "momentum": (0.05, 1.6), "adam": (0.01, 0.32)}


@dataclass(frozen=True)
class XorStudySettings:
    starts: int = 1000  # random starting weight sets, the same for every set-up and rate
    seed: int = 0
    max_iterations: int = 2000  # updates before a network counts as stuck
    rates: int = 6  # learning rates per optimizer, log-spaced over XOR_RATES
    weight_range: float = 1.0  # w1..w8 drawn uniformly from [-range, range]

    def learning_rates(self, optimizer: str) -> tuple[float, ...]:
        low, high = XOR_RATES[optimizer]
        return tuple(np.logspace(np.log10(low), np.log10(high), self.rates))


def solved(outputs: FloatArray, targets: FloatArray) -> NDArray[np.bool_]:
    """Per network: is every o1, o2 on the right side of 0.5 for every sample?"""
    return np.all((outputs > 0.5) == (targets > 0.5), axis=(-2, -1))


@dataclass
class SetupRun:
    """One set-up's outcomes: updates to solve per (learning rate, start), CAPPED or
    DIVERGED; and every network's parameters when it stopped training."""

    setup: Setup
    learning_rates: tuple[float, ...]
    updates: NDArray[np.int_]  # (rates, starts)
    final: Parameters  # each (rates * starts, ...): at solving, or after the limit


def train_setup(
    setup: Setup, settings: XorStudySettings = XorStudySettings(), steps: Steps = unwatched
) -> SetupRun:
    """Train every start at every learning rate of ``setup``; return its SetupRun."""
    rates = settings.learning_rates(setup.optimizer)
    x, target = np.array(XOR_DATA.inputs), np.array(XOR_DATA.targets)
    w_hidden, w_output = random_starts(settings.starts, settings.seed, settings.weight_range)
    count = len(rates) * settings.starts
    b_hidden, b_output = (np.full((count, 2), b) for b in (MAZUR.hidden_bias, MAZUR.output_bias))
    parameters = Parameters(
        np.tile(w_hidden, (len(rates), 1, 1)),
        np.tile(w_output, (len(rates), 1, 1)),
        b_hidden,
        b_output,
    )
    lr = np.repeat(rates, settings.starts)[:, None, None]
    state = OptimizerState(Optimizer.named(setup.optimizer), "float64")
    outcome = np.full(count, CAPPED)
    final = Parameters(*(np.empty_like(p) for p in parameters))
    active = np.arange(count)
    with np.errstate(over="ignore", invalid="ignore"):
        for t in steps(settings.max_iterations + 1, setup.label):
            # One forward pass of every sample: the check after t updates, and
            # (its batch's rows) the forward pass of update t + 1.
            hidden, output = forward(x, *parameters)
            done = solved(output, target)
            bad = ~np.all(np.isfinite(output), axis=(-2, -1))
            outcome[active[done]] = t
            outcome[active[bad]] = DIVERGED
            keep = ~(done | bad)
            last = t == settings.max_iterations or not keep.any()
            leaving = np.ones_like(keep) if last else ~keep
            if leaving.any():
                for kept, value in zip(final, parameters):
                    kept[active[leaving]] = value[leaving]
            if last:
                break
            if not keep.all():  # the networks that are done leave the batch
                active, lr = active[keep], lr[keep]
                parameters = Parameters(*(p[keep] for p in parameters))
                hidden, output = hidden[keep], output[keep]
                state.keep(keep)
            first, end = XOR_DATA.batch_rows(t, setup.batch_size)
            parameters = updated_parameters(
                x[first:end],
                target[first:end],
                hidden[:, first:end],
                output[:, first:end],
                parameters,
                lr=lr,
                update=setup.update,
                optimizer_state=state,
                t=t + 1,
                training=PLAIN_SGD,
                train_biases=setup.train_biases,
            )
    return SetupRun(setup, rates, outcome.reshape(len(rates), settings.starts), final)


class Stopped(Exception):
    """A set-up's training was told to stop: the study was cut short."""


def run_xor_study(
    settings: XorStudySettings = XorStudySettings(),
    workers: int = 1,
    on_done: Callable[[SetupRun], object] | None = None,
) -> list[SetupRun]:
    """Every set-up of SETUPS, from the same starts: [SetupRun], in SETUPS' order.

    ``workers`` set-ups train at once, in threads (NumPy's arithmetic runs
    outside Python's lock, so two threads use two cores); ``on_done(run)`` is
    called as each one ends.  An exception (Ctrl-C) stops every thread within
    one update.
    """
    stop = threading.Event()

    def steps(count: int, label: str) -> Iterator[int]:
        for t in range(count):
            if stop.is_set():
                raise Stopped(label)
            yield t

    pool = ThreadPoolExecutor(max(1, workers))
    try:
        futures = {pool.submit(train_setup, setup, settings, steps): setup for setup in SETUPS}
        runs = {}
        for future in as_completed(futures):
            runs[futures[future]] = future.result()
            if on_done:
                on_done(runs[futures[future]])
        return [runs[setup] for setup in SETUPS]
    finally:
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)


@dataclass
class RateOutcome:
    learning_rate: float
    solved: int  # starts that solved XOR within the limit
    starts: int
    median_updates: float  # of the solved ones (NaN if none)
    diverged: int

    @property
    def share(self) -> float:
        return self.solved / self.starts


def summarise_setup(run: SetupRun) -> list[RateOutcome]:
    """One RateOutcome per learning rate of a SetupRun."""
    outcomes = []
    for rate, updates in zip(run.learning_rates, run.updates):
        reached = updates[updates >= 0]
        outcomes.append(
            RateOutcome(
                learning_rate=float(rate),
                solved=int(reached.size),
                starts=int(updates.size),
                median_updates=float(np.median(reached)) if reached.size else float("nan"),
                diverged=int(np.sum(updates == DIVERGED)),
            )
        )
    return outcomes


def best(outcomes: Sequence[RateOutcome]) -> RateOutcome:
    """The learning rate that solved the most starts (fewer median updates break ties)."""
    return max(outcomes, key=lambda o: (o.solved, -np.nan_to_num(o.median_updates, nan=np.inf)))
