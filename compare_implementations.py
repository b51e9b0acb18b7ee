"""Every implementation, in both update orders, side by side against NumPy.

Runs the six trainers in one process (NumPy sequential and parallel,
TensorFlow autodiff parallel and sequential, Keras train_step sequential and
Keras fit parallel), prints the results table, then the conclusions, computed
from the runs.  The NumPy rows are the reference and always run in float64;
the frameworks run in --dtype (float32 by default).

With --study it runs the update-order study instead (NumPy only, no
TensorFlow): both orders from the same random starts over a grid of learning
rates, and how many updates each needs to get below a loss threshold.

    python compare_implementations.py 1000
    python compare_implementations.py 1000 --dtype float64 --csv
    python compare_implementations.py --study
"""

import json
import sys
import textwrap

from console.arguments import add_iterations_argument, add_run_arguments
from console.parser import ArgumentParser, add_verbose_argument
from console.process import EXIT_DIVERGED, quiet_tensorflow_logs, stops_cleanly
from console.study import add_study_arguments
from numpy_ref import MAZUR


def _bullet(text, width=78):
    return textwrap.fill(text, width=width, initial_indent="- ", subsequent_indent="  ")


def parse_args(argv=None):
    parser = ArgumentParser("compare_implementations.py", __doc__)
    add_iterations_argument(parser)
    add_run_arguments(parser)
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print one JSON document only")
    output.add_argument("--csv", action="store_true", help="print one CSV table only")
    add_study_arguments(parser)
    add_verbose_argument(parser)
    return parser.parse_args(argv)


def print_study(args):
    """--study: the update-order study, as a table, JSON or CSV."""
    from console.study import (
        format_study,
        format_study_csv,
        run_and_summarise,
        study_json,
        study_settings,
        verdict,
    )

    settings = study_settings(args)
    summaries = run_and_summarise(settings, progress=not (args.json or args.csv))
    document = study_json(summaries, settings)
    if args.json:
        print(json.dumps(document, indent=2))
    elif args.csv:
        print(format_study_csv(document["learning_rates"]), end="")
    else:
        print(format_study(summaries, settings))
        print("\nVerdict")
        print(_bullet(verdict(summaries, settings)))


def print_comparison(args):
    """The results table (or its JSON or CSV); returns the exit status."""
    from console.comparison import compare, conclusions, format_csv, format_table
    from console.report import divergence_among
    from implementations import run_all

    quiet_tensorflow_logs(args.verbose)
    example = MAZUR.with_learning_rate(args.lr)
    runs = run_all(args.iterations, example, args.dtype, progress=not (args.json or args.csv))
    problem = divergence_among(result for _, result in runs)
    if problem:
        print(problem, file=sys.stderr)
        return EXIT_DIVERGED
    rows = compare(runs)
    found = conclusions(rows, args.dtype, args.iterations)
    if args.json:
        settings = {"iterations": args.iterations, "learning_rate": args.lr,
                    "framework_dtype": args.dtype, "reference_dtype": "float64"}
        print(json.dumps({"settings": settings, "rows": rows, "conclusions": found},
                         indent=2))
    elif args.csv:
        print(format_csv(rows), end="")
    else:
        print(format_table(rows, args.dtype, args.iterations))
        print("\nConclusions")
        for sentence in found:
            print(_bullet(sentence))
    return 0


@stops_cleanly
def main(argv=None):
    args = parse_args(argv)
    if args.study:
        print_study(args)
        return 0
    return print_comparison(args)


if __name__ == "__main__":
    sys.exit(main())
