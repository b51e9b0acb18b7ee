"""--load PATH.keras: the run saved in a .keras file, resumed with its own settings.

The settings come from the file itself (frameworks/saved_run.py reads them
without TensorFlow), so a file that is not a saved run, or an option that
contradicts the saved run, is one line and exit 2 before TensorFlow is
imported.  An option left out takes the saved run's value; an option given
must agree with it (the same order, optimizer, hyperparameters, schedule,
learning rate, data, float type...), or the command line is refused, naming
both values.  What says when this command stops (ITERATIONS, --until-loss)
and how it computes (--replicas) are this command's own.
"""

from frameworks.saved_run import ModelFileError, SavedRun, read_saved_run
from implementations.settings import RunSettings
from numpy_ref.data import DataError, DataSet, data_set

from .arguments import HYPERPARAMETER_OPTIONS
from .parser import ArgumentParser


def saved_values(saved: SavedRun) -> dict[str, object]:
    """{dest: value}: the options that would make the saved run, None for an option
    that it does not use (a hyperparameter its optimizer does not take, say)."""
    example, training = saved.example, saved.training
    schedule, hyperparameters = training.schedule, training.optimizer.hyperparameters
    return {
        "update": saved.update,
        "dtype": saved.dtype,
        "lr": example.learning_rate,
        "optimizer": training.optimizer.name,
        **{dest: hyperparameters.get(dest) for dest, *_ in HYPERPARAMETER_OPTIONS},
        "lr_schedule": schedule.name,
        **{
            dest: getattr(schedule, dest) if dest in schedule.rule.uses else None
            for dest in ("decay_steps", "decay_rate")
        },
        "l1": training.l1,
        "l2": training.l2,
        "train_biases": example.train_biases,
        "batch_size": example.batch,
        "init": example.init,
        "seed": example.seed,
    }


def _text(value: object) -> str:
    """A value as the command line would give it: every digit of a float (0.99999999, not 1)."""
    return repr(value) if isinstance(value, float) else str(value)


def _samples(data: DataSet) -> str:
    return f"{data.name} ({data.samples} sample{'s' * (data.samples != 1)})"


def _what_the_saved_run_has(
    parser: ArgumentParser, dest: str, given: object, saved: dict[str, object]
) -> str:
    """'has --optimizer sgd, not adam': how the saved run differs from the option given."""
    option = parser.names[dest]
    if dest == "train_biases":
        return "keeps its biases constant (it has no --train-biases)"
    if saved[dest] is not None:
        return f"has {option} {_text(saved[dest])}, not {_text(given)}"
    owner = {"decay_steps": "lr_schedule", "decay_rate": "lr_schedule", "seed": "init"}
    named = owner.get(dest, "optimizer")
    return f"has {parser.names[named]} {saved[named]}, which takes no {option}"


def check_given(
    parser: ArgumentParser, path: str, saved: SavedRun, given: dict[str, object]
) -> None:
    """A parser error for an option of ``given`` ({dest: value}, the options the
    command line gave) that the saved run's settings contradict."""
    values = saved_values(saved)
    for dest, value in given.items():
        if dest in values and value != values[dest]:
            option = parser.names[dest]
            parser.refuse(
                dest,
                f"the run saved in {path} {_what_the_saved_run_has(parser, dest, value, values)};"
                f" a resumed run keeps the saved run's settings (leave {option} out)",
            )
    if "data" in given:
        try:
            data = data_set(str(given["data"]), saved.dtype)
        except DataError as error:
            parser.refuse("data", str(error))
        had = saved.example.data
        if (data.inputs, data.targets) != (had.inputs, had.targets):
            parser.refuse(
                "data",
                f"the run saved in {path} trained on {_samples(had)}, not {_samples(data)};"
                " a resumed run keeps the saved run's data (leave --data out)",
            )


def resumed_run(parser: ArgumentParser, path: str, given: dict[str, object]) -> RunSettings:
    """The settings of the run saved in ``path``, once the options ``given`` ({dest:
    value}) are found to agree with them; a parser error for a file that is not a
    saved run of this network, or an option that contradicts it.  (ITERATIONS,
    --until-loss and --replicas are the caller's to set.)"""
    try:
        saved = read_saved_run(path)
    except ModelFileError as error:
        parser.refuse("load", str(error))
    except OSError as error:
        parser.refuse("load", f"cannot read {path}: {error.strerror or error}")
    check_given(parser, path, saved, given)
    return RunSettings(
        update=saved.update, example=saved.example, dtype=saved.dtype, training=saved.training
    )
