"""The update-order study: does sequential really converge faster than parallel?

For every learning rate of a log-spaced grid and every one of many random
starting weight sets, both orders train from the same start; each run counts
the updates it needs to bring the loss below a threshold.  All networks
(every learning rate, every start) train together as one batch, through the
reference trainer's own update_step (numpy_ref.network works on batches).
"""

from dataclasses import dataclass

import numpy as np

from .example import MAZUR
from .network import half_squared_error
from .progress import iteration_range, wants_progress
from .trainers import update_step

#: Seconds per network per update, roughly, in the shrinking batch: only
#: used to decide whether the study is long enough for a progress bar.
SECONDS_PER_NETWORK_UPDATE = 2.5e-8

#: Outcomes of one run that never reaches the threshold.
CAPPED = -1  # still above the threshold after max_iterations updates
DIVERGED = -2  # the loss or a weight became NaN or infinite


@dataclass(frozen=True)
class StudySettings:
    learning_rates: tuple = tuple(np.logspace(np.log10(0.05), 1.0, 20))  # 0.05 .. 10
    starts: int = 200  # random starting weight sets per learning rate
    seed: int = 0
    threshold: float = 1e-3
    max_iterations: int = 20_000
    weight_range: float = 1.0  # w1..w8 drawn uniformly from [-range, range]


def random_starts(count, seed, weight_range, example=MAZUR):
    """``count`` starting (W_hidden, W_output) pairs, shape (count, 2, 2) each."""
    rng = np.random.default_rng(seed)
    weights = rng.uniform(-weight_range, weight_range, size=(count, 2, 2, 2))
    return weights[:, 0], weights[:, 1]


def batch_step(x, target, w_hidden, w_output, b_hidden, b_output, lr, update):
    """One update of every network in the batch; return (loss, new W_h, new W_o).

    The reference trainer's own update_step, with one learning rate per
    network: ``lr`` has shape (B,).  The loss is that of the weights given.
    """
    _, output, new_w_hidden, new_w_output = update_step(
        x, target, w_hidden, w_output, b_hidden, b_output, lr[:, None, None], update
    )
    return half_squared_error(target, output), new_w_hidden, new_w_output


def updates_to_threshold(w_hidden, w_output, lr, update, threshold, max_iterations,
                         example=MAZUR, progress=False):
    """Per network: updates needed before the loss is below ``threshold``.

    That is k - 1 for the first iteration k whose loss is below it (0 if the
    start already is), CAPPED if none within max_iterations updates, or
    DIVERGED.  Finished networks leave the batch, so it shrinks as it goes.
    """
    x, target, _, _ = example.arrays("float64")
    b1, b2 = example.hidden_bias, example.output_bias
    result = np.full(len(lr), CAPPED)
    active = np.arange(len(lr))
    w_h, w_o, rates = w_hidden.copy(), w_output.copy(), np.asarray(lr, dtype=float)
    show = wants_progress(len(lr) * max_iterations, SECONDS_PER_NETWORK_UPDATE, progress)
    for updates in iteration_range(max_iterations + 1, f"study, {update}", show):
        # loss: that of the weights after `updates` updates; one forward pass serves
        # both this check and the next update
        with np.errstate(over="ignore", invalid="ignore"):
            loss, next_w_h, next_w_o = batch_step(x, target, w_h, w_o, b1, b2, rates, update)
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
    return result


def run_study(settings=StudySettings(), example=MAZUR, progress=False):
    """Both orders from the same starts; return {update: (n_rates, starts) array}."""
    w_hidden, w_output = random_starts(settings.starts, settings.seed, settings.weight_range,
                                       example)
    rates = np.asarray(settings.learning_rates, dtype=float)
    # every learning rate paired with every start: one batch of len(rates) * starts
    lr = np.repeat(rates, settings.starts)
    w_h = np.tile(w_hidden, (len(rates), 1, 1))
    w_o = np.tile(w_output, (len(rates), 1, 1))
    return {
        update: updates_to_threshold(w_h, w_o, lr, update, settings.threshold,
                                     settings.max_iterations, example, progress
                                     ).reshape(len(rates), settings.starts)
        for update in ("sequential", "parallel")
    }


@dataclass
class RateSummary:
    learning_rate: float
    wins: int  # sequential needed fewer updates (or only it got there)
    ties: int
    losses: int  # parallel needed fewer updates (or only it got there)
    neither: int  # neither order reached the threshold
    median_ratio: float  # median of sequential / parallel updates, both reached
    ratio_quartiles: tuple  # (25th, 75th percentile) of that ratio
    diverged: dict  # {update: count}
    capped: dict  # {update: count}
    median_updates: dict  # {update: median updates of the runs that got there}
    mean_saved: float  # mean of parallel - sequential updates, both reached


def summarise(rates, outcomes):
    """One RateSummary per learning rate."""
    summaries = []
    for i, rate in enumerate(rates):
        seq, par = outcomes["sequential"][i], outcomes["parallel"][i]
        seq_ok, par_ok = seq >= 0, par >= 0
        both = seq_ok & par_ok
        wins = int(np.sum(both & (seq < par)) + np.sum(seq_ok & ~par_ok))
        losses = int(np.sum(both & (seq > par)) + np.sum(par_ok & ~seq_ok))
        ratios = seq[both] / np.maximum(par[both], 1)
        summaries.append(RateSummary(
            learning_rate=float(rate),
            wins=wins,
            ties=int(np.sum(both & (seq == par))),
            losses=losses,
            neither=int(np.sum(~seq_ok & ~par_ok)),
            median_ratio=float(np.median(ratios)) if ratios.size else float("nan"),
            ratio_quartiles=tuple(np.percentile(ratios, [25, 75])) if ratios.size
            else (float("nan"), float("nan")),
            diverged={u: int(np.sum(outcomes[u][i] == DIVERGED)) for u in outcomes},
            capped={u: int(np.sum(outcomes[u][i] == CAPPED)) for u in outcomes},
            median_updates={u: float(np.median(outcomes[u][i][outcomes[u][i] >= 0]))
                            if np.any(outcomes[u][i] >= 0) else float("nan")
                            for u in outcomes},
            mean_saved=float(np.mean(par[both] - seq[both])) if both.any() else float("nan"),
        ))
    return summaries


def verdict(summaries, settings):
    """One paragraph, every figure and every judgement in it computed from the summaries."""
    total = sum(s.wins + s.ties + s.losses + s.neither for s in summaries)
    wins = sum(s.wins for s in summaries)
    losses = sum(s.losses for s in summaries)
    ties = sum(s.ties for s in summaries)
    saved = [s.mean_saved for s in summaries if np.isfinite(s.mean_saved)]
    relative = [(100 * s.mean_saved / s.median_updates["parallel"], s.learning_rate)
                for s in summaries if np.isfinite(s.mean_saved) and s.median_updates["parallel"]]
    diverged = {u: sum(s.diverged[u] for s in summaries) for u in ("sequential", "parallel")}
    capped = {u: sum(s.capped[u] for s in summaries) for u in ("sequential", "parallel")}
    lowest, highest = summaries[0], summaries[-1]
    text = (
        f"Over {total} paired runs ({len(summaries)} learning rates from "
        f"{lowest.learning_rate:g} to {highest.learning_rate:g}, {settings.starts} random "
        f"starts each, threshold {settings.threshold:g}), sequential needed fewer updates "
        f"in {wins} ({100 * wins / total:.1f}%), as many in {ties} "
        f"({100 * ties / total:.1f}%) and more in {losses} ({100 * losses / total:.1f}%). "
    )
    if saved:
        most, at_rate = max(relative)
        text += (
            f"On average sequential saved {np.mean(saved):.2f} updates per run "
            f"(between {min(saved):.2f} and {max(saved):.2f} across learning rates), "
            f"at most {most:.2f}% of the updates parallel needed (at lr {at_rate:g}). "
        )
    if losses == 0 and wins:
        judgement = "sequential was never slower"
    elif wins > losses:
        judgement = "sequential was faster more often than slower"
    elif losses > wins:
        judgement = "sequential was slower more often than faster"
    else:
        judgement = "neither order was faster more often"
    if saved:
        largest = max(abs(value) for value in saved)
        size = ("under one update" if largest < 1
                else f"up to {largest:.1f} updates")
        judgement += f", and the average difference is {size}"
    text += (
        f"So {judgement}. Runs that never reached the threshold within "
        f"{settings.max_iterations} updates: {capped['sequential']} sequential, "
        f"{capped['parallel']} parallel; diverged: {diverged['sequential']} sequential, "
        f"{diverged['parallel']} parallel."
    )
    return text


def _figure(value, spec):
    """A table cell: the number, or '-' where no run got there."""
    return format(value, spec) if np.isfinite(value) else "-"


def format_study(summaries, settings):
    """The per-learning-rate table, 80 columns wide."""
    lines = [
        f"Update-order study: {settings.starts} random starts per learning rate "
        f"(seed {settings.seed},",
        f"w1..w8 uniform in [-{settings.weight_range:g}, {settings.weight_range:g}]); "
        f"updates until the loss is below {settings.threshold:g}, at most "
        f"{settings.max_iterations}.",
        "wins/loses: sequential needed fewer/more updates than parallel, same start.",
        "",
        f"{'lr':>7} {'wins':>5} {'ties':>5} {'loses':>5} {'neither':>7} "
        f"{'updates':>8} {'ratio':>6} {'ratio IQR':>13} {'saved':>6} {'diverged':>8}",
        f"{'':7} {'':5} {'':5} {'':5} {'':7} {'(par.)':>8} {'seq/par':>6} "
        f"{'':13} {'(mean)':>6} {'seq/par':>8}",
    ]
    for s in summaries:
        low, high = s.ratio_quartiles
        spread = f"{low:.4f}-{high:.4f}" if np.isfinite(low) else "-"
        diverged = f"{s.diverged['sequential']}/{s.diverged['parallel']}"
        lines.append(
            f"{s.learning_rate:7.3f} {s.wins:5d} {s.ties:5d} {s.losses:5d} {s.neither:7d} "
            f"{_figure(s.median_updates['parallel'], '.0f'):>8} "
            f"{_figure(s.median_ratio, '.4f'):>6} {spread:>13} "
            f"{_figure(s.mean_saved, '.2f'):>6} {diverged:>8}"
        )
    return "\n".join(lines)


def _finite_or_none(value):
    """JSON has no NaN: a figure that does not exist (nobody got there) is null."""
    if isinstance(value, dict):
        return {key: _finite_or_none(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite_or_none(item) for item in value]
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def study_json(summaries, settings):
    """The study as plain values: settings, one object per learning rate, the verdict."""
    return _finite_or_none({
        "settings": {
            "learning_rates": [float(r) for r in settings.learning_rates],
            "starts": settings.starts, "seed": settings.seed,
            "threshold": settings.threshold, "max_iterations": settings.max_iterations,
            "weight_range": settings.weight_range,
        },
        "learning_rates": [
            {
                "learning_rate": s.learning_rate, "sequential_wins": s.wins, "ties": s.ties,
                "sequential_loses": s.losses, "neither": s.neither,
                "median_ratio": s.median_ratio, "ratio_quartiles": list(s.ratio_quartiles),
                "median_updates": s.median_updates, "mean_updates_saved": s.mean_saved,
                "diverged": s.diverged, "capped": s.capped,
            }
            for s in summaries
        ],
        "verdict": verdict(summaries, settings),
    })
