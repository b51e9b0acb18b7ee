"""The update-order study on the terminal: running it, its table, its verdict, JSON and CSV.

The arithmetic is numpy_ref.study's; every figure and every judgement in the
text below is computed from its summaries.
"""

import csv
import io
from dataclasses import replace

import numpy as np

from numpy_ref.optimizers import Optimizer
from numpy_ref.study import order_effect, rate_grid, run_study, summarise, totals
from support.progress import watched

#: Seconds per network per update, roughly, in the shrinking batch: only
#: used to decide whether the study is long enough for a progress bar.
SECONDS_PER_NETWORK_UPDATE = 2.5e-8


def baseline_settings(settings):
    """The same study under plain SGD on SGD's grid: what another optimizer is held
    against (None when the study is SGD's already)."""
    if settings.optimizer.name == "sgd":
        return None
    return replace(settings, optimizer=Optimizer(), learning_rates=rate_grid(Optimizer()))


def run_and_summarise(settings, progress=False):
    """Run the study (NumPy only) and summarise it per learning rate."""
    steps = watched(SECONDS_PER_NETWORK_UPDATE * settings.networks, progress)
    return summarise(settings.learning_rates, run_study(settings, steps=steps))


def run_with_baseline(settings, progress=False):
    """(summaries, SGD's summaries or None): the study, and SGD's for comparison."""
    baseline = baseline_settings(settings)
    return (
        run_and_summarise(settings, progress),
        baseline and run_and_summarise(baseline, progress),
    )


def comparison_with_sgd(summaries, settings, baseline):
    """The sentence on whether the order matters more under this optimizer than under SGD."""
    effect, sgd_effect = order_effect(summaries), order_effect(baseline)
    name = settings.optimizer.name
    if not (np.isfinite(effect) and np.isfinite(sgd_effect)):
        return (
            f"Too few runs reached the threshold under both {name} and plain SGD"
            " to compare how much the order matters."
        )
    if effect > sgd_effect:
        judgement = f"the order matters more under {name} than under SGD"
    elif effect < sgd_effect:
        judgement = f"the order matters less under {name} than under SGD"
    else:
        judgement = f"the order matters as much under {name} as under SGD"
    return (
        f"Where both orders reached the threshold, their updates differ by"
        f" {100 * effect:.2f}% of parallel's on average under {name}, against"
        f" {100 * sgd_effect:.2f}% under plain SGD (the same starts, on SGD's"
        f" own grid of learning rates): {judgement}."
    )


def verdict(summaries, settings, baseline=None):
    """One paragraph, every figure and every judgement in it computed from the summaries.

    ``baseline``: the same study under plain SGD, for an optimizer's study.
    """
    counted = totals(summaries)
    total, wins, ties, losses = (counted[k] for k in ("runs", "wins", "ties", "losses"))
    saved = [s.mean_saved for s in summaries if np.isfinite(s.mean_saved)]
    relative = [
        (100 * s.mean_saved / s.median_updates["parallel"], s.learning_rate)
        for s in summaries
        if np.isfinite(s.mean_saved) and s.median_updates["parallel"]
    ]
    diverged, capped = counted["diverged"], counted["capped"]
    lowest, highest = summaries[0], summaries[-1]
    started = counted["started_below"]
    text = (
        f"Over {total} paired runs ({len(summaries)} learning rates from "
        f"{lowest.learning_rate:g} to {highest.learning_rate:g}, {settings.starts} random "
        f"starts each, threshold {settings.threshold:g}), sequential needed fewer updates "
        f"in {wins} ({100 * wins / total:.1f}%), as many in {ties} "
        f"({100 * ties / total:.1f}%) and more in {losses} ({100 * losses / total:.1f}%). "
    )
    if started:
        text += (
            f"{started} ({100 * started / total:.1f}%) started below the threshold:"
            " 0 updates in either order, nothing to compare. "
        )
    if saved:
        text += (
            f"On average sequential saved {np.mean(saved):.2f} updates per run "
            f"(between {min(saved):.2f} and {max(saved):.2f} across learning rates)"
        )
        if relative:  # not when every run started below the threshold (0 updates)
            most, at_rate = max(relative)
            text += f", at most {most:.2f}% of the updates parallel needed (at lr {at_rate:g})"
        text += ". "
    if not (wins or ties or losses):
        judgement = "no run compared the two orders, and there is no verdict"
        if started == total:
            judgement += (
                f" (choose a --threshold below the starts' losses, not {settings.threshold:g})"
            )
    elif losses == 0 and wins:
        judgement = "sequential was never slower"
    elif wins > losses:
        judgement = "sequential was faster more often than slower"
    elif losses > wins:
        judgement = "sequential was slower more often than faster"
    else:
        judgement = "neither order was faster more often"
    if saved:
        largest = max(abs(value) for value in saved)
        size = "under one update" if largest < 1 else f"up to {largest:.1f} updates"
        judgement += f", and the average difference is {size}"
    text += (
        f"So {judgement}. Runs that never reached the threshold within "
        f"{settings.max_iterations} updates: {capped['sequential']} sequential, "
        f"{capped['parallel']} parallel; diverged: {diverged['sequential']} sequential, "
        f"{diverged['parallel']} parallel."
    )
    if baseline is not None:
        text += " " + comparison_with_sgd(summaries, settings, baseline)
    return text


def _figure(value, spec, missing="-"):
    """A table cell: the number, or ``missing`` where there is none: '-' where no run
    got there, 'n/a' for a ratio or difference of runs that were not compared."""
    return format(value, spec) if np.isfinite(value) else missing


def format_study(summaries, settings):
    """The per-learning-rate table, 80 columns wide."""
    lines = [
        f"Update-order study: {settings.starts} random starts per learning rate "
        f"(seed {settings.seed},",
        f"w1..w8 uniform in [-{settings.weight_range:g}, {settings.weight_range:g}]); "
        f"updates until the loss is below {settings.threshold:g}, at most "
        f"{settings.max_iterations}.",
        "wins/loses: sequential needed fewer/more updates than parallel, same start.",
        f"Optimizer: {settings.optimizer.describe()}.",
        "",
        f"{'lr':>7} {'wins':>5} {'ties':>5} {'loses':>5} {'neither':>7} "
        f"{'updates':>8} {'ratio':>6} {'ratio IQR':>13} {'saved':>6} {'diverged':>8}",
        f"{'':7} {'':5} {'':5} {'':5} {'':7} {'(par.)':>8} {'seq/par':>6} "
        f"{'':13} {'(mean)':>6} {'seq/par':>8}",
    ]
    for s in summaries:
        low, high = s.ratio_quartiles
        spread = f"{low:.4f}-{high:.4f}" if np.isfinite(low) else "n/a"
        diverged = f"{s.diverged['sequential']}/{s.diverged['parallel']}"
        lines.append(
            f"{s.learning_rate:7.3g} {s.wins:5d} {s.ties:5d} {s.losses:5d} {s.neither:7d} "
            f"{_figure(s.median_updates['parallel'], '.0f'):>8} "
            f"{_figure(s.median_ratio, '.4f', 'n/a'):>6} {spread:>13} "
            f"{_figure(s.mean_saved, '.2f', 'n/a'):>6} {diverged:>8}"
        )
    return "\n".join(lines + _footnotes(summaries))


def _footnotes(summaries):
    """The lines under the table that say what it leaves out, if anything."""
    lines = []
    started = totals(summaries)["started_below"]
    if started:
        lines.append(
            f"{started} runs started below the threshold: nothing to compare, in no column."
        )
    if not all(s.both_reached for s in summaries):
        lines.append("n/a: no run at that rate reached the threshold in both orders by updating.")
    return [""] + lines if lines else []


def _finite_or_none(value):
    """JSON has no NaN: a figure that does not exist (nobody got there) is null."""
    if isinstance(value, dict):
        return {key: _finite_or_none(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite_or_none(item) for item in value]
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def study_json(summaries, settings, baseline=None):
    """The study as plain values: settings, one object per learning rate, the verdict.

    ``order_effect``: the mean |sequential - parallel| / parallel updates where
    both reached the threshold; ``sgd_order_effect``: the same under plain
    SGD, for an optimizer's study (null for SGD's own).
    """
    return _finite_or_none(
        {
            "settings": {
                "optimizer": settings.optimizer.to_json(),
                "learning_rates": [float(r) for r in settings.learning_rates],
                "starts": settings.starts,
                "seed": settings.seed,
                "threshold": settings.threshold,
                "max_iterations": settings.max_iterations,
                "weight_range": settings.weight_range,
            },
            "learning_rates": [
                {
                    "learning_rate": s.learning_rate,
                    "sequential_wins": s.wins,
                    "ties": s.ties,
                    "sequential_loses": s.losses,
                    "neither": s.neither,
                    "started_below": s.started_below,
                    "median_ratio": s.median_ratio,
                    "ratio_quartiles": list(s.ratio_quartiles),
                    "median_updates": s.median_updates,
                    "mean_updates_saved": s.mean_saved,
                    "diverged": s.diverged,
                    "capped": s.capped,
                }
                for s in summaries
            ],
            "order_effect": order_effect(summaries),
            "sgd_order_effect": None if baseline is None else order_effect(baseline),
            "verdict": verdict(summaries, settings, baseline),
        }
    )


def format_study_csv(rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        [
            "learning_rate",
            "sequential_wins",
            "ties",
            "sequential_loses",
            "neither",
            "started_below",
            "median_updates_parallel",
            "median_updates_sequential",
            "median_ratio",
            "mean_updates_saved",
            "diverged_sequential",
            "diverged_parallel",
        ]
    )
    for row in rows:
        writer.writerow(
            [
                row["learning_rate"],
                row["sequential_wins"],
                row["ties"],
                row["sequential_loses"],
                row["neither"],
                row["started_below"],
                row["median_updates"]["parallel"],
                row["median_updates"]["sequential"],
                row["median_ratio"],
                row["mean_updates_saved"],
                row["diverged"]["sequential"],
                row["diverged"]["parallel"],
            ]
        )
    return buffer.getvalue()
