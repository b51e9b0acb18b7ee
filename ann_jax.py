"""Mazur's 2-2-2 network trained by JAX autodiff and optax, in one compiled loop.

Parallel updates (the default) are what autodiff gives on its own:
jax.value_and_grad of the loss, then one optax update of every weight: SGD,
or the one --optimizer names, with optax's own formulas (torch.optim's for
momentum and Adam, Keras's for RMSprop: docs/jax-and-keras-backends.md).

Sequential updates are autodiff too, asked to do something else: the
output layer's update first, then jax.vjp carries the same output deltas back
through the NEW output weights to the hidden layer.  No gradient formula is
written by hand.  The whole run is one jax.jit of a jax.lax.scan
(frameworks/jax_autodiff.py); float64 is JAX's once jax_enable_x64 is on,
which that module turns on before any array exists.  JAX and optax are an
optional extra: pip install -r requirements-frameworks.txt.

    python ann_jax.py 1000
    python ann_jax.py 1000 --update sequential --dtype float64 --json
    python ann_jax.py 1000 --optimizer adam --lr-schedule cosine
"""

import console  # noqa: F401  first: Ctrl-C during the imports below ends quietly

# isort: split


import sys

from console.arguments import add_logdir_argument, add_loss_argument
from console.explain import run_settings
from console.explain_sections import value_sections, values_from_arrays
from console.startup import OPTIONAL_PACKAGES
from console.terminal import quiet_tensorflow_logs
from console.trainer_script import Output, Run, TrainerScript, loss_notes
from support.packages import installed

FRAMEWORK_INSTALL = OPTIONAL_PACKAGES["jax"]


def add_options(parser):
    add_loss_argument(parser)
    add_logdir_argument(parser)
    parser.add_argument(
        "--replicas",
        type=int,
        default=1,
        metavar="R",
        help="not offered: JAX trains on one device here; use ann_tensorflow.py"
        " --replicas R for tf.distribute",
    )


def check_options(parser, settings):
    """JAX and optax must be installed; --replicas is TensorFlow's."""
    missing = [name for name in ("jax", "optax") if not installed(name)]
    if missing:
        parser.error(f"{' and '.join(missing)} not installed: {FRAMEWORK_INSTALL}")
    if settings.run.replicas != 1:
        parser.refuse(
            "replicas", "ann_jax.py trains on one device: use ann_tensorflow.py --replicas"
        )


def explain(update, example, dtype, optimizer):
    """The first iteration as jax.grad computes it: (title, sections)."""
    from frameworks.jax_autodiff import JaxNetwork
    from numpy_ref.training import Training

    network = JaxNetwork(example, dtype, training=Training(optimizer=optimizer))
    arrays = network.first_iteration(update)
    settings = run_settings(update, optimizer, example, dtype)
    title = f"First iteration, JAX autodiff ({settings})\nEvery gradient below is jax.grad's."
    if optimizer.name != "sgd":
        title += f" w+ is optax's {optimizer.name}'s."
    return title, value_sections(values_from_arrays(*arrays), update, optimizer, example, dtype)


def train(settings):
    from implementations import FRAMEWORKS

    run, logdir = settings.run, settings.files.logdir
    result = FRAMEWORKS["jax"].train(run)
    notes = loss_notes(run)

    def write_log():
        quiet_tensorflow_logs()  # tf.summary writes the log: TensorFlow's C++ log stays off
        from frameworks.tensorboard import ScalarLog

        return ScalarLog.of_result(logdir, result)

    return Run(result, notes=notes, outputs=[Output("logged_to", logdir, write_log)])


SCRIPT = TrainerScript(
    prog="ann_jax.py",
    description=__doc__,
    default_update="parallel",
    update_help="parallel: autodiff's own order; sequential: jax.vjp carries the"
    " deltas through the updated output weights",
    default_dtype="float32",
    title="Mazur's 2-2-2 network, JAX (jax.grad, optax, one jit-compiled scan)",
    update_notes={
        "parallel": "both layers' gradients from one jax.value_and_grad",
        "sequential": "output layer first; jax.vjp carries deltas via new w5..w8",
    },
    explain=explain,
    train=train,
    add_options=add_options,
    check_options=check_options,
    uses_tensorflow=False,
    formulas="optax",
)

main = SCRIPT.main


if __name__ == "__main__":
    sys.exit(main())
