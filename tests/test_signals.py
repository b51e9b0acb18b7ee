"""Signals: Ctrl-C and SIGTERM stop a run in one line, whenever they land.

130 for Ctrl-C, 143 for SIGTERM: while a script starts, inside TensorFlow's
C code or a destructor, while a file is written (which leaves no partial
file, nor takes a replaced link's mode), and after main has returned or
Python is shutting down (ignored).
"""

import os
import signal
import subprocess
import sys
import time

import pytest
from conftest import ROOT, one_line

from console import process
from support.files import atomic_output


def test_sigterm_while_a_file_is_written_leaves_no_partial_file(tmp_path):
    @process.stops_cleanly
    def main(argv):
        with atomic_output(str(tmp_path / "figure.png")) as temporary:
            with open(temporary, "wb") as stream:
                stream.write(b"\x89PNG half")
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(10)  # the signal ends the run before this does
        return 0

    started = time.monotonic()
    assert main(None) == process.EXIT_TERMINATED
    assert time.monotonic() - started < 5
    assert os.listdir(tmp_path) == []


def test_sigterm_inside_tensorflows_c_code_still_stops_the_run(capsys):
    @process.stops_cleanly
    def main(argv):
        try:
            raise process.Terminated()  # the handler raised while C code called Python
        except process.Terminated as interrupt:
            raise SystemError(
                "<built-in method IsNested> returned a result with an exception set"
            ) from interrupt

    assert main(None) == process.EXIT_TERMINATED
    assert capsys.readouterr().err.strip() == (
        "terminated: stopped before the end, nothing was written"
    )


def test_a_tensorflow_write_error_is_one_line():
    import tensorflow as tf

    from frameworks.tensorboard import as_os_error

    full = tf.errors.ResourceExhaustedError(
        None,
        None,
        "{{function_node __wrapped__WriteSummary}} Graph execution error:\n"
        "Detected at node while/write_summary_10\n  File ...\n"
        "log/events.out.tfevents: No space left on device\n Hint: ...",
    )
    error = as_os_error(full, "log")
    assert (error.strerror, error.filename) == ("No space left on device", "log")
    odd = tf.errors.UnknownError(None, None, "{{function_node x}} Could not open\nmore\nlines")
    assert as_os_error(odd, "log").strerror == "Could not open"


def test_ctrl_c_inside_a_destructor_still_stops_the_run(capsys):
    class Interrupted:
        def __del__(self):
            raise KeyboardInterrupt  # as when Ctrl-C lands inside TensorFlow's __del__

    @process.stops_cleanly
    def main(argv):
        Interrupted()  # dies at once; Python would print "Exception ignored" and go on
        for _ in range(100):
            time.sleep(0.1)
        return 0

    assert main(None) == process.EXIT_INTERRUPTED
    err = capsys.readouterr().err
    assert "Exception ignored" not in err
    assert err.strip() == "interrupted: stopped before the end, nothing was written"


def _started_script(script):
    """A script started with --help, once its own signal handling is in place.

    Python's first ~15 ms (its own startup, site, the script's compile) are
    the interpreter's: a Ctrl-C there is Python's KeyboardInterrupt, before
    any of the project's code runs.  -X importtime prints a line when a module
    has been imported; the ``console`` package installs the handling as it is
    imported, and every script imports it first.
    """
    child = subprocess.Popen(
        [sys.executable, "-X", "importtime", *script, "--help"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    for line in child.stderr:
        if line.rstrip().endswith(b"| console"):
            return child
    raise AssertionError(f"{script} never imported the console package")


@pytest.mark.parametrize(
    "script",
    [
        ["plot_tensorflow_results.py"],
        ["explore.py"],
        ["ann_keras.py"],
        ["ann_tensorflow.py"],
        ["ann_csharp.py"],
        ["test_installation.py"],
        ["compare_implementations.py"],
        ["-m", "numpy_ref"],
    ],
)
@pytest.mark.parametrize("delay", [0, 0.005, 0.02, 0.06, 0.2])
def test_ctrl_c_while_a_script_starts_prints_no_traceback(script, delay):
    child = _started_script(script)
    time.sleep(delay)
    child.send_signal(signal.SIGINT)
    _, stderr = child.communicate(timeout=60)
    assert "Traceback" not in stderr.decode()
    # stopped (130), or already done with --help (0)
    assert child.returncode in (130, 0)


def test_ctrl_c_while_a_native_module_initialises_is_one_line(capsys):
    """TensorFlow's profiler plugin, interrupted while it initialises, raises
    'ImportError: initialization failed' with the interrupt as its cause."""

    @process.stops_cleanly
    def main(argv):
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as interrupt:
            raise ImportError("initialization failed") from interrupt

    assert main(None) == process.EXIT_INTERRUPTED
    assert capsys.readouterr().err == ("interrupted: stopped before the end, nothing was written\n")


def test_a_file_that_replaces_a_link_does_not_take_its_targets_mode(tmp_path):
    target = tmp_path / "target"
    target.write_text("")
    target.chmod(0o666)
    link = tmp_path / "figure.png"
    link.symlink_to(target)
    umask = os.umask(0o022)
    try:
        with atomic_output(str(link)) as temporary:
            open(temporary, "w").close()
    finally:
        os.umask(umask)
    assert not link.is_symlink() and (link.stat().st_mode & 0o777) == 0o644
    assert target.read_text() == ""  # the link's target is left alone


#: Runs test_installation.py --help as a script, with a Ctrl-C sent while
#: stops_cleanly starts its watchdog thread, before main's own handlers are in
#: place (the window a CI run once hit, 20 ms after the console import).
CTRL_C_WHILE_THE_WRAPPER_SETS_UP = """
import os, runpy, signal, sys
from console import process, startup
signal.signal(signal.SIGINT, startup._end_at_once)  # what importing console does for a script
start_watching = process._Watchdog.__init__
def interrupted_while_starting(self):
    os.kill(os.getpid(), signal.SIGINT)
    start_watching(self)
process._Watchdog.__init__ = interrupted_while_starting
sys.argv = ["test_installation.py", "--help"]
runpy.run_path("test_installation.py", run_name="__main__")
"""


def test_ctrl_c_while_the_wrapper_sets_up_is_one_line():
    done = subprocess.run(
        [sys.executable, "-c", CTRL_C_WHILE_THE_WRAPPER_SETS_UP],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 130
    assert one_line(done.stderr) == "interrupted: stopped before the end, nothing was written"


def test_ctrl_c_after_main_returned_is_ignored(monkeypatch, capsys):
    stop_raising = process._stop_raising

    def stopped_then_interrupted():
        stop_raising()
        signal.raise_signal(signal.SIGINT)  # main is done: nothing left to stop

    monkeypatch.setattr(process, "_stop_raising", stopped_then_interrupted)
    assert process.stops_cleanly(lambda argv: 0)(None) == 0
    assert capsys.readouterr().err == ""


def test_ctrl_c_as_main_leaves_by_system_exit_is_dropped(monkeypatch, capsys):
    """--help and a bad option leave main by SystemExit: a Ctrl-C that lands before
    the handlers are off must not escape as a traceback (it did once, in .ci/run)."""
    stop_raising = process._stop_raising
    signals = [signal.SIGINT]

    def interrupted_then_stopped():
        if signals:  # lands while the handler still raises
            signal.raise_signal(signals.pop())
        stop_raising()

    monkeypatch.setattr(process, "_stop_raising", interrupted_then_stopped)

    def main(argv):
        raise SystemExit(0)  # as argparse's --help does

    with pytest.raises(SystemExit):
        process.stops_cleanly(main)(None)
    assert not signals and capsys.readouterr().err == ""


def test_a_signal_while_python_shuts_down_is_ignored(monkeypatch):
    """Python's finalization drops Python-level handlers; SIG_IGN stays."""
    import signal

    from console import startup

    monkeypatch.setattr(startup, "running_a_project_script", lambda: True)
    saved = {signum: signal.getsignal(signum) for signum in startup.EARLY_EXIT}
    try:
        startup.quiet_when_done(0)
        assert all(signal.getsignal(signum) == signal.SIG_IGN for signum in saved)
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)


def test_a_script_ends_without_the_collectors_last_walk(monkeypatch):
    """After main a script freezes every object (Python's finalization would walk
    them all, about 2 s after TensorFlow); a program that imports the project,
    this test runner, keeps collecting."""
    import gc

    from console import startup

    order = []
    monkeypatch.setattr(process, "skip_final_collections", lambda: order.append("frozen"))
    assert process.stops_cleanly(lambda argv: order.append("main") or 0)(None) == 0
    assert order == ["main", "frozen"]

    assert gc.get_freeze_count() == 0
    startup.skip_final_collections()
    assert gc.get_freeze_count() == 0  # not a script: this worker still collects
    monkeypatch.setattr(startup, "running_a_project_script", lambda: True)
    try:
        startup.skip_final_collections()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
