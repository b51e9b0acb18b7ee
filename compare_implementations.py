"""Every implementation, in both update orders, side by side against NumPy.

Runs the six trainers in one process (NumPy sequential and parallel,
TensorFlow autodiff parallel and sequential, Keras train_step sequential and
Keras fit parallel), prints the results table, then the conclusions, computed
from the runs.  The NumPy rows are the reference and always run in float64;
the frameworks run in --dtype (float32 by default).

With --optimizer NAME every trainer uses that optimizer (Keras's formulas,
written out in numpy_ref/optimizers.py); with --optimizer all it prints one
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

from console.arguments import (
    add_data_arguments,
    add_iterations_argument,
    add_run_arguments,
    add_training_arguments,
    optimizer_for,
    parse_data_settings,
    parse_training_settings,
)
from console.parser import ArgumentParser, add_verbose_argument
from console.process import EXIT_DIVERGED, quiet_tensorflow_logs, stops_cleanly
from console.study import add_study_arguments, check_study_options
from numpy_ref.optimizers import OPTIMIZERS, Training


def _bullet(text, width=78):
    return textwrap.fill(text, width=width, initial_indent="- ", subsequent_indent="  ")


def parse_args(argv=None):
    parser = ArgumentParser("compare_implementations.py", __doc__)
    add_iterations_argument(parser)
    add_run_arguments(parser)
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print one JSON document only")
    output.add_argument("--csv", action="store_true", help="print one CSV table only")
    add_data_arguments(parser, study=True)
    add_training_arguments(parser, optimizer_choices=(*OPTIMIZERS, "all"), stopping=False)
    add_study_arguments(parser, data_options=False)
    # A study trains from its own random starts, its own way, on mazur or xor.
    parser.not_with("study", "train_biases", "init", "batch_size")
    add_verbose_argument(parser)
    args = parser.parse_args(argv)
    if args.study:
        check_study_options(parser, args)
    parse_training_settings(parser, args)
    parse_data_settings(parser, args)
    return args


def print_xor_study(args):
    """--study --data xor: the XOR study, as a table, JSON or CSV."""
    from console.xor_study import (
        format_xor_csv,
        format_xor_study,
        run_and_summarise,
        xor_json,
        xor_settings,
    )

    settings = xor_settings(args)
    summaries, _ = run_and_summarise(settings, progress=not (args.json or args.csv))
    document = xor_json(summaries, settings)
    print_study_document(args, document, lambda: format_xor_csv(document),
                         lambda: format_xor_study(summaries, settings), document["verdict"])


def print_study_document(args, document, csv_text, table_text, verdict_sentences):
    """Print a study as --json, --csv or its table and verdict (one bullet a sentence)."""
    if args.json:
        print(json.dumps(document, indent=2))
    elif args.csv:
        print(csv_text(), end="")
    else:
        print(table_text())
        print("\nVerdict")
        for sentence in verdict_sentences:
            print(_bullet(sentence))


def print_study(args):
    """--study: the update-order study, as a table, JSON or CSV."""
    from console.study import (
        format_study,
        format_study_csv,
        run_with_baseline,
        study_json,
        study_settings,
    )

    settings = study_settings(args)
    summaries, baseline = run_with_baseline(settings, progress=not (args.json or args.csv))
    document = study_json(summaries, settings, baseline)
    print_study_document(args, document, lambda: format_study_csv(document["learning_rates"]),
                         lambda: format_study(summaries, settings), [document["verdict"]])


def print_every_optimizer(args):
    """--optimizer all: one row per optimizer and order; returns the exit status."""
    from console.comparison import (
        format_optimizer_csv,
        format_optimizer_table,
        optimizer_conclusions,
        optimizer_rows,
    )
    from implementations import run_all
    from numpy_ref.result import divergence_among

    quiet_tensorflow_logs(args.verbose)
    example = args.example
    runs = {name: run_all(args.iterations, example, args.dtype,
                          progress=not (args.json or args.csv),
                          training=Training(optimizer=optimizer_for(name, args)))
            for name in OPTIMIZERS}
    problem = divergence_among(result for each in runs.values() for _, result in each)
    if problem:
        print(problem, file=sys.stderr)
        return EXIT_DIVERGED
    rows = optimizer_rows(runs)
    print_rows(args, rows, optimizer_conclusions(rows), {}, format_optimizer_csv,
               lambda: format_optimizer_table(rows, args.iterations, args.lr))
    return 0


def print_rows(args, rows, found, more_settings, csv_text, table_text):
    """Print a comparison as --json, --csv or the text table with its conclusions."""
    if args.json:
        settings = {"iterations": args.iterations, "learning_rate": args.lr,
                    "framework_dtype": args.dtype, "reference_dtype": "float64",
                    **more_settings}
        print(json.dumps({"settings": settings, "rows": rows, "conclusions": found},
                         indent=2))
    elif args.csv:
        print(csv_text(rows), end="")
    else:
        print(table_text())
        print("\nConclusions")
        for sentence in found:
            print(_bullet(sentence))


def print_comparison(args):
    """The results table (or its JSON or CSV); returns the exit status."""
    from console.comparison import compare, conclusions, format_csv, format_table
    from implementations import run_all
    from numpy_ref.result import divergence_among

    quiet_tensorflow_logs(args.verbose)
    example = args.example
    runs = run_all(args.iterations, example, args.dtype, progress=not (args.json or args.csv),
                   training=args.training)
    problem = divergence_among(result for _, result in runs)
    if problem:
        print(problem, file=sys.stderr)
        return EXIT_DIVERGED
    rows = compare(runs)
    print_rows(args, rows, conclusions(rows, args.dtype, args.iterations),
               {"optimizer": args.training.optimizer.to_json()}, format_csv,
               lambda: format_table(rows, args.dtype, args.iterations))
    return 0


@stops_cleanly
def main(argv=None):
    args = parse_args(argv)
    if args.study:
        (print_xor_study if args.data == "xor" else print_study)(args)
        return 0
    if args.optimizer == "all":
        return print_every_optimizer(args)
    return print_comparison(args)


if __name__ == "__main__":
    sys.exit(main())
