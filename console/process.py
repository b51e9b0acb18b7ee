"""How a script's process meets the terminal: exit statuses, signals, stdout, missing packages.

Every script's main is wrapped in ``stops_cleanly``; it turns each way a run
can be cut short into one line on stderr and an exit status a Unix user
expects (docs/when-things-go-wrong.md):

    0    done
    1    the run diverged, a file or standard output could not be written,
         or a package is missing
    2    a bad command line (argparse, before TensorFlow is imported)
    130  Ctrl-C (SIGINT)
    141  the reader of standard output went away (| head)
    143  SIGTERM

Standard output itself (guarded writes, ASCII spellings) and TensorFlow's
native log are console/terminal.py's.
"""

import functools
import os
import signal
import sys
import threading

from support.files import WRITTEN, kept_files_note
from support.progress import bar_on_screen, close_bars

from .startup import (
    EARLY_EXIT,
    missing_package,
    quiet_when_done,
    running_a_project_script,
    skip_final_collections,
)
from .terminal import GuardedStdout, OutputFailed, prepare_stdout, silence_stdout

#: Exit status for a run whose loss or weights became NaN or infinite.
EXIT_DIVERGED = 1

#: Exit status when a result could not be written (a file, standard output).
EXIT_WRITE_FAILED = 1

#: Exit status when a package the run needs is not installed.
EXIT_MISSING_PACKAGE = 1

#: Exit status after Ctrl-C, as a shell reports a process ended by SIGINT.
EXIT_INTERRUPTED = 130

#: Exit status when the reader of stdout went away, as for a process ended by SIGPIPE.
EXIT_BROKEN_PIPE = 141

#: Exit status after SIGTERM, as a shell reports a process ended by it.
EXIT_TERMINATED = 143


def _stopped(word):
    """The one line for a run cut short, after whatever it had kept."""
    start = "\n" if bar_on_screen() else ""
    return f"{start}{word}: stopped before the end, {kept_files_note()}"


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that every cleanup that Ctrl-C runs runs too."""


#: The interrupt the run has been asked for (KeyboardInterrupt or Terminated),
#: until stops_cleanly has stopped the run.
_pending = None

#: Until the interrupt has stopped the run, it is raised again this often.
RAISE_AGAIN_EVERY_S = 0.1


def _interrupt(kind, first_in_s):
    """Raise ``kind`` now, and again from a timer until the run has stopped.

    An exception raised from a signal handler can be swallowed: Python drops
    it inside a __del__ ('Exception ignored in ...'), and TensorFlow catches
    errors while it traces a function.  The run would then go on as if
    nothing had been asked.
    """
    global _pending
    _pending = kind
    signal.setitimer(signal.ITIMER_REAL, first_in_s, RAISE_AGAIN_EVERY_S)


#: Whether a signal now stops the run: from the moment stops_cleanly's
#: handlers are in place, inside the try that catches what they raise, until
#: the run has stopped or main has returned.  After that the results are out,
#: and a late Ctrl-C is ignored rather than raised where nothing catches it.
_accepting = False


def _raise_for_signal(signum, frame):
    _noticed.set()
    if not _accepting:
        return
    _interrupt(Terminated if signum == signal.SIGTERM else KeyboardInterrupt, RAISE_AGAIN_EVERY_S)
    raise _pending()


#: A signal whose Python handler has not run this long after it arrived finds
#: the main thread inside native code (a long compiled TensorFlow loop): the
#: watchdog then ends the run itself.
STOP_WITHIN_S = 1.0
#: Set when the Python handler of Ctrl-C or SIGTERM has run.
_noticed = threading.Event()


class _Watchdog:
    """Ends a script whose main thread cannot hear Ctrl-C or SIGTERM.

    Python runs a signal handler only between bytecodes of the main thread;
    a compiled TensorFlow loop can keep it in C++ for many seconds.
    signal.set_wakeup_fd makes the C-level handler write the signal's number
    to a pipe at once, which this thread reads.  If the Python handler has
    not run within STOP_WITHIN_S, the run cannot have written anything since
    (files are written after training, atomically), so the watchdog prints
    the one line and ends the process with the signal's exit status.
    """

    def __init__(self):
        self.read_end, self.write_end = os.pipe()
        os.set_blocking(self.write_end, False)
        self.previous = signal.set_wakeup_fd(self.write_end, warn_on_full_buffer=False)
        threading.Thread(target=self._watch, name="stop-watchdog", daemon=True).start()

    def _watch(self):
        while True:
            try:
                received = os.read(self.read_end, 1)
            except OSError:
                return
            if not received:  # the run has ended: close() closed the pipe
                return
            if received[0] in (signal.SIGINT, signal.SIGTERM):
                break
        if _noticed.wait(STOP_WITHIN_S):
            return  # the main thread is stopping the run itself
        terminated = received[0] == signal.SIGTERM
        print(_stopped("terminated" if terminated else "interrupted"), file=sys.stderr, flush=True)
        os._exit(EXIT_TERMINATED if terminated else EXIT_INTERRUPTED)

    def close(self):
        signal.set_wakeup_fd(self.previous)
        os.close(self.write_end)  # the thread reads the end of the pipe and returns
        os.close(self.read_end)


def _raise_pending(signum, frame):
    """SIGALRM: the timer of ``_interrupt`` raises the interrupt again."""
    if _pending is not None:
        raise _pending()


def _stop_raising():
    """The interrupt has stopped the run, or main has returned: no more raising."""
    global _pending, _accepting
    _accepting = False
    signal.setitimer(signal.ITIMER_REAL, 0)
    _pending = None


def _stop_raising_for_good():
    """_stop_raising, at main's end however it ended.  A signal can land just
    before it takes effect, when main has left by an exception (argparse's
    --help or a bad option raise SystemExit): its interrupt would escape the
    wrapper as a traceback.  Main is over, so such an interrupt is dropped."""
    while True:
        try:
            _stop_raising()
            return
        except KeyboardInterrupt:
            continue


def _handle_stops(previous):
    """Install the handlers that turn Ctrl-C and SIGTERM into an interrupt;
    record in ``previous`` what each replaced.  Called inside the try that
    catches the interrupt, so that no signal finds the run between the two."""
    global _accepting
    _accepting = True
    previous[signal.SIGALRM] = signal.signal(signal.SIGALRM, _raise_pending)
    for sig in (signal.SIGINT, signal.SIGTERM):
        previous[sig] = signal.signal(sig, _raise_for_signal)


def _interrupts_raised_again(previous_hook):
    """A sys.unraisablehook: an interrupt that landed inside a __del__ is raised
    again a moment later, once the destructor is over; anything else goes to
    ``previous_hook``."""

    def hook(unraisable):
        if isinstance(unraisable.exc_value, KeyboardInterrupt):
            _interrupt(type(unraisable.exc_value), 0.001)
            return
        previous_hook(unraisable)

    return hook


def stops_cleanly(main):
    """Wrap a script's main so that it ends with one line and the right exit status.

    Ctrl-C and SIGTERM stop the run (130, 143); files are only ever written
    through support.files.atomic_output, so an interrupted run leaves no
    half-written file behind.  A reader that stops early (``| head``) ends
    the run quietly (141).  Standard output that is closed, full or failing
    is one line and exit 1, and so is a missing package.
    """

    @functools.wraps(main)
    def wrapper(argv=None):
        global _pending
        _pending = None
        # Until _status_of installs its handlers, a signal finds what was
        # there before: console.startup's one line and exit for a script.
        WRITTEN.clear()  # what this run writes, for the message if it is cut short
        previous_hook = sys.unraisablehook
        sys.unraisablehook = _interrupts_raised_again(previous_hook)
        script = running_a_project_script()
        _noticed.clear()
        watchdog = _Watchdog() if script else None
        previous = {}  # the signal handlers that _status_of replaces
        status = 1  # what Python exits with if main raises
        try:
            status = _status_of(main, argv, previous)
            return status
        finally:
            _stop_raising_for_good()
            if isinstance(sys.stdout, GuardedStdout):
                sys.stdout = sys.stdout._stream
            sys.unraisablehook = previous_hook
            quiet_when_done(status)  # a script ignores Ctrl-C and SIGTERM from here to exit
            for sig, handler in previous.items():
                if not (script and sig in EARLY_EXIT):
                    signal.signal(sig, handler)
            if watchdog:
                watchdog.close()
            if script and status in (EXIT_INTERRUPTED, EXIT_TERMINATED):
                # Stopped: nothing is left to do, and TensorFlow's teardown
                # (tf.distribute's threads above all) can take many seconds.
                sys.stderr.flush()
                os._exit(status)
            skip_final_collections()  # last: nothing after it may need collecting

    return wrapper


def _interrupt_behind(error):
    """The Ctrl-C or SIGTERM behind an error, if any.

    A signal whose handler raises while C code (TensorFlow's) calls back into
    Python surfaces as 'SystemError: ... returned a result with an exception
    set', or while a native module initialises as 'ImportError:
    initialization failed', with the interrupt as its cause.
    """
    while error is not None:
        if isinstance(error, KeyboardInterrupt):
            return error
        error = error.__cause__ or error.__context__
    return None


def _stopped_status(interrupt):
    """Print the one line for a run cut short by ``interrupt``; return its status.

    A progress bar still open is closed first: its loop's generator would
    otherwise close it, and draw it again, only once this line is out."""
    _stop_raising()
    close_bars()
    if isinstance(interrupt, Terminated):
        print(_stopped("terminated"), file=sys.stderr)
        return EXIT_TERMINATED
    print(_stopped("interrupted"), file=sys.stderr)
    return EXIT_INTERRUPTED


def _status_of(main, argv, previous):
    """Run main; turn every way it can be cut short into one line and an exit status."""
    try:
        _handle_stops(previous)
        prepare_stdout()
        status = main(argv)
        if _pending is not None:  # swallowed, and main ended before the timer
            raise _pending()
        sys.stdout.flush()  # a full disk shows here, not after we have said "done"
        _stop_raising()  # done: a Ctrl-C from here on finds nothing left to stop
        return status
    except KeyboardInterrupt as interrupt:
        return _stopped_status(interrupt)
    except (SystemError, ImportError) as error:
        # An interrupt inside C code surfaces as a SystemError; one inside a
        # module's native initialisation (TensorFlow's) as "ImportError:
        # initialization failed".  A package that is not there is one line.
        interrupt = _interrupt_behind(error)
        if interrupt is not None:
            return _stopped_status(interrupt)
        message = missing_package(error) if isinstance(error, ModuleNotFoundError) else None
        if message is None:
            raise
        print(message, file=sys.stderr)
        return EXIT_MISSING_PACKAGE
    except BrokenPipeError:
        silence_stdout()
        return EXIT_BROKEN_PIPE
    except OutputFailed as failure:
        print(failure, file=sys.stderr)
        return EXIT_WRITE_FAILED
