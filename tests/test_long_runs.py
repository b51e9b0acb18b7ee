"""Progress bars on long runs at a terminal, none when piped; Ctrl-C and `| head` stop cleanly."""

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time

import pytest
from conftest import ROOT, without_package

from implementations import FRAMEWORKS
from support import progress

#: A NumPy run just long enough for a bar: 5% over the seconds a bar waits for, at
#: the cost an iteration is expected to have.
LONG = str(int(1.05 * progress.PROGRESS_AFTER_SECONDS / FRAMEWORKS["numpy"].seconds_per_iteration))


class FakeTerminal:
    def isatty(self):
        return True

    def write(self, text):
        return len(text)

    def flush(self):
        pass


def test_bar_only_for_long_runs_at_a_terminal(monkeypatch):
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setattr(sys, "stderr", FakeTerminal())
    assert progress.wants_progress(200_000, 16e-6)  # about 3 s
    assert not progress.wants_progress(1000, 16e-6)  # a few ms
    assert not progress.wants_progress(200_000, 16e-6, allowed=False)  # --json
    monkeypatch.setattr(sys, "stderr", open(os.devnull, "w"))
    assert not progress.wants_progress(200_000, 16e-6)  # piped
    monkeypatch.setattr(sys, "stderr", FakeTerminal())
    monkeypatch.setenv("TERM", "dumb")  # no cursor movement: Keras's bar would be garbage
    assert not progress.wants_progress(200_000, 16e-6)


def _read_terminal(master, terminal, wait):
    """What the pseudo-terminal shows next (within ``wait`` seconds), added to ``terminal``."""
    ready, _, _ = select.select([master], [], [], wait)
    if not ready:
        return terminal, True
    try:
        chunk = os.read(master, 65536)
    except OSError:  # the child closed its end
        return terminal, False
    return terminal + chunk, bool(chunk)


def run_with_terminal_stderr(args, signal_when=None, send=signal.SIGINT, env=None):
    """Run python ARGS with stderr on a pseudo-terminal of 80 columns.

    ``signal_when``: text to wait for on the terminal (bytes), or a function
    that returns True once the run has visibly started; then ``send`` the
    signal.  No fixed sleeps: a busy machine only makes the wait longer.
    """
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    child = subprocess.Popen(
        [sys.executable, *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=slave,
        env={**os.environ, **(env or {})},
    )
    os.close(slave)
    terminal, open_ = b"", True
    # The terminal is read while the child runs: a bar that nobody reads fills the
    # terminal's buffer, and the child then waits on its next write for ever.
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and child.poll() is None:
        terminal, open_ = _read_terminal(master, terminal, 0.05)
        if signal_when is None:
            continue
        seen = signal_when in terminal if isinstance(signal_when, bytes) else signal_when()
        if seen:
            child.send_signal(send)
            break
    stdout = child.stdout.read().decode()
    child.wait(timeout=300)
    while open_:
        terminal, open_ = _read_terminal(master, terminal, 1)
    os.close(master)
    return child.returncode, stdout, terminal.decode(errors="replace")


@pytest.mark.slow
def test_long_numpy_run_shows_a_bar_on_a_terminal():
    code, stdout, terminal = run_with_terminal_stderr(["-m", "numpy_ref", LONG])
    assert code == 0
    assert "NumPy parallel" in terminal and f"{LONG}/{LONG}" in terminal
    assert f"loss at iteration {LONG}" in stdout  # results still on stdout, bar not


@pytest.mark.slow
def test_long_run_shows_nothing_when_piped_or_with_json():
    piped = subprocess.run(
        [sys.executable, "-m", "numpy_ref", LONG],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert piped.returncode == 0 and piped.stderr == ""
    code, stdout, terminal = run_with_terminal_stderr(["-m", "numpy_ref", LONG, "--json"])
    assert code == 0 and terminal.strip() == ""
    assert stdout.lstrip().startswith("{")


@pytest.mark.slow
def test_ctrl_c_stops_with_one_line_and_exit_130():
    # the progress bar on the terminal is the sign that training has started
    code, stdout, terminal = run_with_terminal_stderr(
        ["-m", "numpy_ref", "5000000"], signal_when=b"NumPy parallel"
    )
    assert code == 130
    assert stdout == ""
    assert terminal.splitlines()[-1] == ("interrupted: stopped before the end, nothing was written")
    assert "Traceback" not in terminal


@pytest.mark.slow
def test_sigterm_stops_like_ctrl_c_with_exit_143():
    code, stdout, terminal = run_with_terminal_stderr(
        ["-m", "numpy_ref", "5000000"], signal_when=b"NumPy parallel", send=signal.SIGTERM
    )
    assert code == 143
    assert stdout == ""
    assert terminal.strip().splitlines()[-1] == (
        "terminated: stopped before the end, nothing was written"
    )


@pytest.mark.slow
def test_ctrl_c_during_keras_training_writes_no_model(tmp_path):
    target = tmp_path / "model.keras"
    code, stdout, terminal = run_with_terminal_stderr(
        ["ann_keras.py", "2000000", "--save", str(target)], signal_when=b"/2000000"
    )
    assert code == 130
    assert "Traceback" not in terminal
    assert terminal.strip().splitlines()[-1] == (
        "interrupted: stopped before the end, nothing was written"
    )
    assert os.listdir(tmp_path) == []


@pytest.mark.slow
def test_ctrl_c_during_keras_training_removes_its_tensorboard_log(tmp_path):
    logs = tmp_path / "logs"

    def logging_started():  # the callback has written its first 1000 rows (about 750 kB)
        return logs.is_dir() and any(
            events.stat().st_size > 100_000 for events in logs.glob("*/events.out.tfevents.*")
        )

    code, _, terminal = run_with_terminal_stderr(
        ["ann_keras.py", "300000", "--json", "--logdir", str(logs)], signal_when=logging_started
    )
    assert code == 130
    assert terminal.strip().splitlines()[-1] == (
        "interrupted: stopped before the end, nothing was written"
    )
    assert not logs.exists()  # the run's folder is gone (not left at 62 MB), and the DIR it made


@pytest.mark.slow
def test_without_tqdm_a_long_run_goes_on_without_a_bar(tmp_path):
    code, stdout, terminal = run_with_terminal_stderr(
        ["-m", "numpy_ref", LONG], env=without_package(tmp_path, "tqdm")
    )
    assert code == 0
    assert f"loss at iteration {LONG}" in stdout
    assert terminal.strip() == (
        "note: no progress bar, tqdm is not installed (pip install -r requirements.txt)"
    )


def test_a_reader_that_stops_early_ends_the_run_quietly():
    code = (
        "import sys\n"
        "from console.process import stops_cleanly\n"
        "@stops_cleanly\n"
        "def main(argv=None):\n"
        "    for _ in range(100_000):\n"
        "        print('x' * 80)\n"
        "sys.exit(main())\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert child.stdout.readline() == b"x" * 80 + b"\n"
    child.stdout.close()  # as `| head -1` does
    stderr = child.stderr.read().decode()
    assert child.wait(timeout=60) == 141
    assert stderr == ""
