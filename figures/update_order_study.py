"""--study: update_order_study.png, which update order reaches the loss threshold first.

The study of compare_implementations.py --study (numpy_ref.study): both
orders trained from the same random starts at each learning rate.  Four
panels over the learning rate: the share of paired runs in which sequential
needed fewer updates, as many, or more; the ratio of updates (sequential /
parallel), its median and its 25th-75th percentile; the median updates each
order needs to get below the threshold; and the updates sequential saves per
run.  Under another optimizer than plain SGD the title names it, and the file
is update_order_study_NAME.png.
"""

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure

from numpy_ref.study import RateSummary, StudySettings

from .style import DPI, FIGURE_SIZE, SERIES_STYLES, finish

if TYPE_CHECKING:  # for annotations only
    from matplotlib.axes import Axes


def study_figure(summaries: Sequence[RateSummary], settings: StudySettings) -> Figure:
    """The update-order study: who wins, by how much, at each learning rate."""
    figure = Figure(figsize=FIGURE_SIZE, dpi=DPI, layout="constrained")
    if settings.optimizer.name != "sgd":
        figure.suptitle(f"Update-order study under {settings.optimizer.describe()}")
    (share_ax, ratio_ax), (updates_ax, saved_ax) = figure.subplots(2, 2)
    rates = np.array([s.learning_rate for s in summaries])
    runs = np.array([s.runs for s in summaries], dtype=float)

    shares = [
        ("sequential fewer updates", [s.wins for s in summaries]),
        ("as many", [s.ties for s in summaries]),
        ("sequential more updates", [s.losses for s in summaries]),
    ]
    if any(s.started_below for s in summaries):  # 0 updates in both: not compared
        shares.append(("started below, not compared", [s.started_below for s in summaries]))
    for (name, counts), style in zip(shares, SERIES_STYLES):
        share_ax.semilogx(
            rates, 100 * np.array(counts) / runs, marker="o", markersize=3, label=name, **style
        )
    finish(
        share_ax,
        "Which order reached the threshold first",
        "learning rate",
        "share of paired runs (%)",
    )

    low, high = np.array([s.ratio_quartiles for s in summaries]).T
    ratio_ax.fill_between(rates, low, high, color="0.85", label="25th-75th percentile")
    ratio_ax.semilogx(
        rates,
        [s.median_ratio for s in summaries],
        marker="o",
        markersize=3,
        label="median",
        **SERIES_STYLES[0],
    )
    ratio_ax.axhline(
        1.0, color="0.4", linewidth=0.8, linestyle=(0, (1, 3)), label="1 = as many updates"
    )
    finish(
        ratio_ax,
        "Updates needed, sequential / parallel",
        "learning rate",
        "ratio of updates (sequential / parallel)",
    )
    _say_if_nothing_compared(ratio_ax, summaries, share_ax)

    for update, style in zip(("parallel", "sequential"), SERIES_STYLES):
        updates_ax.semilogx(
            rates,
            [s.median_updates[update] for s in summaries],
            marker="o",
            markersize=3,
            label=update,
            **style,
        )
    if any(s.median_updates[u] > 0 for s in summaries for u in s.median_updates):
        updates_ax.set_yscale("log")  # a log scale needs a run that took an update
    finish(
        updates_ax,
        f"Median updates to reach loss < {settings.threshold:g}",
        "learning rate",
        "updates",
    )

    saved_ax.semilogx(
        rates,
        [s.mean_saved for s in summaries],
        marker="o",
        markersize=3,
        label="parallel - sequential, mean",
        **SERIES_STYLES[0],
    )
    saved_ax.axhline(
        0.0, color="0.4", linewidth=0.8, linestyle=(0, (1, 3)), label="0 = as many updates"
    )
    finish(
        saved_ax,
        "Updates sequential saves, per run",
        "learning rate",
        "updates saved (mean over starts)",
    )
    _say_if_nothing_compared(saved_ax, summaries, share_ax)
    return figure


def _say_if_nothing_compared(ax: "Axes", summaries: Sequence[RateSummary], drawn: "Axes") -> None:
    """On a panel of ratios or differences with no run to draw them from: 'n/a', and
    why, over the learning rates of the panel ``drawn``."""
    if any(s.both_reached for s in summaries):
        return
    ax.set_xlim(drawn.get_xlim())
    why = (
        "every start was already below the threshold"
        if all(s.started_below == s.runs for s in summaries)
        else "no run in which both orders reached the threshold"
    )
    ax.text(
        0.5,
        0.5,
        f"n/a: {why}",
        ha="center",
        va="center",
        transform=ax.transAxes,
        bbox=dict(boxstyle="round,pad=0.3", facecolor="white", edgecolor="0.7"),
    )
