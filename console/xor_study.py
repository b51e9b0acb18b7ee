"""The XOR study on the terminal: its table, its verdict, JSON and CSV.

The arithmetic is numpy_ref.xor_study's; every figure and every judgement
below is computed from its outcomes.
"""

import csv
import io
import os
import textwrap

import numpy as np

from numpy_ref.data import XOR_DATA
from numpy_ref.xor_study import (
    SETUPS,
    Setup,
    best,
    run_xor_study,
    summarise_setup,
)
from support.progress import counter

#: Seconds one set-up takes, roughly, on one core here: only used to decide
#: whether the study is long enough for a progress bar.
SECONDS_PER_SETUP = 5.0


def run_and_summarise(settings, progress=False):
    """Run every set-up (two at a time on two cores); return {Setup: [RateOutcome]}
    and the runs themselves."""
    seconds = SECONDS_PER_SETUP * len(SETUPS) * settings.starts / 1000
    bar = counter(len(SETUPS), "XOR study", "set-up", seconds, progress)
    try:
        runs = run_xor_study(
            settings,
            workers=min(len(SETUPS), os.cpu_count() or 1),
            on_done=bar and (lambda run: bar.update(1)),
        )
    finally:
        if bar is not None:
            bar.close()
    return {run.setup: summarise_setup(run) for run in runs}, runs


def _percent(share):
    """A share in whole percent; "<1%" for a few starts, never a 0% that hides them."""
    return "<1%" if 0 < share < 0.005 else f"{100 * share:.0f}%"


def _updates(value):
    return "-" if not np.isfinite(value) else f"{value:.0f}"


def _short_label(setup):
    biases = "trained" if setup.train_biases else "constant"
    batches = "full" if setup.batch_size == XOR_DATA.samples else "online"
    return f"{biases}, {batches}, {setup.update[:3]}"


def format_xor_study(summaries, settings):
    """One block per optimizer: each set-up's solved share (and median updates) by rate."""
    lines = textwrap.wrap(
        f"XOR study: {settings.starts} random starts (w1..w8 from [-1, 1], seed"
        f" {settings.seed}) per set-up and learning rate, at most {settings.max_iterations}"
        " updates each.  Each cell: the share of starts that solved XOR (every o1, o2 on"
        " the right side of 0.5) / the median updates they needed.  Biases start at"
        " b1 = 0.35, b2 = 0.6; full: all four samples per update, online: one (four"
        " updates = one pass).",
        width=80,
    )
    for optimizer in dict.fromkeys(setup.optimizer for setup in summaries):
        setups = [setup for setup in summaries if setup.optimizer == optimizer]
        rates = [o.learning_rate for o in summaries[setups[0]]]
        lines += [
            "",
            f"{optimizer + ', learning rate':24}" + "".join(f"{rate:>9.3g}" for rate in rates),
        ]
        for setup in setups:
            cells = (f"{_percent(o.share)}/{_updates(o.median_updates)}" for o in summaries[setup])
            lines.append(f"  {_short_label(setup):22}" + "".join(f"{c:>9}" for c in cells))
    return "\n".join(lines)


def _best_text(outcomes):
    top = best(outcomes)
    if not top.solved:
        return "0% (at every rate)"
    return (
        f"{_percent(top.share)} (lr {top.learning_rate:g},"
        f" median {_updates(top.median_updates)} updates)"
    )


def _find(summaries, **fields):
    """The outcomes of the one set-up with these fields."""
    wanted = Setup(**{**Setup("sequential", True, XOR_DATA.samples).to_json(), **fields})
    return summaries[wanted]


def _orders(summaries, **fields):
    """'X sequential, Y parallel': the best of each order for one set-up."""
    return ", ".join(
        f"{_best_text(_find(summaries, update=update, **fields))} {update}"
        for update in ("sequential", "parallel")
    )


def _best_share(summaries, **fields):
    """The best share of both orders for one set-up, as a fraction."""
    return max(best(_find(summaries, update=u, **fields)).share for u in ("sequential", "parallel"))


def _compare(name, ours, theirs, other):
    if ours > theirs:
        return f"{name} solve XOR more often than {other}"
    if ours < theirs:
        return f"{name} solve XOR less often than {other}"
    return f"{name} solve XOR as often as {other}"


def verdict(summaries, settings):
    """The study's findings as sentences, every figure and judgement computed."""
    full, online = XOR_DATA.samples, 1
    trained = _best_share(summaries, train_biases=True, batch_size=full)
    constant = _best_share(summaries, train_biases=False, batch_size=full)
    sentences = [
        f"Biases: with SGD on full batches, trained biases solved XOR from"
        f" {_orders(summaries, train_biases=True, batch_size=full)} at the best learning"
        f" rate; the tutorial's constant biases from"
        f" {_orders(summaries, train_biases=False, batch_size=full)}:"
        f" {_compare('trained biases', trained, constant, 'constant ones')}.",
    ]
    online_share = _best_share(summaries, train_biases=True, batch_size=online)
    sentences.append(
        f"Batches: with trained biases, online SGD (one sample per update) solved"
        f" {_orders(summaries, train_biases=True, batch_size=online)}, against full"
        f" batches' {_percent(trained)} at best: "
        f"{_compare('online updates', online_share, trained, 'full batches')} within"
        f" {settings.max_iterations} update{'s' * (settings.max_iterations != 1)}"
        f" ({settings.max_iterations / full:g} passes over the data online)."
    )
    gaps = {}  # sequential's best share minus parallel's, per set-up
    for setup in summaries:
        if setup.update == "sequential":
            other = Setup(**{**setup.to_json(), "update": "parallel"})
            gaps[setup] = best(summaries[setup]).share - best(summaries[other]).share
    more = sum(g > 0 for g in gaps.values())
    fewer = sum(g < 0 for g in gaps.values())
    widest = max(gaps, key=lambda setup: abs(gaps[setup]))
    order = (
        f"Order: over the {len(gaps)} set-ups, sequential solved more starts than"
        f" parallel at its best rate in {more}, fewer in {fewer} and as many in"
        f" {len(gaps) - more - fewer}"
    )
    if gaps[widest]:
        order += (
            f"; the widest gap is {100 * abs(gaps[widest]):.1f} percentage points"
            f" ({widest.optimizer}, {_short_label(widest).rsplit(', ', 1)[0]}, in"
            f" favour of {'sequential' if gaps[widest] > 0 else 'parallel'})"
        )
    sentences.append(order + ".")
    optimizers = [name for name in dict.fromkeys(s.optimizer for s in summaries) if name != "sgd"]
    shares = {name: _best_share(summaries, optimizer=name) for name in ["sgd", *optimizers]}
    leaders = [name for name, share in shares.items() if share == max(shares.values())]
    if not shares[leaders[0]]:
        ranking = "None of them solved XOR from any start."
    elif len(leaders) == 1:
        ranking = f"Of the three, {leaders[0]} solved the most starts at its best rate."
    else:
        ranking = f"{' and '.join(leaders)} solved as many starts at their best rates."
    sentences.append(
        "Optimizers, with trained biases and full batches: "
        + "; ".join(f"{name} {_orders(summaries, optimizer=name)}" for name in ["sgd", *optimizers])
        + f". {ranking}"
    )
    return sentences


def xor_json(summaries, settings):
    """The study as one JSON document: settings, every set-up's rows, the verdict."""
    return {
        "settings": {
            "data": "xor",
            "starts": settings.starts,
            "seed": settings.seed,
            "max_iterations": settings.max_iterations,
            "solved": "every sample's o1 and o2 on the right side of 0.5",
        },
        "setups": [
            {
                **setup.to_json(),
                "label": setup.label,
                "learning_rates": [
                    {
                        "learning_rate": o.learning_rate,
                        "solved": o.solved,
                        "starts": o.starts,
                        "share": o.share,
                        "median_updates": o.median_updates
                        if np.isfinite(o.median_updates)
                        else None,
                        "diverged": o.diverged,
                    }
                    for o in outcomes
                ],
            }
            for setup, outcomes in summaries.items()
        ],
        "verdict": verdict(summaries, settings),
    }


XOR_CSV_FIELDS = (
    "optimizer",
    "update",
    "train_biases",
    "batch_size",
    "learning_rate",
    "solved",
    "starts",
    "share",
    "median_updates",
    "diverged",
)


def format_xor_csv(document):
    """One CSV row per set-up and learning rate."""
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer, fieldnames=XOR_CSV_FIELDS, lineterminator="\n", extrasaction="ignore"
    )
    writer.writeheader()
    for setup in document["setups"]:
        for row in setup["learning_rates"]:
            writer.writerow({**setup, **row})
    return buffer.getvalue()
