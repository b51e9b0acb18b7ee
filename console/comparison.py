"""The results table: every implementation against the NumPy reference of each order.

Rows, verdicts and conclusions are computed from the runs; the table, its
JSON and its CSV hold the same numbers.
"""

import numpy as np

from implementations import REFERENCE, other_order, references

#: float64 machine epsilon, the scale of rounding when the frameworks run in float64.
FLOAT64_EPSILON = float(np.finfo(np.float64).eps)


#: What max_abs_diff_same_order and max_abs_diff_other_order are taken over.
DISTANCE_MEANING = "every iteration's loss and the final loss and weights"

#: What a result's JSON says about its data and how it trains (numpy_ref.Example.to_json).
DATA_FIELDS = ("data", "samples", "batch_size", "train_biases", "init", "seed")


def distance(result, reference):
    """max |Δ| between two runs over every iteration's loss and the final state.

    The final state is the loss, both weight matrices and the biases left by
    the last update, so runs that share their forward passes (the two orders at
    iteration 1) still differ where they do: after the update.  Runs that
    stopped at different iterations (--until-loss) are compared over the
    iterations both ran, and their final states differ by what the extra
    updates did.
    """
    both_ran = min(result.recorded, reference.recorded)
    pairs = (
        (result.losses[:both_ran], reference.losses[:both_ran]),
        (result.final_loss, reference.final_loss),
        (result.final_hidden_weights, reference.final_hidden_weights),
        (result.final_output_weights, reference.final_output_weights),
        *zip(result.final_biases, reference.final_biases),
    )
    return max(
        float(
            np.max(
                np.abs(np.asarray(ours, dtype=np.float64) - np.asarray(theirs, dtype=np.float64))
            )
        )
        for ours, theirs in pairs
    )


#: Whose optimizer formulas the other library's reference follows: Keras's and
#: torch.optim's against each other, optax's against Keras's (the project's own).
OTHER_FORMULAS = {"keras": "pytorch", "pytorch": "keras", "optax": "keras"}

#: Each library's optimizer formulas, and the --optimizer all row's key of the largest
#: distance of the frameworks that follow them (None where none of them ran).
OWN_FORMULAS_DISTANCES = {
    "keras": "max_framework_distance",  # TensorFlow's and Keras's
    "pytorch": "max_pytorch_distance",
    "optax": "max_jax_distance",
}


def compare(runs):
    """Each row's results plus its distance from the NumPy references.

    max |Δ| (``distance``) is the largest difference over every iteration's
    loss and the loss and weights after the last update, against the NumPy
    run of the same order and of the other order, both with the row's own
    optimizer formulas (``formulas``: Keras's or torch.optim's), and against the
    NumPy run of the same order with the other library's formulas.
    """
    reference = references(runs)
    rows = []
    for implementation, result in runs:
        update, formulas = implementation.update, implementation.formulas
        own, same_reference = reference[(formulas, update)]
        same = distance(result, same_reference)
        cross = distance(result, reference[(formulas, other_order(update))][1])
        other_formulas = distance(result, reference[(OTHER_FORMULAS[formulas], update)][1])
        if implementation.is_reference:
            verdict = f"reference, {update}"
        elif same * 10 <= cross:  # ten times nearer its own order than the other
            verdict = f"matches {own.label} {update}"
        else:
            closer = update if same < cross else other_order(update)
            verdict = f"nearer {own.label} {closer}, too close to call"
        rows.append(
            {
                **result.to_json(),
                "label": implementation.label,
                "method": implementation.method,
                "formulas": formulas,
                "max_abs_diff_same_order": same,
                "max_abs_diff_other_order": cross,
                "max_abs_diff_other_formulas": other_formulas,
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
        return (
            f"At iteration {iterations} the two update orders' losses differ by "
            f"{abs(sequential - parallel):.3e} (NumPy, float64): {lower} is lower, "
            f"{sequential:.10f} sequential vs {parallel:.10f} parallel."
        )
    shared = ": they share the first forward pass" if iterations == 1 else " (NumPy, float64)"
    text = f"At iteration {iterations} both orders have the same loss, {sequential:.10f}{shared}."
    after = "After the update" if iterations == 1 else "After the last update"
    sequential = numpy_rows["sequential"]["final_loss"]
    parallel = numpy_rows["parallel"]["final_loss"]
    if sequential == parallel:
        return f"{text} {after} their losses are the same too, {sequential:.10f}."
    lower = "sequential" if sequential < parallel else "parallel"
    return (
        f"{text} {after} they differ by {abs(sequential - parallel):.3e}: "
        f"sequential {sequential:.10f} vs parallel {parallel:.10f}, {lower} is lower."
    )


def conclusions(rows, dtype, iterations):
    """Plain sentences computed from the rows: never hard-coded figures."""
    numpy_rows = {
        row["update"]: row
        for row in rows
        if row["implementation"] == REFERENCE and row["formulas"] == "keras"
    }
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


# ---------------------------------------------------------------------------
# --optimizer all: one row per optimizer and order
# ---------------------------------------------------------------------------

#: The loss that "updates to reach" counts to.
REACHED_LOSS = 1e-3


def updates_to_reach(result, loss=REACHED_LOSS):
    """Updates made before the first iteration whose loss is below ``loss`` (None: never)."""
    below = np.flatnonzero(np.asarray(result.losses) < loss)
    return int(below[0]) if below.size else None


def optimizer_rows(runs_by_optimizer):
    """One row per optimizer and order, from {optimizer name: run_all's runs}.

    Each row: the reference's loss at the last iteration and after it, the
    updates it needs to get below REACHED_LOSS, and the largest distance of a
    framework run from the reference of its own order and formulas: TensorFlow's
    and Keras's (``max_framework_distance``), PyTorch's (``max_pytorch_distance``)
    and JAX's (``max_jax_distance``; None where none ran), apart,
    since torch.optim's RMSprop bounces where Keras's settles (docs/pytorch.md).
    """
    rows = []
    for runs in runs_by_optimizer.values():
        reference = references(runs)
        for update, result in ((i.update, r) for i, r in runs if i.is_reference):
            if reference[("keras", update)][1] is not result:
                continue  # the rows show Keras's formulas' losses
            frameworks = [(i, r) for i, r in runs if not i.is_reference and i.update == update]
            distances = {
                formulas: [
                    distance(r, reference[(i.formulas, update)][1])
                    for i, r in frameworks
                    if i.formulas == formulas
                ]
                for formulas in OWN_FORMULAS_DISTANCES
            }
            described = result.to_json()
            rows.append(
                {
                    **{key: described[key] for key in DATA_FIELDS},
                    "optimizer": result.training.optimizer.to_json(),
                    "update": update,
                    "last_iteration_loss": result.last_iteration_loss,
                    "final_loss": result.final_loss,
                    "updates_to_reach": updates_to_reach(result),
                    **{
                        key: max(distances[formulas], default=None)
                        for formulas, key in OWN_FORMULAS_DISTANCES.items()
                    },
                    "framework_dtype": frameworks[0][1].dtype,
                }
            )
    return rows


def optimizer_conclusions(rows):
    """Sentences computed from the rows: who gets below REACHED_LOSS first, and how
    near the frameworks stay to the reference."""
    reached = [row for row in rows if row["updates_to_reach"] is not None]
    lines = []
    if reached:
        fastest = min(reached, key=lambda row: row["updates_to_reach"])
        slowest = max(reached, key=lambda row: row["updates_to_reach"])
        lines.append(
            f"{len(reached)} of {len(rows)} runs get below a loss of {REACHED_LOSS:g}; the"
            f" soonest is {fastest['optimizer']['name']} {fastest['update']}, after"
            f" {fastest['updates_to_reach']} updates, the latest"
            f" {slowest['optimizer']['name']} {slowest['update']}, after"
            f" {slowest['updates_to_reach']}."
        )
    else:
        lines.append(f"No run gets below a loss of {REACHED_LOSS:g}.")
    for key, sentence in (
        ("max_framework_distance", _keras_distance),
        ("max_pytorch_distance", _pytorch_distance),
        ("max_jax_distance", _jax_distance),
    ):
        if rows[0][key] is not None:
            lines.append(sentence(max(rows, key=lambda row: row[key]), rows))
    return lines


def _keras_distance(worst, rows):
    return (
        f"TensorFlow and Keras ({worst['framework_dtype']}) stay within"
        f" {worst['max_framework_distance']:.1e} of the reference of their own order and"
        f" optimizer; the largest distance is {worst['optimizer']['name']}"
        f" {worst['update']}'s, over {DISTANCE_MEANING}."
    )


def _pytorch_distance(worst, rows):
    return (
        f"PyTorch stays within {worst['max_pytorch_distance']:.1e} of the reference of"
        f" torch.optim's formulas, at {worst['optimizer']['name']} {worst['update']};"
        f" {_pytorch_bounce(rows)}"
    )


def _jax_distance(worst, rows):
    return (
        f"JAX ({worst['framework_dtype']}) stays within {worst['max_jax_distance']:.1e} of"
        f" the reference of optax's formulas, at {worst['optimizer']['name']}"
        f" {worst['update']}."
    )


def _pytorch_bounce(rows):
    """What PyTorch's largest distance is, in words: rounding, or RMSprop's bounce."""
    settled = [row for row in rows if row["optimizer"]["name"] != "rmsprop"]
    if not settled or max(row["max_pytorch_distance"] for row in rows) < 1e-3:
        return "float rounding, as for TensorFlow and Keras."
    rest = max(row["max_pytorch_distance"] for row in settled)
    return (
        f"without RMSprop, whose steps of about lr bounce the network once its gradients"
        f" are tiny (docs/pytorch.md), within {rest:.1e}."
    )
