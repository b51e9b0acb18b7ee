"""Mazur's 2-2-2 network trained by PyTorch autograd and torch.optim.

Parallel updates (the default) are what autograd gives on its own: one
forward pass, loss.backward(), then a torch.optim step for every weight: SGD,
or the one --optimizer names, with torch.optim's own formulas (which differ
from Keras's for RMSprop and Adam, and under a schedule for momentum:
docs/pytorch.md).

Sequential updates are autograd too, asked to do something else: the output
layer's step first, then torch.autograd.grad (a vector-Jacobian product)
carries the same output deltas back through the NEW output weights to the
hidden layer.  No gradient formula is written by hand.  The network and its
loop are frameworks/pytorch.py's TorchNetwork; PyTorch is an optional extra:
pip install -r requirements-frameworks.txt.

    python ann_pytorch.py 1000
    python ann_pytorch.py 1000 --update sequential --dtype float64 --json
    python ann_pytorch.py 1000 --optimizer adam --until-loss 1e-4
"""

import console  # noqa: F401  first: Ctrl-C during the imports below ends quietly

# isort: split


import sys

from console.arguments import add_logdir_argument, add_loss_argument
from console.explain import run_settings
from console.explain_sections import value_sections, values_from_arrays
from console.startup import OPTIONAL_PACKAGES
from console.trainer_script import Output, Run, TrainerScript, loss_notes
from support.packages import installed

FRAMEWORK_INSTALL = OPTIONAL_PACKAGES["torch"]


def add_options(parser):
    add_loss_argument(parser)
    add_logdir_argument(parser)
    parser.add_argument(
        "--replicas",
        type=int,
        default=1,
        metavar="R",
        help="not offered: PyTorch trains on one device here; use ann_tensorflow.py"
        " --replicas R for tf.distribute",
    )


def check_options(parser, settings):
    """PyTorch itself, and the tensorboard package that --logdir writes with, must be
    installed; --replicas is TensorFlow's."""
    if not installed("torch"):
        parser.error(f"PyTorch is not installed: {FRAMEWORK_INSTALL}")
    if settings.run.replicas != 1:
        parser.refuse(
            "replicas", "ann_pytorch.py trains on one device: use ann_tensorflow.py --replicas"
        )
    if settings.files.logdir and not installed("tensorboard"):
        parser.refuse(
            "logdir",
            "torch.utils.tensorboard needs the tensorboard package: pip install tensorboard",
        )


def explain(update, example, dtype, optimizer):
    """The first iteration as autograd computes it: (title, sections)."""
    from frameworks.pytorch import TorchNetwork
    from numpy_ref.training import Training

    network = TorchNetwork(example, dtype, training=Training(optimizer=optimizer))
    arrays = network.first_iteration(update)
    settings = run_settings(update, optimizer, example, dtype)
    title = (
        f"First iteration, PyTorch autograd ({settings})\nEvery gradient below is read from .grad."
    )
    if optimizer.name != "sgd":
        title += f" w+ is torch.optim's {optimizer.name}'s."
    return title, value_sections(values_from_arrays(*arrays), update, optimizer, example, dtype)


def train(settings):
    from implementations import FRAMEWORKS

    run, logdir = settings.run, settings.files.logdir
    result = FRAMEWORKS["pytorch"].train(run, progress=not settings.json)
    notes = loss_notes(run)

    def write_log():
        from frameworks.tensorboard_torch import TorchScalarLog

        return TorchScalarLog.of_result(logdir, result)

    return Run(result, notes=notes, outputs=[Output("logged_to", logdir, write_log)])


SCRIPT = TrainerScript(
    prog="ann_pytorch.py",
    description=__doc__,
    default_update="parallel",
    update_help="parallel: autograd's own order; sequential: autograd asked"
    " to carry the deltas through the updated output weights",
    default_dtype="float32",
    title="Mazur's 2-2-2 network, PyTorch (autograd, torch.optim)",
    update_notes={
        "parallel": "both layers' gradients from one loss.backward()",
        "sequential": "output layer first; autograd carries deltas via new w5..w8",
    },
    explain=explain,
    train=train,
    add_options=add_options,
    check_options=check_options,
    uses_tensorflow=False,
    formulas="pytorch",
)

main = SCRIPT.main


if __name__ == "__main__":
    sys.exit(main())
