"""Mazur's 2-2-2 network trained in C#, run by Mono: the cross-check in another language.

crosscheck/csharp/Network.cs trains the network in C# doubles with plain SGD,
in either update order, with its own loops and its own Math.Exp: no NumPy,
no BLAS.  Python chooses everything (the data, the batches, the starting
weights) and sends it to the C# program as JSON; the program sends back every
iteration's figures and the final weights, and this script prints them as
the other trainers do.  The program is compiled once with mcs, into a cache
folder named by the source's hash, and the first run says so.

Mono is a system package, not a Python one:
apt-get install mono-mcs mono-runtime.  The C# side computes plain SGD in
float64 only: other optimizers, schedules, penalties, --until-loss and
--dtype float32 are refused.

    python ann_csharp.py 1000
    python ann_csharp.py 1000 --update sequential --json
    python ann_csharp.py 1000 --data xor --train-biases --batch-size 1 --lr 2
"""

import console  # noqa: F401  first: Ctrl-C during the imports below ends quietly

# isort: split


import sys

from console.trainer_script import Run, TrainerScript

#: Why an option that asks for more than the C# program computes is refused.
NOT_COMPUTED = "the C# cross-check computes plain SGD in float64 only"


def check_options(parser, settings):
    """Mono must be installed; the run must be plain SGD in float64, with no more
    iterations than the program's JSON history can carry."""
    from frameworks.csharp import MAX_ITERATIONS
    from implementations import FRAMEWORKS

    framework, run = FRAMEWORKS["csharp"], settings.run
    if not framework.installed:
        parser.error(f"Mono is not installed (mcs and mono): {framework.install}")
    if settings.explain:
        parser.refuse(
            "explain",
            "not offered by the C# cross-check: python -m numpy_ref --explain shows the"
            " same first iteration",
        )
    training = run.training
    refusals = {
        "dtype": run.dtype != "float64",
        "optimizer": training.optimizer.name != "sgd",
        "lr_schedule": not training.schedule.constant,
        "until_loss": training.until_loss is not None,
        "l1": bool(training.l1),
        "l2": bool(training.l2),
    }
    for dest, refused in refusals.items():
        if refused:
            parser.refuse(dest, NOT_COMPUTED)
    if run.iterations > MAX_ITERATIONS:
        parser.refuse(
            "iterations",
            f"the C# cross-check runs at most {MAX_ITERATIONS} (every iteration comes"
            " back as JSON text)",
        )


def train(settings):
    """Compile the C# program if the cache has none of this source, then train."""
    from frameworks.csharp import SOURCE_NAME, compiled_program
    from implementations import FRAMEWORKS

    program, compiled = compiled_program()
    result = FRAMEWORKS["csharp"].train(settings.run)
    if not compiled:
        return Run(result, fields={"compiled_to": None})
    note = f"(compiled {SOURCE_NAME} with mcs into {program}; later runs reuse it)"
    return Run(result, notes=[note], fields={"compiled_to": program})


SCRIPT = TrainerScript(
    prog="ann_csharp.py",
    description=__doc__,
    default_update="parallel",
    update_help="parallel: every gradient from the forward pass's weights; sequential:"
    " output layer first, then the hidden deltas through the new output weights",
    default_dtype="float64",
    title="Mazur's 2-2-2 network, C# (Mono, double precision, hand-written loops)",
    update_notes={
        "parallel": "both layers' gradients from the forward pass's w5..w8",
        "sequential": "output layer first; hidden deltas via the new w5..w8",
    },
    explain=None,
    train=train,
    check_options=check_options,
    uses_tensorflow=False,
)

main = SCRIPT.main


if __name__ == "__main__":
    sys.exit(main())
