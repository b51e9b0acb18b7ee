"""A script's process before and after its main: signals and missing packages.

A script's main installs its own handling (console.process.stops_cleanly),
but a signal can arrive before that, while the imports run, or after it,
while the interpreter shuts down; and a package can be missing at import
time, before main.  console/__init__.py calls ``quiet_while_starting`` when
the running program is one of the project's scripts; a test runner or a
program that imports the project keeps its own handling.
"""

import gc
import os
import signal
import sys

from support.lean_imports import WithoutUnusedExtras

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

#: The line and exit status for a signal that arrives before main starts.
EARLY_EXIT = {
    signal.SIGINT: ("interrupted", 130),
    signal.SIGTERM: ("terminated", 143),
}

#: The packages requirements.txt installs, by the name they are imported as.
REQUIRED_PACKAGES = ("numpy", "tensorflow", "keras", "matplotlib", "tqdm")
INSTALL_HINT = "pip install -r requirements.txt"
#: The optional frameworks' packages (requirements-frameworks.txt), and how to install them.
OPTIONAL_PACKAGES = {
    name: "pip install -r requirements-frameworks.txt" for name in ("torch", "jax", "optax")
}


def missing_package(error):
    """The one-line message for a ModuleNotFoundError of a required or optional
    package, else None."""
    name = (error.name or "").split(".")[0]
    if name in OPTIONAL_PACKAGES:
        return f"error: the package {name} is not installed: {OPTIONAL_PACKAGES[name]}"
    if name not in REQUIRED_PACKAGES:
        return None
    return f"error: the package {name} is not installed: {INSTALL_HINT}"


def running_a_project_script():
    """Whether the program is one of the project's scripts (or python -m numpy_ref)."""
    path = getattr(sys.modules.get("__main__"), "__file__", None)
    if not path:
        return False
    folder = os.path.dirname(os.path.abspath(path))
    return folder in (PROJECT_ROOT, os.path.join(PROJECT_ROOT, "numpy_ref"))


def _end_at_once(signum, frame):
    word, status = EARLY_EXIT[signum]
    os.write(2, f"{word}: stopped before the end, nothing was written\n".encode())
    os._exit(status)


def _missing_package_at_import(kind, error, trace, default=sys.excepthook):
    """sys.excepthook: a package missing at import time is one line, not a traceback."""
    message = missing_package(error) if isinstance(error, ModuleNotFoundError) else None
    if message is None:
        default(kind, error, trace)
    else:
        print(message, file=sys.stderr)  # Python then exits with status 1


def quiet_while_starting():
    """Until main takes over: a signal ends the process with one line, a missing
    package is one line; and TensorFlow starts without its unused extras."""
    if running_a_project_script():
        for signum in EARLY_EXIT:
            signal.signal(signum, _end_at_once)
        sys.excepthook = _missing_package_at_import
        sys.meta_path.insert(0, WithoutUnusedExtras())


def quiet_when_done(status):
    """After main, the results are out: a signal while the interpreter shuts down
    is ignored, so the run ends with its own exit status.

    (A Python handler would not do: Python's finalization puts the default
    action back for every signal with a Python handler, and TensorFlow's
    teardown takes about half a second, in which Ctrl-C would kill the
    process without a word.)
    """
    if running_a_project_script():
        for signum in EARLY_EXIT:
            signal.signal(signum, signal.SIG_IGN)


def skip_final_collections():
    """After main, spare a script's exit the collector's walk over everything
    its frameworks made: Python's finalization runs full collections that
    visit every tracked object (383,000 after importing TensorFlow), which took
    1.2 to 3 s of a TensorFlow script's run on the AMD EPYC
    (docs/performance.md). gc.freeze moves them all to the permanent
    generation, which no collection visits.

    Nothing is lost: the run's files are written and closed by now
    (support.files.atomic_output), atexit handlers and weakref finalizers still
    run, and objects freed by their last reference are still freed; only
    cycles left at exit go uncollected, and Python never promises their
    __del__ at exit anyway. A program that imports the project (a test
    runner) keeps collecting.
    """
    if running_a_project_script():
        gc.freeze()
