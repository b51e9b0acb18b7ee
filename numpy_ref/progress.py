"""Progress on long runs: tqdm on standard error, only where someone is watching.

A bar appears when a run is expected to take more than about two seconds and
standard error is a terminal; piped output, --json and --csv never see one.
"""

import sys

#: Runs expected to take longer than this get a progress bar.
PROGRESS_AFTER_SECONDS = 2.0


def wants_progress(iterations, seconds_per_iteration, allowed=True):
    """True when a bar is allowed, stderr is a terminal, and the run is long."""
    return (
        allowed
        and sys.stderr.isatty()
        and iterations * seconds_per_iteration > PROGRESS_AFTER_SECONDS
    )


def iteration_range(iterations, label, show):
    """range(iterations), wrapped in a tqdm bar on stderr when ``show``."""
    if not show:
        return range(iterations)
    from tqdm import tqdm

    return tqdm(range(iterations), desc=label, unit="it", file=sys.stderr,
                mininterval=0.25, miniters=1000)
