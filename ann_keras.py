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

--load PATH.keras resumes a run that --save wrote: its weights, the
optimizer's state, the schedule's position and its settings, so that the
iterations it adds make what one longer run would have made.

--export DIR writes the trained model as a SavedModel for serving, and
--tflite PATH.tflite as a TFLite flat buffer (--quantize none|float16|int8);
each is loaded back and its predictions printed beside the Keras model's.

--backend jax|torch trains the same network, in the same two orders, on
another of Keras's backends (frameworks/keras_backends.py): Keras's own
train_step for parallel, and for sequential a train_step written as Keras's
guides write one for that backend (JAX's stateless one with jax.vjp,
PyTorch's with loss.backward() and optimizer.apply).  The default is the
KERAS_BACKEND environment variable, else tensorflow.

    python ann_keras.py 1000
    python ann_keras.py 1000 --update parallel --save trained.keras
    python ann_keras.py 1000 --load trained.keras --save trained.keras   # 1000 more
    python ann_keras.py 1000 --export mazur_model --tflite mazur.tflite --quantize int8
    python ann_keras.py 1000 --backend jax --dtype float64
"""

import console  # noqa: F401  first: Ctrl-C during the imports below ends quietly

# isort: split


import os
import sys

from console.argument_types import file_path, readable_file
from console.arguments import add_logdir_argument
from console.explain import run_settings
from console.explain_sections import value_sections, values_from_arrays
from console.export import (
    QUANTIZATIONS,
    export_folder,
    replaceable_folder,
    saved_model_comparison,
    tflite_comparison,
)
from console.trainer_script import Output, Run, TrainerScript
from frameworks import KERAS_BACKENDS, use_backend
from implementations import FRAMEWORKS
from support.files import atomic_folder, atomic_output
from support.packages import installed

#: The options only the TensorFlow backend's model takes, by dest.
TENSORFLOW_ONLY = ("load", "export", "tflite", "logdir", "explain")
#: The package each other backend needs.
BACKEND_PACKAGES = {"jax": "jax", "torch": "torch"}


def add_options(parser):
    parser.add_argument(
        "--save",
        type=file_path(".keras"),
        metavar="PATH.keras",
        help="save the trained model; ann_keras.load_model(PATH) loads it back",
    )
    parser.add_argument(
        "--load",
        type=readable_file(".keras"),
        metavar="PATH.keras",
        help="resume the run that --save wrote to PATH.keras: its weights, the"
        " optimizer's state, the schedule's position and every setting, so that N more"
        " iterations make what one longer run would have made; an option given must"
        " agree with the saved run's, one left out takes its value (docs/exporting.md)",
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
        type=file_path(".tflite"),
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
    parser.add_argument(
        "--backend",
        choices=KERAS_BACKENDS,
        default=os.environ.get("KERAS_BACKEND", "tensorflow"),
        help="Keras's backend: tensorflow, jax or torch; jax and torch train the same"
        " network by fit() in both orders (no --replicas, --load, --export, --tflite,"
        " --logdir, --explain or --until-loss there) (default: the KERAS_BACKEND"
        " environment variable, else tensorflow)",
    )
    parser.not_with("explain", "save", "load", "export", "tflite", "quantize")
    parser.only_with("tflite", "quantize")
    add_logdir_argument(parser)


def _inside(path, folder):
    """Whether ``path`` is ``folder`` or lies inside it (links followed)."""
    path, folder = os.path.realpath(path), os.path.realpath(folder)
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def check_options(parser, settings):
    """A parser error for ann_keras.py's options that cannot all hold together."""
    if settings.backend not in KERAS_BACKENDS:  # the default: KERAS_BACKEND's
        parser.error(
            f"KERAS_BACKEND is {settings.backend!r}:"
            f" choose --backend from {', '.join(KERAS_BACKENDS)}"
        )
    if settings.backend != "tensorflow":
        check_other_backend(parser, settings)
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


def check_other_backend(parser, settings):
    """What the JAX and PyTorch backends' model cannot do is one line, and so is a
    backend whose package is missing."""
    backend = settings.backend
    if not installed(BACKEND_PACKAGES[backend]):
        parser.error(
            f"Keras's {backend} backend needs the package {BACKEND_PACKAGES[backend]}:"
            " pip install -r requirements-frameworks.txt"
        )
    for dest in TENSORFLOW_ONLY:
        if dest in parser.given:
            parser.refuse(dest, f"needs --backend tensorflow, not {backend}")
    if settings.run.replicas > 1:
        parser.refuse("replicas", f"tf.distribute needs --backend tensorflow, not {backend}")
    if settings.run.training.until_loss is not None:
        parser.refuse("until_loss", f"needs --backend tensorflow, not {backend}")


def load_model(path):
    """The model that --save wrote to ``path``, with its optimizer's state, to predict or
    to train on (frameworks/keras_saving.py).  A file that is not such a model is a
    ValueError of one line (frameworks.saved_run.ModelFileError) that names the file
    and, for a model of another architecture, says what it holds."""
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


def _fitted(run, progress_bar, callbacks=(), model=None):
    """keras_fit.train_model with ``run``'s settings: (TrainingResult, model).
    ``model``: a loaded model, which goes on from where it stopped."""
    from frameworks import keras_fit

    return keras_fit.train_model(
        run.iterations,
        run.update,
        run.example,
        run.dtype,
        model=model,
        progress_bar=progress_bar,
        callbacks=callbacks,
        training=run.training,
        replicas=run.replicas,
    )


def _loaded(settings):
    """The model of --load, built to train under --replicas (None without --load); a
    file whose weights cannot be read is refused as the command line would be."""
    if not settings.load:
        return None
    from frameworks.distribute import mirrored
    from frameworks.keras_saving import load_model as load
    from frameworks.saved_run import ModelFileError

    try:
        return load(settings.load, strategy=mirrored(settings.run.replicas))
    except ModelFileError as error:
        SCRIPT.parser().refuse("load", str(error))


def _train_with_log(run, logdir, progress_bar, model=None):
    """Train with the TensorBoard callback: the log grows during fit(); a run that
    does not finish removes it.  Returns (result, model, the log's Output).  A
    resumed run (``model``) logs its iterations under their numbers in the whole run."""
    from frameworks import keras_fit
    from frameworks.tensorboard import ScalarLog

    before = keras_fit.updates_made(model) if model else 0
    scalars = ScalarLog(logdir, "keras", run.update, before + run.iterations)
    callback = keras_fit.TensorBoardScalars(scalars, resumed_after=before)
    with scalars.whole_or_nothing():
        result, model = _fitted(run, progress_bar, [callback], model)

    def finish_log():
        with scalars.whole_or_nothing():
            callback.finish(result)
        return scalars.finished(logdir)

    return result, model, Output("logged_to", logdir, finish_log, discard=scalars.remove)


def train(settings):
    use_backend(settings.backend)  # before anything imports keras
    if settings.backend != "tensorflow":
        return train_on_other_backend(settings)
    from frameworks import keras_fit
    from frameworks.keras_saving import save_model

    run, files = settings.run, settings.files
    bar = FRAMEWORKS["keras"].draws_keras_bar(run.iterations, not settings.json)
    loaded = _loaded(settings)
    if files.logdir:
        result, model, log = _train_with_log(run, files.logdir, bar, loaded)
    else:
        result, model = _fitted(run, bar, model=loaded)
        log = Output("logged_to", None)

    def save():
        save_model(model, files.save)
        return files.save, f"Saved the trained model to {files.save}", {}

    saved = Output("saved_to", files.save, save)
    header = "" if settings.json else keras_fit.summary_text(model)
    resumed = (
        f"Resumed {settings.load}: the weights, the optimizer's state and the schedule's"
        f" position it saved after {result.resumed_after} updates, and its settings"
    )
    return Run(
        result,
        header=header,
        notes=[resumed] if settings.load else [],
        outputs=[saved, *export_outputs(settings, model, result.predictions), log],
        fields={"loaded_from": settings.load, "backend": "tensorflow"},
    )


def train_on_other_backend(settings):
    """fit() on Keras's JAX or PyTorch backend (frameworks/keras_backends.py)."""
    from frameworks import keras_backends
    from frameworks.common import save_model

    run, path = settings.run, settings.files.save
    result, model = keras_backends.train_model(
        run.iterations, run.update, run.example, run.dtype, training=run.training
    )

    def save():
        save_model(model, path)
        return path, f"Saved the trained model to {path}", {}

    return Run(
        result,
        notes=[f"Keras backend: {settings.backend}"],
        outputs=[Output("saved_to", path, save)],
        fields={"loaded_from": None, "logged_to": None, "backend": settings.backend},
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
