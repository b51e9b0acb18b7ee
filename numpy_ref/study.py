"""The update-order study: does sequential really converge faster than parallel?

For every learning rate of a log-spaced grid and every one of many random
starting weight sets, both orders train from the same start, with the same
optimizer (plain SGD by default); each run counts the updates it needs to
bring the loss below a threshold.  All networks
(every learning rate, every start) train together as one batch, through the
reference trainer's own update_step (numpy_ref.network works on batches).
This module holds the arithmetic; console/study.py turns it into text.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .example import MAZUR, Example
from .network import FloatArray, mean_loss
from .optimizers import Optimizer, OptimizerState
from .trainers import UPDATE_ORDERS, Parameters, Steps, unwatched, update_step

#: Outcomes of one run that never reaches the threshold.
CAPPED = -1  # still above the threshold after max_iterations updates
DIVERGED = -2  # the loss or a weight became NaN or infinite


def rate_grid(optimizer: Optimizer, count: int = 20) -> tuple[float, ...]:
    """``count`` learning rates, log-spaced over the optimizer's study_rates."""
    low, high = optimizer.rule.study_rates
    return tuple(np.logspace(np.log10(low), np.log10(high), count))


@dataclass(frozen=True)
class StudySettings:
    learning_rates: tuple[float, ...] = rate_grid(Optimizer())  # 0.05 .. 10 for SGD
    optimizer: Optimizer = Optimizer()
    starts: int = 200  # random starting weight sets per learning rate
    seed: int = 0
    threshold: float = 1e-3
    max_iterations: int = 20_000
    weight_range: float = 1.0  # w1..w8 drawn uniformly from [-range, range]

    @property
    def networks(self) -> int:
        """How many networks train at once: every learning rate times every start."""
        return len(self.learning_rates) * self.starts


def random_starts(count: int, seed: int, weight_range: float) -> tuple[FloatArray, FloatArray]:
    """``count`` starting (W_hidden, W_output) pairs, shape (count, 2, 2) each."""
    rng = np.random.default_rng(seed)
    weights = rng.uniform(-weight_range, weight_range, size=(count, 2, 2, 2))
    return weights[:, 0], weights[:, 1]


def batch_step(
    x: FloatArray,
    target: FloatArray,
    parameters: Parameters,
    lr: FloatArray,
    update: str,
    *,
    optimizer_state: OptimizerState,
    t: int,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Update ``t`` of every network in the batch; return (loss, new W_h, new W_o).

    The reference trainer's own update_step, with one learning rate per
    network (``lr`` has shape (B,)) and an OptimizerState whose arrays hold
    one state per network.  The loss is that of the weights given.
    """
    _, output, new = update_step(
        x, target, parameters, lr[:, None, None], update, optimizer_state=optimizer_state, t=t
    )
    # mean_loss gives an array of losses here, one per network, not one loss
    return mean_loss(target, output), new.w_hidden, new.w_output  # type: ignore[return-value]


def updates_to_threshold(
    w_hidden: FloatArray,
    w_output: FloatArray,
    lr: FloatArray,
    update: str,
    *,
    threshold: float,
    max_iterations: int,
    example: Example = MAZUR,
    steps: Steps = unwatched,
    optimizer: Optimizer = Optimizer(),
) -> NDArray[np.int_]:
    """Per network: updates needed before the loss is below ``threshold``.

    That is k - 1 for the first iteration k whose loss is below it (0 if the
    start already is), CAPPED if none within max_iterations updates, or
    DIVERGED.  Finished networks leave the batch, so it shrinks as it goes.
    """
    x, target, _, _ = example.arrays("float64")
    b1, b2 = example.biases("float64")
    result = np.full(len(lr), CAPPED)
    active = np.arange(len(lr))
    w_h, w_o, rates = w_hidden.copy(), w_output.copy(), np.asarray(lr, dtype=float)
    state = OptimizerState(optimizer, "float64")
    for updates in steps(max_iterations + 1, f"study, {update}"):
        # loss: that of the weights after `updates` updates; one forward pass serves
        # both this check and the next update
        with np.errstate(over="ignore", invalid="ignore"):
            loss, next_w_h, next_w_o = batch_step(
                x,
                target,
                Parameters(w_h, w_o, b1, b2),
                rates,
                update,
                optimizer_state=state,
                t=updates + 1,
            )
        finite_weights = np.isfinite(w_h).all(axis=(1, 2)) & np.isfinite(w_o).all(axis=(1, 2))
        bad = ~np.isfinite(loss) | ~finite_weights
        reached = (loss < threshold) & ~bad
        result[active[reached]] = updates
        result[active[bad]] = DIVERGED
        keep = ~(reached | bad)
        if updates == max_iterations or not keep.any():
            break
        active, rates = active[keep], rates[keep]
        w_h, w_o = next_w_h[keep], next_w_o[keep]
        state.keep(keep)
    return result


def run_study(
    settings: StudySettings = StudySettings(), example: Example = MAZUR, steps: Steps = unwatched
) -> dict[str, NDArray[np.int_]]:
    """Both orders from the same starts; return {update: (n_rates, starts) array}."""
    w_hidden, w_output = random_starts(settings.starts, settings.seed, settings.weight_range)
    rates = np.asarray(settings.learning_rates, dtype=float)
    # every learning rate paired with every start: one batch of len(rates) * starts
    lr = np.repeat(rates, settings.starts)
    w_h = np.tile(w_hidden, (len(rates), 1, 1))
    w_o = np.tile(w_output, (len(rates), 1, 1))
    return {
        update: updates_to_threshold(
            w_h,
            w_o,
            lr,
            update,
            threshold=settings.threshold,
            max_iterations=settings.max_iterations,
            example=example,
            steps=steps,
            optimizer=settings.optimizer,
        ).reshape(len(rates), settings.starts)
        for update in ("sequential", "parallel")
    }


@dataclass
class RateSummary:
    """One learning rate's paired runs.  A start whose loss is already below the
    threshold takes 0 updates in either order (both share the start's forward
    pass): it is counted as started_below and in nothing else, since there is
    nothing to compare.  The ratios and differences are those of the runs in
    which both orders reached the threshold after at least one update (NaN
    where there is none: a 0/0 is no ratio)."""

    learning_rate: float
    wins: int  # sequential needed fewer updates (or only it got there)
    ties: int  # both needed as many updates, at least one
    losses: int  # parallel needed fewer updates (or only it got there)
    neither: int  # neither order reached the threshold
    median_ratio: float  # median of sequential / parallel updates, both reached
    ratio_quartiles: tuple[float, float]  # (25th, 75th percentile) of that ratio
    diverged: dict[str, int]  # {update: count}
    capped: dict[str, int]  # {update: count}
    median_updates: dict[str, float]  # {update: median updates of the runs that got there}
    mean_saved: float  # mean of parallel - sequential updates, both reached
    both_reached: int  # runs in which both orders got below the threshold by updating
    mean_relative_difference: float  # mean |sequential - parallel| / parallel, both reached
    started_below: int = 0  # runs whose start was below the threshold: nothing compared

    @property
    def runs(self) -> int:
        return self.wins + self.ties + self.losses + self.neither + self.started_below

    @property
    def compared(self) -> int:
        """Runs in which the two orders were compared: one of them, at least, updated."""
        return self.wins + self.ties + self.losses


def summarise(rates: Sequence[float], outcomes: dict[str, NDArray[np.int_]]) -> list[RateSummary]:
    """One RateSummary per learning rate."""
    summaries = []
    for i, rate in enumerate(rates):
        seq, par = outcomes["sequential"][i], outcomes["parallel"][i]
        seq_ok, par_ok = seq >= 0, par >= 0
        # a start already below the threshold: 0 updates in both orders, 0/0
        started_below = (seq == 0) & (par == 0)
        both = seq_ok & par_ok & ~started_below
        wins = int(np.sum(both & (seq < par)) + np.sum(seq_ok & ~par_ok))
        losses = int(np.sum(both & (seq > par)) + np.sum(par_ok & ~seq_ok))
        ratios = seq[both] / par[both]  # par >= 1 here: one order updated, so both did
        summaries.append(
            RateSummary(
                learning_rate=float(rate),
                wins=wins,
                ties=int(np.sum(both & (seq == par))),
                losses=losses,
                neither=int(np.sum(~seq_ok & ~par_ok)),
                median_ratio=float(np.median(ratios)) if ratios.size else float("nan"),
                ratio_quartiles=tuple(np.percentile(ratios, [25, 75]))
                if ratios.size
                else (float("nan"), float("nan")),
                diverged={u: int(np.sum(outcomes[u][i] == DIVERGED)) for u in outcomes},
                capped={u: int(np.sum(outcomes[u][i] == CAPPED)) for u in outcomes},
                median_updates={
                    u: float(np.median(outcomes[u][i][outcomes[u][i] >= 0]))
                    if np.any(outcomes[u][i] >= 0)
                    else float("nan")
                    for u in outcomes
                },
                mean_saved=float(np.mean(par[both] - seq[both])) if both.any() else float("nan"),
                both_reached=int(np.sum(both)),
                mean_relative_difference=float(np.mean(np.abs(seq[both] - par[both]) / par[both]))
                if both.any()
                else float("nan"),
                started_below=int(np.sum(started_below)),
            )
        )
    return summaries


def order_effect(summaries: Sequence[RateSummary]) -> float:
    """How much the order matters over the whole study: the mean of |seq - par| / par
    over every run in which both orders reached the threshold (NaN if none did)."""
    both = sum(s.both_reached for s in summaries)
    if not both:
        return float("nan")
    return (
        sum(s.mean_relative_difference * s.both_reached for s in summaries if s.both_reached) / both
    )


def totals(summaries: Sequence[RateSummary]) -> dict[str, Any]:
    """The whole study's counts: runs, wins, ties, losses, started below the threshold;
    diverged and capped per order."""
    return {
        "runs": sum(s.runs for s in summaries),
        "wins": sum(s.wins for s in summaries),
        "ties": sum(s.ties for s in summaries),
        "losses": sum(s.losses for s in summaries),
        "started_below": sum(s.started_below for s in summaries),
        "diverged": {u: sum(s.diverged[u] for s in summaries) for u in UPDATE_ORDERS},
        "capped": {u: sum(s.capped[u] for s in summaries) for u in UPDATE_ORDERS},
    }
