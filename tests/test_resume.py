"""A saved run, loaded and resumed: halfway saved and resumed is one straight run to the
last bit; a file that is not a saved run of this network is one line naming it; an
option that contradicts the saved run is refused before TensorFlow is imported."""

import contextlib
import io
import json
import os
import zipfile
from dataclasses import replace

import numpy as np
import pytest
from conftest import NUMBER, one_line, run_script, shown_block, without_package

import ann_keras
from frameworks.saved_run import ModelFileError, SavedRun
from numpy_ref import MAZUR, UPDATE_ORDERS
from numpy_ref.data import XOR_DATA
from numpy_ref.optimizers import Optimizer
from numpy_ref.schedules import SCHEDULES, Schedule
from numpy_ref.training import Training

#: XOR in batches of 3 (then 1), biases trained: the data, its position and every
#: variable a resumed run must pick up where the saved run left them.
XOR_IN_BATCHES = replace(MAZUR, data=XOR_DATA, train_biases=True, batch_size=3)
#: A first run of 25 updates ends mid-pass, so the resumed run starts on the 1-sample batch.
FIRST, MORE = 25, 26


def main(arguments, folder=None):
    """ann_keras.main in this process, in ``folder``: (exit status, stdout).  --verbose:
    without it the script points descriptor 2 at /dev/null for the rest of the process."""
    printed = io.StringIO()
    with contextlib.chdir(folder or os.getcwd()), contextlib.redirect_stdout(printed):
        status = ann_keras.main([*arguments, "--verbose"])
    return status, printed.getvalue()


def main_json(arguments, folder=None):
    status, printed = main([*arguments, "--json"], folder)
    assert status == 0
    return json.loads(printed)


# Resumed = one straight run ------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("update", UPDATE_ORDERS)
@pytest.mark.parametrize("schedule", list(SCHEDULES))
@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_a_run_saved_halfway_and_resumed_is_one_straight_run_to_the_last_bit(
    optimizer, schedule, update, tmp_path
):
    from frameworks import keras_fit, keras_saving

    decay_steps = None if schedule == "constant" else FIRST + MORE  # the whole run's S
    training = Training(
        optimizer=Optimizer.named(optimizer), schedule=Schedule.named(schedule, decay_steps)
    )
    example, dtype = XOR_IN_BATCHES, "float64"
    straight, _ = keras_fit.train_model(FIRST + MORE, update, example, dtype, training=training)
    _, halfway = keras_fit.train_model(FIRST, update, example, dtype, training=training)
    path = str(tmp_path / "run.keras")
    keras_saving.save_model(halfway, path)
    loaded = keras_saving.load_model(path)
    assert loaded.saved_run == SavedRun(update, example, dtype, training.for_iterations(FIRST))
    resumed, _ = keras_fit.train_model(
        MORE, update, example, dtype, model=loaded, training=training
    )
    assert resumed.resumed_after == FIRST
    for name in ("losses", "outputs", "hidden", "hidden_weights", "output_weights"):
        np.testing.assert_array_equal(getattr(resumed, name), getattr(straight, name)[FIRST:])
    for name in ("final_hidden_weights", "final_output_weights", "predictions"):
        np.testing.assert_array_equal(getattr(resumed, name), getattr(straight, name))
    for mine, theirs in zip(resumed.final_biases, straight.final_biases, strict=True):
        np.testing.assert_array_equal(mine, theirs)
    assert resumed.final_loss == straight.final_loss


#: A run that is neither the tutorial's optimizer, schedule, data nor float type.
SETTINGS = [
    *("--optimizer momentum --momentum 0.8 --lr-schedule exponential --decay-steps 60").split(),
    *("--decay-rate 0.5 --lr 0.3 --dtype float64 --data xor --train-biases --batch-size 3").split(),
]


@pytest.mark.slow
def test_the_command_line_resumes_with_the_saved_settings_saves_and_resumes_again(tmp_path):
    path = str(tmp_path / "run.keras")
    straight = main_json(["60", *SETTINGS])
    first = main_json(["21", *SETTINGS, "--save", path])
    # no option but --load: every setting (S = 60 too, not this command's 20) from the file
    second = main_json(["20", "--load", path, "--save", path])
    # options that agree with the saved run are taken
    third = main_json(["19", "--load", path, "--optimizer", "momentum", "--data", "xor"])
    assert [d["resumed_after"] for d in (straight, first, second, third)] == [0, 0, 21, 41]
    assert [d["loaded_from"] for d in (first, second, third)] == [None, path, path]
    assert (third["iterations"], third["updates"]) == (19, 19)
    for key in ("final_loss", "last_iteration_loss", "weights", "predictions"):
        assert third[key] == straight[key], key
    for key in ("optimizer", "lr_schedule", "learning_rate", "data", "batch_size", "dtype"):
        assert third[key] == straight[key], key


@pytest.mark.slow
def test_a_resumed_run_stops_at_the_iteration_of_the_straight_run(tmp_path):
    """--until-loss is the command's own: given to the resumed run, it stops where the one
    straight run stops, and the text report numbers that iteration in the whole run."""
    from frameworks import keras_fit

    common = ["--dtype", "float64"]

    history = keras_fit.train(60, "sequential", MAZUR, "float64").losses
    limit = repr(float((history[44] + history[45]) / 2))  # iteration 46 is the first below
    straight = main_json(["60", *common, "--until-loss", limit])
    assert straight["stopped_at"] == 46
    path = str(tmp_path / "run.keras")
    main_json(["20", *common, "--save", path])
    resumed = main_json(["40", "--load", path, "--until-loss", limit])
    assert (resumed["resumed_after"], resumed["stopped_at"], resumed["updates"]) == (20, 26, 25)
    assert resumed["final_loss"] == straight["final_loss"]
    assert resumed["weights"] == straight["weights"]
    status, text = main(["40", "--load", path, "--until-loss", limit])
    assert status == 0
    assert "at iteration 46, loss below" in text
    assert "loss after 45 updates" in text


@pytest.mark.slow
def test_a_resumed_run_logs_its_iterations_under_their_numbers_in_the_whole_run(tmp_path):
    import tensorflow as tf

    path = str(tmp_path / "run.keras")
    main_json(["5", "--save", path])
    document = main_json(["5", "--load", path, "--logdir", str(tmp_path / "logs")])
    (events,) = os.listdir(document["logged_to"])
    found = tf.compat.v1.train.summary_iterator(os.path.join(document["logged_to"], events))
    steps = sorted({event.step for event in found if event.summary.value})
    assert steps == [6, 7, 8, 9, 10, 11]  # iterations 6..10, and the state after them


# The page's example ----------------------------------------------------------------------

DOCS_COMMANDS = (
    "python ann_keras.py 500 --optimizer momentum --lr-schedule cosine --decay-steps 1000"
    " --save run.keras",
    "python ann_keras.py 500 --load run.keras --save run.keras",
    "python ann_keras.py 1000 --optimizer momentum --lr-schedule cosine",
)


def chunks(excerpt):
    """The excerpt's runs of consecutive lines, split where it leaves lines out ('...')."""
    runs = [[]]
    for line in excerpt.splitlines():
        if line.strip() == "...":
            runs.append([])
        else:
            runs[-1].append(line)
    return [run for run in runs if run]


def results(printed):
    """The Results section and the final weights, but the error reduction (which compares
    with the run's own first iteration)."""
    tail = printed.split("\nResults\n", 1)[1].split("\nResumed", 1)[0]
    return [line for line in tail.splitlines() if "error reduction" not in line]


@pytest.mark.slow
def test_the_pages_example_is_what_the_commands_print(tmp_path):
    printed = []
    for command in DOCS_COMMANDS:
        status, text = main(command.split()[2:], tmp_path)
        assert status == 0
        printed.append(text)
    shown = shown_block(f"excerpt of: {DOCS_COMMANDS[1]}")
    lines = printed[1].splitlines()
    start = 0
    for run in chunks(shown):
        pattern = [NUMBER.sub("#", line) for line in run]
        start = next(
            k
            for k in range(start, len(lines))
            if [NUMBER.sub("#", line) for line in lines[k : k + len(run)]] == pattern
        )
        for now, then in zip(lines[start : start + len(run)], run, strict=True):
            for a, b in zip(NUMBER.findall(now), NUMBER.findall(then), strict=True):
                assert float(a) == pytest.approx(float(b), abs=1e-8), (now, then)
        start += len(run)
    # the one straight run prints the same results, every digit
    assert results(printed[1]) == results(printed[2])


# Files that are not a saved run ---------------------------------------------------------


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """{what: path} of a saved run, a model of another architecture, and broken files."""
    import keras

    from frameworks import keras_fit, keras_saving

    folder = tmp_path_factory.mktemp("files")
    saved = str(folder / "saved.keras")
    keras_saving.save_model(keras_fit.train_model(3, "sequential", MAZUR, "float32")[1], saved)
    other = keras.Sequential(
        [keras.Input((3,)), keras.layers.Dense(4), keras.layers.Dense(1)], name="regressor"
    )
    other.save(str(folder / "other.keras"))
    whole = open(saved, "rb").read()
    (folder / "empty.keras").write_bytes(b"")
    (folder / "garbage.keras").write_bytes(b"this is not a model\n" * 10)
    (folder / "truncated.keras").write_bytes(whole[: len(whole) // 2])
    with zipfile.ZipFile(folder / "no-config.keras", "w") as archive:
        archive.writestr("metadata.json", "{}")
    with (
        zipfile.ZipFile(folder / "bad-weights.keras", "w") as archive,
        zipfile.ZipFile(saved) as good,
    ):
        archive.writestr("config.json", good.read("config.json"))
        archive.writestr("model.weights.h5", b"not HDF5")
    names = ("empty", "garbage", "truncated", "no-config", "bad-weights", "other")
    return {"saved": saved, **{name: str(folder / f"{name}.keras") for name in names}}


@pytest.mark.parametrize(
    "name, words",
    [
        ("empty", "is not a .keras model: the file is empty"),
        ("garbage", "is not a .keras model: not a zip archive, or a truncated or damaged one"),
        ("truncated", "is not a .keras model: not a zip archive, or a truncated or damaged one"),
        ("no-config", "is not a .keras model: a zip archive without config.json"),
        ("bad-weights", ": its weights cannot be loaded"),
        (
            "other",
            "holds a Sequential model named 'regressor' (3 layers: InputLayer, Dense,"
            " Dense), not the 2-2-2 network that ann_keras.py saves",
        ),
    ],
)
def test_load_model_refuses_a_file_that_is_not_a_saved_run_in_one_line(files, name, words):
    with pytest.raises(ModelFileError) as caught:
        ann_keras.load_model(files[name])
    message = str(caught.value)
    assert isinstance(caught.value, ValueError)
    assert message.startswith(files[name]) and words in message, message
    assert "\n" not in message and len(message) < 300


def test_load_model_gives_the_model_with_its_optimizer_state(files):
    model = ann_keras.load_model(files["saved"])
    assert (type(model).__name__, model.update) == ("MazurModel", "sequential")
    assert int(model.optimizer.iterations.numpy()) == 3


def test_a_file_whose_weights_cannot_be_read_is_refused_in_one_line(files, capsys):
    with pytest.raises(SystemExit) as stopped:
        ann_keras.main(["5", "--load", files["bad-weights"], "--verbose"])
    assert stopped.value.code == 2
    line = one_line(capsys.readouterr().err)
    assert line.startswith(f"ann_keras.py: error: argument --load: {files['bad-weights']}: ")


# Command lines refused before TensorFlow ------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    "args, words",
    [
        (["--optimizer", "adam"], "--optimizer: the run saved in {saved} has --optimizer sgd,"),
        (["--update", "parallel"], "has --update sequential, not parallel;"),
        (["--dtype", "float64"], "has --dtype float32, not float64;"),
        (["--lr", "0.1"], "has --lr 0.5, not 0.1;"),
        (["--lr-schedule", "cosine"], "has --lr-schedule constant, not cosine;"),
        (["--momentum", "0.5"], "has --optimizer sgd, which takes no --momentum;"),
        (["--train-biases"], "keeps its biases constant"),
        (["--data", "xor"], "trained on mazur (1 sample), not xor (4 samples);"),
        (["--explain"], "argument --load: not allowed with argument --explain"),
        (["--load", "{other}"], "holds a Sequential model named 'regressor'"),
        (["--load", "{garbage}"], "{garbage} is not a .keras model: not a zip archive"),
        (["--load", "{missing}"], "cannot read {missing}: No such file or directory"),
        (["--load", "model.h5"], "the file name must end in .keras: 'model.h5'"),
    ],
)
def test_a_load_that_cannot_work_is_refused_before_tensorflow(files, tmp_path, args, words):
    names = {**files, "missing": str(tmp_path / "missing.keras")}
    args = [a.format(**names) for a in args]
    load = [] if "--load" in args else ["--load", files["saved"]]
    # without TensorFlow: a refusal that imported it would end in "not installed", exit 1
    done = run_script(
        "ann_keras.py", *load, *args, env=without_package(tmp_path, "tensorflow"), timeout=60
    )
    assert done.returncode == 2, done.stderr
    line = one_line(done.stderr)
    assert line.startswith("ann_keras.py: error: argument --")
    assert words.format(**names) in line
