"""The results table: every implementation against the NumPy reference of each order.

Rows, verdicts and conclusions are computed from the runs; the table, its
JSON and its CSV hold the same numbers.
"""

import csv
import io

import numpy as np

from implementations import REFERENCE, other_order

#: float64 machine epsilon, the scale of rounding when the frameworks run in float64.
FLOAT64_EPSILON = float(np.finfo(np.float64).eps)


def compare(runs):
    """Each row's results plus its distance from both NumPy references.

    max |Δ| is the largest difference over the whole loss trajectory
    (loss at every iteration) against the NumPy run of the same order and
    against the NumPy run of the other order.
    """
    reference = {i.update: r for i, r in runs if i.is_reference}
    rows = []
    for implementation, result in runs:
        update = implementation.update
        same = float(np.max(np.abs(result.losses - reference[update].losses)))
        cross = float(np.max(np.abs(result.losses - reference[other_order(update)].losses)))
        if implementation.is_reference:
            verdict = f"reference, {update}"
        elif same * 10 <= cross:  # ten times nearer its own order than the other
            verdict = f"matches NumPy {update}"
        else:
            closer = update if same < cross else other_order(update)
            verdict = f"nearer NumPy {closer}, too close to call"
        rows.append(
            {
                **result.to_json(),
                "label": implementation.label,
                "method": implementation.method,
                "max_abs_diff_same_order": same,
                "max_abs_diff_other_order": cross,
                "verdict": verdict,
            }
        )
    return rows


def conclusions(rows, dtype, iterations):
    """Plain sentences computed from the rows: never hard-coded figures."""
    numpy_rows = {row["update"]: row for row in rows if row["implementation"] == REFERENCE}
    sequential = numpy_rows["sequential"]["last_iteration_loss"]
    parallel = numpy_rows["parallel"]["last_iteration_loss"]
    gap = abs(sequential - parallel)
    lower = "sequential" if sequential < parallel else "parallel"
    frameworks = [row for row in rows if row["implementation"] != REFERENCE]
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
