"""Progress bars on long runs at a terminal, none when piped; Ctrl-C and `| head` stop cleanly."""

import fcntl
import os
import pty
import signal
import struct
import subprocess
import sys
import termios
import time

from conftest import ROOT

from console import progress


class FakeTerminal:
    def isatty(self):
        return True

    def write(self, text):
        return len(text)

    def flush(self):
        pass


def test_bar_only_for_long_runs_at_a_terminal(monkeypatch):
    monkeypatch.setattr(sys, "stderr", FakeTerminal())
    assert progress.wants_progress(200_000, 16e-6)  # about 3 s
    assert not progress.wants_progress(1000, 16e-6)  # a few ms
    assert not progress.wants_progress(200_000, 16e-6, allowed=False)  # --json
    monkeypatch.setattr(sys, "stderr", open(os.devnull, "w"))
    assert not progress.wants_progress(200_000, 16e-6)  # piped


def run_with_terminal_stderr(args, interrupt_after=None):
    """Run python ARGS with stderr on a pseudo-terminal of 80 columns."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    child = subprocess.Popen([sys.executable, *args], cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=slave)
    os.close(slave)
    if interrupt_after is not None:
        time.sleep(interrupt_after)
        child.send_signal(signal.SIGINT)
    stdout = child.stdout.read().decode()
    child.wait(timeout=300)
    terminal = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        terminal += chunk
    os.close(master)
    return child.returncode, stdout, terminal.decode(errors="replace")


def test_long_numpy_run_shows_a_bar_on_a_terminal():
    code, stdout, terminal = run_with_terminal_stderr(["-m", "numpy_ref", "200000"])
    assert code == 0
    assert "NumPy parallel" in terminal and "200000/200000" in terminal
    assert "loss at iteration 200000" in stdout  # results still on stdout, bar not


def test_long_run_shows_nothing_when_piped_or_with_json():
    piped = subprocess.run([sys.executable, "-m", "numpy_ref", "200000"], cwd=ROOT,
                           capture_output=True, text=True, timeout=120)
    assert piped.returncode == 0 and piped.stderr == ""
    code, stdout, terminal = run_with_terminal_stderr(["-m", "numpy_ref", "200000", "--json"])
    assert code == 0 and terminal.strip() == ""
    assert stdout.lstrip().startswith("{")


def test_ctrl_c_stops_with_one_line_and_exit_130():
    code, stdout, terminal = run_with_terminal_stderr(
        ["-m", "numpy_ref", "5000000", "--json"], interrupt_after=1.5)
    assert code == 130
    assert stdout == ""
    assert terminal.strip() == "interrupted: stopped before the end, nothing was written"


def test_ctrl_c_during_keras_training_writes_no_model(tmp_path):
    target = tmp_path / "model.keras"
    code, stdout, terminal = run_with_terminal_stderr(
        ["ann_keras.py", "2000000", "--json", "--save", str(target)], interrupt_after=8)
    assert code == 130
    assert "Traceback" not in terminal
    assert terminal.strip().splitlines()[-1] == (
        "interrupted: stopped before the end, nothing was written")
    assert os.listdir(tmp_path) == []


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
    child = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert child.stdout.readline() == b"x" * 80 + b"\n"
    child.stdout.close()  # as `| head -1` does
    stderr = child.stderr.read().decode()
    assert child.wait(timeout=60) == 141
    assert stderr == ""
