"""Progress on long runs: tqdm on standard error, only where someone is watching.

A bar appears when a run is expected to take more than about two seconds and
standard error is a terminal that can draw one (not TERM=dumb); piped output,
--json and --csv never see one.  Without tqdm a run goes on without a bar,
and says so once.
"""

import os
import sys
import weakref
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported when a bar is wanted, not before (_tqdm)
    from tqdm import tqdm

#: Runs expected to take longer than this get a progress bar.
PROGRESS_AFTER_SECONDS = 2.0

#: numpy_ref's ``steps``: (count, label) -> the iterations 0 .. count - 1
#: (numpy_ref.trainers.Steps; support/ imports nothing of numpy_ref's).
Steps = Callable[[int, str], Iterable[int]]

_said_no_tqdm = False

_bar_on_screen = False

#: A bar is first drawn this long after it is made: never while tqdm is still
#: making it, where a Ctrl-C would leave a half-made bar that draws itself again
#: only when it is collected, after the run's last line.
FIRST_DRAW_AFTER_S = 0.1

#: The bars drawn and not yet finished: a run cut short closes them before it
#: says so, so that no bar is drawn again after that line.
_open_bars: "weakref.WeakSet[tqdm]" = weakref.WeakSet()


def progress_bar_shown() -> None:
    """Called when a progress bar is drawn: a message that stops the run then
    starts on a line of its own, not at the end of the bar."""
    global _bar_on_screen
    _bar_on_screen = True


def close_bars() -> None:
    """Close every bar still open: each draws itself a last time, now, and never again."""
    for bar in list(_open_bars):
        bar.close()


def bar_on_screen() -> bool:
    """Whether a progress bar has been drawn in this process."""
    return _bar_on_screen


def wants_progress(iterations: int, seconds_per_iteration: float, allowed: bool = True) -> bool:
    """True when a bar is allowed, stderr is a capable terminal, and the run is long."""
    return (
        allowed
        and sys.stderr.isatty()
        and os.environ.get("TERM") != "dumb"  # no cursor movement, no colours
        and iterations * seconds_per_iteration > PROGRESS_AFTER_SECONDS
    )


def keras_bar(iterations: int, seconds_per_iteration: float, allowed: bool = True) -> bool:
    """Whether fit() should draw Keras's own bar (wants_progress), noted as drawn."""
    wanted = wants_progress(iterations, seconds_per_iteration, allowed)
    if wanted:
        progress_bar_shown()
    return wanted


def _tqdm() -> "type[tqdm] | None":
    """tqdm's bar class, or None (said once on stderr) when tqdm is not installed."""
    global _said_no_tqdm
    try:
        from tqdm import tqdm
    except ImportError:
        if not _said_no_tqdm:
            print(
                "note: no progress bar, tqdm is not installed (pip install -r requirements.txt)",
                file=sys.stderr,
            )
            _said_no_tqdm = True
        return None
    return tqdm


def watched(seconds_per_iteration: float, allowed: bool = True) -> Steps:
    """A ``steps`` function for numpy_ref's loops: a bar on long runs at a terminal.

    ``steps(count, label)`` gives range(count), wrapped in a tqdm bar on
    stderr when the loop is expected to be long and someone is watching.
    """

    def steps(count: int, label: str) -> Iterable[int]:
        bar = _tqdm() if wants_progress(count, seconds_per_iteration, allowed) else None
        if bar is None:
            return range(count)
        progress_bar_shown()
        drawn = bar(
            range(count),
            desc=label,
            unit="it",
            file=sys.stderr,
            mininterval=0.25,
            miniters=1000,
            delay=FIRST_DRAW_AFTER_S,
        )
        _open_bars.add(drawn)
        return drawn

    return steps


def counter(
    total: int, label: str, unit: str, seconds: float, allowed: bool = True
) -> "tqdm | None":
    """A tqdm bar on stderr counting ``total`` things by hand (bar.update(1)), for a
    job expected to take ``seconds``; None when no bar is wanted or tqdm is missing."""
    if not wants_progress(1, seconds, allowed):
        return None
    bar = _tqdm()
    if bar is None:
        return None
    progress_bar_shown()
    drawn = bar(total=total, desc=label, unit=unit, file=sys.stderr, delay=FIRST_DRAW_AFTER_S)
    _open_bars.add(drawn)
    return drawn
