"""Mazur's 2-2-2 network trained by TensorFlow autodiff (tf.GradientTape).

Parallel updates (the default) are what autodiff gives on its own: one tape,
one forward pass, the gradients of both layers from the same weights, applied
together by a Keras optimizer: SGD, or the one --optimizer names.

Sequential updates are autodiff too, asked to do something else: the output
layer is updated first, then the tape's vector-Jacobian products carry the
same output deltas back through the NEW output weights to the hidden layer.
No gradient formula is written by hand.

The whole training loop is one compiled tf.while_loop (tf.function, with XLA
from 5000 iterations on), which records every iteration's loss, outputs,
hidden activations and weights.  The network and its loop are
frameworks/tape.py's TapeNetwork.

    python ann_tensorflow.py 1000
    python ann_tensorflow.py 1000 --update sequential --dtype float64 --json
    python ann_tensorflow.py 1000 --optimizer adam --until-loss 1e-4
"""

import console  # noqa: F401  first: Ctrl-C during the imports below ends quietly

# isort: split


import sys

from console.arguments import add_logdir_argument, add_loss_argument
from console.explain import run_settings
from console.explain_sections import value_sections, values_from_arrays
from console.trainer_script import Output, Run, TrainerScript, loss_notes


def add_options(parser):
    add_loss_argument(parser)
    add_logdir_argument(parser)


def explain(update, example, dtype, optimizer):
    """The first iteration as the tape computes it: (title, sections)."""
    from frameworks.tape import TapeNetwork
    from numpy_ref.training import Training

    network = TapeNetwork(example, dtype, training=Training(optimizer=optimizer))
    arrays = network.first_iteration(update)
    settings = run_settings(update, optimizer, example, dtype)
    title = f"First iteration, tf.GradientTape ({settings})\nEvery gradient below is the tape's."
    if optimizer.name != "sgd":
        title += f" w+ is the Keras {optimizer.name} optimizer's."
    return title, value_sections(values_from_arrays(*arrays), update, optimizer, example, dtype)


def train(settings):
    from implementations import FRAMEWORKS

    run, logdir = settings.run, settings.files.logdir
    result = FRAMEWORKS["tensorflow"].train(run)
    notes = loss_notes(run)

    def write_log():
        from frameworks.tensorboard import ScalarLog

        return ScalarLog.of_result(logdir, result)

    return Run(result, notes=notes, outputs=[Output("logged_to", logdir, write_log)])


SCRIPT = TrainerScript(
    prog="ann_tensorflow.py",
    description=__doc__,
    default_update="parallel",
    update_help="parallel: autodiff's own order; sequential: autodiff asked"
    " to carry the deltas through the updated output weights",
    default_dtype="float32",
    title="Mazur's 2-2-2 network, TensorFlow (tf.GradientTape autodiff)",
    update_notes={
        "parallel": "both layers' tape gradients from one forward pass",
        "sequential": "output layer first; the tape carries deltas via new w5..w8",
    },
    explain=explain,
    train=train,
    add_options=add_options,
    replicas=True,
)

main = SCRIPT.main


if __name__ == "__main__":
    sys.exit(main())
