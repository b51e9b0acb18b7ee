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

    python ann_keras.py 1000
    python ann_keras.py 1000 --update parallel --save trained.keras
"""

import console  # noqa: F401  first: Ctrl-C during the imports below ends quietly

import argparse
import os
import sys

from console.arguments import add_logdir_argument, can_write_in
from console.explain import run_settings, value_sections, values_from_arrays
from console.files import atomic_output
from console.trainer_script import Output, Run, TrainerScript
from implementations import FRAMEWORKS


def save_path(text):
    """--save: a .keras path in a folder that exists and can be written."""
    if not text.endswith(".keras"):
        raise argparse.ArgumentTypeError(f"the file name must end in .keras: {text!r}")
    folder = os.path.dirname(os.path.abspath(text))
    if not os.path.isdir(folder):
        raise argparse.ArgumentTypeError(f"folder does not exist: {folder}")
    problem = can_write_in(folder)
    if problem:
        raise argparse.ArgumentTypeError(f"folder cannot be written: {folder} ({problem})")
    if os.path.isdir(text):
        raise argparse.ArgumentTypeError(f"is a folder: {text}")
    return text


def add_options(parser):
    parser.add_argument(
        "--save", type=save_path, metavar="PATH.keras",
        help="save the trained model; ann_keras.load_model(PATH) loads it back",
    )
    parser.not_with("explain", "save")
    add_logdir_argument(parser)


def load_model(path):
    """Load a model saved by --save (keras.saving.load_model, classes registered)."""
    from frameworks.keras_model import load_model as load

    return load(path)


def save_atomically(model, path):
    """Save the .keras file whole or not at all."""
    with atomic_output(path) as temporary:
        model.save(temporary)


def explain(update, example, dtype, optimizer):
    """The first iteration as the Keras model computes it: (title, sections)."""
    from frameworks.keras_model import first_iteration

    arrays = first_iteration(update, example, dtype, optimizer)
    settings = run_settings(update, optimizer, example, dtype)
    title = (f"First iteration, Keras fit() ({settings})"
             "\nGradients read off one fit() step: dE/dw = (w - w+) / lr")
    if optimizer.name != "sgd":
        title += (f" (with SGD); w+, and dE/dw1..4 (new) of the sequential order,"
                  f" from one fit() step with {optimizer.name}")
    return title, value_sections(values_from_arrays(*arrays), update, optimizer, example, dtype)


def _train_with_log(args, example, progress_bar):
    """Train with the TensorBoard callback: the log grows during fit(); a run that
    does not finish removes it.  Returns (result, model, the log's Output)."""
    from frameworks import keras_model
    from frameworks.tensorboard import ScalarLog

    scalars = ScalarLog(args.logdir, "keras", args.update, args.iterations)
    callback = keras_model.TensorBoardScalars(scalars)
    with scalars.whole_or_nothing():
        result, model = keras_model.train_model(args.iterations, args.update, example,
                                                args.dtype, progress_bar=progress_bar,
                                                callbacks=[callback], training=args.training,
                                                replicas=args.replicas)

    def finish_log():
        with scalars.whole_or_nothing():
            callback.finish(result)
        return scalars.finished(args.logdir)

    return result, model, Output("logged_to", args.logdir, finish_log, discard=scalars.remove)


def train(args, example):
    from frameworks import keras_model

    bar = FRAMEWORKS["keras"].draws_keras_bar(args.iterations, not args.json)
    if args.logdir:
        result, model, log = _train_with_log(args, example, bar)
    else:
        result, model = keras_model.train_model(args.iterations, args.update, example,
                                                args.dtype, progress_bar=bar,
                                                training=args.training,
                                                replicas=args.replicas)
        log = Output("logged_to", None)

    def save():
        save_atomically(model, args.save)
        return args.save, f"Saved the trained model to {args.save}", {}

    saved = Output("saved_to", args.save, save)
    header = "" if args.json else keras_model.summary_text(model)
    return Run(result, header=header, outputs=[saved, log])


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
        "parallel": "stock Keras train_step: SGD on MSE, both layers at once",
    },
    explain=explain,
    train=train,
    add_options=add_options,
    replicas=True,
    not_with_replicas={"until_loss": "the step that stops would call the optimizer's"
                                     " all-reduce inside a tf.cond, which tf.distribute"
                                     " refuses; ann_tensorflow.py takes both"},
)

main = SCRIPT.main


if __name__ == "__main__":
    sys.exit(main())
