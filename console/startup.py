"""Ctrl-C or SIGTERM while a script is still importing: one line, no traceback.

A script's main installs its own handling (console.process.stops_cleanly),
but a signal can arrive before that, while the imports run.  Nothing has been
written then, so the process can end at once.  console/__init__.py calls
``quiet_while_starting`` when the running program is one of the project's
scripts; a test runner or a program that imports the project keeps its own
signal handling.
"""

import os
import signal
import sys

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

#: The line and exit status for a signal that arrives before main starts.
EARLY_EXIT = {
    signal.SIGINT: ("interrupted", 130),
    signal.SIGTERM: ("terminated", 143),
}


def _end_at_once(signum, frame):
    word, status = EARLY_EXIT[signum]
    os.write(2, f"{word}: stopped before the end, nothing was written\n".encode())
    os._exit(status)


def running_a_project_script():
    """Whether the program is one of the project's scripts (or python -m numpy_ref)."""
    path = getattr(sys.modules.get("__main__"), "__file__", None)
    if not path:
        return False
    folder = os.path.dirname(os.path.abspath(path))
    return folder in (PROJECT_ROOT, os.path.join(PROJECT_ROOT, "numpy_ref"))


def quiet_while_starting():
    """End the process quietly on SIGINT or SIGTERM until main installs its own handlers."""
    if running_a_project_script():
        for signum in EARLY_EXIT:
            signal.signal(signum, _end_at_once)
