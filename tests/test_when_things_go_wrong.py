"""Every failure is one line and the right exit status; no result is lost, nothing half-written.

The README's "When things go wrong" lists what these tests hold: 0 done,
1 diverged / a file or stdout could not be written / a package is missing,
2 a bad command line, 130 Ctrl-C, 141 a closed pipe, 143 SIGTERM.
"""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from conftest import ROOT, run_script, without_package

from console import process
from numpy_ref import MAZUR
from support.files import atomic_output

INSTALL = "pip install -r requirements.txt"


def one_line(stderr):
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


# Missing packages ------------------------------------------------------------

@pytest.mark.parametrize("args, package", [
    (["ann_tensorflow.py", "10"], "tensorflow"),
    (["ann_keras.py", "10"], "keras"),
    (["compare_implementations.py", "10"], "tensorflow"),
    (["plot_tensorflow_results.py", "--study", "--starts", "2", "--max-iterations", "10",
      "--out-dir", "{tmp}"], "matplotlib"),
])
def test_a_missing_package_is_named_with_the_install_command(tmp_path, args, package):
    args = [a.format(tmp=tmp_path / "figures") for a in args]
    done = run_script(*args, env=without_package(tmp_path, package), timeout=120)
    assert done.returncode == 1
    assert done.stdout == ""
    assert one_line(done.stderr) == f"error: the package {package} is not installed: {INSTALL}"
    assert not (tmp_path / "figures").exists()


@pytest.mark.parametrize("args", [["ann_tensorflow.py", "10"], ["-m", "numpy_ref", "10"],
                                  ["compare_implementations.py", "--study"]])
def test_numpy_missing_at_import_time_is_one_line_too(tmp_path, args):
    done = run_script(*args, env=without_package(tmp_path, "numpy"), timeout=60)
    assert done.returncode == 1
    assert one_line(done.stderr) == f"error: the package numpy is not installed: {INSTALL}"


def test_installation_check_reports_a_missing_numpy(tmp_path):
    done = run_script("test_installation.py", env=without_package(tmp_path, "numpy"),
                      timeout=120)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    problems = [line.strip() for line in done.stdout.splitlines() if "cannot be imported" in line]
    assert problems[0].startswith("NumPy cannot be imported")
    assert problems[0].endswith("pip install 'numpy>=1.26'")


# Files that cannot be written after training ---------------------------------

def test_a_save_that_fails_after_training_keeps_the_results(tmp_path, capsys, monkeypatch):
    import ann_keras
    from frameworks.keras_model import MazurModel

    def full_disk(self, path, *args, **kwargs):
        with open(path, "wb") as half:
            half.write(b"PK half a model")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(MazurModel, "save", full_disk)
    target = tmp_path / "trained.keras"
    assert ann_keras.main(["5", "--json", "--verbose", "--save", str(target)]) == 1
    printed = capsys.readouterr()
    document = json.loads(printed.out)
    assert document["iterations"] == 5 and document["saved_to"] is None
    assert one_line(printed.err) == f"error: cannot write {target}: No space left on device"
    assert os.listdir(tmp_path) == []  # no partial file


def test_a_log_that_fails_after_training_keeps_the_results(tmp_path, capsys, monkeypatch):
    import ann_tensorflow
    from frameworks.tensorboard import ScalarLog

    def full_disk(self, *args):
        open(os.path.join(self.path, "events.out.tfevents.half"), "wb").close()
        raise OSError(28, "No space left on device", self.path)

    monkeypatch.setattr(ScalarLog, "write", full_disk)
    assert ann_tensorflow.main(["5", "--verbose", "--logdir", str(tmp_path)]) == 1
    printed = capsys.readouterr()
    assert "loss after 5 updates" in printed.out
    assert "TensorBoard" not in printed.out
    line = one_line(printed.err)
    assert line.startswith(f"error: cannot write {tmp_path}") and "No space left" in line
    assert os.listdir(tmp_path) == []  # the half-written run folder is gone


def test_a_save_named_dot_keras_is_saved(tmp_path, capsys):
    import ann_keras

    target = tmp_path / ".keras"
    assert ann_keras.main(["2", "--json", "--verbose", "--save", str(target)]) == 0
    assert json.loads(capsys.readouterr().out)["saved_to"] == str(target)
    assert os.listdir(tmp_path) == [".keras"]


def test_replacing_a_file_keeps_its_mode(tmp_path):
    path = tmp_path / "figure.png"
    path.write_bytes(b"old")
    os.chmod(path, 0o640)
    with atomic_output(str(path)) as temporary:
        with open(temporary, "wb") as stream:
            stream.write(b"new")
    assert path.read_bytes() == b"new"
    assert oct(os.stat(path).st_mode & 0o777) == oct(0o640)


@pytest.mark.parametrize("args, words", [
    (["ann_keras.py", "10", "--save", "/proc/x.keras"], "--save: folder cannot be written: /proc"),
    (["ann_tensorflow.py", "10", "--logdir", "/proc/logs"], "--logdir: log folder cannot be"),
    (["plot_tensorflow_results.py", "--out-dir", "/proc/figures"], "--out-dir: output folder"),
])
def test_a_folder_that_only_looks_writable_is_refused_before_training(args, words):
    done = run_script(*args, timeout=60)  # root passes os.access on /proc; a real write fails
    assert done.returncode == 2
    assert words in one_line(done.stderr)


# Signals -----------------------------------------------------------------------

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
            raise SystemError("<built-in method IsNested> returned a result with an"
                              " exception set") from interrupt

    assert main(None) == process.EXIT_TERMINATED
    assert capsys.readouterr().err.strip() == (
        "terminated: stopped before the end, nothing was written")


def test_a_tensorflow_write_error_is_one_line():
    import tensorflow as tf

    from frameworks.tensorboard import as_os_error

    full = tf.errors.ResourceExhaustedError(
        None, None, "{{function_node __wrapped__WriteSummary}} Graph execution error:\n"
        "Detected at node while/write_summary_10\n  File ...\n"
        "log/events.out.tfevents: No space left on device\n Hint: ...")
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
    child = subprocess.Popen([sys.executable, "-X", "importtime", *script, "--help"],
                             cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    for line in child.stderr:
        if line.rstrip().endswith(b"| console"):
            return child
    raise AssertionError(f"{script} never imported the console package")


@pytest.mark.parametrize("script", [["plot_tensorflow_results.py"], ["ann_keras.py"],
                                    ["ann_tensorflow.py"], ["test_installation.py"],
                                    ["compare_implementations.py"], ["-m", "numpy_ref"]])
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
    assert capsys.readouterr().err == (
        "interrupted: stopped before the end, nothing was written\n")


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
    done = subprocess.run([sys.executable, "-c", CTRL_C_WHILE_THE_WRAPPER_SETS_UP],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
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


# Standard output ------------------------------------------------------------------

@pytest.mark.parametrize("args, unbuffered", [
    (["ann_keras.py", "10"], False),
    (["-m", "numpy_ref", "10"], True),
    (["compare_implementations.py", "--study", "--starts", "2", "--max-iterations", "5"],
     True),
])
def test_a_full_standard_output_is_one_line_and_exit_1(args, unbuffered):
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, *args], cwd=ROOT, stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=120,
                              env={**os.environ, "PYTHONUNBUFFERED": "1" if unbuffered else ""})
    assert done.returncode == 1
    assert one_line(done.stderr) == (
        "error: cannot write to standard output: No space left on device")


def test_a_closed_standard_output_is_one_line_and_exit_1():
    done = subprocess.run([sys.executable, "-m", "numpy_ref", "10"], cwd=ROOT,
                          stderr=subprocess.PIPE, text=True, timeout=60,
                          preexec_fn=lambda: os.close(1))
    assert done.returncode == 1
    assert one_line(done.stderr) == (
        "error: standard output is closed: nowhere to write the results")


def test_an_ascii_standard_output_gets_ascii_spellings():
    done = run_script("-m", "numpy_ref", "--explain", env={"PYTHONIOENCODING": "ascii"},
                      timeout=60)
    assert done.returncode == 0, done.stderr
    assert "= dE/dout_o1 * dout_o1/dnet_o1 * dnet_o1/dw5" in done.stdout
    table = run_script("compare_implementations.py", "3", env={"PYTHONIOENCODING": "ascii"})
    assert table.returncode == 0, table.stderr
    assert "max |d| over" in table.stdout


# Options that would be ignored are refused ----------------------------------------

@pytest.mark.parametrize("args, words", [
    (["ann_keras.py", "--explain", "--save", "m.keras"],
     "argument --save: not allowed with argument --explain"),
    (["ann_keras.py", "--explain", "--logdir", "{tmp}"],
     "argument --logdir: not allowed with argument --explain"),
    (["ann_tensorflow.py", "--explain", "--loss", "sse"],
     "argument --loss: not allowed with argument --explain"),
    (["-m", "numpy_ref", "--explain", "500"],
     "argument ITERATIONS: not allowed with argument --explain"),
    (["plot_tensorflow_results.py", "--study", "--iterations", "5"],
     "argument --iterations: not allowed with argument --study"),
    (["plot_tensorflow_results.py", "--study", "--lr", "3"],
     "argument --lr: not allowed with argument --study"),
    (["compare_implementations.py", "--study", "5"],
     "argument ITERATIONS: not allowed with argument --study"),
    (["compare_implementations.py", "--study", "--dtype", "float64"],
     "argument --dtype: not allowed with argument --study"),
    (["compare_implementations.py", "--seed", "3"],
     "argument --seed: only used by --init random and --study"),
    (["plot_tensorflow_results.py", "--seed", "3"],
     "argument --seed: only allowed with argument --study"),
    (["compare_implementations.py", "--study", "--starts", "10000000"],
     "argument --starts: must be at most 100000"),
    (["ann_tensorflow.py", "10", "--logdir", ""], "argument --logdir: log folder must be named"),
    (["plot_tensorflow_results.py", "--out-dir", " "],
     "argument --out-dir: output folder must be named"),
])
def test_an_option_that_would_be_ignored_is_refused(tmp_path, args, words):
    logdir = tmp_path / "logs"
    done = run_script(*[a.format(tmp=logdir) for a in args], timeout=60)
    assert done.returncode == 2
    assert words in one_line(done.stderr)
    assert not logdir.exists()  # a refused command line creates nothing


# Numbers and claims -------------------------------------------------------------

def test_a_diverging_numpy_run_prints_the_divergence_alone():
    done = run_script("-m", "numpy_ref", "--lr", "1e308", "--dtype", "float32", timeout=60)
    assert done.returncode == 1
    assert "diverged" in one_line(done.stderr)


@pytest.mark.parametrize("framework", ["tensorflow", "keras"])
def test_one_sequential_update_counts_once(framework):
    from frameworks import keras_model, tape

    if framework == "tensorflow":
        network = tape.TapeNetwork(MAZUR, "float64")
        network.fit(100, "sequential")
        counted = network.optimizer.iterations
    else:
        _, model = keras_model.train_model(100, "sequential", MAZUR, "float64")
        counted = model.optimizer.iterations
    assert int(counted.numpy()) == 100


def test_a_saved_float64_model_predicts_in_float64_after_plain_load_model(tmp_path):
    from frameworks import keras_model

    result, model = keras_model.train_model(30, "sequential", MAZUR, "float64")
    path = tmp_path / "trained.keras"
    model.save(str(path))
    code = (
        "import json, numpy, keras\n"
        "import frameworks.keras_model  # registers mazur>MazurModel, mazur>Bias\n"
        f"model = keras.saving.load_model({str(path)!r})\n"
        "prediction = model.predict(numpy.array([[0.05, 0.10]]), verbose=0)[0]\n"
        "print(json.dumps([type(model).__name__, str(prediction.dtype), prediction.tolist()]))\n"
    )
    done = run_script("-c", code, env={"TF_CPP_MIN_LOG_LEVEL": "3"})
    assert done.returncode == 0, done.stderr
    name, dtype, prediction = json.loads(done.stdout.strip().splitlines()[-1])
    assert (name, dtype) == ("MazurModel", "float64")
    np.testing.assert_allclose(prediction, result.final_prediction, rtol=0, atol=1e-15)


def test_installation_check_and_readme_name_the_same_python():
    import test_installation

    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    wanted = ".".join(map(str, test_installation.MINIMUM_PYTHON))
    assert wanted == "3.11"
    assert f"Python {wanted}" in readme


def test_a_diverged_keras_run_keeps_no_log(tmp_path):
    done = run_script("ann_keras.py", "50", "--lr", "1e300", "--logdir", str(tmp_path / "logs"))
    assert done.returncode == 1
    assert "diverged" in one_line(done.stderr)
    assert not (tmp_path / "logs").exists()  # nor the DIR the run created


def test_an_interrupt_that_something_swallows_is_raised_again(capsys):
    @process.stops_cleanly
    def main(argv):
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(1)
        except KeyboardInterrupt:
            pass  # as TensorFlow does with errors while it traces a function
        for _ in range(100):
            time.sleep(0.1)
        return 0

    started = time.monotonic()
    assert main(None) == process.EXIT_INTERRUPTED
    assert time.monotonic() - started < 3
    assert capsys.readouterr().err.strip() == (
        "interrupted: stopped before the end, nothing was written")
