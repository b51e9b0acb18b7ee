"""Progress on long runs: tqdm on standard error, only where someone is watching.

A bar appears when a run is expected to take more than about two seconds and
standard error is a terminal; piped output, --json and --csv never see one.
"""

import sys

from numpy_ref.trainers import unwatched

#: Runs expected to take longer than this get a progress bar.
PROGRESS_AFTER_SECONDS = 2.0


def wants_progress(iterations, seconds_per_iteration, allowed=True):
    """True when a bar is allowed, stderr is a terminal, and the run is long."""
    return (
        allowed
        and sys.stderr.isatty()
        and iterations * seconds_per_iteration > PROGRESS_AFTER_SECONDS
    )


def watched(seconds_per_iteration, allowed=True):
    """A ``steps`` function for numpy_ref's loops: a bar on long runs at a terminal.

    ``steps(count, label)`` gives range(count), wrapped in a tqdm bar on
    stderr when the loop is expected to be long and someone is watching.
    """

    def steps(count, label):
        if not wants_progress(count, seconds_per_iteration, allowed):
            return unwatched(count, label)
        from tqdm import tqdm

        return tqdm(range(count), desc=label, unit="it", file=sys.stderr,
                    mininterval=0.25, miniters=1000)

    return steps
