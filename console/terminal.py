"""What reaches the terminal: standard output guarded against a full disk or a closed
pipe, spelled in ASCII where it cannot take Unicode, and TensorFlow's native log kept
off standard error."""

import codecs
import logging
import os
import sys

#: ASCII spellings for the few non-ASCII characters the reports use, for a
#: standard output that cannot encode them (PYTHONIOENCODING=ascii, say).
ASCII_SPELLINGS = {"Δ": "d", "·": "*", "—": "-", "–": "-", "≈": "~", "µ": "u"}


class OutputFailed(Exception):
    """A result could not be written; its message is the one line to print."""


def _spell_in_ascii(error):
    """A codecs error handler: ASCII_SPELLINGS for what stdout cannot encode, else '?'."""
    text = error.object[error.start : error.end]
    return "".join(ASCII_SPELLINGS.get(ch, "?") for ch in text), error.end


codecs.register_error("ascii_spellings", _spell_in_ascii)


class GuardedStdout:
    """sys.stdout, but a failed write (a full disk, say) raises OutputFailed.

    A closed pipe stays a BrokenPipeError (exit 141, quietly).  After a
    failure, file descriptor 1 points at /dev/null, so that Python's own flush
    at exit does not fail a second time.
    """

    def __init__(self, stream):
        self._stream = stream

    def __getattr__(self, name):
        return getattr(self._stream, name)

    def _guarded(self, operation, *args):
        try:
            return operation(*args)
        except BrokenPipeError:
            raise
        except OSError as error:
            silence_stdout()
            raise OutputFailed(
                f"error: cannot write to standard output: {error.strerror}"
            ) from None

    def write(self, text):
        return self._guarded(self._stream.write, text)

    def flush(self):
        return self._guarded(self._stream.flush)


def prepare_stdout():
    """Check that stdout is open; guard its writes; spell in ASCII what it cannot encode."""
    if sys.stdout is None:  # started with stdout closed (>&-)
        raise OutputFailed("error: standard output is closed: nowhere to write the results")
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="ascii_spellings")
    if not isinstance(sys.stdout, GuardedStdout):
        sys.stdout = GuardedStdout(sys.stdout)


def silence_stdout():
    """Point fd 1 at /dev/null: Python flushes stdout again on exit and would fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)


_quieted = False


def quiet_tensorflow_logs(verbose=False):
    """Keep TensorFlow's C++ log off the screen; call before importing it.

    TensorFlow's native code writes its start-up notes (oneDNN, CUDA probing,
    CPU features) straight to file descriptor 2, where no Python setting
    reaches.  Unless ``verbose``, descriptor 2 is pointed at /dev/null for
    the rest of the process while Python's ``sys.stderr`` keeps writing to
    the real terminal, so our own messages and any traceback still show.
    TensorFlow's Python warnings (a tf.function traced again for each
    optimizer of --optimizer all, for one) are kept to errors too.
    Only the scripts' ``main`` calls this; no trainer touches it.
    """
    global _quieted
    if verbose or _quieted:
        return
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.stderr.flush()
    terminal = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    sys.stderr = os.fdopen(terminal, "w", buffering=1)
    _quieted = True
