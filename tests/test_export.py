"""--export and --tflite: each artefact written whole, loaded back, and as close to Keras
as the README says; every command line that cannot work refused before training."""

import contextlib
import io
import json
import os
from pathlib import Path

import numpy as np
import pytest
from conftest import NUMBER, PROSE, page, run_script, shown_block, without_package

import ann_keras
from console.export import QUANTIZATIONS, largest_difference, replaceable_folder
from support.files import atomic_folder

README_COMMANDS = (
    "python ann_keras.py 1000 --export mazur_model --tflite mazur.tflite",
    "python ann_keras.py 1000 --tflite mazur_int8.tflite --quantize int8",
)

#: The data of the tests of each artefact, as the command line gives them.
DATA = {"mazur": [], "xor": ["--data", "xor", "--train-biases"]}


def run_main(arguments, folder=None):
    """ann_keras.main in this process, in ``folder``: (exit status, stdout).

    --verbose: without it the script would point descriptor 2 at /dev/null for
    the rest of this process, out of reach of pytest's capture.
    """
    printed = io.StringIO()
    with contextlib.chdir(folder or os.getcwd()), contextlib.redirect_stdout(printed):
        status = ann_keras.main([*arguments, "--verbose"])
    return status, printed.getvalue()


@pytest.fixture(scope="module")
def trained():
    """One float32 model per data set after 1000 iterations: {data: (model, inputs, Keras's
    predictions)}, and their float64 twin on Mazur's sample under "mazur float64"."""
    from frameworks import keras_fit

    models = {}
    for name, dtype in (("mazur", "float32"), ("xor", "float32"), ("mazur", "float64")):
        example = ann_keras.SCRIPT.parse(["1000", *DATA[name], "--dtype", dtype]).run.example
        result, model = keras_fit.train_model(1000, "sequential", example, dtype)
        key = name if dtype == "float32" else f"{name} {dtype}"
        models[key] = model, example.arrays(dtype)[0], result.predictions
    return models


def saved_model_difference(trained, key, folder):
    from frameworks.export import export_saved_model, saved_model_predictions

    model, inputs, keras_predictions = trained[key]
    path = str(folder / "model")
    with atomic_folder(path, replaceable_folder) as temporary:
        export_saved_model(model, temporary)
    return largest_difference(saved_model_predictions(path, inputs), keras_predictions)


def tflite_read(trained, key, quantize, folder):
    """The TFLite model of ``trained[key]``, written and read back: TFLitePredictions."""
    from frameworks.export import tflite_flat_buffer, tflite_predictions

    model, inputs, _ = trained[key]
    path = folder / "model.tflite"
    path.write_bytes(tflite_flat_buffer(model, quantize, inputs))
    return tflite_predictions(str(path), inputs)


# What each artefact predicts ----------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("data", list(DATA))
def test_the_saved_model_predicts_what_keras_does_in_float32(trained, data, tmp_path):
    # The same graph, the same kernels: measured 0 on Mazur's sample and 6.0e-8
    # (one unit in the last place of an output near 0.5) on XOR.
    assert saved_model_difference(trained, data, tmp_path) <= 1e-7


@pytest.mark.slow
def test_the_saved_model_predicts_exactly_what_keras_does_in_float64(trained, tmp_path):
    # float64 in, float64 out: the SavedModel's serve computes what Keras does, exactly.
    assert saved_model_difference(trained, "mazur float64", tmp_path) == 0


#: The largest |TFLite - Keras| each quantisation may give, and why:
BOUNDS = {
    # TFLite's own float32 kernels: measured 7.5e-9 (Mazur) and 6.0e-8 (XOR), a
    # unit or so in float32's last place.
    "none": 1e-6,
    # float16 keeps 11 significant bits: each weight moves by up to 2^-12 of itself.
    # An output's net input w5 h1 + w6 h2 + b then moves by at most
    # 2^-12 (|w5| + |w6| + |b|) < 2^-12 * 7 here (|w| up to about 3.1, h < 1), and the
    # output by at most a quarter of that (the sigmoid's slope is at most 1/4):
    # 4.3e-4.  Measured: 3.8e-5 (Mazur), 7.6e-6 (XOR).
    "float16": 5e-4,
    # int8's sigmoid output comes in steps of its scale, 1/256: rounding to a step
    # costs up to 1/512, and the hidden layer's own steps and the int8 weights a
    # little more.  One full step, 1/256 = 3.9e-3, leaves room for that.
    # Measured: 1.08e-3 (Mazur), 1.60e-3 (XOR).
    "int8": 1 / 256,
}


@pytest.mark.slow
@pytest.mark.parametrize("quantize", QUANTIZATIONS)
@pytest.mark.parametrize("data", list(DATA))
def test_each_tflite_model_stays_within_its_bound(trained, data, quantize, tmp_path):
    read = tflite_read(trained, data, quantize, tmp_path)
    keras_predictions = trained[data][2]
    assert read.predictions.shape == keras_predictions.shape
    assert largest_difference(read.predictions, keras_predictions) <= BOUNDS[quantize]
    assert (read.inputs is None) == (read.outputs is None) == (quantize != "int8")


def test_int8_rounds_mazurs_outputs_to_the_nearest_step_of_its_fixed_output_scale(
    trained, tmp_path
):
    read = tflite_read(trained, "mazur", "int8", tmp_path)
    keras_predictions = trained["mazur"][2]
    # TFLite's int8 sigmoid: r = (q + 128) / 256, whatever the data
    assert (read.outputs.scale, read.outputs.zero_point) == (1 / 256, -128)
    # the input's range [0, 0.1] (0 always in it) over 255 steps
    assert read.inputs.scale == pytest.approx(0.1 / 255, rel=1e-6)
    assert read.inputs.zero_point == -128
    steps = np.round(keras_predictions * 256)
    assert steps.tolist() == [[11, 245]]  # the README's 11/256 and 245/256
    assert np.array_equal(read.predictions, steps / 256)
    assert "11/256 = 0.04296875 and 245/256 = 0.95703125" in PROSE
    arrives = read.inputs.dequantize(read.inputs.quantize(0.05))
    assert f"i1 = 0.05 arrives as {arrives:.4f}" in PROSE
    assert f"0.1/255 = {0.1 / 255:.6g}" in PROSE and "1/256 = 0.00390625" in PROSE


def test_readme_states_the_bounds_the_tests_use():
    assert "the tests allow 1e-7 in float32; in float64 it is exact" in PROSE
    assert "in float32 with TFLite's kernels, within 1e-6" in PROSE
    assert BOUNDS["none"] == 1e-6
    assert "the tests allow one full step" in PROSE and BOUNDS["int8"] == 1 / 256


# The script: JSON, the text report, the README ---------------------------------


@pytest.fixture(scope="module")
def xor_document(tmp_path_factory):
    """XOR after 10 iterations, exported and converted to int8: the JSON and the folder."""
    folder = tmp_path_factory.mktemp("xor")
    status, printed = run_main(
        [
            "10",
            *DATA["xor"],
            "--json",
            "--export",
            "xor_model",
            "--tflite",
            "xor.tflite",
            "--quantize",
            "int8",
        ],
        folder,
    )
    assert status == 0
    return json.loads(printed), folder


@pytest.mark.slow
def test_the_json_holds_each_artefacts_predictions_and_difference(xor_document):
    document, folder = xor_document
    assert sorted(os.listdir(folder)) == ["xor.tflite", "xor_model"]
    saved, tflite = document["saved_model"], document["tflite"]
    assert saved["path"] == "xor_model" and tflite["path"] == "xor.tflite"
    assert tflite["quantize"] == "int8"
    for record in (saved, tflite):
        assert len(record["predictions"]) == 4
        assert record["largest_difference"] == largest_difference(
            record["predictions"], document["predictions"]
        )
    assert saved["largest_difference"] <= 1e-7
    assert 0 < tflite["largest_difference"] <= BOUNDS["int8"]
    assert tflite["output_quantization"] == {"scale": 1 / 256, "zero_point": -128}
    assert tflite["input_quantization"]["scale"] == pytest.approx(1 / 255, rel=1e-6)
    assert document["saved_to"] is None  # --save not asked for


@pytest.mark.slow
def test_the_json_fields_are_null_when_not_asked_for(tmp_path):
    status, printed = run_main(["2", "--json", "--tflite", "m.tflite"], tmp_path)
    document = json.loads(printed)
    assert status == 0 and document["saved_model"] is None
    assert (
        document["tflite"]["input_quantization"],
        document["tflite"]["output_quantization"],
    ) == (None, None)


def assert_printed_as_shown(shown, now):
    """The same text and the same numbers, but float32's last digits, which may move
    on another CPU (and a difference of 7e-9 with them)."""
    assert NUMBER.sub("#", shown) == NUMBER.sub("#", now), (shown, now)
    for a, b in zip(NUMBER.findall(shown), NUMBER.findall(now), strict=True):
        assert float(a) == pytest.approx(float(b), abs=1e-6), (shown, now)


@pytest.fixture(scope="module")
def readme_runs(tmp_path_factory):
    """The README's two commands, run in one folder: {command: what it printed}, the folder."""
    folder = tmp_path_factory.mktemp("readme")
    printed = {}
    for command in README_COMMANDS:
        status, printed[command] = run_main(command.split()[2:], folder)
        assert status == 0
    return printed, folder


@pytest.mark.slow
@pytest.mark.parametrize("command", README_COMMANDS)
def test_readme_excerpts_are_what_the_script_prints(readme_runs, command):
    printed = readme_runs[0][command].splitlines()
    excerpt = shown_block(f"excerpt of: {command}").splitlines()
    start = next(
        k for k, line in enumerate(printed) if NUMBER.sub("#", line) == NUMBER.sub("#", excerpt[0])
    )
    for shown, now in zip(excerpt, printed[start : start + len(excerpt)], strict=True):
        assert_printed_as_shown(shown, now)


@pytest.mark.slow
def test_readme_snippet_loads_the_saved_model_with_plain_tensorflow(readme_runs, monkeypatch):
    section = page("exporting.md")
    snippet = section.split("```python\n", 1)[1].split("```", 1)[0]
    shown = snippet.split("# ")[-1]  # what the snippet's comment says it prints
    monkeypatch.chdir(readme_runs[1])
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(snippet, {})
    assert_printed_as_shown(shown.strip(), printed.getvalue().strip())


# Failures after training ----------------------------------------------------------


def half_written(model, folder, stop=OSError(28, "No space left on device")):
    """A stand-in for export_saved_model that writes half a SavedModel, then fails."""
    (Path(folder) / "saved_model.pb").write_bytes(b"half")
    raise stop


@pytest.mark.slow
def test_a_saved_model_that_fails_keeps_the_results_and_the_old_folder(
    tmp_path, capsys, monkeypatch
):
    from frameworks import export

    assert run_main(["2", "--export", "model"], tmp_path)[0] == 0
    before = (tmp_path / "model" / "saved_model.pb").read_bytes()
    monkeypatch.setattr(export, "export_saved_model", half_written)
    status, printed = run_main(
        ["3", "--json", "--export", "model", "--tflite", "m.tflite"], tmp_path
    )
    assert status == 1
    document = json.loads(printed)
    assert document["iterations"] == 3 and document["saved_model"] is None
    assert document["tflite"]["path"] == "m.tflite"  # the other artefact is still written
    assert capsys.readouterr().err == ("error: cannot write model: No space left on device\n")
    assert sorted(os.listdir(tmp_path)) == ["m.tflite", "model"]  # nothing half-written
    assert (tmp_path / "model" / "saved_model.pb").read_bytes() == before


def test_a_tflite_file_that_fails_keeps_the_results(tmp_path, capsys, monkeypatch):
    from frameworks import export

    def full_disk(model, quantize, inputs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export, "tflite_flat_buffer", full_disk)
    status, printed = run_main(["3", "--tflite", "m.tflite"], tmp_path)
    assert status == 1
    assert "loss after 3 updates" in printed and "TFLite" not in printed
    assert capsys.readouterr().err == "error: cannot write m.tflite: No space left on device\n"
    assert os.listdir(tmp_path) == []


@pytest.mark.slow
def test_a_tflite_file_that_cannot_be_put_in_place_names_the_path_given(
    tmp_path, capsys, monkeypatch
):
    from frameworks import export

    convert = export.tflite_flat_buffer

    def folder_appears(model, quantize, inputs):
        (tmp_path / "m.tflite").mkdir()  # after the command line was checked
        return convert(model, quantize, inputs)

    monkeypatch.setattr(export, "tflite_flat_buffer", folder_appears)
    status, printed = run_main(["3", "--tflite", "m.tflite"], tmp_path)
    assert status == 1
    assert "loss after 3 updates" in printed and "TFLite" not in printed
    # the path the command line gave, not the temporary file written beside it
    assert capsys.readouterr().err == "error: cannot write m.tflite: Is a directory\n"
    assert os.listdir(tmp_path) == ["m.tflite"]  # the folder, and no partial file


def test_ctrl_c_while_exporting_leaves_the_old_folder_and_nothing_else(
    tmp_path, capsys, monkeypatch
):
    from frameworks import export

    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "saved_model.pb").write_bytes(b"the old one")
    monkeypatch.setattr(
        export,
        "export_saved_model",
        lambda model, folder: half_written(model, folder, KeyboardInterrupt()),
    )
    assert run_main(["2", "--export", "model"], tmp_path)[0] == 130
    assert capsys.readouterr().err == "interrupted: stopped before the end, nothing was written\n"
    assert os.listdir(tmp_path) == ["model"]
    assert (tmp_path / "model" / "saved_model.pb").read_bytes() == b"the old one"


@pytest.mark.slow
def test_a_saved_model_folder_is_replaced_whole(tmp_path):
    for iterations in ("2", "3"):
        status, printed = run_main([iterations, "--json", "--export", "model"], tmp_path)
        assert status == 0
    assert json.loads(printed)["saved_model"]["largest_difference"] <= 1e-7
    assert os.listdir(tmp_path) == ["model"]
    assert sorted(os.listdir(tmp_path / "model")) == [
        "assets",
        "fingerprint.pb",
        "saved_model.pb",
        "variables",
    ]


def test_a_folder_of_other_files_that_appears_during_training_is_kept(tmp_path):
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="is there now, and may not be replaced"):
        with atomic_folder(str(tmp_path / "model"), replaceable_folder) as temporary:
            (Path(temporary) / "saved_model.pb").write_bytes(b"new")
    assert os.listdir(tmp_path) == ["model"]
    assert os.listdir(tmp_path / "model") == ["notes.txt"]


@pytest.mark.slow
def test_replicas_export_and_log_the_same_model(tmp_path):
    # Trained on two logical devices (set up before TensorFlow starts: a process
    # of its own), the model exports and converts like any other, and its run logs
    # (tests/test_samples.py has the other replica options).
    done = run_script(
        "ann_keras.py",
        "20",
        "--data",
        "xor",
        "--replicas",
        "2",
        "--json",
        "--export",
        str(tmp_path / "model"),
        "--tflite",
        str(tmp_path / "m.tflite"),
        "--logdir",
        str(tmp_path / "logs"),
    )
    assert done.returncode == 0 and done.stderr == ""
    document = json.loads(done.stdout)
    assert document["replicas"] == 2
    assert document["saved_model"]["largest_difference"] <= 1e-7
    assert document["tflite"]["largest_difference"] <= BOUNDS["none"]
    logged = document["logged_to"]
    assert logged.startswith(str(tmp_path / "logs" / "keras-"))
    assert any(name.startswith("events.out.tfevents") for name in os.listdir(logged))


# Command lines refused before training ---------------------------------------------


@pytest.mark.parametrize(
    "args, words",
    [
        (["--quantize", "int8"], "argument --quantize: only allowed with argument --tflite"),
        (
            ["--tflite", "{tmp}/m.tflite", "--quantize", "int4"],
            "argument --quantize: invalid choice",
        ),
        (
            ["--explain", "--export", "{tmp}/new"],
            "argument --export: not allowed with argument --explain",
        ),
        (
            ["--explain", "--tflite", "{tmp}/m.tflite"],
            "argument --tflite: not allowed with argument --explain",
        ),
        (
            ["--tflite", "m.keras"],
            "argument --tflite: the file name must end in .tflite: 'm.keras'",
        ),
        (
            ["--export", "{tmp}/file"],
            "argument --export: cannot write {tmp}/file: it is there and is not a folder",
        ),
        (["--export", "{tmp}/folder.tflite"], "holds files and is not a SavedModel"),
        (["--export", ""], "argument --export: the folder must be named"),
        (["--export", "."], "argument --export: . is the current folder or a mount point"),
        (["--export", "{tmp}/fake"], "holds files and is not a SavedModel"),
        (
            ["--dtype", "float64", "--tflite", "{tmp}/m.tflite"],
            "argument --tflite: not allowed with argument --dtype float64",
        ),
        (
            ["--export", "{tmp}/m.keras", "--save", "{tmp}/m.keras"],
            "argument --save: {tmp}/m.keras is the --export folder",
        ),
        (
            ["--export", "{tmp}/model", "--tflite", "{tmp}/model/m.tflite"],
            "argument --tflite: {tmp}/model/m.tflite is inside the --export folder",
        ),
        (
            ["--export", "{tmp}/model", "--logdir", "{tmp}/model/logs"],
            "argument --logdir: {tmp}/model/logs is inside the --export folder",
        ),
    ],
)
def test_a_command_line_that_cannot_work_is_refused_before_tensorflow(tmp_path, args, words):
    (tmp_path / "folder.tflite").mkdir()
    (tmp_path / "folder.tflite" / "notes.txt").write_text("not a model")
    (tmp_path / "file").write_text("")
    (tmp_path / "model").mkdir()
    (tmp_path / "fake").mkdir()  # a saved_model.pb, but other files beside it
    (tmp_path / "fake" / "saved_model.pb").write_text("")
    (tmp_path / "fake" / "thesis.tex").write_text("precious")
    # without TensorFlow: a refusal that imported it would end in "not installed", exit 1
    no_tensorflow = without_package(tmp_path, "tensorflow")
    before = sorted(os.listdir(tmp_path))
    args = [a.format(tmp=tmp_path) for a in args]
    done = run_script("ann_keras.py", *args, env=no_tensorflow, timeout=60)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert words.format(tmp=tmp_path) in done.stderr
    assert sorted(os.listdir(tmp_path)) == before  # nothing written
