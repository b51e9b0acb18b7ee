"""How a script's process meets the terminal: exit statuses, Ctrl-C, closed pipes.

Also TensorFlow's native start-up log, which writes to file descriptor 2
where no Python setting reaches.
"""

import functools
import os
import sys

#: Exit status for a run whose loss or weights became NaN or infinite.
EXIT_DIVERGED = 1

#: Exit status after Ctrl-C, as a shell reports a process ended by SIGINT.
EXIT_INTERRUPTED = 130

#: Exit status when the reader of stdout went away, as for a process ended by SIGPIPE.
EXIT_BROKEN_PIPE = 141


def stops_cleanly(main):
    """Wrap a script's main so that it stops without a traceback when cut short.

    Ctrl-C prints one line and returns exit status 130.  Files are only ever
    written through console.files.atomic_output, so an interrupted run leaves
    no half-written file behind.  A reader that stops early (``| head``) ends
    the run quietly, as it would for any Unix tool.
    """

    @functools.wraps(main)
    def wrapper(argv=None):
        try:
            return main(argv)
        except KeyboardInterrupt:
            print("interrupted: stopped before the end, nothing was written",
                  file=sys.stderr)
            return EXIT_INTERRUPTED
        except BrokenPipeError:
            # Python would flush stdout again on exit and fail the same way.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            return EXIT_BROKEN_PIPE

    return wrapper


_quieted = False


def quiet_tensorflow_logs(verbose=False):
    """Keep TensorFlow's C++ log off the screen; call before importing it.

    TensorFlow's native code writes its start-up notes (oneDNN, CUDA probing,
    CPU features) straight to file descriptor 2, where no Python setting
    reaches.  Unless ``verbose``, descriptor 2 is pointed at /dev/null for
    the rest of the process while Python's ``sys.stderr`` keeps writing to
    the real terminal, so our own messages and any traceback still show.
    Only the scripts' ``main`` calls this; no trainer touches it.
    """
    global _quieted
    if verbose or _quieted:
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.stderr.flush()
    terminal = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    sys.stderr = os.fdopen(terminal, "w", buffering=1)
    _quieted = True
