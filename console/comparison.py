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


#: What max_abs_diff_same_order and max_abs_diff_other_order are taken over.
DISTANCE_MEANING = "every iteration's loss and the final loss and weights"


def distance(result, reference):
    """max |Δ| between two runs over every iteration's loss and the final state.

    The final state is the loss and both weight matrices left by the last
    update, so runs that share their forward passes (the two orders at
    iteration 1) still differ where they do: after the update.
    """
    pairs = (
        (result.losses, reference.losses),
        (result.final_loss, reference.final_loss),
        (result.final_hidden_weights, reference.final_hidden_weights),
        (result.final_output_weights, reference.final_output_weights),
    )
    return max(
        float(np.max(np.abs(np.asarray(ours, dtype=np.float64)
                            - np.asarray(theirs, dtype=np.float64))))
        for ours, theirs in pairs
    )


def compare(runs):
    """Each row's results plus its distance from both NumPy references.

    max |Δ| (``distance``) is the largest difference over every iteration's
    loss and the loss and weights after the last update, against the NumPy
    run of the same order and against the NumPy run of the other order.
    """
    reference = {i.update: r for i, r in runs if i.is_reference}
    rows = []
    for implementation, result in runs:
        update = implementation.update
        same = distance(result, reference[update])
        cross = distance(result, reference[other_order(update)])
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


def _order_gap(numpy_rows, iterations):
    """The sentence on how far apart the two orders' NumPy losses are.

    At iteration 1 both orders share the first forward pass, so their losses
    there are equal: then it reports the gap after the last update instead,
    and never calls an order lower when the gap is zero.
    """
    sequential = numpy_rows["sequential"]["last_iteration_loss"]
    parallel = numpy_rows["parallel"]["last_iteration_loss"]
    if sequential != parallel:
        lower = "sequential" if sequential < parallel else "parallel"
        return (f"At iteration {iterations} the two update orders' losses differ by "
                f"{abs(sequential - parallel):.3e} (NumPy, float64): {lower} is lower, "
                f"{sequential:.10f} sequential vs {parallel:.10f} parallel.")
    shared = ": they share the first forward pass" if iterations == 1 else " (NumPy, float64)"
    text = (f"At iteration {iterations} both orders have the same loss, "
            f"{sequential:.10f}{shared}.")
    after = "After the update" if iterations == 1 else "After the last update"
    sequential = numpy_rows["sequential"]["final_loss"]
    parallel = numpy_rows["parallel"]["final_loss"]
    if sequential == parallel:
        return f"{text} {after} their losses are the same too, {sequential:.10f}."
    lower = "sequential" if sequential < parallel else "parallel"
    return (f"{text} {after} they differ by {abs(sequential - parallel):.3e}: "
            f"sequential {sequential:.10f} vs parallel {parallel:.10f}, {lower} is lower.")


def conclusions(rows, dtype, iterations):
    """Plain sentences computed from the rows: never hard-coded figures."""
    numpy_rows = {row["update"]: row for row in rows if row["implementation"] == REFERENCE}
    frameworks = [row for row in rows if row["implementation"] != REFERENCE]
    rounding = max(row["max_abs_diff_same_order"] for row in frameworks)
    # how far apart the orders are, on the same measure: NumPy sequential vs parallel
    orders = max(row["max_abs_diff_other_order"] for row in numpy_rows.values())
    matching = sum(row["verdict"].startswith("matches") for row in frameworks)
    lines = [
        _order_gap(numpy_rows, iterations),
        f"{matching} of {len(frameworks)} framework runs match the NumPy reference "
        f"of their own order.",
    ]
    if rounding == 0:
        lines.append(
            f"In {dtype} the frameworks reproduce the same-order reference exactly "
            f"over {DISTANCE_MEANING}, while the two orders are {orders:.1e} apart "
            f"there."
        )
    elif dtype == "float64":
        lines.append(
            f"In float64 the frameworks differ from the same-order reference by at "
            f"most {rounding:.1e} over {DISTANCE_MEANING}, "
            f"{rounding / FLOAT64_EPSILON:.1f} x float64 epsilon ({FLOAT64_EPSILON:.1e}): "
            f"rounding level, so autodiff and the hand-written formulas compute "
            f"the same numbers."
        )
    else:
        lines.append(
            f"In {dtype} the frameworks differ from the same-order reference by at "
            f"most {rounding:.1e} ({dtype} rounding) over {DISTANCE_MEANING}, "
            f"while the two orders are {orders:.1e} apart there: "
            f"{orders / rounding:.0f} times the rounding."
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
        f"max |Δ| over {DISTANCE_MEANING},",
        "against the NumPy reference of",
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
