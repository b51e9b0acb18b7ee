"""python -m numpy_ref: train the NumPy reference and print its log.

The hand-derived formulas of numpy_ref.network in a plain loop, in either
update order, in float64 unless asked otherwise.  This is the reference that
ann_tensorflow.py and ann_keras.py are checked against.

    python -m numpy_ref 1000 --update sequential
"""

import json
import sys

from .cli import (
    EXIT_DIVERGED,
    add_explain_argument,
    divergence_message,
    format_report,
    parse_training_args,
    stops_cleanly,
    training_parser,
)
from .example import MAZUR
from .explain import format_explanation, numpy_sections
from .trainers import train

UPDATE_NOTES = {
    "parallel": "both layers' gradients from the forward pass's weights",
    "sequential": "output layer first; hidden delta through the new w5..w8",
}


@stops_cleanly
def main(argv=None):
    parser = training_parser(
        prog="python -m numpy_ref",
        description=__doc__,
        default_update="parallel",
        update_help="which output weights carry the deltas back to the hidden layer",
        default_dtype="float64",
    )
    add_explain_argument(parser)
    args = parse_training_args(parser, argv)
    example = MAZUR.with_learning_rate(args.lr)
    if args.explain:
        title = f"First iteration, NumPy formulas ({args.update} update, lr {args.lr:g})"
        print(format_explanation(title, numpy_sections(args.update, example), args.update))
        return 0
    result = train(args.iterations, args.update, example, args.dtype, progress=not args.json)
    problem = divergence_message(result)
    if problem:
        print(problem, file=sys.stderr)
        return EXIT_DIVERGED
    if args.json:
        print(json.dumps(result.to_json(), indent=2))
    else:
        title = "Mazur's 2-2-2 network, NumPy reference (hand-derived formulas)"
        print(format_report(result, title, UPDATE_NOTES[args.update], example))
    return 0


if __name__ == "__main__":
    sys.exit(main())
