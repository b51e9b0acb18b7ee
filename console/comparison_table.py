"""The comparison's rows laid out for a reader: the results table, its CSV, and the
--optimizer all table and CSV.  The rows and their verdicts are console/comparison.py's."""

import csv
import io

from numpy_ref.example import data_text
from numpy_ref.numbers import exact

from .comparison import DATA_FIELDS, DISTANCE_MEANING, REACHED_LOSS


def _loss(value):
    """Twelve characters: ten decimals, or e-notation for a loss too small for them."""
    return f"{value:12.10f}" if value >= 1e-6 else f"{value:12.4e}"


def _short(value):
    return f"{value:.1e}" if value else "0"


def hyperparameters(optimizer):
    """(name, value) of each hyperparameter in an optimizer's JSON (not its name, nor
    whose formulas it follows)."""
    return [(k, v) for k, v in optimizer.items() if k not in ("name", "formulas")]


def _title(rows, iterations):
    """The table's first line: the data, the run's size, rate and (when not SGD) optimizer."""
    optimizer = rows[0]["optimizer"]
    settings = ", ".join(f"{k} {exact(v)}" for k, v in hyperparameters(optimizer))
    named = (
        ""
        if optimizer["name"] == "sgd"
        else (f", {optimizer['name']}" + (f" ({settings})" if settings else ""))
    )
    data = data_text(rows[0])
    run = f"{iterations} iterations, learning rate {exact(rows[0]['learning_rate'])}{named}"
    if data:  # the data on a line of its own
        return f"Mazur's 2-2-2 network{data},\n{run}"
    return f"Mazur's 2-2-2 network, {run}"


def _outcome_cell(row):
    """The prediction o1, o2 of the one sample; for more samples, how many are right."""
    if row["prediction"] is None:
        return f"{row['samples_right']} of {row['samples']} right"
    o1, o2 = row["prediction"]
    return f"{o1:.5f}, {o2:.5f}"


def _reduction_cell(row):
    reduction = row["error_reduction_percent"]
    return "-" if reduction is None else f"{reduction:8.4f}%"


def format_table(rows, dtype, iterations):
    """Two 80-column tables: results, then distances from the references."""
    n = iterations
    one_sample = rows[0]["samples"] == 1
    head = (
        f"{'':10}  {'order':10}  {'loss at':>12}  {'loss after':>12}  "
        f"{'prediction' if one_sample else 'samples on':16}  {'error':>9}"
    )
    sub = (
        f"{'':10}  {'':10}  {f'iter. {n}':>12}  {f'{n} updates':>12}  "
        f"{'o1, o2' if one_sample else 'the right of 0.5':16}  {'reduction':>9}"
    )
    lines = [
        _title(rows, n),
        f"NumPy rows: the float64 reference; framework rows: {dtype}.",
        "",
        head,
        sub,
    ]
    for row in rows:
        lines.append(
            f"{row['label']:10}  {row['update']:10}  {row['last_iteration_loss']:12.10f}  "
            f"{row['final_loss']:12.10f}  {_outcome_cell(row):16}  {_reduction_cell(row):>9}"
        )
    lines += ["", *_distance_table(rows)]
    lines += ["", "How each row makes its gradients"]
    methods = dict.fromkeys((row["label"], row["method"]) for row in rows)
    lines += [f"  {label:10}  {method}" for label, method in methods]
    return "\n".join(lines)


def _distance_table(rows):
    """Each row's max |Δ| from the references of its own optimizer formulas, in both
    orders; and, where the libraries' formulas differ (every optimizer but plain
    SGD), from the other library's reference of its own order (comparison.OTHER_FORMULAS)."""
    formulas_differ = rows[0]["optimizer"]["name"] != "sgd"
    other = f"  {'other':>8}" if formulas_differ else ""
    lines = [
        f"max |Δ| over {DISTANCE_MEANING},",
        "against the NumPy reference of"
        + (
            " its own optimizer formulas (Keras's, torch.optim's or optax's), in"
            if formulas_differ
            else ""
        ),
        f"{'':10}  {'order':10}  {'same order':>10}  {'other order':>11}{other}  verdict",
    ]
    if formulas_differ:
        lines.insert(2, f"{'':10}  {'':10}  {'':10}  {'':11}  {'formulas':>8}")
    for row in rows:
        cell = f"  {_short(row['max_abs_diff_other_formulas']):>8}" if formulas_differ else ""
        lines.append(
            f"{row['label']:10}  {row['update']:10}  "
            f"{_short(row['max_abs_diff_same_order']):>10}  "
            f"{_short(row['max_abs_diff_other_order']):>11}{cell}  {row['verdict']}"
        )
    return lines


def hyperparameters_text(optimizer):
    """A CSV cell for an optimizer's hyperparameters: 'beta1=0.9 beta2=0.999 epsilon=1e-07'."""
    return " ".join(f"{name}={exact(value)}" for name, value in hyperparameters(optimizer))


CSV_FIELDS = (
    "label",
    "method",
    "implementation",
    "update",
    "dtype",
    "optimizer",
    "hyperparameters",
    "learning_rate",
    "iterations",
    "initial_loss",
    "last_iteration_loss",
    "final_loss",
    "prediction_o1",
    "prediction_o2",
    "error_reduction_percent",
    "max_abs_diff_same_order",
    "max_abs_diff_other_order",
    "formulas",
    "max_abs_diff_other_formulas",
    "verdict",
    *DATA_FIELDS,
    "samples_right",
)


def _csv_text(fields, rows):
    """The rows as CSV with these columns; the optimizer as its name and its
    hyperparameters, each in a column of its own."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {
                **row,
                "optimizer": row["optimizer"]["name"],
                "hyperparameters": hyperparameters_text(row["optimizer"]),
            }
        )
    return buffer.getvalue()


def format_csv(rows):
    return _csv_text(CSV_FIELDS, [{**row, **_prediction_columns(row)} for row in rows])


def _prediction_columns(row):
    """prediction_o1, prediction_o2 of the one sample (empty beyond one sample)."""
    o1, o2 = row["prediction"] or (None, None)
    return {"prediction_o1": o1, "prediction_o2": o2}


#: The --optimizer all table's distance columns, each where its frameworks ran: (key, heading).
DISTANCE_COLUMNS = (
    ("max_framework_distance", "TF, Keras"),
    ("max_pytorch_distance", "PyTorch"),
    ("max_jax_distance", "JAX"),
)


def _optimizer_rows(rows, iterations):
    """The --optimizer all table's heading and rows; a distance column for each
    library's frameworks that ran (TensorFlow and Keras, PyTorch, JAX)."""
    shown = [(key, name) for key, name in DISTANCE_COLUMNS if rows[0][key] is not None]

    def reached(row):
        return "never" if row["updates_to_reach"] is None else str(row["updates_to_reach"])

    lines = [
        f"{'optimizer':9}  {'order':10}  {'loss at':>12}  {'updates to':>12}"
        + "".join(f"  {name:>9}" for _, name in shown),
        f"{'':9}  {'':10}  {f'iter. {iterations}':>12}  {f'loss < {REACHED_LOSS:g}':>12}"
        + "".join(f"  {'distance':>9}" for _ in shown),
    ]
    for row in rows:
        lines.append(
            f"{row['optimizer']['name']:9}  {row['update']:10}  "
            f"{_loss(row['last_iteration_loss'])}  {reached(row):>12}"
            + "".join(f"  {_short(row[key]):>9}" for key, _ in shown)
        )
    return lines


def format_optimizer_table(rows, iterations, learning_rate):
    """--optimizer all as text: one row per optimizer and order."""
    data = data_text(rows[0])
    run = f"under every optimizer, {iterations} iterations, learning rate {exact(learning_rate)}"
    lines = [
        *(
            [f"Mazur's 2-2-2 network{data},", run]
            if data  # the data on a line of its own
            else [f"Mazur's 2-2-2 network {run}"]
        ),
        "Losses and updates: the float64 NumPy reference (Keras's formulas). Distance:",
        f"the frameworks' ({rows[0]['framework_dtype']}) largest max |Δ| from the reference of"
        " their own",
        f"optimizer formulas, over {DISTANCE_MEANING}.",
        "",
        *_optimizer_rows(rows, iterations),
    ]
    lines += ["", "Hyperparameters (Keras's defaults unless given)"]
    seen = {}
    for row in rows:
        seen.setdefault(row["optimizer"]["name"], row["optimizer"])
    for name, optimizer in seen.items():
        settings = ", ".join(f"{k} {exact(v)}" for k, v in hyperparameters(optimizer))
        lines.append(f"  {name:9}  {settings or '-'}")
    return "\n".join(lines)


OPTIMIZER_CSV_FIELDS = (
    "optimizer",
    "hyperparameters",
    "update",
    "last_iteration_loss",
    "final_loss",
    "updates_to_reach",
    "max_framework_distance",
    "max_pytorch_distance",
    "max_jax_distance",
    "framework_dtype",
    *DATA_FIELDS,
)


def format_optimizer_csv(rows):
    return _csv_text(OPTIMIZER_CSV_FIELDS, rows)
