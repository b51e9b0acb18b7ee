"""Every implementation, in both update orders, side by side against NumPy.

Runs every trainer in one process (NumPy sequential and parallel,
TensorFlow autodiff parallel and sequential, Keras train_step sequential and
Keras fit parallel, PyTorch autograd in both orders where PyTorch is
installed, and the C# cross-check in both orders where Mono is installed and
the run is plain SGD in float64), prints the results table, then the
conclusions, computed from the runs.  The NumPy rows are the reference and always run in float64;
the frameworks run in --dtype (float32 by default).

With --optimizer NAME every trainer uses that optimizer, as its library
computes it (Keras's formulas, and torch.optim's for the PyTorch rows, each
against the NumPy reference of its own formulas: numpy_ref/keras_formulas.py,
numpy_ref/pytorch_formulas.py); with --optimizer all it prints one
row per optimizer and order instead: the loss at the last iteration, the
updates needed to get below a loss of 0.001, and how far the frameworks are
from the reference.

With --study it runs the update-order study instead (NumPy only, no
TensorFlow): both orders from the same random starts over a grid of learning
rates, and how many updates each needs to get below a loss threshold.

    python compare_implementations.py 1000
    python compare_implementations.py 1000 --dtype float64 --csv
    python compare_implementations.py 1000 --optimizer all
    python compare_implementations.py --study
"""

import console  # noqa: F401  first: Ctrl-C during the imports below ends quietly

# isort: split


import json
import sys
import textwrap

from console.argument_types import framework_names
from console.arguments import (
    add_data_arguments,
    add_iterations_argument,
    add_run_arguments,
    add_study_arguments,
    add_training_arguments,
)
from console.parser import ArgumentParser, add_verbose_argument
from console.process import EXIT_DIVERGED, stops_cleanly
from console.settings import comparison_settings
from console.terminal import quiet_tensorflow_logs
from numpy_ref.optimizers import OPTIMIZERS
from numpy_ref.xor_study import XorStudySettings


def _bullet(text, width=78):
    return textwrap.fill(text, width=width, initial_indent="- ", subsequent_indent="  ")


def build_parser():
    """The script's console.parser.ArgumentParser: every option it takes."""
    parser = ArgumentParser("compare_implementations.py", __doc__)
    add_iterations_argument(parser)
    add_run_arguments(parser)
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print one JSON document only")
    output.add_argument("--csv", action="store_true", help="print one CSV table only")
    add_data_arguments(parser, study=True)
    add_training_arguments(parser, optimizer_choices=(*OPTIMIZERS, "all"), stopping=False)
    parser.add_argument(
        "--frameworks",
        type=framework_names,
        metavar="LIST",
        help="which frameworks train beside the NumPy reference, comma-separated:"
        " tensorflow, keras, pytorch, jax (default: every one installed)",
    )
    add_study_arguments(parser)
    # A study trains from its own random starts, its own way, on mazur or xor.
    parser.not_with("study", "train_biases", "init", "batch_size", "frameworks")
    add_verbose_argument(parser)
    return parser


def parse_args(argv=None):
    """The ComparisonSettings of the command line ``argv``; exit 2 on a bad one."""
    parser = build_parser()
    return comparison_settings(parser, parser.parse_args(argv))


def print_xor_study(settings):
    """--study --data xor: the XOR study, as a table, JSON or CSV."""
    from console.xor_study import format_xor_csv, format_xor_study, run_and_summarise, xor_json

    study = settings.study
    summaries, _ = run_and_summarise(study, progress=settings.output == "table")
    document = xor_json(summaries, study)
    print_study_document(
        settings.output,
        document,
        lambda: format_xor_csv(document),
        lambda: format_xor_study(summaries, study),
        document["verdict"],
    )


def print_study_document(output, document, csv_text, table_text, verdict_sentences):
    """Print a study as ``output`` says: JSON, CSV, or its table and verdict (one bullet
    a sentence)."""
    if output == "json":
        print(json.dumps(document, indent=2))
    elif output == "csv":
        print(csv_text(), end="")
    else:
        print(table_text())
        print("\nVerdict")
        for sentence in verdict_sentences:
            print(_bullet(sentence))


def print_study(settings):
    """--study: the update-order study, as a table, JSON or CSV."""
    from console.study import format_study, format_study_csv, run_with_baseline, study_json

    study = settings.study
    summaries, baseline = run_with_baseline(study, progress=settings.output == "table")
    document = study_json(summaries, study, baseline)
    print_study_document(
        settings.output,
        document,
        lambda: format_study_csv(document["learning_rates"]),
        lambda: format_study(summaries, study),
        [document["verdict"]],
    )


def print_every_optimizer(settings):
    """--optimizer all: one row per optimizer and order; returns the exit status."""
    from console.comparison import optimizer_conclusions, optimizer_rows
    from console.comparison_table import format_optimizer_csv, format_optimizer_table
    from implementations import run_all, start_in_background
    from numpy_ref.result import divergence_among

    quiet_tensorflow_logs(settings.verbose)
    run = settings.run
    every_run = {
        each.training.optimizer.name: each for each in run.under_each(settings.every_optimizer)
    }
    # every optimizer's runs in one child per framework that has one, started first
    start_in_background(list(every_run.values()), settings.frameworks)
    runs = {
        name: run_all(run, progress=settings.output == "table", frameworks=settings.frameworks)
        for name, run in every_run.items()
    }
    problem = divergence_among(result for each in runs.values() for _, result in each)
    if problem:
        print(problem, file=sys.stderr)
        return EXIT_DIVERGED
    rows = optimizer_rows(runs)
    print_rows(
        settings,
        rows,
        optimizer_conclusions(rows),
        csv_text=format_optimizer_csv,
        table_text=lambda: format_optimizer_table(rows, run.iterations, run.example.learning_rate),
    )
    return 0


def say_which_rows_are_missing(settings):
    """One line on stderr for each framework asked for (by default, every one) whose
    optional package or program is not installed, and for each that does not compute
    what the run asks for (the C# cross-check: plain SGD in float64 only)."""
    from implementations import cannot_train, not_installed

    for framework in not_installed(settings.frameworks):
        print(f"note: {framework.not_installed()}", file=sys.stderr)
    for framework in cannot_train(settings.run):
        if settings.frameworks is None or framework.name in settings.frameworks:
            print(f"note: {framework.cannot_train()}", file=sys.stderr)


def print_rows(settings, rows, found, *, csv_text, table_text, more_settings=None):
    """Print a comparison as --json, --csv or the text table with its conclusions."""
    run = settings.run
    if settings.output == "json":
        described = {
            "iterations": run.iterations,
            "learning_rate": run.example.learning_rate,
            "framework_dtype": run.dtype,
            "reference_dtype": "float64",
            **(more_settings or {}),
        }
        print(json.dumps({"settings": described, "rows": rows, "conclusions": found}, indent=2))
    elif settings.output == "csv":
        print(csv_text(rows), end="")
    else:
        print(table_text())
        print("\nConclusions")
        for sentence in found:
            print(_bullet(sentence))
    say_which_rows_are_missing(settings)


def print_comparison(settings):
    """The results table (or its JSON or CSV); returns the exit status."""
    from console.comparison import compare, conclusions
    from console.comparison_table import format_csv, format_table
    from implementations import run_all
    from numpy_ref.result import divergence_among

    quiet_tensorflow_logs(settings.verbose)
    run = settings.run
    runs = run_all(run, progress=settings.output == "table", frameworks=settings.frameworks)
    problem = divergence_among(result for _, result in runs)
    if problem:
        print(problem, file=sys.stderr)
        return EXIT_DIVERGED
    rows = compare(runs)
    print_rows(
        settings,
        rows,
        conclusions(rows, run.dtype, run.iterations),
        csv_text=format_csv,
        table_text=lambda: format_table(rows, run.dtype, run.iterations),
        more_settings={"optimizer": run.training.optimizer.to_json()},
    )
    return 0


@stops_cleanly
def main(argv=None):
    settings = parse_args(argv)
    if isinstance(settings.study, XorStudySettings):
        print_xor_study(settings)
        return 0
    if settings.study:
        print_study(settings)
        return 0
    if settings.every_optimizer:
        return print_every_optimizer(settings)
    return print_comparison(settings)


if __name__ == "__main__":
    sys.exit(main())
