"""Every failure is one line and the right exit status; no result is lost, nothing half-written.

The README's "When things go wrong" lists what these tests hold: 0 done,
1 diverged / a file or stdout could not be written / a package is missing,
2 a bad command line, 130 Ctrl-C, 141 a closed pipe, 143 SIGTERM.  What a signal
does while a run starts, trains or writes is test_signals.py.
"""

import json
import os
import signal
import time

import numpy as np
import pytest
from conftest import ROOT, one_line, refused_in_process, run_script, without_package

from console import process
from numpy_ref import MAZUR
from support.files import atomic_output

INSTALL = "pip install -r requirements.txt"


# Missing packages ------------------------------------------------------------


@pytest.mark.parametrize(
    "args, package",
    [
        (["ann_tensorflow.py", "10"], "tensorflow"),
        (["ann_keras.py", "10"], "keras"),
        (["compare_implementations.py", "10"], "tensorflow"),
        (
            [
                "plot_tensorflow_results.py",
                "--study",
                "--starts",
                "2",
                "--max-iterations",
                "10",
                "--out-dir",
                "{tmp}",
            ],
            "matplotlib",
        ),
    ],
)
def test_a_missing_package_is_named_with_the_install_command(tmp_path, args, package):
    args = [a.format(tmp=tmp_path / "figures") for a in args]
    done = run_script(*args, env=without_package(tmp_path, package), timeout=120)
    assert done.returncode == 1
    assert done.stdout == ""
    assert one_line(done.stderr) == f"error: the package {package} is not installed: {INSTALL}"
    assert not (tmp_path / "figures").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["ann_tensorflow.py", "10"],
        ["-m", "numpy_ref", "10"],
        ["compare_implementations.py", "--study"],
    ],
)
def test_numpy_missing_at_import_time_is_one_line_too(tmp_path, args):
    done = run_script(*args, env=without_package(tmp_path, "numpy"), timeout=60)
    assert done.returncode == 1
    assert one_line(done.stderr) == f"error: the package numpy is not installed: {INSTALL}"


@pytest.mark.slow
def test_installation_check_reports_a_missing_numpy(tmp_path):
    done = run_script("test_installation.py", env=without_package(tmp_path, "numpy"), timeout=120)
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


def full_disk_at(path):
    """A write that fails as a full disk does: naming the file it was writing."""
    with open(path, "wb") as half:
        half.write(b"PK half a model")
    raise OSError(28, "No space left on device", path)


@pytest.mark.parametrize("failure", ["full disk", "a folder in its place"])
def test_a_save_that_fails_names_the_path_given_not_a_temporary_file(
    tmp_path, capsys, monkeypatch, failure
):
    import ann_keras
    from frameworks.keras_model import MazurModel

    target = tmp_path / "trained.keras"
    save = MazurModel.save

    def failing(self, path, *args, **kwargs):
        if failure == "full disk":
            full_disk_at(path)  # path: the temporary file beside the target
        target.mkdir()  # after the command line was checked: the file cannot go there
        save(self, path, *args, **kwargs)

    monkeypatch.setattr(MazurModel, "save", failing)
    assert ann_keras.main(["2", "--verbose", "--save", str(target)]) == 1
    printed = capsys.readouterr()
    assert "loss after 2 updates" in printed.out
    reason = "No space left on device" if failure == "full disk" else "Is a directory"
    assert one_line(printed.err) == f"error: cannot write {target}: {reason}"
    assert ".partial-" not in printed.err
    assert [name for name in os.listdir(tmp_path) if name.startswith(".partial-")] == []


def test_a_failed_write_is_named_by_the_path_asked_for(tmp_path):
    target = tmp_path / "figure.png"
    with pytest.raises(OSError) as caught:
        with atomic_output(str(target)) as temporary:
            raise OSError(28, f"No space left on device writing {temporary}", temporary)
    assert caught.value.errno == 28 and caught.value.filename == str(target)
    assert caught.value.strerror == f"No space left on device writing {target}"
    assert os.listdir(tmp_path) == []


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


@pytest.mark.parametrize(
    "args, words",
    [
        (
            ["ann_keras.py", "10", "--save", "/proc/x.keras"],
            "--save: cannot write /proc/x.keras: /proc cannot be written (",
        ),
        (
            ["ann_keras.py", "10", "--tflite", "/proc/x.tflite"],
            "--tflite: cannot write /proc/x.tflite: /proc cannot be written (",
        ),
        (
            ["ann_tensorflow.py", "10", "--logdir", "/proc/logs"],
            "--logdir: cannot create log folder /proc/logs: /proc cannot be written (",
        ),
        (
            ["plot_tensorflow_results.py", "--out-dir", "/proc/figures"],
            "--out-dir: cannot create output folder /proc/figures: /proc cannot be written (",
        ),
    ],
)
def test_a_folder_that_only_looks_writable_is_refused_before_training(args, words):
    line = refused_in_process(*args)  # root passes os.access on /proc; a real write fails
    assert words in line
    # /proc answers a new file with "No such file or directory": /proc is there
    assert "No such file" not in line


# Options that would be ignored are refused ----------------------------------------


@pytest.mark.parametrize(
    "args, words",
    [
        (
            ["ann_keras.py", "--explain", "--save", "m.keras"],
            "argument --save: not allowed with argument --explain",
        ),
        (
            ["ann_keras.py", "--explain", "--logdir", "{tmp}"],
            "argument --logdir: not allowed with argument --explain",
        ),
        (
            ["ann_tensorflow.py", "--explain", "--loss", "sse"],
            "argument --loss: not allowed with argument --explain",
        ),
        (
            ["-m", "numpy_ref", "--explain", "500"],
            "argument ITERATIONS: not allowed with argument --explain",
        ),
        (
            ["plot_tensorflow_results.py", "--study", "--iterations", "5"],
            "argument --iterations: not allowed with argument --study",
        ),
        (
            ["plot_tensorflow_results.py", "--study", "--lr", "3"],
            "argument --lr: not allowed with argument --study",
        ),
        (
            ["compare_implementations.py", "--study", "5"],
            "argument ITERATIONS: not allowed with argument --study",
        ),
        (
            ["compare_implementations.py", "--study", "--dtype", "float64"],
            "argument --dtype: not allowed with argument --study",
        ),
        (
            ["compare_implementations.py", "--seed", "3"],
            "argument --seed: only used by --init random and --study",
        ),
        (
            ["plot_tensorflow_results.py", "--seed", "3"],
            "argument --seed: only allowed with argument --study",
        ),
        (
            ["compare_implementations.py", "--study", "--starts", "10000000"],
            "argument --starts: must be at most 100000",
        ),
        (
            ["ann_tensorflow.py", "10", "--logdir", ""],
            "argument --logdir: log folder must be named",
        ),
        (
            ["plot_tensorflow_results.py", "--out-dir", " "],
            "argument --out-dir: output folder must be named",
        ),
    ],
)
def test_an_option_that_would_be_ignored_is_refused(tmp_path, args, words):
    logdir = tmp_path / "logs"
    assert words in refused_in_process(*[a.format(tmp=logdir) for a in args])
    assert not logdir.exists()  # a refused command line creates nothing


# Numbers and claims -------------------------------------------------------------


def test_a_diverging_numpy_run_prints_the_divergence_alone():
    done = run_script(
        "-m",
        "numpy_ref",
        "--lr",
        "3e38",
        "--optimizer",
        "rmsprop",
        "--dtype",
        "float32",
        timeout=60,
    )
    assert done.returncode == 1
    assert "diverged" in one_line(done.stderr)


@pytest.mark.parametrize("framework", ["tensorflow", "keras"])
def test_one_sequential_update_counts_once(framework):
    from frameworks import keras_fit, tape

    if framework == "tensorflow":
        network = tape.TapeNetwork(MAZUR, "float64")
        network.fit(100, "sequential")
        counted = network.optimizer.iterations
    else:
        _, model = keras_fit.train_model(100, "sequential", MAZUR, "float64")
        counted = model.optimizer.iterations
    assert int(counted.numpy()) == 100


@pytest.mark.slow
def test_a_saved_float64_model_predicts_in_float64_after_plain_load_model(tmp_path):
    from frameworks import keras_fit

    result, model = keras_fit.train_model(30, "sequential", MAZUR, "float64")
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


@pytest.mark.slow
def test_a_diverged_keras_run_keeps_no_log(tmp_path):
    done = run_script(
        "ann_keras.py",
        "50",
        "--lr",
        "3e38",
        "--optimizer",
        "rmsprop",
        "--logdir",
        str(tmp_path / "logs"),
    )
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
        "interrupted: stopped before the end, nothing was written"
    )
