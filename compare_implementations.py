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

import csv
import io
import json
import sys
import textwrap
from dataclasses import dataclass

import numpy as np

from numpy_ref import MAZUR
from numpy_ref import train as train_numpy
from numpy_ref.cli import (
    EXIT_DIVERGED,
    ArgumentParser,
    add_run_arguments,
    add_study_arguments,
    add_verbose_argument,
    divergence_message,
    iteration_count,
    stops_cleanly,
    study_settings,
)
from numpy_ref.frameworks import quiet_tensorflow_logs

#: float64 machine epsilon, the scale of rounding when the frameworks run in float64.
FLOAT64_EPSILON = float(np.finfo(np.float64).eps)


@dataclass(frozen=True)
class Trainer:
    label: str  # the table's first column
    method: str  # how its gradients are made
    update: str

    def train(self, iterations, example, dtype, progress=False):
        if self.label == "NumPy":
            return train_numpy(iterations, self.update, example, "float64", progress)
        if self.label == "TF tape":
            import ann_tensorflow

            return ann_tensorflow.train(iterations, self.update, example, dtype)
        import ann_keras

        return ann_keras.train(iterations, self.update, example, dtype, progress=progress)[0]


#: The seed document's four rows first, then the rest of the matrix.
TRAINERS = (
    Trainer("NumPy", "hand-written formulas", "sequential"),
    Trainer("NumPy", "hand-written formulas", "parallel"),
    Trainer("TF tape", "tf.GradientTape autodiff", "parallel"),
    Trainer("Keras step", "custom train_step, formulas", "sequential"),
    Trainer("TF tape", "tf.GradientTape, deltas via new w5..w8", "sequential"),
    Trainer("Keras fit", "stock fit(): SGD on MSE", "parallel"),
)


def other_order(update):
    return "parallel" if update == "sequential" else "sequential"


def run_all(iterations=1000, example=MAZUR, dtype="float32", progress=False):
    """Train every implementation; return [(Trainer, TrainingResult)] in table order."""
    return [(trainer, trainer.train(iterations, example, dtype, progress))
            for trainer in TRAINERS]


def compare(runs):
    """Each row's results plus its distance from both NumPy references.

    max |Δ| is the largest difference over the whole loss trajectory
    (loss at every iteration) against the NumPy run of the same order and
    against the NumPy run of the other order.
    """
    reference = {t.update: r for t, r in runs if t.label == "NumPy"}
    rows = []
    for trainer, result in runs:
        same = float(np.max(np.abs(result.losses - reference[trainer.update].losses)))
        cross = float(
            np.max(np.abs(result.losses - reference[other_order(trainer.update)].losses))
        )
        if trainer.label == "NumPy":
            verdict = f"reference, {trainer.update}"
        elif same * 10 <= cross:  # ten times nearer its own order than the other
            verdict = f"matches NumPy {trainer.update}"
        else:
            closer = trainer.update if same < cross else other_order(trainer.update)
            verdict = f"nearer NumPy {closer}, too close to call"
        rows.append(
            {
                **result.to_json(),
                "label": trainer.label,
                "method": trainer.method,
                "max_abs_diff_same_order": same,
                "max_abs_diff_other_order": cross,
                "verdict": verdict,
            }
        )
    return rows


def conclusions(rows, dtype, iterations):
    """Plain sentences computed from the rows: never hard-coded figures."""
    numpy_rows = {row["update"]: row for row in rows if row["implementation"] == "numpy"}
    sequential = numpy_rows["sequential"]["last_iteration_loss"]
    parallel = numpy_rows["parallel"]["last_iteration_loss"]
    gap = abs(sequential - parallel)
    lower = "sequential" if sequential < parallel else "parallel"
    frameworks = [row for row in rows if row["implementation"] != "numpy"]
    rounding = max(row["max_abs_diff_same_order"] for row in frameworks)
    at_last = max(
        abs(row["last_iteration_loss"] - numpy_rows[row["update"]]["last_iteration_loss"])
        for row in frameworks
    )
    matching = sum(row["verdict"].startswith("matches") for row in frameworks)
    lines = [
        f"At iteration {iterations} the two update orders' losses differ by "
        f"{gap:.3e} (NumPy, float64): {lower} is lower, "
        f"{sequential:.10f} sequential vs {parallel:.10f} parallel.",
        f"{matching} of {len(frameworks)} framework runs match the NumPy reference "
        f"of their own order.",
    ]
    if dtype == "float64":
        lines.append(
            f"In float64 the frameworks differ from the same-order reference by at "
            f"most {rounding:.1e} over the whole run, "
            f"{rounding / FLOAT64_EPSILON:.1f} x float64 epsilon ({FLOAT64_EPSILON:.1e}): "
            f"rounding level, so autodiff and the hand-written formulas compute "
            f"the same numbers."
        )
    else:
        ratio = gap / at_last if at_last else float("inf")
        lines.append(
            f"In {dtype} the frameworks differ from the same-order reference by at "
            f"most {rounding:.1e} over the whole run ({dtype} rounding), and by "
            f"{at_last:.1e} at iteration {iterations}, where the orders are "
            f"{gap:.1e} apart: {ratio:.0f} times the rounding."
        )
    return lines


def _short(value):
    return f"{value:.1e}" if value else "0"


def format_table(rows, dtype, iterations):
    """Two 80-column tables: results, then distances from the references."""
    n = iterations
    head = (
        f"{'':10}  {'order':10}  {'loss at':>12}  {'loss after':>12}  "
        f"{'prediction':16}  {'error':>9}"
    )
    sub = (
        f"{'':10}  {'':10}  {f'iter. {n}':>12}  {f'{n} updates':>12}  "
        f"{'o1, o2':16}  {'reduction':>9}"
    )
    lines = [
        f"Mazur's 2-2-2 network, {n} iterations, learning rate "
        f"{rows[0]['learning_rate']:g}",
        f"NumPy rows: the float64 reference; framework rows: {dtype}.",
        "",
        head,
        sub,
    ]
    for row in rows:
        o1, o2 = row["prediction"]
        lines.append(
            f"{row['label']:10}  {row['update']:10}  {row['last_iteration_loss']:12.10f}  "
            f"{row['final_loss']:12.10f}  {f'{o1:.5f}, {o2:.5f}':16}  "
            f"{row['error_reduction_percent']:8.4f}%"
        )
    lines += [
        "",
        "max |Δ| over every iteration's loss, against the NumPy reference of",
        f"{'':10}  {'order':10}  {'same order':>10}  {'other order':>11}  verdict",
    ]
    for row in rows:
        lines.append(
            f"{row['label']:10}  {row['update']:10}  "
            f"{_short(row['max_abs_diff_same_order']):>10}  "
            f"{_short(row['max_abs_diff_other_order']):>11}  {row['verdict']}"
        )
    lines += ["", "How each row makes its gradients"]
    methods = dict.fromkeys((row["label"], row["method"]) for row in rows)
    lines += [f"  {label:10}  {method}" for label, method in methods]
    return "\n".join(lines)


CSV_FIELDS = (
    "label", "method", "implementation", "update", "dtype", "learning_rate",
    "iterations", "initial_loss", "last_iteration_loss", "final_loss",
    "prediction_o1", "prediction_o2", "error_reduction_percent",
    "max_abs_diff_same_order", "max_abs_diff_other_order", "verdict",
)


def format_csv(rows):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        flat = {**row, "prediction_o1": row["prediction"][0],
                "prediction_o2": row["prediction"][1]}
        writer.writerow({field: flat[field] for field in CSV_FIELDS})
    return buffer.getvalue()


def _bullet(text, width=78):
    return textwrap.fill(text, width=width, initial_indent="- ", subsequent_indent="  ")


def parse_args(argv=None):
    parser = ArgumentParser("compare_implementations.py", __doc__)
    parser.add_argument(
        "iterations", nargs="?", type=iteration_count, default=1000,
        metavar="ITERATIONS", help="training updates per run (default: 1000)",
    )
    add_run_arguments(parser)
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print one JSON document only")
    output.add_argument("--csv", action="store_true", help="print one CSV table only")
    add_study_arguments(parser)
    add_verbose_argument(parser)
    return parser.parse_args(argv)


def print_study(args):
    """--study: the update-order study, as a table, JSON or CSV."""
    from numpy_ref.study import format_study, run_study, study_json, summarise, verdict

    settings = study_settings(args)
    outcomes = run_study(settings, progress=not (args.json or args.csv))
    summaries = summarise(settings.learning_rates, outcomes)
    document = study_json(summaries, settings)
    if args.json:
        print(json.dumps(document, indent=2))
    elif args.csv:
        print(format_study_csv(document["learning_rates"]), end="")
    else:
        print(format_study(summaries, settings))
        print("\nVerdict")
        print(_bullet(verdict(summaries, settings)))


def format_study_csv(rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["learning_rate", "sequential_wins", "ties", "sequential_loses",
                     "neither", "median_updates_parallel", "median_updates_sequential",
                     "median_ratio", "mean_updates_saved", "diverged_sequential",
                     "diverged_parallel"])
    for row in rows:
        writer.writerow([row["learning_rate"], row["sequential_wins"], row["ties"],
                         row["sequential_loses"], row["neither"],
                         row["median_updates"]["parallel"], row["median_updates"]["sequential"],
                         row["median_ratio"], row["mean_updates_saved"],
                         row["diverged"]["sequential"], row["diverged"]["parallel"]])
    return buffer.getvalue()


@stops_cleanly
def main(argv=None):
    args = parse_args(argv)
    if args.study:
        print_study(args)
        return 0
    quiet_tensorflow_logs(args.verbose)
    example = MAZUR.with_learning_rate(args.lr)
    runs = run_all(args.iterations, example, args.dtype, progress=not (args.json or args.csv))
    for _, result in runs:
        problem = divergence_message(result)
        if problem:
            print(f"{problem} [{result.implementation}, {result.update}]", file=sys.stderr)
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


if __name__ == "__main__":
    sys.exit(main())
