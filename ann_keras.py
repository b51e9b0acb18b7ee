"""Mazur's 2-2-2 network as a real Keras model, trained by model.fit().

The model is a functional keras.Model: Dense kernels (no bias), a small Bias
layer for each layer's biases (the tutorial's fixed b1 and b2, or trained with
--train-biases), and sigmoid activations.
Training always goes through fit(), so History, callbacks and predict() work
as they do for any Keras model.  The model, its layers and its train_step are
frameworks/keras_model.py's MazurModel.

Sequential updates (the default) are written by hand in train_step, the hook
Keras provides for custom training logic: the output layer is updated first,
and only then is the hidden layer's delta computed, through the NEW output
weights.  The tests tell this apart from parallel updates to the last digit.

Parallel updates (--update parallel) are stock Keras: the model compiled with
keras.optimizers.SGD (or the optimizer --optimizer names) and the
mean-squared-error loss, and Keras's own train_step computes and applies both
gradients.  (For two outputs, MSE equals
the tutorial's E = sum 1/2 (target - out)^2, so the gradients are the same.)

In both orders train_step first records the forward pass (loss, outputs,
hidden activations, weights) as one row of a per-iteration buffer, so the
results hold the whole training history.  fit() runs 1000 steps per graph
call, in plain graph mode (not XLA).

--export DIR writes the trained model as a SavedModel for serving, and
--tflite PATH.tflite as a TFLite flat buffer (--quantize none|float16|int8);
each is loaded back and its predictions printed beside the Keras model's.

    python ann_keras.py 1000
    python ann_keras.py 1000 --update parallel --save trained.keras
    python ann_keras.py 1000 --export mazur_model --tflite mazur.tflite --quantize int8
"""

import console  # noqa: F401  first: Ctrl-C during the imports below ends quietly

# isort: split


import argparse
import os
import sys

from console.argument_types import can_write_in
from console.arguments import add_logdir_argument
from console.explain import run_settings
from console.explain_sections import value_sections, values_from_arrays
from console.export import (
    QUANTIZATIONS,
    replaceable_folder,
    saved_model_comparison,
    tflite_comparison,
)
from console.trainer_script import Output, Run, TrainerScript
from implementations import FRAMEWORKS
from support.files import atomic_folder, atomic_output


def _check_writable_folder(folder):
    """An argparse error unless ``folder`` exists and a file can be written in it."""
    if not os.path.isdir(folder):
        raise argparse.ArgumentTypeError(f"folder does not exist: {folder}")
    problem = can_write_in(folder)
    if problem:
        raise argparse.ArgumentTypeError(f"folder cannot be written: {folder} ({problem})")


def _file_path(extension):
    """An argparse type: a path ending in ``extension``, not a folder, in a folder
    that exists and can be written."""

    def check(text):
        if not text.endswith(extension):
            raise argparse.ArgumentTypeError(f"the file name must end in {extension}: {text!r}")
        _check_writable_folder(os.path.dirname(os.path.abspath(text)))
        if os.path.isdir(text):
            raise argparse.ArgumentTypeError(f"is a folder: {text}")
        return text

    return check


#: --save: a .keras file; --tflite: a .tflite file.
save_path, tflite_path = _file_path(".keras"), _file_path(".tflite")


def export_folder(text):
    """--export: a folder to write, in a folder that exists and can be written.

    A folder already there is replaced only if it is empty or a SavedModel
    (one that --export wrote before, say), never a folder of other files.
    A link to one is replaced by the new folder; what it points to stays.
    """
    if not text.strip():
        raise argparse.ArgumentTypeError(f"the folder must be named, not {text!r}")
    text = text.rstrip(os.sep) or os.sep  # "model/" is the folder, or the link, "model"
    if os.path.ismount(text) or os.path.realpath(text) == os.path.realpath(os.curdir):
        raise argparse.ArgumentTypeError(
            f"{text} is the current folder or a mount point, which cannot be replaced;"
            " name a folder inside it"
        )
    _check_writable_folder(os.path.dirname(os.path.abspath(text)))
    if os.path.lexists(text) and not os.path.isdir(text):
        raise argparse.ArgumentTypeError(f"is there and is not a folder: {text}")
    try:
        replaceable = not os.path.isdir(text) or replaceable_folder(text)
    except OSError as error:
        raise argparse.ArgumentTypeError(f"cannot look inside {text}: {error.strerror}") from None
    if not replaceable:
        raise argparse.ArgumentTypeError(
            f"{text} holds files and is not a SavedModel; name a new folder"
            " (a SavedModel folder is replaced)"
        )
    return text


def add_options(parser):
    parser.add_argument(
        "--save",
        type=save_path,
        metavar="PATH.keras",
        help="save the trained model; ann_keras.load_model(PATH) loads it back",
    )
    parser.add_argument(
        "--export",
        type=export_folder,
        metavar="DIR",
        help="write the trained model as a SavedModel for serving (model.export) into"
        " DIR, replacing a SavedModel there; it is loaded back with"
        " tf.saved_model.load and its predictions printed beside the Keras model's",
    )
    parser.add_argument(
        "--tflite",
        type=tflite_path,
        metavar="PATH.tflite",
        help="write the trained model as a TFLite flat buffer (float32 models only),"
        " loaded back with the TFLite interpreter and compared the same way",
    )
    parser.add_argument(
        "--quantize",
        choices=QUANTIZATIONS,
        default="none",
        help="the --tflite model's post-training quantisation: none, float16 weights,"
        " or int8 throughout with the training samples as the representative data"
        " set (default: none)",
    )
    parser.not_with("explain", "save", "export", "tflite", "quantize")
    parser.only_with("tflite", "quantize")
    add_logdir_argument(parser)


def _inside(path, folder):
    """Whether ``path`` is ``folder`` or lies inside it (links followed)."""
    path, folder = os.path.realpath(path), os.path.realpath(folder)
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def check_options(parser, settings):
    """A parser error for ann_keras.py's options that cannot all hold together."""
    files = settings.files
    if files.tflite and settings.run.dtype == "float64":
        parser.refuse(
            "tflite",
            "not allowed with argument --dtype float64: TFLite's"
            " kernels compute in float32 or integers, never float64; train in"
            " float32 for a TFLite model",
        )
    for dest, path in (("save", files.save), ("tflite", files.tflite), ("logdir", files.logdir)):
        if files.export and path and _inside(path, files.export):
            where = "the" if _inside(files.export, path) else "inside the"
            parser.refuse(
                dest,
                f"{path} is {where} --export folder, which --export"
                " replaces whole; choose another place",
            )


def load_model(path):
    """Load a model saved by --save (keras.saving.load_model, classes registered)."""
    from frameworks.keras_saving import load_model as load

    return load(path)


def explain(update, example, dtype, optimizer):
    """The first iteration as the Keras model computes it: (title, sections)."""
    from frameworks.keras_fit import first_iteration

    arrays = first_iteration(update, example, dtype, optimizer)
    settings = run_settings(update, optimizer, example, dtype)
    title = (
        f"First iteration, Keras fit() ({settings})"
        "\nGradients read off one fit() step: dE/dw = (w - w+) / lr"
    )
    if optimizer.name != "sgd":
        title += (
            f" (with SGD); w+, and dE/dw1..4 (new) of the sequential order,"
            f" from one fit() step with {optimizer.name}"
        )
    return title, value_sections(values_from_arrays(*arrays), update, optimizer, example, dtype)


def _fitted(run, progress_bar, callbacks=()):
    """keras_fit.train_model with ``run``'s settings: (TrainingResult, model)."""
    from frameworks import keras_fit

    return keras_fit.train_model(
        run.iterations,
        run.update,
        run.example,
        run.dtype,
        progress_bar=progress_bar,
        callbacks=callbacks,
        training=run.training,
        replicas=run.replicas,
    )


def _train_with_log(run, logdir, progress_bar):
    """Train with the TensorBoard callback: the log grows during fit(); a run that
    does not finish removes it.  Returns (result, model, the log's Output)."""
    from frameworks import keras_fit
    from frameworks.tensorboard import ScalarLog

    scalars = ScalarLog(logdir, "keras", run.update, run.iterations)
    callback = keras_fit.TensorBoardScalars(scalars)
    with scalars.whole_or_nothing():
        result, model = _fitted(run, progress_bar, [callback])

    def finish_log():
        with scalars.whole_or_nothing():
            callback.finish(result)
        return scalars.finished(logdir)

    return result, model, Output("logged_to", logdir, finish_log, discard=scalars.remove)


def train(settings):
    from frameworks import keras_fit
    from frameworks.keras_saving import save_model

    run, files = settings.run, settings.files
    bar = FRAMEWORKS["keras"].draws_keras_bar(run.iterations, not settings.json)
    if files.logdir:
        result, model, log = _train_with_log(run, files.logdir, bar)
    else:
        result, model = _fitted(run, bar)
        log = Output("logged_to", None)

    def save():
        save_model(model, files.save)
        return files.save, f"Saved the trained model to {files.save}", {}

    saved = Output("saved_to", files.save, save)
    header = "" if settings.json else keras_fit.summary_text(model)
    return Run(
        result,
        header=header,
        outputs=[saved, *export_outputs(settings, model, result.predictions), log],
    )


def export_outputs(settings, model, keras_predictions):
    """The SavedModel's and the TFLite model's Output: each written, loaded back from
    where it was written, and its predictions set beside ``keras_predictions``.

    Each Output's key is the JSON's field: null when the artefact was not asked
    for or not written; once written, its record (path, predictions, largest
    difference) takes the place of the bare path.
    """
    files = settings.files
    inputs = settings.run.example.arrays(settings.run.dtype)[0]

    def write_saved_model():
        from frameworks.export import export_saved_model, saved_model_predictions

        with atomic_folder(files.export, replaceable_folder) as temporary:
            export_saved_model(model, temporary)
        comparison = saved_model_comparison(
            files.export, saved_model_predictions(files.export, inputs), keras_predictions
        )
        return files.export, comparison.text(), {"saved_model": comparison.record()}

    def write_tflite():
        from frameworks.export import tflite_flat_buffer, tflite_predictions

        flat_buffer = tflite_flat_buffer(model, files.quantize, inputs)
        with atomic_output(files.tflite) as temporary:
            with open(temporary, "wb") as stream:
                stream.write(flat_buffer)
        comparison = tflite_comparison(
            files.tflite,
            files.quantize,
            tflite_predictions(files.tflite, inputs),
            keras_predictions,
        )
        return files.tflite, comparison.text(), {"tflite": comparison.record()}

    return [
        Output("saved_model", files.export, write_saved_model),
        Output("tflite", files.tflite, write_tflite),
    ]


SCRIPT = TrainerScript(
    prog="ann_keras.py",
    description=__doc__,
    default_update="sequential",
    update_help="sequential: hand-written train_step, output layer first;"
    " parallel: stock Keras fit()",
    default_dtype="float32",
    title="Mazur's 2-2-2 network, Keras (keras.Model trained by fit)",
    update_notes={
        "sequential": "hand-written train_step: output layer first, then w1..w4",
        "parallel": "stock Keras train_step: the optimizer on MSE, both layers at once",
    },
    explain=explain,
    train=train,
    add_options=add_options,
    replicas=True,
    check_options=check_options,
    not_with_replicas={
        "until_loss": "the step that stops would call the optimizer's"
        " all-reduce inside a tf.cond, which tf.distribute"
        " refuses; ann_tensorflow.py takes both"
    },
)

main = SCRIPT.main


if __name__ == "__main__":
    sys.exit(main())
